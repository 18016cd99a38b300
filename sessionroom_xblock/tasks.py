"""Celery tasks, discovered by the LMS and Studio workers (``autodiscover_tasks`` over INSTALLED_APPS).

Each task is a thin wrapper around a service in ``reminders``, ``closing`` or ``recordings``; those do the
work and hold the guarantees, so cron (management commands), the self-re-chaining ``sweep`` and beat all
run the same code. Nothing LMS-only is imported at module level: the Studio worker imports this module
too. Arguments are JSON (strings), as the platform accepts only JSON.

Periodic work without beat (Tutor runs none): when ``SESSIONROOM["SWEEP_ENABLED"]``, every worker starts
a watchdog thread on ``worker_ready``. The watchdog tries ``cache.add`` on the chain lock; the one that
gets it enqueues ``sweep`` with a fresh token. ``sweep`` runs the three sweeps, refreshes the lock (the
heartbeat) and enqueues itself again with a countdown. When the worker holding the next link dies, the
lock expires after ``SWEEP_HEARTBEAT_SECONDS`` and a surviving worker's watchdog starts a new chain; a
link of the old chain that resurfaces later finds another token in the lock and stops. The Tutor plugin
turns the sweep on; the LMS's and Studio's workers then share one chain through the common cache.

Every run of a sweep, whichever way started it, is recorded (``background.sweep_runs``) for the admin.
"""

from __future__ import annotations

import logging
import threading
import uuid

from celery import shared_task
from celery.signals import worker_ready, worker_shutdown

log = logging.getLogger(__name__)

RETRY = {
    "acks_late": True,
    "autoretry_for": (Exception,),
    "retry_backoff": True,
    "retry_backoff_max": 300,
    "retry_jitter": True,
    "max_retries": 5,
}
SWEEP_LOCK = "sessionroom:sweep:chain"
SWEEP_HEARTBEAT = "sessionroom:sweep:heartbeat"


def run_reminders() -> dict:
    """Claim and send every reminder due now; hand refused ones to ``send_reminder`` for retries."""
    from sessionroom_xblock.background import reminders, sweep_runs  # noqa: PLC0415 - models load after the app registry

    with sweep_runs.recorded("reminders") as outcome:
        result = reminders.send_due_reminders()
        for claim_id, token in result.failed:
            send_reminder.apply_async(args=[claim_id, token], countdown=30)
        outcome.update(claimed=result.claimed, sent=result.sent, dropped=result.dropped, failed=len(result.failed))
    return outcome


def run_closing() -> dict:
    """Mark no-shows and completed sessions, end rooms left running."""
    from django.utils import timezone  # noqa: PLC0415

    from sessionroom_xblock.analytics import tracker_analytics  # noqa: PLC0415
    from sessionroom_xblock.background import closing, sweep_runs  # noqa: PLC0415

    with sweep_runs.recorded("closing") as outcome:
        result = closing.close_sessions(timezone.now(), tracker_analytics())
        outcome.update(no_show=result.no_show, completed=result.completed, rooms_ended=result.rooms_ended)
    return outcome


def run_recording_poll() -> dict:
    """Enqueue a sync for every session whose recordings are still processing."""
    from sessionroom_xblock.background import recordings, sweep_runs  # noqa: PLC0415

    with sweep_runs.recorded("recordings") as outcome:
        session_ids = recordings.sessions_to_poll()
        for session_id in session_ids:
            sync_session_recordings.delay(session_id)
        outcome.update(sessions=len(session_ids))
    return outcome


@shared_task(bind=True, name="sessionroom_xblock.tasks.send_due_reminders", **RETRY)
def send_due_reminders(self):
    """The reminder sweep."""
    return run_reminders()


@shared_task(bind=True, name="sessionroom_xblock.tasks.send_reminder", **RETRY)
def send_reminder(self, claim_id: int, claim_token: str):
    """Send one claim the mail server refused during a sweep (retried with backoff, lease renewed each try)."""
    from django.utils import timezone  # noqa: PLC0415

    from sessionroom_xblock.background import reminders  # noqa: PLC0415

    return {"sent": reminders.send_claim(claim_id, claim_token, timezone.now())}


@shared_task(bind=True, name="sessionroom_xblock.tasks.close_sessions", **RETRY)
def close_sessions(self):
    """The closing sweep."""
    return run_closing()


@shared_task(bind=True, name="sessionroom_xblock.tasks.sync_session_recordings", **RETRY)
def sync_session_recordings(self, session_id: str):
    """Sync one session's recordings from its provider (enqueued by the recording-ready callback)."""
    from sessionroom_xblock.background import recordings  # noqa: PLC0415
    from sessionroom_xblock.models import TutoringSession  # noqa: PLC0415

    session = TutoringSession.objects.filter(pk=session_id).first()
    if session is None:
        return {"created": 0, "updated": 0}
    result = recordings.sync_session(session)
    return {"created": result.created, "updated": result.updated}


@shared_task(bind=True, name="sessionroom_xblock.tasks.poll_recordings", **RETRY)
def poll_recordings(self):
    """The recording poll."""
    return run_recording_poll()


#: What one link of the self-re-chaining sweep runs, in order.
SWEEP_STEPS = (run_reminders, run_closing, run_recording_poll)


@shared_task(bind=True, name="sessionroom_xblock.tasks.sweep", acks_late=True, ignore_result=True)
def sweep(self, token: str):
    """
    One link of the self-re-chaining sweep: if this chain still holds the lock, refresh it, run the
    sweeps, and enqueue the next link. Not retried: the next link is the retry.
    """
    from sessionroom_xblock.conf import setting  # noqa: PLC0415

    hostname = self.request.hostname or ""
    if not _hold_chain(token, hostname):
        log.info("Sweep chain %s superseded; stopping it", token)
        return
    log.info("Sweep chain %s runs on %s", token, hostname)
    try:
        for step in SWEEP_STEPS:
            try:
                step()
            except Exception:  # noqa: BLE001 - one failing sweep must not stop the others or the chain
                log.exception("Sweep step %s failed", step.__name__)
    finally:
        if _hold_chain(token, hostname):  # a chain superseded while it ran ends here
            sweep.apply_async(args=[token], countdown=setting("SWEEP_INTERVAL_SECONDS"))


def _hold_chain(token: str, hostname: str) -> bool:
    """
    Whether ``token``'s chain owns the sweep; if so refresh the lock and record the heartbeat.

    An expired lock is taken back with ``cache.add`` (atomic), so two chains never both win it; a chain
    that finds another token stops.
    """
    from django.core.cache import cache  # noqa: PLC0415
    from django.utils import timezone  # noqa: PLC0415

    from sessionroom_xblock.conf import setting  # noqa: PLC0415

    ttl = setting("SWEEP_HEARTBEAT_SECONDS")
    holder = cache.get(SWEEP_LOCK)
    if holder is None:
        if not cache.add(SWEEP_LOCK, token, ttl):
            return False
    elif holder != token:
        return False
    else:
        cache.touch(SWEEP_LOCK, ttl)
    cache.set(SWEEP_HEARTBEAT, {"token": token, "hostname": hostname, "at": timezone.now().isoformat()}, ttl)
    return True


def start_chain_if_free() -> str | None:
    """Start a sweep chain if none holds the lock; the new chain's token, or None when one runs."""
    from django.core.cache import cache  # noqa: PLC0415

    from sessionroom_xblock.conf import setting  # noqa: PLC0415

    token = uuid.uuid4().hex
    if not cache.add(SWEEP_LOCK, token, setting("SWEEP_HEARTBEAT_SECONDS")):
        return None
    try:
        sweep.apply_async(args=[token])
    except Exception:
        cache.delete(SWEEP_LOCK)  # no chain runs (broker down): let the next check try again at once
        raise
    log.info("Started sweep chain %s", token)
    return token


class _Watchdog(threading.Thread):
    """Checks the chain lock every quarter heartbeat and starts a chain when it is free."""

    def __init__(self, period: float):
        super().__init__(name="sessionroom-sweep-watchdog", daemon=True)
        self.period = period
        self.stopped = threading.Event()

    def run(self):
        while not self.stopped.is_set():
            try:
                start_chain_if_free()
            except Exception:  # noqa: BLE001 - a cache or broker outage must not kill the watchdog
                log.exception("Sweep watchdog could not check the chain lock")
            self.stopped.wait(self.period)


_watchdog: _Watchdog | None = None


@worker_ready.connect(dispatch_uid="sessionroom_xblock.sweep_watchdog")
def _start_watchdog(sender=None, **kwargs):
    """On a worker that enables it, keep one sweep chain alive across all workers."""
    global _watchdog  # noqa: PLW0603
    from sessionroom_xblock.conf import setting  # noqa: PLC0415

    if not setting("SWEEP_ENABLED") or _watchdog is not None:
        return
    _watchdog = _Watchdog(period=max(1.0, setting("SWEEP_HEARTBEAT_SECONDS") / 4))
    _watchdog.start()


@worker_shutdown.connect(dispatch_uid="sessionroom_xblock.sweep_watchdog_stop")
def _stop_watchdog(sender=None, **kwargs):
    """A worker shutting down stops its watchdog; the chain lives on in the other workers."""
    if _watchdog is not None:
        _watchdog.stopped.set()
