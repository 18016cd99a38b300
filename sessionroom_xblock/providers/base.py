"""The one interface every video provider implements, and the values that cross it.

Providers import nothing from the XBlock or Django models: the services in ``rooms.py`` hand them plain
values (``RoomSpec``, ``Participant``, ``CallbackRequest``) and get plain values back. Any failure to
talk to the media server is raised as ``ProviderUnavailable``, which the services turn into the spec's
"Video service unavailable. Try again." without touching the session.
"""

from __future__ import annotations

import abc
import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar


class ProviderError(Exception):
    """Base of every provider failure. Messages never contain secrets."""


class ProviderUnavailable(ProviderError):
    """The media server could not be reached or answered with an error, garbage or too slowly."""

    def __init__(self, message: str, *, error_type: str = "provider_error"):
        super().__init__(message)
        self.error_type = error_type


class ProviderNotConfigured(ProviderError):
    """The block asks for a provider the operator has not configured (missing URL or secret)."""


class CallbackRejected(ProviderError):
    """A callback failed authentication (401) or is forbidden (403). Nothing was changed."""

    def __init__(self, message: str, status: int = 401):
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class RoomSpec:
    """Everything a provider needs to create (or find) the room of one session."""

    room_id: str
    title: str
    welcome: str = ""
    record: bool = False
    duration_minutes: int = 0
    logout_url: str = ""
    end_callback_url: str = ""
    recording_ready_url: str = ""
    webhook_url: str = ""
    metadata: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class RoomInfo:
    """A room that exists on the provider. ``instance`` ties joins to one meeting instance (BBB createTime)."""

    room_id: str
    instance: str = ""
    created: bool = False


@dataclass(frozen=True)
class Participant:
    """Who is joining: our user id (as a string), display name, avatar and whether they moderate."""

    user_id: str
    full_name: str
    avatar_url: str = ""
    is_moderator: bool = False


@dataclass(frozen=True)
class JoinTicket:
    """
    How the browser enters the room.

    ``kind`` is ``"iframe"`` (``url`` is the provider's client, embedded or opened in a tab) or ``"p2p"``
    (``config`` carries ICE servers and signaling settings for the built-in WebRTC room).
    """

    kind: str
    url: str = ""
    config: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Presence:
    """Who the provider sees in the room right now."""

    running: bool
    user_ids: frozenset[str] = frozenset()


@dataclass(frozen=True)
class RecordingInfo:
    """A recording as the provider reports it; ``state`` is one of processing, ready, failed, deleted."""

    recording_id: str
    state: str
    playback_url: str = ""
    download_url: str = ""
    duration_seconds: int | None = None
    size_bytes: int | None = None
    started_at: datetime | None = None


@dataclass(frozen=True)
class CallbackRequest:
    """A provider's HTTP callback, framework-free: the webhook view builds it from the Django request."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes
    form: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class CallbackEvent:
    """
    One fact a verified callback reports.

    ``kind``: room_started, room_ended, participant_joined, participant_left, recording_ready.
    ``occurrence`` tells two genuine events of the same kind apart where they can repeat (plugNmeet's event
    id on presence events); it stays empty where the meaning alone identifies the event.
    """

    kind: str
    room_id: str
    user_id: str = ""
    recording_id: str = ""
    occurred_at: datetime | None = None
    occurrence: str = ""

    @property
    def digest(self) -> str:
        """
        What the callback means (kind, room, recording, user, occurrence), hashed: the same event delivered
        twice, however its bytes differ (an extra query parameter, a re-encoded signature), has one digest.
        """
        meaning = "\n".join((self.kind, self.room_id, self.recording_id, self.user_id, self.occurrence))
        return hashlib.sha256(meaning.encode("utf-8")).hexdigest()


class VideoProvider(abc.ABC):
    """
    A media service that hosts the room of a session.

    Implementations are constructed with their entry of ``SESSIONROOM["PROVIDERS"]`` and must be cheap to
    construct; they hold no per-session state.
    """

    name: ClassVar[str]
    #: Keys that must be present and non-empty in the provider's settings for it to be offered.
    required_settings: ClassVar[tuple[str, ...]] = ()

    def __init__(self, config: dict[str, Any]):
        self.config = config

    @classmethod
    def is_configured(cls, config: dict[str, Any] | None) -> bool:
        """True when every required setting is present and non-empty."""
        if config is None:
            return False
        return all(config.get(key) for key in cls.required_settings)

    @abc.abstractmethod
    def ensure_room(self, spec: RoomSpec) -> RoomInfo:
        """Create the room if needed; calling it twice (or concurrently) must yield the same room."""

    @abc.abstractmethod
    def join_ticket(self, room: RoomInfo, spec: RoomSpec, participant: Participant) -> JoinTicket:
        """What the participant's browser needs to enter the room."""

    @abc.abstractmethod
    def presence(self, room_id: str) -> Presence:
        """Whether the room runs and which of our user ids are in it."""

    @abc.abstractmethod
    def end_room(self, room_id: str) -> None:
        """End the room for everyone; ending a room that is not running is not an error."""

    @abc.abstractmethod
    def list_recordings(self, room_id: str) -> list[RecordingInfo]:
        """Recordings of the room, newest first."""

    def delete_recording(self, recording_id: str) -> None:  # noqa: B027 - optional: not every provider records
        """Delete one recording on the provider (providers without recordings have nothing to delete)."""

    def parse_callback(self, request: CallbackRequest, suffix: str = "") -> list[CallbackEvent]:
        """
        Verify a callback and return what it reports; raise ``CallbackRejected`` when it is not authentic.

        ``suffix`` is the part of the webhook path after the provider name (BBB has two callbacks).
        """
        raise CallbackRejected("This provider sends no callbacks.", status=404)
