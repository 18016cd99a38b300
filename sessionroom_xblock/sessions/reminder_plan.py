"""The reminder plan of a session: which reminder is due when, a pure function of its times and settings.

It lives apart from the sweep (``background/reminders.py``) because the model needs it on every save, and
the sweep needs the model: keeping the rules here lets both import them without a cycle.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime, timedelta

from django.db.models import F

from sessionroom_xblock.conf import setting

#: ``TutoringSession.Status`` values the plan looks at (the model imports this module).
SCHEDULED = "scheduled"
CANCELLED = "cancelled"
#: The claim kind of the cancellation notice (an .ics with METHOD:CANCEL).
CANCEL_KIND = "cancel"
_KIND_PATTERN = re.compile(r"^(\d+)([dhm])$")
_UNIT_SECONDS = {"d": 86400, "h": 3600, "m": 60}


def lead_time(kind: str) -> timedelta:
    """How long before the start a kind fires: ``"24h"`` → 24 hours; also ``"2d"`` and ``"15m"``."""
    match = _KIND_PATTERN.match(kind)
    if match is None:
        raise ValueError(f"Reminder kind {kind!r} is not a number followed by d, h or m")
    return timedelta(seconds=int(match.group(1)) * _UNIT_SECONDS[match.group(2)])


def plan(start: datetime, schedule_set_at: datetime, kinds: Iterable[str] | None = None) -> list[tuple[str, datetime]]:
    """The (kind, moment) pairs of a schedule, earliest first; moments before the schedule was set are dropped."""
    kinds = setting("REMINDERS") if kinds is None else kinds
    moments = [(kind, start - lead_time(kind)) for kind in kinds]
    return sorted(((k, m) for k, m in moments if schedule_set_at <= m < start), key=lambda pair: pair[1])


def due_kind(start: datetime, schedule_set_at: datetime, now: datetime, kinds=None) -> str | None:
    """The reminder to send at ``now``: the latest moment that came, if not stale and before the start."""
    if now >= start:
        return None
    came = [(kind, moment) for kind, moment in plan(start, schedule_set_at, kinds) if moment <= now]
    if not came:
        return None
    kind, moment = came[-1]
    return kind if now - moment <= lead_time(kind) / 2 else None


def next_moment(start: datetime, schedule_set_at: datetime, now: datetime, kinds=None) -> datetime | None:
    """The first moment of the plan after ``now``: when the sweep must look at the session again."""
    return next((moment for _, moment in plan(start, schedule_set_at, kinds) if moment > now), None)


def first_moment(status: str, start: datetime, schedule_set_at: datetime, now: datetime) -> datetime | None:
    """
    ``next_reminder_at`` for a session just booked, rescheduled or cancelled.

    A scheduled session starts at its first planned moment; a cancelled one that has not started is due
    at once (its cancellation notice); any other status needs no reminder.
    """
    if status == SCHEDULED:
        return _first_planned(start, schedule_set_at)
    if status == CANCELLED and start > now:
        return now
    return None


def _first_planned(start: datetime, schedule_set_at: datetime) -> datetime | None:
    moments = plan(start, schedule_set_at)
    return moments[0][1] if moments else None


def reschedule_fields(start: datetime, now: datetime) -> dict:
    """
    The reminder columns to write with a new start, for code that moves a session with ``QuerySet.update``
    (``save`` does this by itself): a fresh plan from ``now``, and the invitation's next SEQUENCE.
    """
    return {
        "schedule_set_at": now,
        "schedule_sequence": F("schedule_sequence") + 1,
        "next_reminder_at": _first_planned(start, now),
    }


def cancel_fields(now: datetime) -> dict:
    """The reminder columns to write with ``status=cancelled``: the cancel notice is due now, SEQUENCE moves on."""
    return {"schedule_sequence": F("schedule_sequence") + 1, "next_reminder_at": now}
