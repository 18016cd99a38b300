"""Provider callbacks: verify, then apply what they report to the session, once.

The provider module checks its own signature scheme (``parse_callback``); this module binds the
callback to a session, records a receipt of what the event means (provider, kind, meeting, recording,
user) so the same event twice changes nothing, and updates attendance, the session's status and its
recordings. An event already applied is answered with success, because providers retry anything else.
"""

from __future__ import annotations

import logging
import uuid
from datetime import timedelta

from django.db import IntegrityError, transaction

from sessionroom_xblock.analytics import tracker_analytics
from sessionroom_xblock.models import Attendance, CallbackReceipt, Recording, TutoringSession
from sessionroom_xblock.providers.base import CallbackEvent, CallbackRejected, CallbackRequest
from sessionroom_xblock.providers.registry import get_provider
from sessionroom_xblock.sessions import rooms
from sessionroom_xblock.signing import session_id_from_token

log = logging.getLogger(__name__)
ROOM_PREFIX = "sessionroom-"
#: How often a repeated recording-ready may re-read the provider's recordings (see ``_repeated``).
RESYNC_AFTER = timedelta(hours=1)


def handle(provider_name: str, request: CallbackRequest, suffix: str) -> int:
    """Verify and apply one callback; the number of events applied. Raises ``CallbackRejected``."""
    provider = get_provider(provider_name)
    events = provider.parse_callback(request, suffix)
    bound_session = _session_bound_by_token(request) if provider_name == "bbb" else None
    applied = 0
    for event in events:
        session = _session_of(event)
        if bound_session is not None and session.pk != bound_session:
            raise CallbackRejected("The callback token belongs to another session.", status=403)
        with transaction.atomic():
            fresh = _record_receipt(provider_name, event)
            if fresh:
                _apply(session, event)
        if fresh:
            applied += 1
        else:
            _repeated(provider_name, session, event)
    return applied


def _record_receipt(provider_name: str, event: CallbackEvent) -> bool:
    """Insert the event's receipt; False when it is there already (the unique constraint decides races)."""
    try:
        with transaction.atomic():
            CallbackReceipt.objects.create(provider=provider_name, digest=event.digest)
    except IntegrityError:
        return False
    return True


def _repeated(provider_name: str, session: TutoringSession, event: CallbackEvent) -> None:
    """
    An event already applied changes nothing, and is answered with success: providers retry whatever is not
    2xx. The one exception is recording-ready: BBB sends it again when a recording is rebuilt, so it queues a
    fresh sync of the session's recordings (which only mirrors the provider's own list), at most once per
    ``RESYNC_AFTER``, so a captured callback replayed in a loop costs at most that.
    """
    log.info("%s callback %s for %s was already applied", provider_name, event.kind, event.room_id)
    if event.kind != "recording_ready":
        return
    now = rooms.now_utc()
    receipt = CallbackReceipt.objects.filter(provider=provider_name, digest=event.digest)
    due = receipt.filter(received_at__lt=now - RESYNC_AFTER).update(received_at=now)
    if due:
        _queue_sync(session)


def _session_bound_by_token(request: CallbackRequest):
    """BBB callbacks carry our per-session token: without a valid one, nothing happens."""
    session_id = session_id_from_token(request.query.get("token", ""))
    if session_id is None:
        raise CallbackRejected("Missing or invalid callback token.", status=401)
    return uuid.UUID(session_id)


def _session_of(event: CallbackEvent) -> TutoringSession:
    """The session a room id names (``sessionroom-<uuid>``)."""
    if not event.room_id.startswith(ROOM_PREFIX):
        raise CallbackRejected("The callback names a room that is not ours.", status=403)
    try:
        session_id = uuid.UUID(event.room_id[len(ROOM_PREFIX) :])
    except ValueError as exc:
        raise CallbackRejected("The callback names a room that is not ours.", status=403) from exc
    session = TutoringSession.objects.filter(pk=session_id).first()
    if session is None:
        raise CallbackRejected("The callback names an unknown session.", status=403)
    return session


def _apply(session: TutoringSession, event: CallbackEvent) -> None:
    now = event.occurred_at or rooms.now_utc()
    if event.kind == "room_ended":
        rooms.end_session(session, now, tracker_analytics(), end_provider_room=False)
    elif event.kind in ("participant_joined", "participant_left"):
        _record_presence(session, event, now)
    elif event.kind == "recording_ready" and event.recording_id:
        Recording.objects.get_or_create(session=session, provider_recording_id=event.recording_id)
        _queue_sync(session)


def _queue_sync(session: TutoringSession) -> None:
    """Sync the session's recordings from its provider once the transaction commits."""
    from sessionroom_xblock.tasks import sync_session_recordings

    transaction.on_commit(lambda: sync_session_recordings.delay(str(session.pk)))


def _record_presence(session: TutoringSession, event: CallbackEvent, now) -> None:
    """The provider saw a participant come or go (only our two participants count)."""
    try:
        user_id = int(event.user_id)
    except ValueError:
        return
    if user_id not in session.participant_ids():
        return
    row, _ = Attendance.objects.select_for_update().get_or_create(session=session, user_id=user_id)
    if event.kind == "participant_joined":
        row.joined_at = row.joined_at or now
        row.last_seen, row.left_at = now, None
    else:
        row.left_at = now
    row.via = Attendance.Via.WEBHOOK
    row.save()
