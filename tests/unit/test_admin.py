"""Every admin changelist renders for a superuser, with search and filters; the session page shows its inlines."""

import pytest
from django.utils import timezone

from sessionroom_xblock.models import Attendance, Feedback, Recording, ReminderDelivery
from tests.factories import make_user

CHANGELISTS = {
    "tutoringsession": [
        "",
        "?q=learner",
        "?q=Algebra101",
        "?status__exact=scheduled",
        "?recording_enabled__exact=0",
        "?course_key=course-v1%3ASessionRoom%2BAlgebra101%2B2026",
        "?scheduled_start__year=" + str(timezone.now().year),
    ],
    "attendance": ["", "?q=tutor@example.org", "?via__exact=client"],
    "feedback": ["", "?q=learner", "?rating__exact=5"],
    "recording": ["", "?q=rec-1", "?state__exact=ready"],
    "reminderdelivery": ["", "?q=learner", "?kind__exact=1h", "?sent_at__isempty=1"],
}


@pytest.fixture
def admin_client(client, db):
    """A superuser's browser (signed in without a password: hashing one per test is slow)."""
    client.force_login(make_user("root", is_staff=True, is_superuser=True))
    return client


@pytest.fixture
def rows(session, learner, tutor):
    now = timezone.now()
    Attendance.objects.create(session=session, user=tutor, joined_at=now)
    Feedback.objects.create(session=session, author=learner, rating=5, comment="Clear explanations")
    Recording.objects.create(session=session, provider_recording_id="rec-1", state=Recording.State.READY)
    ReminderDelivery.objects.create(session=session, user=learner, kind="1h", scheduled_start=session.scheduled_start)
    return session


@pytest.mark.parametrize("model,query", [(model, query) for model, queries in CHANGELISTS.items() for query in queries])
def test_changelists_render_with_search_and_filters(admin_client, rows, model, query):
    response = admin_client.get(f"/admin/sessionroom_xblock/{model}/{query}")
    assert response.status_code == 200, response.content[:500]
    assert response.context["cl"].result_count == 1


def test_filters_and_search_exclude_what_does_not_match(admin_client, rows):
    found = admin_client.get("/admin/sessionroom_xblock/tutoringsession/?q=tutor@example.org")
    missing = admin_client.get("/admin/sessionroom_xblock/tutoringsession/?q=nobody")
    assert found.context["cl"].result_count == 1 and missing.context["cl"].result_count == 0
    for query in ("?q=Physics", "?status__exact=cancelled", "?provider__exact=bbb"):
        response = admin_client.get(f"/admin/sessionroom_xblock/tutoringsession/{query}")
        assert response.context["cl"].result_count == 0, query


def test_session_page_shows_attendance_feedback_and_recordings(admin_client, rows):
    response = admin_client.get(f"/admin/sessionroom_xblock/tutoringsession/{rows.pk}/change/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "Clear explanations" in html and "rec-1" in html and "Attendance" in html
