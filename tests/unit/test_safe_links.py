"""Configured links become an href only when they are http(s) or a path on this site; others fall back."""

import json
import logging
import uuid

import pytest

from sessionroom_xblock.safe_links import is_safe_link
from sessionroom_xblock.screens.presenters import script_safe_json
from tests.factories import make_block

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("url", "safe"),
    [
        ("https://booking.example.org/book?x=1", True),
        ("HTTP://booking.example.org", True),
        ("/dashboard", True),
        ("/courses/course-v1:A+B+C/", True),
        ("javascript:alert(1)", False),
        (" JavaScript:alert(1)", False),
        ("java\tscript:alert(1)", False),
        ("\x01javascript:alert(1)", False),
        ("data:text/html,<script>alert(1)</script>", False),
        ("vbscript:msgbox(1)", False),
        ("//evil.example/", False),
        ("/\\evil.example/", False),
        ("/\t/evil.example/", False),
        ("https:evil.example", False),
        ("http://", False),
        ("dashboard", False),
        ("", False),
    ],
)
def test_only_http_links_and_paths_on_this_site_are_safe(url, safe):
    assert is_safe_link(url) is safe


def unique(url: str) -> str:
    """Each test its own link: a bad link is logged once per process."""
    return f"{url}/*{uuid.uuid4().hex}*/"


def test_block_links_set_outside_studio_fall_back_to_the_sites(session, settings):
    settings.SESSIONROOM = {
        **settings.SESSIONROOM,
        "BOOKING_URL": "https://booking.example.org/book",
        "DASHBOARD_URL": "/home/",
    }
    block = make_block(
        "learner",
        booking_url="javascript:alert(1)",
        dashboard_url=" javascript:alert(2)",
        resource_links="Notes | javascript:alert(3)\nElsewhere | /\\evil.example\nGuide | /guide",
    )
    html = block.render("student_view").body_html()
    assert "javascript:" not in html and "evil.example" not in html
    assert 'href="https://booking.example.org/book?course_id=' in html
    assert 'href="/home/"' in html
    assert 'href="/guide"' in html


def test_unsafe_site_settings_are_dropped_for_the_defaults_and_logged_once(session, settings, caplog):
    booking, dashboard = unique("javascript:alert(1)"), unique("data:text/html,x")
    settings.SESSIONROOM = {
        **settings.SESSIONROOM,
        "BOOKING_URL": booking,
        "DASHBOARD_URL": dashboard,
        "COURSE_URL_TEMPLATE": "javascript:alert('{course_key}')",
    }
    with caplog.at_level(logging.WARNING, logger="sessionroom_xblock.safe_links"):
        for _ in range(2):
            html = make_block("learner").render("student_view").body_html()
            assert "javascript:" not in html and "data:" not in html
            assert 'href="/dashboard"' in html
            assert f'href="/courses/{session.course_key}/"' in html
            assert 'data-request="reschedule"' in html, "no booking page: the in-app request"
    logged = [record.getMessage() for record in caplog.records]
    assert sum(booking in message for message in logged) == 1
    assert sum(dashboard in message for message in logged) == 1


def test_the_init_arguments_hold_nothing_that_could_end_their_script_element():
    value = {"name": "</script><img src=x onerror=alert(1)>&<!--\u2028\u2029"}
    text = script_safe_json(value)
    assert not {"<", ">", "&", "\u2028", "\u2029"} & set(text)
    assert json.loads(text) == value


def test_the_rendered_block_carries_a_hostile_name_only_escaped(session, tutor):
    tutor.first_name = "</script><img src=x onerror=alert(1)>\u2028"
    tutor.save()
    html = make_block("learner").render("student_view").body_html()
    assert "</script><img" not in html and "<img src=x" not in html
    assert "\u2028" not in html.split('class="xblock_json_init_args">')[1].split("</script>")[0]
