"""Task registration, the chain lock, the opt-in beat entries and the cron commands."""

from __future__ import annotations

import types
from datetime import timedelta
from io import StringIO

import pytest
from celery import current_app
from django.core import mail
from django.core.cache import cache
from django.core.management import call_command
from django.utils import timezone

from sessionroom_xblock import tasks
from sessionroom_xblock.models import TutoringSession
from sessionroom_xblock.settings.common import BEAT_ENTRIES, plugin_settings
from tests.factories import make_session

NAMES = ("send_due_reminders", "send_reminder", "close_sessions", "sync_session_recordings", "poll_recordings", "sweep")


@pytest.mark.parametrize("name", NAMES)
def test_tasks_are_registered_by_explicit_name_and_ack_late(name):
    task = current_app.tasks[f"sessionroom_xblock.tasks.{name}"]
    assert task.name == getattr(tasks, name).name == f"sessionroom_xblock.tasks.{name}"
    assert task.acks_late


@pytest.mark.parametrize("name", [name for name in NAMES if name != "sweep"])
def test_failing_tasks_retry_a_bounded_number_of_times_with_backoff(name):
    task = getattr(tasks, name)
    assert task.autoretry_for == (Exception,) and task.retry_backoff and task.max_retries == 5


def test_beat_entries_only_when_asked():
    module = types.SimpleNamespace(SESSIONROOM={})
    plugin_settings(module)
    assert not hasattr(module, "CELERY_BEAT_SCHEDULE") and not hasattr(module, "CELERYBEAT_SCHEDULE")

    lms = types.SimpleNamespace(SESSIONROOM={"BEAT_SCHEDULE": True}, CELERYBEAT_SCHEDULE={"other": {}})
    plugin_settings(lms)
    assert set(lms.CELERYBEAT_SCHEDULE) == {"other", *BEAT_ENTRIES}
    reminders_entry = lms.CELERYBEAT_SCHEDULE["sessionroom-send-reminders"]
    assert reminders_entry["task"] == "sessionroom_xblock.tasks.send_due_reminders"
    for entry in BEAT_ENTRIES.values():
        assert entry["task"] in current_app.tasks


@pytest.fixture
def clean_lock():
    cache.delete_many([tasks.SWEEP_LOCK, tasks.SWEEP_HEARTBEAT])
    yield
    cache.delete_many([tasks.SWEEP_LOCK, tasks.SWEEP_HEARTBEAT])


def test_only_one_chain_holds_the_lock_and_a_superseded_one_stops(clean_lock):
    assert tasks._hold_chain("first", "worker-a")
    assert not tasks._hold_chain("second", "worker-b")
    assert cache.get(tasks.SWEEP_HEARTBEAT)["hostname"] == "worker-a"
    cache.delete(tasks.SWEEP_LOCK)  # the holder died and its lock expired
    assert tasks._hold_chain("second", "worker-b")
    assert not tasks._hold_chain("first", "worker-a")


def test_the_watchdog_leaves_a_running_chain_alone(clean_lock):
    """Starting a chain when the lock is free needs a worker (eager mode would run the chain forever):
    that case is tests/integration/test_worker.py."""
    cache.set(tasks.SWEEP_LOCK, "running-chain", 60)
    assert tasks.start_chain_if_free() is None
    assert cache.get(tasks.SWEEP_LOCK) == "running-chain"


def test_cron_commands_are_idempotent(learner, tutor):
    now = timezone.now()
    make_session(learner, tutor, start=now + timedelta(hours=23, minutes=59), schedule_set_at=now - timedelta(days=2))
    no_show = make_session(learner, tutor, start=now - timedelta(minutes=20))
    out = StringIO()
    for _ in range(2):
        call_command("sessionroom_send_reminders", stdout=out)
        call_command("sessionroom_close_sessions", stdout=out)
        call_command("sessionroom_sync_recordings", stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("claimed=1 sent=2") and lines[3].startswith("claimed=0 sent=0")
    assert lines[1].startswith("no_show=1") and lines[4].startswith("no_show=0")
    assert lines[2] == lines[5] == "sessions=0 created=0 updated=0 failed=0"
    assert len(mail.outbox) == 2
    assert TutoringSession.objects.get(pk=no_show.pk).status == "no_show"
