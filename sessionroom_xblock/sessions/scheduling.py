"""Scheduling: create, reschedule and cancel sessions. The only code that writes a session's time or pair.

The staff view, the REST API and the tutor's "Book Next Session" all call these functions, so a session
booked from any door obeys the same rules: a real pair of two different people, a start in the future,
an end after the start, a sensible length, and nobody in two open sessions at once. Each refusal carries
a message a person can act on, translated where it is shown.
"""

from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q
from django.dispatch import Signal
from django.utils import timezone

from sessionroom_xblock import compat, errors
from sessionroom_xblock.conf import sessionroom_settings
from sessionroom_xblock.models import TutoringSession
from sessionroom_xblock.sessions import reminder_plan
from sessionroom_xblock.zones import zone

log = logging.getLogger(__name__)

#: Shortest and longest session a person may book, in minutes (``SESSIONROOM`` may override both).
MIN_MINUTES = 15
MAX_MINUTES = 240
#: How far ahead a session may start, in days (``SESSIONROOM["SESSION_MAX_DAYS_AHEAD"]`` may override it):
#: past that a date is a typo, and near the calendar's end a time shown in another zone no longer exists.
MAX_DAYS_AHEAD = 730

_ = errors.gettext_noop
STATUS = TutoringSession.Status

#: Sent once the change is committed, with ``session``: what follows a booking (reminders, calendar
#: invitations and their updates or cancellations) listens here instead of patching each door.
session_scheduled = Signal()
session_rescheduled = Signal()
session_cancelled = Signal()


class SchedulingError(errors.RoomError):
    """A refusal whose message names people or times: formatted after it is translated."""

    def __init__(self, status: int, code: str, message: str, *, field: str = "", params=None, **details):
        if field:
            details["field"] = field
        super().__init__(status, code, message, **details)
        self.field = field
        self.params = params or {}

    def text(self, gettext=None) -> str:
        """The message in the viewer's language, with the names and times filled in."""
        return (gettext(self.message) if gettext else self.message).format(**self.params)

    def as_payload(self, gettext=None) -> dict:
        """The JSON body of the refusal."""
        return {"error": self.code, "message": self.text(gettext), **self.details}


def invalid(message: str, field: str, **params) -> SchedulingError:
    """A 400 naming the field the person should fix."""
    return SchedulingError(400, "invalid", message, field=field, params=params)


def minutes_bounds() -> tuple[int, int]:
    """(shortest, longest) session in minutes, from ``SESSIONROOM`` or the defaults."""
    config = sessionroom_settings()
    return int(config.get("SESSION_MIN_MINUTES", MIN_MINUTES)), int(config.get("SESSION_MAX_MINUTES", MAX_MINUTES))


def max_days_ahead() -> int:
    """How many days ahead a session may start."""
    return int(sessionroom_settings().get("SESSION_MAX_DAYS_AHEAD", MAX_DAYS_AHEAD))


def too_far_ahead(field: str = "scheduled_start") -> SchedulingError:
    """The 400 for a start past the booking horizon (or past the calendar's end)."""
    return invalid(_("Choose a start within the next {days} days."), field, days=max_days_ahead())


def in_the_past(field: str = "scheduled_start") -> SchedulingError:
    """The 400 for a start before now (or before the calendar's beginning)."""
    return invalid(_("The start is in the past. Choose a time from now on."), field)


@dataclass(frozen=True)
class Booking:
    """What is asked for: who meets whom, in which course, when, and how the room is set up."""

    course_key: object
    learner: object
    tutor: object
    start: datetime
    end: datetime
    usage_key: object = None
    provider: str = ""
    recording_enabled: bool = False
    #: The booking block's lifecycle minutes (``TutoringSession.POLICY_FIELDS``); empty: the site's numbers.
    policy: dict = dataclasses.field(default_factory=dict)


# People -----------------------------------------------------------------------------------------


def resolve_user(identifier, field: str):
    """
    The user named by username, email or numeric id, as staff and booking systems name people.

    Refuses an unknown or ambiguous name with a 400 on ``field``.
    """
    text = str(identifier if identifier is not None else "").strip()
    if not text:
        raise invalid(_("Enter a username or email."), field)
    users = get_user_model().objects
    if "@" in text:
        matches = list(users.filter(email__iexact=text)[:2])
        if len(matches) > 1:
            raise invalid(_("More than one account uses {who}; enter the username instead."), field, who=text)
    else:
        matches = list(users.filter(username=text)[:1])
        if not matches and text.isdigit():
            matches = list(users.filter(pk=int(text))[:1])
    if not matches or not matches[0].is_active:
        raise invalid(_("No user matches “{who}”."), field, who=text)
    return matches[0]


def require_course_members(course_key, learner, tutor) -> None:
    """Both people belong to the course (enrolled, or staff of it); everyone does outside the platform."""
    for user, field in ((learner, "learner"), (tutor, "tutor")):
        if not compat.is_course_member(user, course_key):
            raise invalid(_("{name} is not enrolled in this course."), field, name=compat.user_full_name(user))


# Times ------------------------------------------------------------------------------------------


def local_to_utc(date_text: str, time_text: str, zone_name: str, field: str = "start") -> datetime:
    """
    A wall-clock date and time in the named time zone, as an aware UTC datetime.

    The time zone is explicit (never the server's), so "10:00" means what the person who typed it meant.
    """
    if not zone_name or zone(zone_name).key != zone_name:
        raise invalid(_("Choose a time zone."), "time_zone")
    try:
        naive = datetime.fromisoformat(f"{date_text.strip()}T{time_text.strip()}")
    except (ValueError, AttributeError) as exc:
        raise invalid(_("Enter a date and a time."), field) from exc
    if naive.tzinfo is not None:
        raise invalid(_("Enter a date and a time."), field)
    try:
        return naive.replace(tzinfo=ZoneInfo(zone_name)).astimezone(ZoneInfo("UTC"))
    except OverflowError as exc:  # the first or last hours of year 1 or 9999, seen from UTC
        raise (in_the_past(field) if naive.year == 1 else too_far_ahead(field)) from exc


def duration_end(start: datetime, minutes) -> datetime:
    """``start`` plus a length in minutes given by a person, within the bookable lengths."""
    try:
        value = int(minutes)
    except (TypeError, ValueError, OverflowError) as exc:
        raise invalid(_("Enter the length in minutes."), "duration") from exc
    shortest, longest = minutes_bounds()
    if not shortest <= value <= longest:
        raise invalid(
            _("A session lasts from {shortest} to {longest} minutes."), "duration", shortest=shortest, longest=longest
        )
    try:
        return start + timedelta(minutes=value)
    except OverflowError as exc:
        raise too_far_ahead() from exc


def validate_times(start: datetime, end: datetime, now: datetime) -> None:
    """End after start, start not in the past, length within bounds. Both must be aware datetimes."""
    if start.tzinfo is None or end.tzinfo is None:
        raise invalid(_("Give times with a time zone or UTC offset."), "scheduled_start")
    if end <= start:
        raise invalid(_("The end must be after the start."), "scheduled_end")
    if start < now:
        raise in_the_past()
    if start > now + timedelta(days=max_days_ahead()):
        raise too_far_ahead()
    shortest, longest = minutes_bounds()
    length = (end - start).total_seconds() / 60
    if length < shortest or length > longest:
        raise invalid(
            _("A session lasts from {shortest} to {longest} minutes."),
            "scheduled_end",
            shortest=shortest,
            longest=longest,
        )


def check_clashes(learner, tutor, start: datetime, end: datetime, time_zone: str = "", exclude=None) -> None:
    """
    Refuse (409) when the learner or the tutor already has an open session overlapping [start, end).

    Checked across every course: a person cannot be in two rooms at once. The message names who is
    double-booked and when their other session is, in ``time_zone``.
    """
    people = (learner.pk, tutor.pk)
    clashes = (
        TutoringSession.objects.select_related("learner", "tutor")
        .filter(Q(learner_id__in=people) | Q(tutor_id__in=people))
        .filter(status__in=TutoringSession.OPEN_STATUSES, scheduled_start__lt=end, scheduled_end__gt=start)
        .order_by("scheduled_start")
    )
    if exclude is not None:
        clashes = clashes.exclude(pk=exclude.pk)
    clash = clashes.first()
    if clash is None:
        return
    busy = learner if learner.pk in clash.participant_ids() else tutor
    tz = zone(time_zone)
    raise SchedulingError(
        409,
        "conflict",
        _("{name} already has a session from {start} to {end} ({zone})."),
        params={
            "name": compat.user_full_name(busy),
            "start": clash.scheduled_start.astimezone(tz).strftime("%Y-%m-%d %H:%M"),
            "end": clash.scheduled_end.astimezone(tz).strftime("%H:%M"),
            "zone": tz.key,
        },
        conflict=str(clash.pk),
    )


# Writes -----------------------------------------------------------------------------------------


def create(booking: Booking, now: datetime, *, time_zone: str = "") -> TutoringSession:
    """
    Book a session after every check; the clash check and the insert run under a lock on both people.

    The lock (their user rows) serializes two bookings for the same person, so two staff members
    clicking at once cannot double-book a tutor.
    """
    if booking.learner.pk == booking.tutor.pk:
        raise invalid(_("The learner and the tutor must be two different people."), "tutor")
    validate_times(booking.start, booking.end, now)
    require_course_members(booking.course_key, booking.learner, booking.tutor)
    with transaction.atomic():
        _lock_people(booking.learner, booking.tutor)
        check_clashes(booking.learner, booking.tutor, booking.start, booking.end, time_zone)
        session = TutoringSession.objects.create(
            course_key=booking.course_key,
            usage_key=booking.usage_key,
            learner=booking.learner,
            tutor=booking.tutor,
            scheduled_start=booking.start,
            scheduled_end=booking.end,
            provider=booking.provider,
            recording_enabled=booking.recording_enabled,
            **booking.policy,
        )
    log.info("Scheduled session %s in %s", session.pk, session.course_key)
    _announce(session_scheduled, session)
    return session


def reschedule(session: TutoringSession, start: datetime, end: datetime, now: datetime, *, time_zone: str = ""):
    """
    Move a session that has not started yet. Reminders follow by themselves: they are claimed per start.
    """
    _require_scheduled(session)
    validate_times(start, end, now)
    with transaction.atomic():
        _lock_people(session.learner, session.tutor)
        check_clashes(session.learner, session.tutor, start, end, time_zone, exclude=session)
        # update() skips save(), which keeps the reminder plan: the reminder columns go with the new times.
        moved = TutoringSession.objects.filter(pk=session.pk, status=STATUS.SCHEDULED).update(
            scheduled_start=start, scheduled_end=end, **reminder_plan.reschedule_fields(start, now)
        )
    if not moved:
        raise _not_open()
    session.scheduled_start, session.scheduled_end = start, end
    log.info("Rescheduled session %s", session.pk)
    _announce(session_rescheduled, session)
    return session


def cancel(session: TutoringSession) -> TutoringSession:
    """
    Cancel a session that has not started. Cancelling a cancelled session changes nothing (so a retried
    request from a booking system succeeds); a session that started or closed cannot be cancelled.
    """
    if session.status == STATUS.CANCELLED:
        return session
    _require_scheduled(session)
    cancelled = TutoringSession.objects.filter(pk=session.pk, status=STATUS.SCHEDULED).update(
        status=STATUS.CANCELLED, **reminder_plan.cancel_fields(timezone.now())
    )
    if not cancelled:
        raise _not_open()
    session.status = STATUS.CANCELLED
    log.info("Cancelled session %s", session.pk)
    _announce(session_cancelled, session)
    return session


def _announce(signal: Signal, session: TutoringSession) -> None:
    transaction.on_commit(lambda: signal.send(sender=TutoringSession, session=session))


def _require_scheduled(session: TutoringSession) -> None:
    if session.status != STATUS.SCHEDULED:
        raise _not_open()


def _not_open() -> SchedulingError:
    return SchedulingError(409, "not_scheduled", _("Only a session that has not started can be changed."))


def _lock_people(*users) -> None:
    """Row locks on the users (no-op on SQLite, which serializes writers anyway)."""
    list(get_user_model().objects.select_for_update().filter(pk__in=[user.pk for user in users]).values_list("pk"))
