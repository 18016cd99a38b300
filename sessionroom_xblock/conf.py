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
    "PRESENCE_TIMEOUT_SECONDS": 45,
    "HEARTBEAT_SECONDS": 15,
    "FRAME_TIMEOUT_SECONDS": 15,
    "REMINDERS": ["24h", "1h", "15m"],
    "BOOKING_URL": "",
    "DASHBOARD_URL": "/dashboard",
    "COURSE_URL_TEMPLATE": "/courses/{course_key}/",
    "LMS_ROOT_URL": "",
    "WORKBENCH_COURSE_KEY": "",
    "COURSE_TITLES": {},
    "FEEDBACK_COMMENT_MAX_LENGTH": 2000,
}


def sessionroom_settings() -> dict[str, Any]:
    """Return ``settings.SESSIONROOM`` merged over the defaults (never cached: tests override settings)."""
    from django.conf import settings  # noqa: PLC0415

    merged = copy.deepcopy(DEFAULTS)
    merged.update(getattr(settings, "SESSIONROOM", {}) or {})
    return merged


def setting(name: str) -> Any:
    """One key of ``SESSIONROOM``."""
    return sessionroom_settings()[name]
