"""The scheduling service: every rule a booking must pass, from whichever door it comes."""

import threading
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.utils import timezone

from sessionroom_xblock.models import TutoringSession
from sessionroom_xblock.sessions import scheduling
from sessionroom_xblock.sessions.scheduling import Booking, SchedulingError
from tests.factories import COURSE, OTHER_COURSE, make_session, make_user

STATUS = TutoringSession.Status


def tomorrow(hour=10, minute=0):
    """A start safely in the future, on a whole minute."""
    day = timezone.now() + timedelta(days=1)
    return day.replace(hour=hour, minute=minute, second=0, microsecond=0)


def book(learner, tutor, start, minutes=30, course=COURSE):
    return scheduling.create(
        Booking(course_key=course, learner=learner, tutor=tutor, start=start, end=start + timedelta(minutes=minutes)),
        timezone.now(),
    )


def refusal(call, *args, **kwargs) -> SchedulingError:
    with pytest.raises(SchedulingError) as caught:
        call(*args, **kwargs)
    return caught.value


def test_create_books_a_scheduled_session(learner, tutor):
    session = book(learner, tutor, tomorrow())
    assert session.status == STATUS.SCHEDULED
    assert (session.learner, session.tutor, session.course_key) == (learner, tutor, COURSE)
    assert session.scheduled_end - session.scheduled_start == timedelta(minutes=30)


def test_end_before_start_is_refused(learner, tutor):
    start = tomorrow()
    error = refusal(
        scheduling.create,
        Booking(COURSE, learner, tutor, start, start - timedelta(minutes=5)),
        timezone.now(),
    )
    assert (error.status, error.field, error.text()) == (400, "scheduled_end", "The end must be after the start.")


def test_start_in_the_past_is_refused(learner, tutor):
    error = refusal(book, learner, tutor, timezone.now() - timedelta(minutes=1))
    assert (error.status, error.field) == (400, "scheduled_start")
    assert "in the past" in error.text()


@pytest.mark.parametrize("minutes", [5, 241])
def test_length_out_of_bounds_is_refused(learner, tutor, minutes):
    error = refusal(book, learner, tutor, tomorrow(), minutes)
    assert error.text() == "A session lasts from 15 to 240 minutes."


def test_bounds_come_from_settings(learner, tutor, settings):
    settings.SESSIONROOM = {**settings.SESSIONROOM, "SESSION_MIN_MINUTES": 5}
    assert book(learner, tutor, tomorrow(), 5).pk


def test_naive_times_are_refused(learner, tutor):
    start = tomorrow().replace(tzinfo=None)
    error = refusal(scheduling.validate_times, start, start + timedelta(minutes=30), timezone.now())
    assert error.field == "scheduled_start"


def test_learner_and_tutor_must_differ(learner):
    error = refusal(book, learner, learner, tomorrow())
    assert (error.field, error.status) == ("tutor", 400)


@pytest.mark.parametrize(
    "minute,minutes,clashes",
    [(0, 30, True), (20, 30, True), (-20, 30, True), (-30, 30, False), (30, 30, False), (5, 15, True)],
)
def test_overlaps_with_the_tutors_open_session_are_refused(learner, tutor, minute, minutes, clashes):
    existing = book(learner, tutor, tomorrow())
    other_learner = make_user("second", first_name="Bo", last_name="Lind")
    start = existing.scheduled_start + timedelta(minutes=minute)
    if not clashes:
        assert book(other_learner, tutor, start, minutes).pk
        return
    error = refusal(book, other_learner, tutor, start, minutes)
    assert (error.status, error.code, error.details["conflict"]) == (409, "conflict", str(existing.pk))
    expected = existing.scheduled_start.strftime("%Y-%m-%d %H:%M")
    assert error.text() == f"Tomás Okafor already has a session from {expected} to " + (
        f"{existing.scheduled_end:%H:%M} (UTC)."
    )


def test_the_learner_cannot_be_double_booked_either_in_another_course(learner, tutor):
    book(learner, tutor, tomorrow(), course=OTHER_COURSE)
    error = refusal(book, learner, make_user("tutor2"), tomorrow(10, 15))
    assert error.text().startswith("Ana García already has a session")


def test_conflict_times_are_shown_in_the_requested_zone(learner, tutor):
    existing = book(learner, tutor, tomorrow(10))
    error = refusal(
        scheduling.check_clashes, learner, tutor, existing.scheduled_start, existing.scheduled_end, "Asia/Tokyo"
    )
    assert "19:00 to 19:30 (Asia/Tokyo)" in error.text()


@pytest.mark.parametrize("status", [STATUS.CANCELLED, STATUS.COMPLETED, STATUS.NO_SHOW])
def test_closed_sessions_do_not_clash(learner, tutor, status):
    make_session(learner, tutor, start=tomorrow(), status=status)
    assert book(learner, tutor, tomorrow()).pk


def test_reschedule_moves_the_session_and_may_overlap_its_old_time(learner, tutor):
    session = book(learner, tutor, tomorrow())
    scheduling.reschedule(session, tomorrow(10, 15), tomorrow(11), timezone.now())
    session.refresh_from_db()
    assert (session.scheduled_start, session.scheduled_end) == (tomorrow(10, 15), tomorrow(11))


def test_reschedule_into_a_clash_is_refused(learner, tutor):
    first = book(learner, tutor, tomorrow(10))
    second = book(learner, tutor, tomorrow(12))
    error = refusal(scheduling.reschedule, second, tomorrow(10, 10), tomorrow(10, 40), timezone.now())
    assert error.details["conflict"] == str(first.pk)


def test_reschedule_into_the_past_is_refused(learner, tutor):
    session = book(learner, tutor, tomorrow())
    past = timezone.now() - timedelta(hours=1)
    assert refusal(scheduling.reschedule, session, past, past + timedelta(minutes=30), timezone.now()).status == 400


@pytest.mark.parametrize("status", [STATUS.IN_PROGRESS, STATUS.COMPLETED, STATUS.NO_SHOW])
def test_started_or_closed_sessions_cannot_be_moved_or_cancelled(learner, tutor, status):
    session = make_session(learner, tutor, start=tomorrow(), status=status)
    assert refusal(scheduling.reschedule, session, tomorrow(12), tomorrow(13), timezone.now()).status == 409
    assert refusal(scheduling.cancel, session).code == "not_scheduled"


def test_cancel_is_idempotent(learner, tutor):
    session = book(learner, tutor, tomorrow())
    assert scheduling.cancel(session).status == STATUS.CANCELLED
    assert scheduling.cancel(session).status == STATUS.CANCELLED
    session.refresh_from_db()
    assert session.status == STATUS.CANCELLED


def test_users_resolve_by_username_email_or_id(learner):
    assert scheduling.resolve_user("learner", "learner") == learner
    assert scheduling.resolve_user("LEARNER@example.org", "learner") == learner
    assert scheduling.resolve_user(str(learner.pk), "learner") == learner
    assert scheduling.resolve_user(learner.pk, "learner") == learner


@pytest.mark.parametrize("who,message", [("", "Enter a username or email."), ("ghost", "No user matches “ghost”.")])
def test_unknown_users_are_refused(db, who, message):
    error = refusal(scheduling.resolve_user, who, "tutor")
    assert (error.status, error.field, error.text()) == (400, "tutor", message)


def test_inactive_users_cannot_be_booked(db):
    make_user("gone", is_active=False)
    assert refusal(scheduling.resolve_user, "gone", "learner").field == "learner"


def test_local_times_are_read_in_their_explicit_zone():
    assert scheduling.local_to_utc("2026-07-01", "10:00", "Europe/Madrid") == datetime(2026, 7, 1, 8, tzinfo=UTC)
    assert scheduling.local_to_utc("2026-12-01", "10:00", "Europe/Madrid") == datetime(2026, 12, 1, 9, tzinfo=UTC)


@pytest.mark.parametrize(
    "date,time,zone,field",
    [
        ("2026-07-01", "10:00", "", "time_zone"),
        ("2026-07-01", "10:00", "Mars/Base", "time_zone"),
        ("tomorrow", "", "UTC", "start"),
    ],
)
def test_bad_local_times_name_the_field(date, time, zone, field):
    assert refusal(scheduling.local_to_utc, date, time, zone).field == field


def test_duration_must_be_a_number():
    assert refusal(scheduling.duration_end, tomorrow(), "long").field == "duration"


def test_each_change_is_announced_after_commit(learner, tutor, django_capture_on_commit_callbacks):
    heard = []

    def listen(signal_name):
        return lambda sender, session, **kwargs: heard.append((signal_name, session.pk, session.status))

    receivers = {name: listen(name) for name in ("scheduled", "rescheduled", "cancelled")}
    for name, receiver in receivers.items():
        getattr(scheduling, f"session_{name}").connect(receiver)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            session = book(learner, tutor, tomorrow())
            scheduling.reschedule(session, tomorrow(12), tomorrow(13), timezone.now())
            scheduling.cancel(session)
            scheduling.cancel(session)
    finally:
        for name, receiver in receivers.items():
            getattr(scheduling, f"session_{name}").disconnect(receiver)
    assert [(name, pk) for name, pk, _status in heard] == [
        ("scheduled", session.pk),
        ("rescheduled", session.pk),
        ("cancelled", session.pk),
    ]


@pytest.mark.mysql
@pytest.mark.django_db(transaction=True)
def test_two_bookings_for_the_same_tutor_at_once_make_one_session(learner, tutor, monkeypatch):
    """Both requests pass the clash check's door together; the row locks let only one through."""
    if connection.vendor == "sqlite":
        pytest.skip("SQLite has no row locks (it serializes writers); run with SESSIONROOM_DB=mysql")
    other = make_user("bo")
    together = threading.Barrier(2, timeout=10)
    lock_people = scheduling._lock_people

    def lock_together(*users):
        together.wait()
        lock_people(*users)

    monkeypatch.setattr(scheduling, "_lock_people", lock_together)
    outcomes = []

    def book_for(who):
        try:
            outcomes.append(book(who, tutor, tomorrow()).status)
        except SchedulingError as exc:
            outcomes.append(exc.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=book_for, args=(who,)) for who in (learner, other)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes) == ["conflict", "scheduled"]
    assert TutoringSession.objects.filter(tutor=tutor).count() == 1
