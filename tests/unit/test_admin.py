"""Every admin changelist renders for a superuser, with search and filters; the session page shows its inlines."""

from datetime import timedelta

import pytest
from django.utils import timezone

from sessionroom_xblock import tasks
from sessionroom_xblock.models import Attendance, Feedback, Recording, ReminderDelivery, SweepRun, TutoringSession
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


def page_messages(response) -> list[tuple[str, str]]:
    return [(message.level_tag, str(message)) for message in response.context["messages"]]


def test_the_admin_says_when_no_sweep_ever_ran_and_how_many_reminders_are_overdue(admin_client, session):
    TutoringSession.objects.filter(pk=session.pk).update(next_reminder_at=timezone.now() - timedelta(minutes=10))
    shown = page_messages(admin_client.get("/admin/sessionroom_xblock/tutoringsession/"))
    assert ("warning", "The reminders sweep has never run.") in shown
    assert ("warning", "The closing sweep has never run.") in shown
    assert ("warning", "1 reminder is overdue.") in shown


def test_the_admin_shows_each_sweeps_last_run(admin_client, session):
    TutoringSession.objects.filter(pk=session.pk).update(next_reminder_at=timezone.now() - timedelta(minutes=10))
    for run in (tasks.run_reminders, tasks.run_closing, tasks.run_recording_poll):
        run()
    response = admin_client.get("/admin/sessionroom_xblock/sweeprun/")
    shown = page_messages(response)
    for name in ("reminders", "closing", "recordings"):
        assert ("info", f"The {name} sweep last ran 0\xa0minutes ago.") in shown
    assert ("info", "0 reminders are overdue.") in shown
    runs = {run.name: run for run in response.context["cl"].result_list}
    assert runs["reminders"].last_result["claimed"] == 1 and runs["reminders"].last_error == ""


def test_a_failing_sweep_is_shown_with_its_error(admin_client, monkeypatch):
    from sessionroom_xblock.background import closing

    def broken(*args, **kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(closing, "close_sessions", broken)
    with pytest.raises(RuntimeError):
        tasks.run_closing()
    shown = page_messages(admin_client.get("/admin/sessionroom_xblock/sweeprun/"))
    assert ("warning", "The closing sweep has never run.") in shown
    assert SweepRun.objects.get(name="closing").last_error == "RuntimeError: database went away"
