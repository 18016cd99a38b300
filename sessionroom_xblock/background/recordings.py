"""Recordings: sync what the provider reports into ``Recording`` rows, poll while some are processing, and
optionally keep a copy in S3-compatible object storage.

The recording-ready callback enqueues ``sync_session_recordings`` for its session; ``poll_recordings``
picks up the rest (providers without callbacks, lost callbacks) by asking the provider about every session
that still has a recording in ``processing``.

By default participants watch the provider's playback link. When the operator sets
``SESSIONROOM["RECORDING_STORAGE"]`` (a Django storage class and its options, e.g. django-storages'
``S3Storage`` pointed at Cloudflare R2), a ready recording the provider offers for download is streamed into
that storage (never held whole in memory), its size (and SHA-256, when the source states one) verified, and
participants get time-limited signed links to the copy instead.
"""

from __future__ import annotations

import hashlib
import io
import logging
from dataclasses import dataclass

import requests
from django.utils.module_loading import import_string

from sessionroom_xblock.conf import setting
from sessionroom_xblock.models import Recording, TutoringSession
from sessionroom_xblock.providers.base import RecordingInfo
from sessionroom_xblock.providers.registry import get_provider

#: Bytes read from the provider per step of the copy.
CHUNK_BYTES = 1024 * 1024

log = logging.getLogger(__name__)


@dataclass
class SyncResult:
    """How many recording rows a sync created and changed, and how many files it copied to storage."""

    created: int = 0
    updated: int = 0
    copied: int = 0


def sync_session(session: TutoringSession) -> SyncResult:
    """Bring the session's ``Recording`` rows in line with the provider's list (provider errors propagate)."""
    result = SyncResult()
    if not (session.provider and session.provider_room_id):
        return result
    provider = get_provider(session.provider)
    infos = provider.list_recordings(session.provider_room_id)
    existing = {row.provider_recording_id: row for row in Recording.objects.filter(session=session)}
    target = recording_storage()
    for info in infos:
        row = existing.get(info.recording_id)
        if row is None:
            row = Recording.objects.create(session=session, provider_recording_id=info.recording_id, **_fields(info))
            result.created += 1
        else:
            changed = {name: value for name, value in _fields(info).items() if getattr(row, name) != value}
            if changed:
                Recording.objects.filter(pk=row.pk).update(**changed)
                result.updated += 1
        if target is not None and info.state == Recording.State.READY and not row.storage_path:
            source = info.download_url or _download_url(provider, info.recording_id)
            if source:
                # Not ``info.size_bytes``: plugNmeet reports sizes in MB rounded to two decimals. The copy is
                # checked against the download's Content-Length and the stored object's size instead.
                copy_to_storage(row, source, target)
                result.copied += 1
    return result


def _download_url(provider, recording_id: str) -> str:
    """A fresh download link where the provider mints them on demand (plugNmeet tokens expire)."""
    mint = getattr(provider, "download_url", None)
    return mint(recording_id) if callable(mint) else ""


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
        Recording.objects.filter(state=Recording.State.PROCESSING)
        .order_by("updated")
        .values_list("session_id", flat=True)
    )
    seen: dict = {}
    for session_id in rows[: batch_size * 4]:
        seen.setdefault(str(session_id), None)
        if len(seen) == batch_size:
            break
    return list(seen)


# --- Object storage ---------------------------------------------------------------------------------------


class CopyFailed(Exception):
    """The copy did not arrive whole (size or checksum differ); nothing is left in storage."""


def recording_storage():
    """
    The storage ``SESSIONROOM["RECORDING_STORAGE"]`` configures, or None (participants use provider links).

    ``{"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": {"bucket_name": …, "endpoint_url": …,
    "access_key": …, "secret_key": …, "querystring_expire": 3600}}``, as in Django's ``STORAGES``.
    """
    configured = setting("RECORDING_STORAGE") or {}
    if not configured.get("BACKEND"):
        return None
    return import_string(configured["BACKEND"])(**configured.get("OPTIONS", {}))


class _StreamReader(io.RawIOBase):
    """
    A read-only file over an HTTP response's chunks, counting bytes and hashing them as they pass, so the
    storage reads the recording piece by piece and never holds more than its own upload buffers.
    """

    def __init__(self, response: requests.Response):
        super().__init__()
        self._chunks = response.iter_content(CHUNK_BYTES)
        self._pending = b""
        self.size = 0
        self.sha256 = hashlib.sha256()

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        while not self._pending:
            chunk = next(self._chunks, None)
            if chunk is None:
                return 0
            self._pending = chunk
        count = min(len(buffer), len(self._pending))
        buffer[:count], self._pending = self._pending[:count], self._pending[count:]
        self.size += count
        self.sha256.update(buffer[:count])
        return count


def copy_to_storage(
    recording: Recording, source_url: str, storage, *, expected_size: int | None = None, expected_sha256: str = ""
) -> str:
    """
    Stream the recording at ``source_url`` into ``storage`` and record where it is.

    Verifies the byte count against ``expected_size`` (an exact figure, else the response's Content-Length)
    and against what the storage reports, and the SHA-256 when one is expected; on a
    mismatch the object is deleted and ``CopyFailed`` raised (the task retries the sync). Returns the path.
    """
    path = f"sessionroom/recordings/{recording.session_id}/{recording.provider_recording_id}.mp4"
    timeout = (5, 60)
    try:
        with requests.get(source_url, stream=True, timeout=timeout) as response:
            response.raise_for_status()
            length = response.headers.get("Content-Length")
            expected = expected_size if expected_size is not None else (int(length) if length else None)
            reader = _StreamReader(response)
            stored = storage.save(path, io.BufferedReader(reader, CHUNK_BYTES))
    except requests.RequestException as exc:
        # Download links carry short-lived tokens: say what failed without the URL (and drop the cause,
        # whose message holds it), so task logs never show one.
        failed = type(exc).__name__
        raise CopyFailed(f"Recording {recording.provider_recording_id}: download failed ({failed})") from None
    problems = []
    if expected is not None and reader.size != expected:
        problems.append(f"read {reader.size} bytes, expected {expected}")
    if storage.size(stored) != reader.size:
        problems.append(f"storage holds {storage.size(stored)} bytes, read {reader.size}")
    if expected_sha256 and reader.sha256.hexdigest() != expected_sha256.lower():
        problems.append("SHA-256 differs")
    if problems:
        storage.delete(stored)
        raise CopyFailed(f"Recording {recording.provider_recording_id}: " + "; ".join(problems))
    Recording.objects.filter(pk=recording.pk).update(storage_path=stored, size_bytes=reader.size)
    recording.storage_path, recording.size_bytes = stored, reader.size
    log.info("Copied recording %s (%d bytes) to storage", recording.provider_recording_id, reader.size)
    return stored


def recording_link(recording: Recording, user_id: int | None) -> str:
    """
    The link ``user_id`` may watch ``recording`` at: a signed, time-limited URL to our copy when there is
    one, else the provider's playback link. Only the session's two participants get a link; others get "".
    """
    session = recording.session
    if user_id is None or user_id not in session.participant_ids() or recording.state != Recording.State.READY:
        return ""
    if recording.storage_path:
        storage = recording_storage()
        if storage is not None:
            return storage.url(recording.storage_path, expire=setting("RECORDING_URL_EXPIRY_SECONDS"))
    return recording.playback_url
