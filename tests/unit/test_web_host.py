"""What our own pages do inside an LMS: sign-in for signed-out visitors, security headers, course home link.

The LMS runs ``XFrameOptionsMiddleware`` (DENY by default, SAMEORIGIN in Tutor); the dev host adds it
here through ``settings`` so the exemption is tested against the real middleware.
"""

from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client
from django.urls import reverse

from sessionroom_xblock.screens import presenters
from sessionroom_xblock.web.headers import frame_ancestors

pytestmark = pytest.mark.django_db


@pytest.fixture
def lms_middleware(settings):
    settings.MIDDLEWARE = [*settings.MIDDLEWARE, "django.middleware.clickjacking.XFrameOptionsMiddleware"]
    settings.X_FRAME_OPTIONS = "SAMEORIGIN"
    settings.LOGIN_URL = "/login"


def signed_in(username):
    client = Client()
    client.get("/", {"student": username})
    return client


def test_signed_out_visitor_is_sent_to_sign_in_and_back(session, lms_middleware):
    page = reverse("sessionroom:session-page", args=[session.pk])
    response = Client().get(page, {"join": "1"})
    assert response.status_code == 302
    target = urlsplit(response["Location"])
    assert target.path == "/login"
    assert parse_qs(target.query)["next"] == [f"{page}?join=1"]


def test_the_left_bridge_needs_no_sign_in(session, lms_middleware):
    """BBB's logoutURL loads in the room's frame after a cross-site redirect, often without the cookie."""
    response = Client().get(reverse("sessionroom:session-page", args=[session.pk]), {"left": "1"})
    assert response.status_code == 403  # nobody to show the session to, but the bridge script is there
    assert "sessionroom:left" in response.content.decode()


@pytest.mark.parametrize("x_frame_options", ["DENY", "SAMEORIGIN"])
def test_direct_page_is_framable_by_the_mfe_chain_only(session, lms_middleware, settings, x_frame_options):
    settings.X_FRAME_OPTIONS = x_frame_options
    settings.LEARNING_MICROFRONTEND_URL = "https://apps.lms.example/learning/"
    response = signed_in("learner").get(reverse("sessionroom:session-page", args=[session.pk]))
    assert response.status_code == 200
    assert "X-Frame-Options" not in response
    assert response["Content-Security-Policy"] == "frame-ancestors 'self' https://apps.lms.example"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


def test_actions_and_webhooks_send_the_headers_too(session, lms_middleware):
    action = reverse("sessionroom:session-action", args=[session.pk, "state"])
    response = signed_in("learner").post(action, "{}", content_type="application/json")
    hook = Client().post(reverse("sessionroom:webhook", args=["nosuch", ""]))
    for answer in (response, hook):
        assert answer["X-Content-Type-Options"] == "nosniff"
        assert answer["Content-Security-Policy"].startswith("frame-ancestors ")


def test_frame_ancestors_setting_wins(settings):
    settings.SESSIONROOM = {**settings.SESSIONROOM, "FRAME_ANCESTORS": ["'self'", "https://apps.example"]}
    assert frame_ancestors() == ["'self'", "https://apps.example"]


def test_course_link_goes_to_the_mfe_course_home(session, settings):
    settings.LEARNING_MICROFRONTEND_URL = "https://apps.lms.example/learning"
    assert presenters._course_url(session) == (
        "https://apps.lms.example/learning/course/course-v1:SessionRoom+Algebra101+2026/home"
    )


def test_course_link_without_an_mfe_is_the_legacy_course_page(session, settings):
    settings.LEARNING_MICROFRONTEND_URL = ""
    assert presenters._course_url(session) == "/courses/course-v1:SessionRoom+Algebra101+2026/"


def test_course_link_template_from_settings_wins(session, settings):
    settings.LEARNING_MICROFRONTEND_URL = "https://apps.lms.example/learning"
    settings.SESSIONROOM = {**settings.SESSIONROOM, "COURSE_URL_TEMPLATE": "/c/{course_key}"}
    assert presenters._course_url(session) == "/c/course-v1:SessionRoom+Algebra101+2026"
