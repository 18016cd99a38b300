"""Deleting one person's data from the plugin's tables (GDPR requests, account retirement).

What goes: their ratings and comments, chat lines, attendance rows, reminder
claims and shared links; notes on their sessions; access to recordings of their sessions (the recording
shows them), which are also deleted at the provider where it supports that. Their sessions that have
not taken place are cancelled, so the other participant is not left waiting.

What stays: the session rows themselves (course, times, status), because they are the other
participant's and the course's history too. They point at the user row, which the platform's own
retirement anonymizes (username and email replaced); this module does not touch the user row.

In the LMS this runs by itself when an account is retired; ``sessionroom_delete_user_data`` runs it by hand.
"""

from __future__ import annotations

import logging

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from sessionroom_xblock import compat
from sessionroom_xblock.models import (
    Attendance,
    ChatMessage,
    Feedback,
    Recording,
    ReminderDelivery,
    ResourceLink,
    TutoringSession,
)
from sessionroom_xblock.providers.base import ProviderError
from sessionroom_xblock.providers.registry import get_provider
from sessionroom_xblock.sessions import reminder_plan

log = logging.getLogger(__name__)


class UserNotFound(LookupError):
    """No single user matches the identifier."""


def find_user(identifier: str):
    """A user by username, email or id, active or not (retired accounts are inactive)."""
    users = get_user_model().objects
    text = str(identifier).strip()
    user = users.filter(username=text).first()
    if user is None and "@" in text:
        matches = list(users.filter(email__iexact=text)[:2])
        if len(matches) > 1:
            raise UserNotFound(f"More than one account uses {text}; give the username or id.")
        user = matches[0] if matches else None
    if user is None and text.isdigit():
        user = users.filter(pk=int(text)).first()
    if user is None:
        raise UserNotFound(f"No user matches {text!r}.")
    return user


def delete_user_data(user, *, dry_run: bool = False) -> dict[str, int]:
    """
    Delete ``user``'s personal data here, in one transaction; returns what was (or would be) removed.

    ``dry_run`` does the same work and rolls it back, so the counts are exactly what a real run does.
    Provider recordings are deleted only after the transaction commits, and best effort: a provider
    that fails is logged, and the recording is already unreachable from the platform.
    """
    with transaction.atomic():
        sessions = TutoringSession.objects.filter(Q(learner=user) | Q(tutor=user))
        recordings = Recording.objects.filter(session__in=sessions).exclude(state=Recording.State.DELETED)
        at_provider = list(recordings.values_list("session__provider", "provider_recording_id"))
        counts = {
            "feedback": Feedback.objects.filter(author=user).delete()[0],
            "chat_messages": ChatMessage.objects.filter(sender=user).delete()[0],
            "attendance": Attendance.objects.filter(user=user).delete()[0],
            "reminders": ReminderDelivery.objects.filter(user=user).delete()[0],
            "resource_links": ResourceLink.objects.filter(added_by=user).delete()[0],
            "session_notes": sessions.exclude(notes="").update(notes=""),
            "recordings": recordings.update(state=Recording.State.DELETED, playback_url=""),
            "cancelled_sessions": sessions.filter(status__in=TutoringSession.OPEN_STATUSES).update(
                status=TutoringSession.Status.CANCELLED, **reminder_plan.cancel_fields(timezone.now())
            ),
            "sessions_kept": sessions.count(),
        }
        if dry_run:
            transaction.set_rollback(True)
        else:
            transaction.on_commit(lambda: _delete_at_providers(at_provider))
    log.info("Deleted Session Room data of user %s%s: %s", user.pk, " (dry run)" if dry_run else "", counts)
    return counts


def connect_to_platform_retirement() -> bool:
    """
    Delete a person's data here when the LMS retires their account (its retirement pipeline sends
    ``USER_RETIRE_LMS_MISC``). Called from the app's ``ready()``; False outside the platform.
    """
    signal = compat.retirement_signal()
    if signal is None:
        return False
    signal.connect(_on_retirement, dispatch_uid="sessionroom_xblock.background.retirement")
    return True


def _on_retirement(sender, user=None, **kwargs) -> None:
    if user is not None:
        delete_user_data(user)


def _delete_at_providers(recordings) -> None:
    for provider_name, recording_id in recordings:
        if not provider_name:
            continue
        try:
            get_provider(provider_name).delete_recording(recording_id)
        except ProviderError as exc:
            log.warning("Could not delete recording %s at %s: %s", recording_id, provider_name, exc)
