"""Recordings: sync what the provider reports into ``Recording`` rows, and poll while some are processing.

The recording-ready callback enqueues ``sync_session_recordings`` for its session; ``poll_recordings``
picks up the rest (providers without callbacks, lost callbacks) by asking the provider about every session
that still has a recording in ``processing``. The provider's playback link is what participants get unless
the operator configured object storage (see ``storage.py``-free ``copy_to_storage`` below).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.db.models import Q

from sessionroom_xblock.conf import setting
from sessionroom_xblock.models import Recording, TutoringSession
from sessionroom_xblock.providers.base import RecordingInfo
from sessionroom_xblock.providers.registry import get_provider

log = logging.getLogger(__name__)


@dataclass
class SyncResult:
    """How many recording rows a sync created and changed."""

    created: int = 0
    updated: int = 0


def sync_session(session: TutoringSession) -> SyncResult:
    """Bring the session's ``Recording`` rows in line with the provider's list (provider errors propagate)."""
    result = SyncResult()
    if not (session.provider and session.provider_room_id):
        return result
    infos = get_provider(session.provider).list_recordings(session.provider_room_id)
    existing = {row.provider_recording_id: row for row in Recording.objects.filter(session=session)}
    for info in infos:
        row = existing.get(info.recording_id)
        if row is None:
            Recording.objects.create(session=session, provider_recording_id=info.recording_id, **_fields(info))
            result.created += 1
            continue
        fields = _fields(info)
        if row.storage_path:
            fields.pop("playback_url")  # our copy is served instead; keep the provider's link out of it
        changed = {name: value for name, value in fields.items() if getattr(row, name) != value}
        if changed:
            Recording.objects.filter(pk=row.pk).update(**changed)
            result.updated += 1
    return result


def _fields(info: RecordingInfo) -> dict:
    return {
        "state": info.state,
        "playback_url": info.playback_url,
        "duration_seconds": info.duration_seconds,
        "size_bytes": info.size_bytes,
    }


def sessions_to_poll(batch_size: int | None = None) -> list[str]:
    """Ids of sessions with a recording still processing (the ``sr_recording_state`` index), oldest first."""
    batch_size = batch_size or setting("RECORDING_POLL_BATCH_SIZE")
    rows = (
        Recording.objects.filter(Q(state=Recording.State.PROCESSING))
        .order_by("updated")
        .values_list("session_id", flat=True)
    )
    seen: dict = {}
    for session_id in rows[: batch_size * 4]:
        seen.setdefault(str(session_id), None)
        if len(seen) == batch_size:
            break
    return list(seen)
