"""``sessionroom_delete_user_data``: a person's data goes, the other participant's history stays."""

from datetime import timedelta
from io import StringIO
from unittest import mock

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.dispatch import Signal
from django.utils import timezone

from sessionroom_xblock import compat
from sessionroom_xblock.background import retirement
from sessionroom_xblock.models import (
    Attendance,
    ChatMessage,
    Feedback,
    Recording,
    ReminderDelivery,
    ResourceLink,
    TutoringSession,
)
from tests.factories import make_session, make_user

STATUS = TutoringSession.Status


@pytest.fixture
def history(learner, tutor):
    """A past session with everything in it, and an upcoming one."""
    now = timezone.now()
    past = make_session(
        learner, tutor, start=now - timedelta(days=1), status=STATUS.COMPLETED, notes="Struggles with x"
    )
    past.provider = "bbb"
    past.save()
    upcoming = make_session(learner, tutor, start=now + timedelta(days=1))
    for user in (learner, tutor):
        Attendance.objects.create(session=past, user=user, joined_at=now)
        Feedback.objects.create(session=past, author=user, rating=4, comment=f"from {user.username}")
        ChatMessage.objects.create(session=past, sender=user, text=f"hi from {user.username}")
        ReminderDelivery.objects.create(
            session=upcoming, user=user, kind="24h", scheduled_start=upcoming.scheduled_start
        )
    ResourceLink.objects.create(session=past, added_by=tutor, title="Notes", url="https://example.org/notes")
    Recording.objects.create(
        session=past, provider_recording_id="rec-1", state=Recording.State.READY, playback_url="https://bbb/p/rec-1"
    )
    return past, upcoming


def run(*args) -> str:
    out = StringIO()
    call_command("sessionroom_delete_user_data", *args, stdout=out)
    return out.getvalue()


def test_deletes_the_learners_data_and_keeps_the_tutors(history, learner, tutor, django_capture_on_commit_callbacks):
    past, upcoming = history
    with mock.patch("sessionroom_xblock.background.retirement.get_provider") as provider:
        with django_capture_on_commit_callbacks(execute=True):
            output = run("learner@example.org")
    provider.assert_called_once_with("bbb")
    provider.return_value.delete_recording.assert_called_once_with("rec-1")
    assert "feedback: 1" in output and "cancelled_sessions: 1" in output and "sessions_kept: 2" in output
    for model, field in (
        (Feedback, "author"),
        (ChatMessage, "sender"),
        (Attendance, "user"),
    ):
        assert not model.objects.filter(**{field: learner}).exists()
        assert model.objects.filter(**{field: tutor}).count() == 1
    assert not ReminderDelivery.objects.filter(user=learner).exists()
    assert ResourceLink.objects.count() == 1  # the tutor's
    past.refresh_from_db()
    upcoming.refresh_from_db()
    assert past.notes == "" and past.status == STATUS.COMPLETED
    assert upcoming.status == STATUS.CANCELLED
    recording = Recording.objects.get()
    assert (recording.state, recording.playback_url) == (Recording.State.DELETED, "")


def test_dry_run_counts_and_changes_nothing(history, learner):
    with mock.patch("sessionroom_xblock.background.retirement.get_provider") as provider:
        output = run(str(learner.pk), "--dry-run")
    assert output.startswith("Would delete") and "chat_messages: 1" in output
    provider.assert_not_called()
    assert Feedback.objects.filter(author=learner).exists()
    assert TutoringSession.objects.filter(status=STATUS.SCHEDULED).count() == 1


def test_retired_inactive_users_are_found_by_username(history, learner):
    learner.is_active = False
    learner.save()
    with mock.patch("sessionroom_xblock.background.retirement.get_provider"):
        assert "Deleted" in run("learner")


def test_unknown_users_are_an_error(db):
    with pytest.raises(CommandError, match="No user matches 'ghost'"):
        run("ghost")


def test_shared_emails_are_refused(db):
    make_user("one")
    make_user("two")
    get_user_model().objects.filter(username__in=("one", "two")).update(email="Same@example.org")
    with pytest.raises(CommandError, match="More than one account"):
        run("same@example.org")


def test_the_lms_account_retirement_deletes_the_data_too(history, learner, monkeypatch):
    retire = Signal()
    monkeypatch.setattr(compat, "retirement_signal", lambda: retire)
    assert retirement.connect_to_platform_retirement()
    try:
        with mock.patch("sessionroom_xblock.background.retirement.get_provider"):
            retire.send(sender=None, user=learner)
    finally:
        retire.disconnect(dispatch_uid="sessionroom_xblock.background.retirement")
    assert not Feedback.objects.filter(author=learner).exists()


def test_outside_the_platform_there_is_no_retirement_to_join():
    assert compat.retirement_signal() is None
    assert retirement.connect_to_platform_retirement() is False
