"""BigBlueButton provider: signed GET calls to the BBB API (or Scalelite in front of it).

Every call is ``GET {URL}api/{call}?{query}&checksum={H(call + query + SECRET)}``; the join URL is signed the same
way but built locally, so entering a room costs one round trip (``create``) and nothing else. The module imports
nothing from Django: the services hand it plain values from ``base``.
"""

from __future__ import annotations

import hashlib
import logging
import re
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, urlencode
from xml.etree.ElementTree import Element, ParseError

import jwt
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from sessionroom_xblock import jsontext
from sessionroom_xblock.providers.base import (
    CallbackEvent,
    CallbackRejected,
    CallbackRequest,
    JoinTicket,
    Participant,
    Presence,
    ProviderNotConfigured,
    ProviderUnavailable,
    RecordingInfo,
    RoomInfo,
    RoomSpec,
    VideoProvider,
)
from sessionroom_xblock.providers.http import ProviderHttp

log = logging.getLogger(__name__)

#: BBB tells the algorithm from the checksum's hex length; these are the ones bbb-web can accept.
CHECKSUM_ALGORITHMS = ("sha1", "sha256", "sha384", "sha512")
#: Recording-ready JWTs: BBB signs HS256 (ruby-jwt default); Scalelite re-signs HS256, or HS512 without SHA256.
CALLBACK_JWT_ALGORITHMS = ["HS256", "HS384", "HS512"]

#: messageKey -> error_type, so callers can tell "the room is gone" from "the server refuses us".
MESSAGE_KEY_ERRORS = {
    "checksumError": "checksum",
    "notFound": "not_found",
    "invalidMeetingIdentifier": "not_found",
    "idNotUnique": "conflict",
    "maxParticipantsReached": "full",
    "mismatchCreateTimeParam": "stale_instance",
    "meetingForciblyEnded": "ended",
    "validationError": "invalid_request",
    "unsupportedRequest": "unsupported",
    "serverUnavailable": "unavailable",
    "internalError": "unavailable",
}
#: meta_ keys our callbacks use; spec.metadata may not override them (BBB lower-cases meta keys).
RESERVED_META = ("endCallbackUrl", "bbb-recording-ready-url")
META_KEY = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
#: Per-user client options for a 1-on-1 room embedded in an iframe: straight into two-way audio, and leaving goes
#: straight to logoutURL (our page, which tells the parent frame) instead of a feedback form inside the frame.
JOIN_USERDATA = {
    "userdata-bbb_auto_join_audio": "true",
    "userdata-bbb_listen_only_mode": "false",
    "userdata-bbb_skip_check_audio_on_first_join": "true",
    "userdata-bbb_ask_for_feedback_on_logout": "false",
}
RECORDING_STATES = {
    "processing": "processing",
    "processed": "processing",
    "published": "ready",
    "unpublished": "ready",
    "deleted": "deleted",
}
DEFAULT_MAX_PARTICIPANTS = 2
CHECKSUM_IN_TEXT = re.compile(r"(checksum=)[0-9A-Fa-f]+")


def checksum(call: str, query: str, secret: str, algorithm: str = "sha256") -> str:
    """``H(call + query + secret)`` in lowercase hex, over the exact query string that is sent."""
    return hashlib.new(algorithm, (call + query + secret).encode("utf-8")).hexdigest()


def signed_query(call: str, params: dict[str, str], secret: str, algorithm: str = "sha256") -> str:
    """Encode ``params`` once and append the checksum of exactly those bytes, as bbb-web recomputes it."""
    query = urlencode(params)
    return f"{query}&checksum={checksum(call, query, secret, algorithm)}"


class RedactChecksums(logging.Filter):
    """
    Blank ``checksum=`` values in urllib3's own log lines.

    urllib3 logs retried and requested URLs (WARNING on retries, DEBUG otherwise); a BBB checksum in them is a
    replayable credential for that exact call, so it must not reach the logs.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if "checksum=" in message:
            record.msg = CHECKSUM_IN_TEXT.sub(r"\1[redacted]", message)
            record.args = ()
        return True


_REDACTOR = RedactChecksums()


def _install_redaction() -> None:
    """Attach the redaction filter to the urllib3 loggers that print request URLs (once)."""
    for name in ("urllib3.connectionpool", "urllib3.util.retry"):
        logger = logging.getLogger(name)
        if _REDACTOR not in logger.filters:
            logger.addFilter(_REDACTOR)


class BBBCallFailed(ProviderUnavailable):
    """BBB answered ``FAILED``; ``message_key`` is BBB's, so callers can accept ``notFound`` where it is harmless."""

    def __init__(self, call: str, message_key: str):
        error_type = MESSAGE_KEY_ERRORS.get(message_key, "api_error")
        super().__init__(f"bbb {call} failed: {message_key or 'no messageKey'}", error_type=error_type)
        self.message_key = message_key


def _bool(value: bool) -> str:
    return "true" if value else "false"


def _text(element: Element, path: str, default: str = "") -> str:
    return (element.findtext(path) or default).strip()


def _int_or_none(text: str) -> int | None:
    try:
        return int(text)
    except (TypeError, ValueError):
        return None


class BigBlueButtonProvider(VideoProvider):
    """A BBB server or Scalelite; see ``docs/providers/bbb.md`` for the settings and what each call sends."""

    name = "bbb"
    required_settings = ("URL", "SECRET")

    def __init__(self, config: dict[str, Any]):
        super().__init__(config)
        self._api = config["URL"].rstrip("/") + "/api/"
        self._secret = config["SECRET"]
        self._algorithm = str(config.get("CHECKSUM", "sha256")).lower()
        if self._algorithm not in CHECKSUM_ALGORITHMS:
            raise ProviderNotConfigured(f"bbb CHECKSUM must be one of {', '.join(CHECKSUM_ALGORITHMS)}.")
        self._callback_secrets = [self._secret, *config.get("CALLBACK_SECRETS", ())]
        self._max_participants = int(config.get("MAX_PARTICIPANTS", DEFAULT_MAX_PARTICIPANTS))
        self._http = ProviderHttp(self.name, config)
        _install_redaction()

    def __repr__(self) -> str:
        return f"<BigBlueButtonProvider {self._api} {self._algorithm}>"

    # -- signing and transport ---------------------------------------------------------------------------------

    def url(self, call: str, params: dict[str, str]) -> str:
        """The signed URL of one API call."""
        return f"{self._api}{call}?{signed_query(call, params, self._secret, self._algorithm)}"

    def _call(self, call: str, params: dict[str, str]) -> Element:
        """
        One GET call, parsed; ``SUCCESS`` returns the ``<response>`` element.

        Every call used here is idempotent on BBB (create answers duplicateWarning, end/delete of a gone object
        answers notFound), so all are retried. Transport errors are re-raised outside the ``except`` block: the
        requests exception they wrap carries the signed URL, which must not ride along as ``__context__``.
        """
        failure = None
        try:
            response = self._http.request("GET", self.url(call, params), call=call, idempotent=True)
        except ProviderUnavailable as exc:
            failure = ProviderUnavailable(str(exc), error_type=exc.error_type)
        if failure is not None:
            raise failure
        if response.status_code != 200:
            raise self._unavailable(call, "http_status", f"answered HTTP {response.status_code}")
        root = self._parse(call, response.content)
        if _text(root, "returncode") == "SUCCESS":
            return root
        error = BBBCallFailed(call, _text(root, "messageKey"))
        if error.message_key != "notFound":
            log.warning("Video provider call failed: %s", error)
        raise error

    def _parse(self, call: str, body: bytes) -> Element:
        """Strict XML (defusedxml: no entities, no DTDs); anything else is ``malformed``."""
        failure = None
        try:
            root = fromstring(body)
        except (ParseError, DefusedXmlException, ValueError):
            failure = self._unavailable(call, "malformed", "answered malformed XML")
        if failure is not None:
            raise failure
        if root.tag != "response" or _text(root, "returncode") not in ("SUCCESS", "FAILED"):
            raise self._unavailable(call, "malformed", "answered XML without a returncode")
        return root

    def _unavailable(self, call: str, error_type: str, what: str) -> ProviderUnavailable:
        message = f"{self.name} {call} {what}"
        log.warning("Video provider call failed: %s", message)
        return ProviderUnavailable(message, error_type=error_type)

    # -- rooms -------------------------------------------------------------------------------------------------

    def create_params(self, spec: RoomSpec) -> dict[str, str]:
        """
        The ``create`` query for one 1-on-1 room.

        No passwords (joins carry ``role``), so a repeated create is always ``duplicateWarning``, never
        ``idNotUnique``. Recording, when on, covers the whole session (autoStart, no start/stop button), because a
        playback only exists if recording marks exist. ``endWhenNoModerator`` stays off: the learner often arrives
        before the tutor and must not be thrown out while waiting.
        """
        if "," in spec.room_id or not 2 <= len(spec.room_id) <= 256:
            raise ValueError("A BBB meetingID is 2-256 characters without commas.")
        name = spec.title[:64] if len(spec.title) >= 2 else spec.room_id[:64]
        params = {
            "meetingID": spec.room_id,
            "name": name,
            "record": _bool(spec.record),
            "autoStartRecording": _bool(spec.record),
            "allowStartStopRecording": "false",
            "duration": str(max(spec.duration_minutes, 0)),
            "maxParticipants": str(self._max_participants),
            "endWhenNoModerator": "false",
            "allowRequestsWithoutSession": "true",
            "disabledFeatures": "breakoutRooms",
        }
        if spec.logout_url:
            params["logoutURL"] = spec.logout_url
        if spec.welcome:
            params["welcome"] = spec.welcome
        reserved = {key.lower() for key in RESERVED_META}
        for key, value in spec.metadata.items():
            if META_KEY.match(key) and key.lower() not in reserved:
                params[f"meta_{key}"] = str(value)
        if spec.end_callback_url:
            params["meta_endCallbackUrl"] = spec.end_callback_url
        if spec.recording_ready_url:
            params["meta_bbb-recording-ready-url"] = spec.recording_ready_url
        return params

    def ensure_room(self, spec: RoomSpec) -> RoomInfo:
        """``create``; a running meeting answers ``duplicateWarning`` with its createTime (its settings unchanged)."""
        root = self._call("create", self.create_params(spec))
        return RoomInfo(
            room_id=spec.room_id,
            instance=_text(root, "createTime"),
            created=_text(root, "messageKey") != "duplicateWarning",
        )

    def join_ticket(self, room: RoomInfo, spec: RoomSpec, participant: Participant) -> JoinTicket:
        """
        A signed ``join`` URL, built locally (zero round trips), for an iframe.

        ``createTime`` ties it to this meeting instance, so a stale URL cannot enter a later meeting with the same
        meetingID; ``userID`` is ours, so getMeetingInfo can be matched. A failed join is redirected to our
        logout page: ``errorRedirectUrl`` on 2.7+, the join ``logoutURL`` on older bbb-web.
        """
        params = {
            "meetingID": room.room_id,
            "fullName": participant.full_name or participant.user_id,
            "role": "MODERATOR" if participant.is_moderator else "VIEWER",
            "userID": participant.user_id,
        }
        if participant.avatar_url:
            params["avatarURL"] = participant.avatar_url
        if room.instance:
            params["createTime"] = room.instance
        if spec.logout_url:
            params["errorRedirectUrl"] = spec.logout_url
            params["logoutURL"] = spec.logout_url
        params["redirect"] = "true"
        params.update(JOIN_USERDATA)
        return JoinTicket(kind="iframe", url=self.url("join", params))

    def presence(self, room_id: str) -> Presence:
        """``getMeetingInfo``; an unknown meeting (never created, or ended) is simply not running."""
        try:
            root = self._call("getMeetingInfo", {"meetingID": room_id})
        except BBBCallFailed as exc:
            if exc.message_key == "notFound":
                return Presence(running=False)
            raise
        user_ids = frozenset(
            _text(attendee, "userID") for attendee in root.iterfind("attendees/attendee") if _text(attendee, "userID")
        )
        return Presence(running=_text(root, "running") == "true", user_ids=user_ids)

    def end_room(self, room_id: str) -> None:
        """``end``; ``notFound`` means it is already over, which is what we wanted."""
        self._call_tolerating_not_found("end", {"meetingID": room_id})

    def _call_tolerating_not_found(self, call: str, params: dict[str, str]) -> None:
        try:
            self._call(call, params)
        except BBBCallFailed as exc:
            if exc.message_key != "notFound":
                raise

    # -- recordings --------------------------------------------------------------------------------------------

    def list_recordings(self, room_id: str) -> list[RecordingInfo]:
        """``getRecordings`` in every state (processing ones too), newest first."""
        return self._recordings({"meetingID": room_id, "state": "any"})

    def recording(self, recording_id: str) -> RecordingInfo | None:
        """One recording by its recordID, or None when BBB does not know it."""
        found = self._recordings({"recordID": recording_id, "state": "any"})
        return next((item for item in found if item.recording_id == recording_id), None)

    def publish_recording(self, recording_id: str, publish: bool) -> RecordingInfo:
        """``publishRecordings`` then read the recording back (BBB's answer carries only ``<published>``)."""
        self._call("publishRecordings", {"recordID": recording_id, "publish": _bool(publish)})
        info = self.recording(recording_id)
        if info is None:
            raise BBBCallFailed("getRecordings", "notFound")
        return info

    def delete_recording(self, recording_id: str) -> None:
        """``deleteRecordings``; a recording BBB no longer knows is already deleted."""
        self._call_tolerating_not_found("deleteRecordings", {"recordID": recording_id})

    def _recordings(self, params: dict[str, str]) -> list[RecordingInfo]:
        root = self._call("getRecordings", params)
        items = [self._recording_info(element) for element in root.iterfind("recordings/recording")]
        epoch = datetime.min.replace(tzinfo=UTC)
        return sorted(items, key=lambda item: item.started_at or epoch, reverse=True)

    @staticmethod
    def _recording_info(element: Element) -> RecordingInfo:
        """
        Map one ``<recording>``.

        ``unpublished`` is ``ready`` without a playback URL: the media exists and can be published again, but BBB
        no longer serves it. The playback is the ``presentation`` format, or the first one; ``length`` is minutes.
        """
        state = RECORDING_STATES.get(_text(element, "state"), "failed")
        formats = element.findall("playback/format")
        chosen = next((fmt for fmt in formats if _text(fmt, "type") == "presentation"), formats[0] if formats else None)
        playback_url = duration = size = None
        if chosen is not None:
            playback_url = _text(chosen, "url")
            minutes = _int_or_none(_text(chosen, "length"))
            duration = minutes * 60 if minutes is not None else None
            size = _int_or_none(_text(chosen, "size"))
        if size is None:
            size = _int_or_none(_text(element, "rawSize"))
        start_ms = _int_or_none(_text(element, "startTime"))
        return RecordingInfo(
            recording_id=_text(element, "recordID"),
            state=state,
            playback_url=(playback_url or "") if _text(element, "state") == "published" else "",
            duration_seconds=duration,
            size_bytes=size,
            started_at=datetime.fromtimestamp(start_ms / 1000, tz=UTC) if start_ms is not None else None,
        )

    # -- callbacks ---------------------------------------------------------------------------------------------

    def parse_callback(self, request: CallbackRequest, suffix: str = "") -> list[CallbackEvent]:
        """``end``: BBB's unsigned end GET (the view checks our token in its URL); ``recording-ready``: a signed JWT."""
        if suffix == "end":
            return [self._end_event(request)]
        if suffix == "recording-ready":
            return [self._recording_ready_event(request)]
        raise CallbackRejected(f"Unknown BBB callback {suffix!r}.", status=404)

    @staticmethod
    def _end_event(request: CallbackRequest) -> CallbackEvent:
        """
        The end callback is a hint: BBB appends ``meetingID`` and ``recordingmarks`` to our URL and signs nothing.

        A meeting ends once, so the event is its meeting alone: the same callback again, with or without
        parameters added, is recognised as a replay.
        """
        meeting_id = request.query.get("meetingID", "")
        if not meeting_id:
            raise CallbackRejected("BBB end callback without meetingID.", status=400)
        return CallbackEvent(kind="room_ended", room_id=meeting_id)

    def _recording_ready_event(self, request: CallbackRequest) -> CallbackEvent:
        """Verify ``signed_parameters`` with SECRET or any CALLBACK_SECRETS (Scalelite re-signs with its own)."""
        token = request.form.get("signed_parameters") or dict(
            parse_qsl(request.body.decode("utf-8", "replace"), keep_blank_values=True)
        ).get("signed_parameters", "")
        if not token:
            raise CallbackRejected("BBB recording-ready callback without signed_parameters.")
        claims = self._verified_claims(token)
        meeting_id, record_id = (
            jsontext.identifier(claims.get("meeting_id")),
            jsontext.identifier(claims.get("record_id")),
        )
        if not (meeting_id and record_id):
            raise CallbackRejected("BBB recording-ready token lacks meeting_id or record_id.")
        return CallbackEvent(kind="recording_ready", room_id=meeting_id, recording_id=record_id)

    def _verified_claims(self, token: str) -> dict[str, Any]:
        for secret in self._callback_secrets:
            try:
                return jwt.decode(token, secret, algorithms=CALLBACK_JWT_ALGORITHMS)
            except jwt.InvalidSignatureError:
                continue
            except jwt.InvalidTokenError:
                break
        raise CallbackRejected("BBB recording-ready token is not validly signed.")


PROVIDER = BigBlueButtonProvider
