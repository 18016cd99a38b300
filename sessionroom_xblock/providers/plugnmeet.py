"""plugNmeet provider: rooms, join tokens, presence, recordings and signed webhooks over the ``/auth`` JSON API.

Every management call is ``POST {URL}/auth/{group}/{call}`` with a JSON body signed by
``HASH-SIGNATURE = hex(HMAC-SHA256(API_SECRET, body))``. The body is serialized once and those exact bytes are
signed and sent, because the server hashes the raw bytes it receives. Webhooks come back signed LiveKit-style: a
JWT (HS256, API secret, ``iss`` = API key) whose ``sha256`` claim is the base64 SHA-256 of the raw body.
See ``docs/providers/plugnmeet.md`` for what was confirmed against the server source.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
from datetime import UTC, datetime
from typing import Any

import jwt

from sessionroom_xblock import jsontext
from sessionroom_xblock.providers.base import (
    CallbackEvent,
    CallbackRejected,
    CallbackRequest,
    JoinTicket,
    Participant,
    Presence,
    ProviderUnavailable,
    RecordingInfo,
    RoomInfo,
    RoomSpec,
    VideoProvider,
)
from sessionroom_xblock.providers.http import ProviderHttp

#: Status codes (server v2.1.7+) that mean "the thing you named does not exist / is not running".
ABSENT_STATUS_CODES = frozenset({"NOT_FOUND", "ROOM_NOT_FOUND", "ROOM_NOT_ACTIVE", "USER_NOT_FOUND"})
#: Older servers send no status_code; their messages for the same situations look like these.
ABSENT_MESSAGE = re.compile(r"not (found|active|running)|no (info|recordings?|room)\b", re.IGNORECASE)
#: Identities the server itself puts in a room; they are never one of our users.
BOT_IDENTITIES = frozenset({"RECORDER_BOT", "RTMP_BOT"})
#: Webhook events that map onto our callback kinds; anything else is verified and ignored.
EVENT_KINDS = {
    "room_started": "room_started",
    "room_finished": "room_ended",
    "participant_joined": "participant_joined",
    "participant_left": "participant_left",
    "recording_proceeded": "recording_ready",
}
#: plugNmeet's recorder states file sizes in decimal megabytes (``recorder/transcoder_service.go``).
BYTES_PER_MB = 1_000_000
#: Seconds of clock skew tolerated when checking a webhook token's ``nbf``/``exp``.
WEBHOOK_LEEWAY = 30


class PlugNmeetRefused(ProviderUnavailable):
    """The server answered ``status: false``; ``status_code`` and ``server_msg`` let callers tell "absent" apart."""

    def __init__(self, call: str, status_code: str, server_msg: str):
        super().__init__(f"plugnmeet {call} refused: {status_code or 'status false'}", error_type="refused")
        self.status_code = status_code
        self.server_msg = server_msg

    @property
    def means_absent(self) -> bool:
        """True when the refusal only says the room, user or recording does not exist (or is not running)."""
        if self.status_code:
            return self.status_code in ABSENT_STATUS_CODES
        return bool(ABSENT_MESSAGE.search(self.server_msg))


def sign_body(body: bytes, api_secret: str) -> str:
    """The ``HASH-SIGNATURE`` header value for a request body: lowercase hex HMAC-SHA256."""
    return hmac.new(api_secret.encode(), body, hashlib.sha256).hexdigest()


def body_sha256_claim(body: bytes) -> str:
    """The webhook token's ``sha256`` claim for ``body``: standard, padded base64 of its SHA-256."""
    return base64.b64encode(hashlib.sha256(body).digest()).decode()


def encode_body(payload: dict[str, Any]) -> bytes:
    """Compact JSON bytes; signed and sent as they are, never re-serialized."""
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()


def as_int(value: Any) -> int | None:
    """protojson sends 64-bit integers as strings; accept both, and None for missing or junk."""
    try:
        return int(value)
    except (TypeError, ValueError, OverflowError):
        return None


def as_datetime(value: Any) -> datetime | None:
    """A unix-seconds value (number or string) as an aware UTC datetime; None when missing or out of range."""
    seconds = as_int(value)
    try:
        return datetime.fromtimestamp(seconds, tz=UTC) if seconds else None
    except (OverflowError, OSError, ValueError):
        return None


def as_object(value: Any) -> dict[str, Any]:
    """A JSON object from a webhook body, or an empty one for anything else: a correctly signed body can still
    be malformed, and must not be a server error."""
    return value if isinstance(value, dict) else {}


class PlugNmeetProvider(VideoProvider):
    """plugNmeet over its ``/auth`` API; holds only configuration and a pooled HTTP client."""

    name = "plugnmeet"
    required_settings = ("URL", "API_KEY", "API_SECRET")

    def __init__(self, config: dict[str, Any]):
        super().__init__(config)
        self.base_url = str(config["URL"]).rstrip("/")
        self._api_key = str(config["API_KEY"])
        self._api_secret = str(config["API_SECRET"])
        self._http = ProviderHttp(self.name, config)

    def __repr__(self) -> str:
        return f"<PlugNmeetProvider {self.base_url}>"

    # -- transport ---------------------------------------------------------------------------------------

    def call(self, path: str, payload: dict[str, Any]) -> dict[str, Any]:
        """
        POST one signed ``/auth/{path}`` call and return its JSON answer (``status`` true).

        Every call this provider makes is safe to repeat (create returns the existing room, ending or deleting
        something already gone is treated as done), so all go through the retrying session.
        """
        body = encode_body(payload)
        headers = {
            "Content-Type": "application/json",
            "API-KEY": self._api_key,
            "HASH-SIGNATURE": sign_body(body, self._api_secret),
        }
        response = self._http.request(
            "POST", f"{self.base_url}/auth/{path}", call=path, idempotent=True, data=body, headers=headers
        )
        if response.status_code in (401, 403):
            raise ProviderUnavailable(
                f"plugnmeet {path} rejected our credentials (HTTP {response.status_code})", error_type="auth"
            )
        try:
            data = response.json()
        except ValueError:
            data = None
        if not isinstance(data, dict) or "status" not in data:
            raise ProviderUnavailable(
                f"plugnmeet {path} answered HTTP {response.status_code} without a JSON status", error_type="malformed"
            )
        if data["status"] is not True:
            raise PlugNmeetRefused(path, str(data.get("status_code") or ""), str(data.get("msg") or ""))
        return data

    # -- rooms -------------------------------------------------------------------------------------------

    def create_room_payload(self, spec: RoomSpec) -> dict[str, Any]:
        """
        The ``room/create`` request for a 1-on-1 tutoring room.

        Optional numbers and URLs are omitted rather than sent empty: the server validates ``gt: 0`` and URI
        rules on them. Feature switches are sent under both the older (``allow_chat``, ``allowed_whiteboard``,
        ``allowed_shared_note_pad``) and newer (``is_allow``) proto names; the server drops unknown keys, so
        each server version reads the name it knows.
        """
        features: dict[str, Any] = {
            "allow_webcams": True,
            "mute_on_start": False,
            "allow_screen_share": True,
            "allow_view_other_webcams": True,
            "allow_view_other_users_list": True,
            "admin_only_webcams": False,
            "recording_features": {
                "is_allow": spec.record,
                "is_allow_cloud": spec.record,
                "enable_auto_cloud_recording": spec.record,
                "is_allow_local": False,
            },
            "chat_features": {
                "allow_chat": True,
                "allow_file_upload": True,
                "is_allow": True,
                "is_allow_file_upload": True,
            },
            "shared_note_pad_features": {"allowed_shared_note_pad": True, "is_allow": True},
            "whiteboard_features": {"allowed_whiteboard": True, "is_allow": True},
        }
        if spec.duration_minutes > 0:
            features["room_duration"] = spec.duration_minutes
        metadata: dict[str, Any] = {"room_title": spec.title or spec.room_id, "room_features": features}
        optional = {"welcome_message": spec.welcome, "webhook_url": spec.webhook_url, "logout_url": spec.logout_url}
        metadata.update({key: value for key, value in optional.items() if value})
        return {"room_id": spec.room_id, "max_participants": 2, "metadata": metadata}

    def ensure_room(self, spec: RoomSpec) -> RoomInfo:
        """
        Create the room; the server answers an active room's create with that room, so this is idempotent.

        plugNmeet answers both cases identically (``status`` true, ``msg`` "success", the room's ``sid``), so
        ``created`` cannot be known and is always False; ``instance`` is the room's sid.
        """
        data = self.call("room/create", self.create_room_payload(spec))
        room_info = data.get("room_info") or {}
        return RoomInfo(room_id=spec.room_id, instance=str(room_info.get("sid") or ""), created=False)

    def join_ticket(self, room: RoomInfo, spec: RoomSpec, participant: Participant) -> JoinTicket:
        """
        Mint a join token (one round trip) and point the browser at the client with it.

        Tokens live ~10 minutes and are meant for immediate use, so this runs at join time, never ahead.
        """
        user_info: dict[str, Any] = {
            "name": participant.full_name or participant.user_id,
            "user_id": participant.user_id,
            "is_admin": participant.is_moderator,
            "is_hidden": False,
        }
        if participant.avatar_url:
            user_info["user_metadata"] = {"profile_pic": participant.avatar_url}
        data = self.call("room/getJoinToken", {"room_id": room.room_id, "user_info": user_info})
        token = data.get("token")
        if not isinstance(token, str) or not token:
            raise ProviderUnavailable("plugnmeet room/getJoinToken answered without a token", error_type="malformed")
        return JoinTicket(kind="iframe", url=f"{self.base_url}/?access_token={token}")

    def presence(self, room_id: str) -> Presence:
        """Whether the room is active and which of our user ids the server lists in it (bots left out)."""
        try:
            data = self.call("room/getActiveRoomInfo", {"room_id": room_id})
        except PlugNmeetRefused as exc:
            if exc.means_absent:
                return Presence(running=False)
            raise
        room = data.get("room") or {}
        participants = room.get("participants_info") or []
        user_ids = frozenset(
            str(p.get("identity"))
            for p in participants
            if isinstance(p, dict) and p.get("identity") and p.get("identity") not in BOT_IDENTITIES
        )
        return Presence(running=True, user_ids=user_ids)

    def end_room(self, room_id: str) -> None:
        """End the room for everyone; a room that is not active is already ended."""
        try:
            self.call("room/endRoom", {"room_id": room_id})
        except PlugNmeetRefused as exc:
            if not exc.means_absent:
                raise

    # -- recordings --------------------------------------------------------------------------------------

    def list_recordings(self, room_id: str) -> list[RecordingInfo]:
        """
        The room's recordings, newest first, in one round trip.

        ``download_url`` is left empty: a download token expires (server ``token_validity``), so it is minted
        only when someone actually downloads, with ``download_url(recording_id)``.
        """
        try:
            data = self.call("recording/fetch", {"room_ids": [room_id], "from": 0, "limit": 100, "order_by": "DESC"})
        except PlugNmeetRefused as exc:
            if exc.means_absent:
                return []
            raise
        listing = (data.get("result") or {}).get("recordings_list") or []
        return [self._recording(item) for item in listing if isinstance(item, dict) and item.get("record_id")]

    @staticmethod
    def _recording(item: dict[str, Any]) -> RecordingInfo:
        """
        One ``recordings_list`` entry. ``file_size`` is decimal megabytes: the recorder divides the file's bytes
        by 1,000,000 and rounds to 2 decimals, so the size is known to within 5,000 bytes.
        """
        try:
            size_mb = float(item.get("file_size") or 0)
        except (TypeError, ValueError):
            size_mb = 0.0
        return RecordingInfo(
            recording_id=str(item["record_id"]),
            state="ready",
            size_bytes=round(size_mb * BYTES_PER_MB) if size_mb else None,
            started_at=as_datetime(item.get("room_creation_time")) or as_datetime(item.get("creation_time")),
        )

    def download_url(self, recording_id: str) -> str:
        """A short-lived URL that downloads the recording file (one ``recording/getDownloadToken`` call)."""
        data = self.call("recording/getDownloadToken", {"record_id": recording_id})
        token = data.get("token")
        if not isinstance(token, str) or not token:
            raise ProviderUnavailable(
                "plugnmeet recording/getDownloadToken answered without a token", error_type="malformed"
            )
        return f"{self.base_url}/download/recording/{token}"

    def delete_recording(self, recording_id: str) -> None:
        """Delete a recording; one that no longer exists is already deleted."""
        try:
            self.call("recording/delete", {"record_id": recording_id})
        except PlugNmeetRefused as exc:
            if not exc.means_absent:
                raise

    # -- webhooks ----------------------------------------------------------------------------------------

    def parse_callback(self, request: CallbackRequest, suffix: str = "") -> list[CallbackEvent]:
        """
        Verify a webhook (token signature, HS256, issuer, expiry, body hash) and map it to our events.

        The token is read from ``Authorization`` or, because some proxies strip that header, ``Hash-Token``;
        a ``Bearer`` prefix is tolerated. Unknown events are verified and return an empty list.
        """
        token = self._webhook_token(request.headers)
        try:
            claims = jwt.decode(
                token,
                self._api_secret,
                algorithms=["HS256"],
                issuer=self._api_key,
                leeway=WEBHOOK_LEEWAY,
                options={"require": ["exp", "iss"]},
            )
        except jwt.PyJWTError as exc:
            raise CallbackRejected(f"plugnmeet webhook token rejected: {type(exc).__name__}", status=401) from exc
        claimed = claims.get("sha256")
        if not isinstance(claimed, str) or not hmac.compare_digest(claimed, body_sha256_claim(request.body)):
            raise CallbackRejected("plugnmeet webhook body does not match its token", status=401)
        try:
            payload = jsontext.loads(request.body)
        except ValueError as exc:
            raise CallbackRejected("plugnmeet webhook body is not JSON", status=400) from exc
        if not isinstance(payload, dict):
            raise CallbackRejected("plugnmeet webhook body is not a JSON object", status=400)
        kind = EVENT_KINDS.get(str(payload.get("event") or ""))
        room_id = str(as_object(payload.get("room")).get("room_id") or "")
        if kind is None or not room_id:
            return []
        participant = as_object(payload.get("participant"))
        recording = as_object(payload.get("recording_info"))
        return [
            CallbackEvent(
                kind=kind,
                room_id=room_id,
                user_id=jsontext.identifier(participant.get("identity") or participant.get("user_id")),
                recording_id=jsontext.identifier(recording.get("record_id")),
                occurred_at=as_datetime(payload.get("created_at")),
                occurrence=_occurrence(kind, payload),
            )
        ]

    @staticmethod
    def _webhook_token(headers: dict[str, str]) -> str:
        """The JWT from ``Authorization`` or ``Hash-Token`` (header names compared case-insensitively)."""
        lowered = {key.lower(): value for key, value in headers.items()}
        token = (lowered.get("authorization") or lowered.get("hash-token") or "").strip()
        token = token.removeprefix("Bearer ").strip()
        if not token:
            raise CallbackRejected("plugnmeet webhook carries no token", status=401)
        return token


def _occurrence(kind: str, payload: dict[str, Any]) -> str:
    """
    What tells two presence events apart (a participant may leave and come back): the event's id, else its
    time. A room ends once and a recording is ready once, so those need none.
    """
    if kind not in ("participant_joined", "participant_left"):
        return ""
    return str(payload.get("id") or payload.get("created_at") or "")


PROVIDER = PlugNmeetProvider
