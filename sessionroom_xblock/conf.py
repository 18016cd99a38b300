"""The ``SESSIONROOM`` setting, read lazily with the defaults of brief §11 filled in."""

from __future__ import annotations

import copy
from typing import Any

DEFAULTS: dict[str, Any] = {
    "DEFAULT_PROVIDER": "p2p",
    "PROVIDERS": {"p2p": {"ICE_SERVERS": [], "FALLBACK": ""}},
    "JOIN_WINDOW_MINUTES": 15,
    "NO_SHOW_MINUTES": 15,
    "END_GRACE_MINUTES": 10,
    # Heartbeats come every HEARTBEAT_SECONDS, or HEARTBEAT_CONNECTED_SECONDS once a p2p call is connected;
    # the timeout tolerates one connected beat plus jitter. At most one heartbeat per HEARTBEAT_MIN_SECONDS.
    "PRESENCE_TIMEOUT_SECONDS": 75,
    "HEARTBEAT_SECONDS": 15,
    "HEARTBEAT_CONNECTED_SECONDS": 30,
    "HEARTBEAT_MIN_SECONDS": 5,
    # Attendance rows are written on changes and at most this often otherwise (presence lives in the cache).
    "PRESENCE_FLUSH_SECONDS": 300,
    # A provider room is re-created only when nobody was seen in it for this long (BBB ends an empty
    # meeting after a minute by default); otherwise a rejoin reuses the room it remembers.
    "ROOM_MEMORY_SECONDS": 45,
    "FRAME_TIMEOUT_SECONDS": 15,
    "REMINDERS": ["24h", "1h", "15m"],
    "BOOKING_URL": "",
    "DASHBOARD_URL": "/dashboard",
    # Empty: the Learning MFE's course home when LEARNING_MICROFRONTEND_URL is set, else /courses/<key>/.
    "COURSE_URL_TEMPLATE": "",
    # Who may frame our own pages (CSP frame-ancestors); empty: 'self' and the Learning MFE's origin.
    "FRAME_ANCESTORS": [],
    "LMS_ROOT_URL": "",
    "WORKBENCH_COURSE_KEY": "",
    "COURSE_TITLES": {},
    "FEEDBACK_COMMENT_MAX_LENGTH": 2000,
    # Background work (docs/background-work.md).
    "REMINDER_BATCH_SIZE": 500,
    "REMINDER_LEASE_SECONDS": 300,
    "CLOSE_BATCH_SIZE": 500,
    "RECORDING_POLL_BATCH_SIZE": 100,
    "SWEEP_ENABLED": False,
    "SWEEP_INTERVAL_SECONDS": 60,
    "SWEEP_HEARTBEAT_SECONDS": 180,
    "BEAT_SCHEDULE": False,
    "CRON": False,  # declares that cron runs the sweep commands (the system check cannot see cron)
    "RECORDING_STORAGE": {},
    "RECORDING_URL_EXPIRY_SECONDS": 3600,
    "DEV_USER_PREFERENCES": {},
    "DEV_COURSE_STAFF": {},
    # Reminders through edx-ace (the platform's email: channel, from-address, layout; the .ics as a link):
    # "auto" = when edx_ace is an installed app (the LMS); True; False = Django's mail with the invitation.
    "EMAIL_VIA_ACE": "auto",
}


def sessionroom_settings() -> dict[str, Any]:
    """Return ``settings.SESSIONROOM`` merged over the defaults (never cached: tests override settings)."""
    from django.conf import settings

    merged = copy.deepcopy(DEFAULTS)
    merged.update(getattr(settings, "SESSIONROOM", {}) or {})
    return merged


def setting(name: str) -> Any:
    """One key of ``SESSIONROOM`` (a copy: copying only the key asked for keeps sweeps cheap)."""
    from django.conf import settings  # noqa: PLC0415

    configured = getattr(settings, "SESSIONROOM", None) or {}
    return copy.deepcopy(configured[name] if name in configured else DEFAULTS[name])
