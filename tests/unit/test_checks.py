"""The system check warns at start-up when nothing would ever send reminders or close sessions."""

import pytest

from sessionroom_xblock.checks import check_periodic_work

REDIS = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://127.0.0.1"}}


def ids(settings, sessionroom, **extra):
    settings.SESSIONROOM = {**settings.SESSIONROOM, **sessionroom}
    for name, value in extra.items():
        setattr(settings, name, value)
    return [message.id for message in check_periodic_work(None)]


def test_nothing_periodic_configured_warns(settings):
    assert ids(settings, {"SWEEP_ENABLED": False, "BEAT_SCHEDULE": False, "CRON": False}) == ["sessionroom_xblock.W001"]


@pytest.mark.parametrize(
    "sessionroom,extra",
    [
        ({"SWEEP_ENABLED": True}, {"CACHES": REDIS}),
        ({"BEAT_SCHEDULE": True}, {}),
        ({"CRON": True}, {}),
        ({}, {"CELERYBEAT_SCHEDULE": {"mine": {"task": "sessionroom_xblock.tasks.send_due_reminders"}}}),
    ],
)
def test_any_way_of_running_the_sweeps_is_enough(settings, sessionroom, extra):
    assert ids(settings, {"SWEEP_ENABLED": False, "BEAT_SCHEDULE": False, "CRON": False, **sessionroom}, **extra) == []


def test_the_sweep_on_a_process_local_cache_warns(settings):
    locmem = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    assert ids(settings, {"SWEEP_ENABLED": True}, CACHES=locmem) == ["sessionroom_xblock.W002"]


def test_the_check_runs_with_djangos_checks(settings):
    from django.core import checks

    settings.SESSIONROOM = {**settings.SESSIONROOM, "SWEEP_ENABLED": False, "BEAT_SCHEDULE": False, "CRON": False}
    assert "sessionroom_xblock.W001" in [message.id for message in checks.run_checks()]
