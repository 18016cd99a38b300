"""System checks: say at start-up when reminders, closing and recording sync would never run.

Nothing periodic runs by itself: the sweeps need the self-re-chaining sweep on the Celery workers, beat
entries, or cron (docs/background-work.md). Without any of them reminders silently never go out, so
``manage.py check`` (and every management command, and the LMS's start-up) warns. Cron lives outside
Django, so operators who use it say so with ``SESSIONROOM["CRON"] = True``.
"""

from __future__ import annotations

from django.conf import settings
from django.core import checks

from sessionroom_xblock.conf import setting

#: Our periodic tasks: a beat schedule naming any of them counts as periodic work configured.
PERIODIC_TASKS = frozenset(
    {
        "sessionroom_xblock.tasks.send_due_reminders",
        "sessionroom_xblock.tasks.close_sessions",
        "sessionroom_xblock.tasks.poll_recordings",
    }
)
#: Cache backends whose ``cache.add`` is not shared between processes: the sweep's chain lock needs one.
PROCESS_LOCAL_CACHES = frozenset(
    {
        "django.core.cache.backends.locmem.LocMemCache",
        "django.core.cache.backends.dummy.DummyCache",
    }
)


def _beat_entries() -> list[str]:
    """Our tasks in the host's beat schedule (either setting name)."""
    names = []
    for attribute in ("CELERYBEAT_SCHEDULE", "CELERY_BEAT_SCHEDULE"):
        for entry in (getattr(settings, attribute, None) or {}).values():
            if isinstance(entry, dict) and entry.get("task") in PERIODIC_TASKS:
                names.append(entry["task"])
    return names


@checks.register(checks.Tags.compatibility)
def check_periodic_work(app_configs, **kwargs):
    """Warn when no way of running the sweeps is configured, or when the sweep's lock cannot work."""
    sweep = bool(setting("SWEEP_ENABLED"))
    if not (sweep or setting("BEAT_SCHEDULE") or _beat_entries() or setting("CRON")):
        return [
            checks.Warning(
                "Session Room: no periodic work is configured, so session reminders are never sent and "
                "sessions are never closed.",
                hint='Set SESSIONROOM["SWEEP_ENABLED"] = True (the Tutor plugin does), add the beat entries '
                'with SESSIONROOM["BEAT_SCHEDULE"] = True, or run the sweep commands from cron and declare it '
                'with SESSIONROOM["CRON"] = True. See docs/background-work.md.',
                id="sessionroom_xblock.W001",
            )
        ]
    backend = (getattr(settings, "CACHES", {}).get("default") or {}).get("BACKEND", "")
    if sweep and backend in PROCESS_LOCAL_CACHES:
        return [
            checks.Warning(
                f"Session Room: the sweep is on but the default cache ({backend}) is not shared between "
                "processes, so the workers cannot agree on one sweep chain.",
                hint="Use Redis or Memcached as the default cache (the LMS and Tutor do), or run the sweeps "
                "from cron or beat instead.",
                id="sessionroom_xblock.W002",
            )
        ]
    return []
