"""Joining through a failing media server: the spec's message, a tech_issue event, and a session left intact.

Also: both participants joining at the same instant create one room, and no secret reaches a response,
the page or a log line.
"""

import logging
import threading

import pytest
from django.db import close_old_connections, connection

from sessionroom_xblock.actions import dispatch
from sessionroom_xblock.models import Attendance, TutoringSession
from tests.factories import action_context, call_handler, events, make_block, make_session
from tests.fakes_fixtures import BBB_SECRET, bbb_config
from tests.plugnmeet_fixtures import API_SECRET, provider_config

pytest_plugins = ("tests.fakes_fixtures",)
UNAVAILABLE = "Video service unavailable. Try again."


@pytest.fixture
def bbb_site(settings, fake_bbb):
    settings.SESSIONROOM = {
        **settings.SESSIONROOM,
        "PROVIDERS": {**settings.SESSIONROOM["PROVIDERS"], "bbb": bbb_config(fake_bbb, READ_TIMEOUT=0.5)},
    }
    return fake_bbb


@pytest.fixture
def plugnmeet_site(settings):
    from fakes.plugnmeet import FakePlugNmeet
    from tests.plugnmeet_fixtures import API_KEY

    fake = FakePlugNmeet(API_KEY, API_SECRET)
    url = fake.start()
    settings.SESSIONROOM = {
        **settings.SESSIONROOM,
        "PROVIDERS": {**settings.SESSIONROOM["PROVIDERS"], "plugnmeet": provider_config(url, READ_TIMEOUT=0.5)},
    }
    yield fake
    fake.stop()


FAULTS = {
    "timeout": ("delay", 2.0, "timeout"),
    "refused": ("down", True, "connection"),
    "http_500": ("fail_status", 500, "http_status"),
    "garbled": ("garbage", True, "malformed"),
}


def assert_intact(session):
    session.refresh_from_db()
    assert session.status == TutoringSession.Status.SCHEDULED and session.provider_room_id == ""
    # Nobody joined; the failure is remembered, so the viewer's state is Technical Issues until a join works.
    assert not Attendance.objects.filter(session=session, joined_at__isnull=False).exists()
    assert Attendance.objects.filter(session=session, last_failure_at__isnull=False).exists()


@pytest.mark.django_db
@pytest.mark.parametrize("fault", sorted(FAULTS))
@pytest.mark.parametrize("provider", ["bbb", "plugnmeet"])
def test_join_through_a_failing_provider(request, fault, provider, learner, tutor, caplog):
    fake = request.getfixturevalue(f"{provider}_site")
    attribute, value, error_type = FAULTS[fault]
    setattr(fake, attribute, value)
    session = make_session(learner, tutor, provider=provider)
    block = make_block("learner")
    with caplog.at_level(logging.DEBUG):
        status, body = call_handler(block, "join", {"session": str(session.pk)})
    assert (status, body["message"], body["error_type"]) == (503, UNAVAILABLE, error_type)
    assert events(block, "tech_issue") == [{"session_id": str(session.pk), "error_type": error_type}]
    assert_intact(session)
    for secret in (BBB_SECRET, API_SECRET):
        assert secret not in str(body) and secret not in caplog.text


@pytest.mark.django_db
def test_unconfigured_provider_is_unavailable_for_learners(learner, tutor):
    session = make_session(learner, tutor, provider="bbb")
    status, body = call_handler(make_block("learner"), "join", {"session": str(session.pk)})
    assert (status, body["message"], body["error_type"]) == (503, UNAVAILABLE, "not_configured")
    assert_intact(session)
    # The page the learner has open follows: Technical Issues (with "Try again"), not "Joinable".
    status, state = call_handler(make_block("learner"), "state", {"session": str(session.pk)})
    assert (status, state["state"], state["status_label"]) == (200, "technical_issues", "Technical Issues")


@pytest.mark.django_db
def test_unconfigured_block_provider_tells_staff_what_to_fix(staff):
    html = make_block("staff", provider="bbb").render("author_view").body_html()
    assert "is not configured on this site" in html


@pytest.mark.django_db(transaction=True)
def test_two_participants_joining_at_once_create_one_room(bbb_site, learner, tutor):
    if connection.vendor == "sqlite":
        pytest.skip("SQLite's in-memory test database locks whole tables across threads; this runs on MariaDB")
    session = make_session(learner, tutor, provider="bbb")
    barrier = threading.Barrier(2)
    results = {}

    # The actions are called below the XBlock: the workbench's own field store is not thread-safe.
    def join(username):
        ctx = action_context(learner if username == "learner" else tutor)
        try:
            barrier.wait()
            results[username] = dispatch.dispatch("join", ctx, {"session": str(session.pk)})
        finally:
            close_old_connections()

    threads = [threading.Thread(target=join, args=(name,)) for name in ("learner", "tutor")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert {name: result[0] for name, result in results.items()} == {"learner": 200, "tutor": 200}
    assert list(bbb_site.meetings) == [f"sessionroom-{session.pk}"]
    assert bbb_site.calls["create"] == 2 and bbb_site.calls["join"] == 0
    session.refresh_from_db()
    assert session.provider_room_id == f"sessionroom-{session.pk}"


@pytest.mark.django_db
def test_no_secret_in_pages_tickets_or_logs(bbb_site, learner, tutor, caplog, client):
    session = make_session(learner, tutor, provider="bbb")
    with caplog.at_level(logging.DEBUG):
        status, body = call_handler(make_block("learner"), "join", {"session": str(session.pk)})
        html = make_block("tutor").render("student_view").body_html()
        client.get("/", {"student": "learner"})
        page = client.get(f"/sessionroom/session/{session.pk}/").content.decode()
    assert status == 200 and "checksum=" in body["ticket"]["url"]
    for text in (str(body), html, page, caplog.text):
        assert BBB_SECRET not in text
