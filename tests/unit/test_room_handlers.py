"""The room's JSON actions through the XBlock handler: join, heartbeat, leave, failure, feedback, events."""

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from sessionroom_xblock.models import Attendance, Feedback, TutoringSession
from tests.factories import call_handler, events, make_block, make_session

pytestmark = pytest.mark.django_db


def act(username, action, session, **payload):
    block = make_block(username)
    status, body = call_handler(block, action, {"session": str(session.pk), **payload})
    return block, status, body


def test_learner_joins_first_and_waits_then_the_tutor_starts_the_session(session):
    block, status, body = act("learner", "join", session)
    assert status == 200
    assert body["ticket"]["kind"] == "p2p" and body["ticket"]["config"]["polite"] is True
    assert body["state"]["state"] == "waiting" and body["state"]["waiting_for"] == "Waiting for Tomás Okafor…"
    joined = events(block, "session_joined")
    assert joined[0]["session_id"] == str(session.pk) and 0 < joined[0]["time_before_start"] <= 300

    tutor_block, status, body = act("tutor", "join", session)
    assert status == 200 and body["state"]["state"] == "in_progress"
    assert body["ticket"]["config"]["polite"] is False
    assert events(tutor_block, "session_started") == [{"session_id": str(session.pk)}]
    session.refresh_from_db()
    assert session.status == TutoringSession.Status.IN_PROGRESS and session.started_at is not None

    again, status, _ = act("tutor", "join", session)
    assert status == 200 and events(again, "session_started") == []


def test_heartbeat_keeps_presence_and_reports_state(session):
    act("learner", "join", session)
    _, status, body = act("learner", "heartbeat", session)
    assert status == 200 and body["viewer_present"] is True and body["state"] == "waiting"


def test_heartbeat_without_join_does_not_enter_the_room(session):
    _, status, body = act("learner", "heartbeat", session)
    assert status == 200 and body["state"] == "joinable"
    assert not Attendance.objects.filter(session=session, joined_at__isnull=False).exists()


def test_learner_leaving_keeps_the_session_open(session):
    act("learner", "join", session)
    _, status, body = act("learner", "leave", session)
    assert status == 200 and body["state"] == "joinable"
    session.refresh_from_db()
    assert session.status == TutoringSession.Status.SCHEDULED
    assert Attendance.objects.get(session=session, user=session.learner).left_at is not None


def test_tutor_leaving_ends_the_session_once(session):
    act("learner", "join", session)
    act("tutor", "join", session)
    block, status, body = act("tutor", "leave", session)
    assert status == 200 and body["state"] == "ended" and body["screen"] == "post"
    assert len(events(block, "session_ended")) == 1 and events(block, "session_ended")[0]["duration"] >= 0
    session.refresh_from_db()
    assert session.status == TutoringSession.Status.COMPLETED and session.ended_at is not None
    block, status, body = act("tutor", "leave", session)
    assert events(block, "session_ended") == []
    _, status, body = act("learner", "state", session)
    assert body["state"] == "ended"


def test_join_refused_before_the_window_and_after_the_end(learner, tutor):
    early = make_session(learner, tutor, start=timezone.now() + timedelta(hours=2))
    _, status, body = act("learner", "join", early)
    assert status == 409 and body["error"] == "early"
    over = make_session(learner, tutor, start=timezone.now() - timedelta(hours=2))
    _, status, body = act("learner", "join", over)
    assert status == 409 and body["message"] == "This session has ended."
    assert not Attendance.objects.filter(session__in=[early, over]).exists()


def test_failure_shows_technical_issues_until_a_new_join(session):
    act("learner", "join", session)
    block, status, body = act("learner", "failure", session, error_type="ice_failed<script>")
    assert status == 200 and body["state"] == "technical_issues"
    assert events(block, "tech_issue") == [{"session_id": str(session.pk), "error_type": "ice_failedscript"}]
    _, status, body = act("learner", "join", session)
    assert status == 200 and body["state"]["state"] == "waiting"


@pytest.mark.parametrize(
    "payload,field",
    [
        ({"rating": 0}, "rating"),
        ({"rating": 6}, "rating"),
        ({"rating": "5"}, "rating"),
        ({"rating": True}, "rating"),
        ({}, "rating"),
        ({"rating": 4, "comment": 12}, "comment"),
        ({"rating": 4, "comment": "x" * 2001}, "comment"),
    ],
)
def test_feedback_validation_is_a_clear_400(session, payload, field):
    act("learner", "join", session)
    _, status, body = act("learner", "feedback", session, **payload)
    assert status == 400 and body["field"] == field and body["message"]
    assert not Feedback.objects.exists()


def test_feedback_twice_updates_and_publishes(session):
    act("learner", "join", session)
    block, status, body = act("learner", "feedback", session, rating=4, comment="  Helpful  ")
    assert status == 200 and body["created"] is True
    assert events(block, "feedback_submitted")[0] == {
        "session_id": str(session.pk),
        "rating": 4,
        "user_role": "learner",
    }
    _, status, body = act("learner", "feedback", session, rating=5, comment="Great")
    assert status == 200 and body["created"] is False
    feedback = Feedback.objects.get()
    assert (feedback.rating, feedback.comment, feedback.author_id) == (5, "Great", session.learner_id)


def test_feedback_before_the_session_is_refused(learner, tutor):
    early = make_session(learner, tutor, start=timezone.now() + timedelta(hours=2))
    _, status, _ = act("learner", "feedback", early, rating=5)
    assert status == 409 and not Feedback.objects.exists()


def test_malformed_requests(session):
    block = make_block("learner")
    assert call_handler(block, "state", b"{not json")[0] == 400
    assert call_handler(block, "state", [1, 2])[0] == 400
    status, body = call_handler(block, "no-such-action", {"session": str(session.pk)})
    assert status == 404
    assert call_handler(block, "state", {"session": str(session.pk)}, method="GET")[0] == 405


def test_render_publishes_page_view_and_shows_the_next_session(session):
    block = make_block("learner")
    html = block.render("student_view").body_html()
    assert str(session.pk) in html or "Tomás Okafor" in html
    assert events(block, "page_view") == [{"session_id": str(session.pk), "user_role": "learner"}]


def test_viewer_without_a_session_gets_the_friendly_empty_state(stranger):
    html = make_block("stranger").render("student_view").body_html()
    assert "No upcoming session" in html


def test_finds_the_current_session_rather_than_a_later_one(learner, tutor):
    later = make_session(learner, tutor, start=timezone.now() + timedelta(days=2))
    current = make_session(learner, tutor, start=timezone.now() - timedelta(minutes=5))
    block = make_block("learner")
    block.render("student_view")
    assert events(block, "page_view")[0]["session_id"] == str(current.pk) != str(later.pk)


def test_times_are_shown_in_each_viewers_time_zone(session, settings):
    settings.SESSIONROOM = {
        **settings.SESSIONROOM,
        "DEV_USER_PREFERENCES": {"learner": {"time_zone": "America/Bogota"}, "tutor": {"time_zone": "Asia/Tokyo"}},
    }
    start = session.scheduled_start
    learner_html = make_block("learner").render("student_view").body_html()
    tutor_html = make_block("tutor").render("student_view").body_html()
    assert "America/Bogota" in learner_html and "Asia/Tokyo" in tutor_html
    bogota = start.astimezone(ZoneInfo("America/Bogota")).strftime("%H:%M")
    tokyo = start.astimezone(ZoneInfo("Asia/Tokyo")).strftime("%H:%M")
    assert bogota in learner_html and tokyo in tutor_html


def test_a_tutors_closing_tab_does_not_end_the_session(session):
    act("learner", "join", session)
    act("tutor", "join", session)
    block, status, body = act("tutor", "leave", session, closing=True)
    assert status == 200 and body["state"] == "joinable" and events(block, "session_ended") == []
    session.refresh_from_db()
    assert session.status == TutoringSession.Status.IN_PROGRESS
    _, status, body = act("tutor", "join", session)
    assert status == 200 and body["state"]["state"] == "in_progress"


def test_recording_link_reaches_the_participants_only(learner, tutor, staff):
    from sessionroom_xblock.models import Recording  # noqa: PLC0415

    past = make_session(learner, tutor, start=timezone.now() - timedelta(hours=2), recording_enabled=True)
    past.status = TutoringSession.Status.COMPLETED
    past.save()
    _, _, body = act("learner", "state", past)
    assert body["recording"] == {"enabled": True, "ready": False}
    Recording.objects.create(
        session=past, provider_recording_id="r1", state=Recording.State.READY, playback_url="https://video.example/r1"
    )
    for username in ("learner", "tutor"):
        _, _, body = act(username, "state", past)
        assert body["recording"] == {"enabled": True, "ready": True, "url": "https://video.example/r1"}
    _, status, body = act("staff", "state", past)
    assert status == 200 and body["recording"] == {"enabled": True, "ready": False}
