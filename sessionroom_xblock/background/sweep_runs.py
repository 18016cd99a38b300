"""Remember when each periodic sweep last ran, and tell how late the reminders are.

Every way of running a sweep (cron commands, the self-re-chaining sweep, beat) goes through the ``run_*``
functions of ``tasks``, which wrap their work in ``recorded``. The admin reads ``status`` so a site where
nothing periodic runs shows it at once instead of failing silently.
"""

from __future__ import annotations

import socket
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils import timezone

from sessionroom_xblock.background.reminders import due_sessions
from sessionroom_xblock.conf import setting
from sessionroom_xblock.models import ReminderDelivery, SweepRun

#: The sweeps, as the admin names them.
SWEEPS = ("reminders", "closing", "recordings")
#: A reminder whose moment passed this long ago and that no sweep handled yet is overdue.
OVERDUE_AFTER = timedelta(minutes=5)


@contextmanager
def recorded(name: str):
    """Record the start, then the result (the dict the block yields back) or the error, of one sweep run."""
    started = timezone.now()
    SweepRun.objects.update_or_create(name=name, defaults={"last_started_at": started, "host": socket.gethostname()})
    outcome: dict = {}
    try:
        yield outcome
    except Exception as exc:
        SweepRun.objects.filter(name=name).update(last_error=f"{type(exc).__name__}: {exc}"[:2000])
        raise
    SweepRun.objects.filter(name=name).update(last_finished_at=timezone.now(), last_result=outcome, last_error="")


@dataclass(frozen=True)
class Status:
    """What the admin shows: each sweep's last run, and the reminders that should have gone out already."""

    runs: dict[str, SweepRun | None]
    overdue_sessions: int
    stuck_claims: int


def status(now: datetime | None = None) -> Status:
    """Three small queries: the sweep rows, the overdue sessions (through ``sr_reminder_due``), unsent claims."""
    now = now or timezone.now()
    rows = {run.name: run for run in SweepRun.objects.all()}
    lease = timedelta(seconds=setting("REMINDER_LEASE_SECONDS"))
    return Status(
        runs={name: rows.get(name) for name in SWEEPS},
        overdue_sessions=due_sessions(now - OVERDUE_AFTER).count(),
        stuck_claims=ReminderDelivery.objects.filter(sent_at__isnull=True, claimed_at__lt=now - lease).count(),
    )
