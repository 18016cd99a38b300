"""Reminders: which are due, the email they make, exactly-once claims, reschedules and cancellations."""

from __future__ import annotations

import email
from datetime import UTC, datetime, timedelta

import icalendar
import pytest
from django.core import mail
from django.test import override_settings
from django.utils import timezone

from sessionroom_xblock.background import reminders
from sessionroom_xblock.models import ReminderDelivery, TutoringSession
from sessionroom_xblock.sessions import reminder_plan
from tests.factories import make_session

H = timedelta(hours=1)
M = timedelta(minutes=1)
KINDS = ["24h", "1h", "15m"]


def at(start, before):
    """The moment ``before`` ahead of ``start``."""
    return start - before


@pytest.fixture
def now():
    return timezone.now().replace(microsecond=0)


@pytest.fixture
def booked(learner, tutor, now):
    """A 45-minute session two days ahead, booked now."""
    return make_session(learner, tutor, start=now + 48 * H, minutes=45, schedule_set_at=now)


def sweep(moment):
    return reminders.send_due_reminders(moment)


def kinds_sent(session=None):
    rows = ReminderDelivery.objects.filter(sent_at__isnull=False)
    if session is not None:
        rows = rows.filter(session=session)
    return sorted(rows.values_list("kind", "user_id"))


# --- due computation ------------------------------------------------------------------------------------


@pytest.mark.parametrize(("kind", "seconds"), [("24h", 86400), ("1h", 3600), ("15m", 900), ("2d", 172800)])
def test_lead_time(kind, seconds):
    assert reminder_plan.lead_time(kind).total_seconds() == seconds


@pytest.mark.parametrize("kind", ["", "1w", "h1", "15", "-1h"])
def test_bad_kind_is_refused(kind):
    with pytest.raises(ValueError):
        reminder_plan.lead_time(kind)


def test_due_kind_follows_the_plan(now):
    start, booked_at = now + 72 * H, now
    due = [
        (at(start, 25 * H), None),
        (at(start, 24 * H), "24h"),
        (at(start, 13 * H), "24h"),
        (at(start, 12 * H - M), None),  # more than half its lead time late: stale
        (at(start, 1 * H), "1h"),
        (at(start, 31 * M), "1h"),
        (at(start, 29 * M), None),
        (at(start, 15 * M), "15m"),
        (at(start, 8 * M), "15m"),
        (at(start, 7 * M), None),
        (start, None),
        (start + H, None),
    ]
    for moment, expected in due:
        assert reminder_plan.due_kind(start, booked_at, moment, KINDS) == expected, moment - start


def test_a_session_booked_30_minutes_ahead_gets_only_the_15_minute_reminder(now):
    start = now + 30 * M
    assert [kind for kind, _ in reminder_plan.plan(start, now, KINDS)] == ["15m"]
    assert reminder_plan.due_kind(start, now, now, KINDS) is None
    assert reminder_plan.due_kind(start, now, at(start, 15 * M), KINDS) == "15m"


def test_when_several_are_overdue_only_the_latest_is_due(now):
    start = now + 48 * H
    assert reminder_plan.due_kind(start, now, at(start, 10 * M), KINDS) == "15m"


def test_next_moment(now):
    start = now + 48 * H
    assert reminder_plan.next_moment(start, now, now, KINDS) == at(start, 24 * H)
    assert reminder_plan.next_moment(start, now, at(start, 24 * H), KINDS) == at(start, H)
    assert reminder_plan.next_moment(start, now, at(start, 15 * M), KINDS) is None


def test_a_new_session_is_due_at_its_first_moment(booked):
    assert booked.next_reminder_at == booked.scheduled_start - 24 * H
    assert booked.schedule_sequence == 0


# --- sweeps ----------------------------------------------------------------------------------------------


def test_every_reminder_goes_once_to_both_participants(booked, learner, tutor):
    start = booked.scheduled_start
    for moment in (at(start, 30 * H), at(start, 24 * H), at(start, 24 * H), at(start, 23 * H), at(start, H)):
        sweep(moment)
    sweep(at(start, 59 * M))
    sweep(at(start, 15 * M))
    sweep(at(start, 14 * M))
    sweep(start)
    assert kinds_sent() == sorted((kind, user.pk) for kind in KINDS for user in (learner, tutor))
    assert len(mail.outbox) == 6
    assert ReminderDelivery.objects.filter(sent_at__isnull=True).count() == 0


def test_a_sweep_that_was_down_sends_only_the_latest(booked, learner, tutor):
    sweep(at(booked.scheduled_start, 10 * M))
    assert kinds_sent() == sorted([("15m", learner.pk), ("15m", tutor.pk)])


def test_a_long_outage_sends_nothing_stale(booked):
    sweep(at(booked.scheduled_start, 6 * M))
    assert mail.outbox == []
    assert TutoringSession.objects.get(pk=booked.pk).next_reminder_at is None


def test_claimed_but_unsent_reminders_are_sent_after_the_lease_and_only_once(booked):
    """A sweep that died after claiming: nobody else sends within the lease, one sweep sends after it."""
    moment = at(booked.scheduled_start, 24 * H)
    assert reminders._claim_due("dead-sweep", moment, 100) == 1
    assert ReminderDelivery.objects.filter(claim_token="dead-sweep", sent_at__isnull=True).count() == 2
    sweep(moment + M)
    assert mail.outbox == []
    sweep(moment + 6 * M)
    sweep(moment + 7 * M)
    assert len(mail.outbox) == 2
    assert ReminderDelivery.objects.exclude(claim_token="dead-sweep").filter(sent_at__isnull=False).count() == 2


def test_a_released_claim_that_is_no_longer_due_is_dropped(booked):
    moment = at(booked.scheduled_start, H)
    reminders._claim_due("dead-sweep", moment, 100)
    result = sweep(at(booked.scheduled_start, 15 * M))  # lease expired; the 15m reminder overtook the 1h one
    assert result.dropped == 2
    assert sorted({m.subject for m in mail.outbox}) and len(mail.outbox) == 2
    assert kinds_sent() == sorted(("15m", uid) for uid in booked.participant_ids())


def test_the_sweep_reads_only_due_sessions_and_its_queries_are_bounded(
    learner, tutor, now, django_assert_max_num_queries
):
    for hours in range(20):
        make_session(learner, tutor, start=now + (30 + hours) * H, schedule_set_at=now)
    due = [make_session(learner, tutor, start=now + 24 * H + minute * M, schedule_set_at=now) for minute in range(10)]
    # release, select due, bulk insert, bulk update (+2 savepoints), select claims, then per email one UPDATE
    # that renews its lease (still ours?) and one that marks it sent
    with django_assert_max_num_queries(8 + 2 * 2 * len(due)):
        result = sweep(now + 10 * M)
    assert result.sent == 2 * len(due)
    assert ReminderDelivery.objects.count() == 2 * len(due)


# --- the email -------------------------------------------------------------------------------------------


@pytest.fixture
def preferences(learner, tutor, settings):
    settings.SESSIONROOM = {
        **settings.SESSIONROOM,
        "DEV_USER_PREFERENCES": {
            learner.username: {"time_zone": "America/New_York", "language": "es"},
            tutor.username: {"time_zone": "Asia/Kolkata"},
        },
    }


def _message_to(user):
    return next(message for message in mail.outbox if message.to == [user.email])


def _parsed(message):
    return email.message_from_bytes(message.message().as_bytes())


def _calendar(message):
    parsed = _parsed(message)
    part = next(part for part in parsed.walk() if part.get_content_type() == "text/calendar")
    return part, icalendar.Calendar.from_ical(part.get_payload(decode=True))


def test_the_email_has_text_html_link_local_time_and_an_invitation(learner, tutor, preferences):
    start = datetime(timezone.now().year + 1, 1, 15, 15, 0, tzinfo=UTC)
    session = make_session(learner, tutor, start=start, minutes=45, schedule_set_at=start - 72 * H)
    sweep(at(start, 24 * H))
    link = f"http://127.0.0.1:8000/sessionroom/session/{session.pk}/"

    to_learner = _parsed(_message_to(learner))
    types = [part.get_content_type() for part in to_learner.walk()]
    assert types[:4] == ["multipart/mixed", "multipart/alternative", "text/plain", "text/html"]
    text = next(p for p in to_learner.walk() if p.get_content_type() == "text/plain").get_payload(decode=True).decode()
    html = next(p for p in to_learner.walk() if p.get_content_type() == "text/html").get_payload(decode=True).decode()
    for body in (text, html):
        assert link in body
        assert "10:00" in body and "America/New_York" in body  # 15:00 UTC in January is 10:00 in New York
        assert "15 de enero de 2027" in body  # the date in the learner's language
        assert "Tomás Okafor" in body
    assert 'href="' + link in html
    assert to_learner["Message-ID"].strip().startswith(f"<sessionroom.{session.pk}.{learner.pk}.24h.")

    text_tutor = _message_to(tutor).body
    assert "Jan. 15, 2027, 20:30" in text_tutor and "Asia/Kolkata (IST)" in text_tutor
    assert "Ana García" in text_tutor

    part, calendar = _calendar(_message_to(learner))
    assert part.get_filename() == "session.ics"
    assert calendar["METHOD"] == "REQUEST"
    event = calendar.walk("VEVENT")[0]
    assert str(event["UID"]) == f"{session.pk}@example.org"
    assert event["SEQUENCE"] == 0
    assert event.decoded("DTSTART") == start
    assert event.decoded("DTEND") == start + 45 * M
    assert str(event["URL"]) == link
    assert str(event["ATTENDEE"]) == f"mailto:{learner.email}"


def test_a_rescheduled_session_gets_fresh_reminders_with_a_bumped_sequence(booked, learner):
    start = booked.scheduled_start
    sweep(at(start, 24 * H))
    session = TutoringSession.objects.get(pk=booked.pk)
    session.scheduled_start += 24 * H
    session.scheduled_end += 24 * H
    session.save()
    assert session.schedule_sequence == 1
    new_start = session.scheduled_start
    assert session.next_reminder_at == new_start - 24 * H
    mail.outbox.clear()
    sweep(at(new_start, 24 * H))
    assert len(mail.outbox) == 2
    _, calendar = _calendar(_message_to(learner))
    event = calendar.walk("VEVENT")[0]
    assert event["SEQUENCE"] == 1
    assert str(event["UID"]) == f"{booked.pk}@example.org"
    assert event.decoded("DTSTART") == new_start
    assert ReminderDelivery.objects.filter(session=booked, kind="24h", sent_at__isnull=False).count() == 4


def test_a_cancelled_session_gets_a_cancellation_and_no_more_reminders(booked, learner):
    start = booked.scheduled_start
    sweep(at(start, 24 * H))
    session = TutoringSession.objects.get(pk=booked.pk)
    session.status = TutoringSession.Status.CANCELLED
    session.save()
    mail.outbox.clear()
    sweep(timezone.now() + M)
    assert len(mail.outbox) == 2
    _, calendar = _calendar(_message_to(learner))
    assert calendar["METHOD"] == "CANCEL"
    event = calendar.walk("VEVENT")[0]
    assert event["SEQUENCE"] == 1 and str(event["STATUS"]) == "CANCELLED"
    assert "cancel" in _message_to(learner).subject.lower()
    mail.outbox.clear()
    for moment in (at(start, H), at(start, 15 * M)):
        sweep(moment)
    assert mail.outbox == []


def test_a_session_cancelled_before_any_reminder_sends_nothing(booked):
    booked.status = TutoringSession.Status.CANCELLED
    booked.save()
    for moment in (timezone.now() + M, at(booked.scheduled_start, 24 * H), at(booked.scheduled_start, 15 * M)):
        sweep(moment)
    assert mail.outbox == []


@override_settings(EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend", EMAIL_HOST="127.0.0.1", EMAIL_PORT=9)
def test_a_refused_email_stays_claimed_for_a_retry_that_sends_it_once(booked):
    """No mail server on port 9: the sweep reports the claims; the retry task's service sends each once."""
    moment = at(booked.scheduled_start, 24 * H)
    result = sweep(moment)
    assert result.sent == 0 and len(result.failed) == 2
    with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
        outcomes = [reminders.send_claim(claim_id, token, moment + M) for claim_id, token in result.failed]
        again = [reminders.send_claim(claim_id, token, moment + 2 * M) for claim_id, token in result.failed]
    assert outcomes == [True, True] and again == [None, None]
    assert len(mail.outbox) == 2


def test_conditional_updates_carry_the_reminder_fields(booked, learner):
    """Scheduling code that moves or cancels with ``QuerySet.update`` gets the same reminders as ``save``."""
    start = booked.scheduled_start
    sweep(at(start, 24 * H))
    moved_at, new_start = timezone.now(), start - 20 * H  # earlier: the old plan's next moment would be too late
    TutoringSession.objects.filter(pk=booked.pk, status="scheduled").update(
        scheduled_start=new_start,
        scheduled_end=new_start + 45 * M,
        **reminder_plan.reschedule_fields(new_start, moved_at),
    )
    mail.outbox.clear()
    sweep(at(new_start, 24 * H))  # 4 hours from now; the old plan's next moment was 23 hours from now
    _, calendar = _calendar(_message_to(learner))
    assert calendar.walk("VEVENT")[0]["SEQUENCE"] == 1

    cancelled_at = timezone.now()
    TutoringSession.objects.filter(pk=booked.pk, status="scheduled").update(
        status="cancelled", **reminder_plan.cancel_fields(cancelled_at)
    )
    mail.outbox.clear()
    sweep(cancelled_at + M)
    _, calendar = _calendar(_message_to(learner))
    assert calendar["METHOD"] == "CANCEL" and calendar.walk("VEVENT")[0]["SEQUENCE"] == 2
