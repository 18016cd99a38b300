"""Settings every environment gets (edx-django-utils calls ``plugin_settings`` with the settings module)."""

import copy

from sessionroom_xblock.conf import DEFAULTS

#: The opt-in beat entry: one sweep of each kind a minute, for sites that run ``celery beat``.
BEAT_ENTRIES = {
    "sessionroom-send-reminders": {"task": "sessionroom_xblock.tasks.send_due_reminders", "schedule": 60.0},
    "sessionroom-close-sessions": {"task": "sessionroom_xblock.tasks.close_sessions", "schedule": 60.0},
    "sessionroom-poll-recordings": {"task": "sessionroom_xblock.tasks.poll_recordings", "schedule": 300.0},
}


def plugin_settings(settings):
    """
    Fill ``SESSIONROOM`` with the defaults of brief §11, keeping whatever the operator already set, and add
    the beat entries only when ``SESSIONROOM["BEAT_SCHEDULE"]`` asks for them (Tutor runs no beat).
    """
    configured = getattr(settings, "SESSIONROOM", None) or {}
    merged = copy.deepcopy(DEFAULTS)
    merged.update(configured)
    settings.SESSIONROOM = merged
    if merged["BEAT_SCHEDULE"]:
        # The LMS configures Celery from old-style names (CELERYBEAT_SCHEDULE); hosts that use the CELERY_
        # namespace (like the dev host) read CELERY_BEAT_SCHEDULE. Add to whichever the host has.
        attribute = "CELERYBEAT_SCHEDULE" if hasattr(settings, "CELERYBEAT_SCHEDULE") else "CELERY_BEAT_SCHEDULE"
        schedule = dict(getattr(settings, attribute, None) or {})
        schedule.update(copy.deepcopy(BEAT_ENTRIES))
        setattr(settings, attribute, schedule)
