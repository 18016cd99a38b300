"""
A local fake BigBlueButton server that speaks the real API, for tests, benchmarks and the dev host.

It checks checksums the way bbb-web's ``GetChecksumValidator`` does (algorithm from the hex length, only the
algorithms it is told to support), keeps meetings, attendees and recordings in memory, answers with BBB's XML
shapes and messageKeys, serves a tiny HTML "client" for joined users, and on ``end`` calls the meeting's
``meta_endCallbackUrl`` and, for recorded meetings, POSTs a signed ``signed_parameters`` JWT to
``meta_bbb-recording-ready-url``. Faults can be injected on the instance: ``delay``, ``down``, ``fail_status``,
``garbage``, ``client_hangs``.

Run it: ``python -m fakes.bbb --port 8091 --secret S``. In-process: ``FakeBBB(secret=...).start()``.
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import html
import json
import re
import secrets
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit
from xml.etree.ElementTree import Element, SubElement, tostring

import jwt
import requests

from fakes import serve_until_interrupted

ALGORITHMS_BY_LENGTH = {40: "sha1", 64: "sha256", 96: "sha384", 128: "sha512"}
#: Characters XML 1.0 cannot carry; bbb-web strips control characters from names (ParamsUtil).
CONTROL_CHARS = re.compile(r"[\x00-\x1f\x7f]")
ALL_ALGORITHMS = tuple(ALGORITHMS_BY_LENGTH.values())
API_PREFIX = "/bigbluebutton/api"
CLIENT_PREFIX = "/fake-client"
#: Real bbb-web texts (bbb-common-web constraints and ApiController), so clients see what production sends.
MESSAGES = {
    "checksumError": "Invalid checksum: checksums do not match",
    "notFound": "We could not find a meeting with that meeting ID - perhaps the meeting is not yet running?",
    "recordingNotFound": "We could not find recordings",
    "invalidMeetingIdentifier": "The meeting ID that you supplied did not match any existing meetings",
    "idNotUnique": "A meeting already exists with that meeting ID.  Please use a different meeting ID.",
    "duplicateWarning": "This conference was already in existence and may currently be in progress.",
    "mismatchCreateTimeParam": "The createTime parameter submitted mismatches with the current meeting.",
    "maxParticipantsReached": "The number of participants allowed for this meeting has been reached.",
    "sentEndMeetingRequest": (
        "A request to end the meeting was sent.  Please wait a few seconds, and then use the getMeetingInfo "
        "or isMeetingRunning API calls to verify that it was correctly ended."
    ),
    "noRecordings": "There are no recordings for the meeting(s).",
    "missingParamMeetingID": "You must specify a meeting ID for the meeting.",
    "missingParamFullName": "You must specify a name for the attendee who will be joining the meeting.",
    "missingParamRecordID": "You must specify a recordID.",
    "missingParamPublish": "You must specify a publish value true or false.",
    "validationError": "Invalid meeting ID",
    "unsupportedRequest": "This request is not supported.",
    "invalidPassword": "You must either send the valid role of the user, or the password, sould the meeting has one.",
}
DEFAULT_STATES = ("published", "unpublished")


def _now_ms() -> int:
    return int(time.time() * 1000)


@dataclass
class Attendee:
    user_id: str
    full_name: str
    role: str
    internal_id: str
    avatar_url: str = ""


@dataclass
class Meeting:
    meeting_id: str
    name: str
    internal_id: str
    create_time: int
    params: dict[str, str]
    attendee_pw: str
    moderator_pw: str
    voice_bridge: str
    attendees: dict[str, Attendee] = field(default_factory=dict)
    sessions: dict[str, Attendee] = field(default_factory=dict)
    running: bool = False
    start_time: int = 0
    has_user_joined: bool = False

    @property
    def metadata(self) -> dict[str, str]:
        """meta_ parameters, keys lower-cased as BBB stores them."""
        return {key[5:].lower(): value for key, value in self.params.items() if key.startswith("meta_")}

    def flag(self, name: str, default: bool = False) -> bool:
        return self.params.get(name, str(default)).lower() == "true"


@dataclass
class Recording:
    record_id: str
    meeting_id: str
    name: str
    start_time: int
    end_time: int
    metadata: dict[str, str]
    participants: int
    state: str = "published"


def _add(parent: Element, tag: str, value: Any) -> None:
    """Append ``<tag>value</tag>``; lists of (tag, value) pairs nest, booleans print as true/false."""
    element = SubElement(parent, tag)
    if isinstance(value, list):
        for child_tag, child_value in value:
            _add(element, child_tag, child_value)
    elif isinstance(value, bool):
        element.text = "true" if value else "false"
    elif value is not None:
        element.text = CONTROL_CHARS.sub("", str(value))


def xml_response(returncode: str, fields: list[tuple[str, Any]]) -> bytes:
    root = Element("response")
    _add(root, "returncode", returncode)
    for tag, value in fields:
        _add(root, tag, value)
    return tostring(root, encoding="utf-8", xml_declaration=False)


def failed(key: str, message_id: str | None = None) -> bytes:
    return xml_response("FAILED", [("messageKey", key), ("message", MESSAGES[message_id or key])])


class _ApiError(Exception):
    """A FAILED answer; raised inside call handlers so each check reads as one line."""

    def __init__(self, key: str, message_id: str | None = None):
        super().__init__(key)
        self.key = key
        self.message_id = message_id


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        """Silent: request lines carry checksums."""

    def do_GET(self) -> None:
        self.server.fake.handle(self)

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(length)
        self.server.fake.handle(self)

    def send(self, status: int, body: bytes, content_type: str = "text/xml; charset=utf-8") -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-cache")
        self.end_headers()
        self.wfile.write(body)

    def redirect(self, location: str) -> None:
        self.send_response(302)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    fake: FakeBBB


class FakeBBB:
    """An in-memory BBB. ``start()`` listens on 127.0.0.1 (port 0 = any free port) and returns the base URL."""

    def __init__(
        self,
        secret: str,
        checksum_algorithms: tuple[str, ...] = ALL_ALGORITHMS,
        host: str = "127.0.0.1",
        port: int = 0,
    ):
        self._secret = secret
        self.checksum_algorithms = tuple(checksum_algorithms)
        self.host = host
        self.port = port
        #: Faults: seconds before answering API calls; HTTP status for API calls (and for how many more calls,
        #: None = all); malformed XML bodies; a client page that never finishes loading.
        self.delay = 0.0
        self.fail_status: int | None = None
        self.fail_remaining: int | None = None
        self.garbage = False
        self.client_hangs = False
        #: API calls received per call name (faulted ones included): round trips, as a benchmark sees them.
        self.calls: Counter[str] = Counter()
        #: Every checksum received, so tests can prove none leaks into logs or messages.
        self.checksums_seen: list[str] = []
        #: Callbacks this server made: dicts with kind, url, status (or error).
        self.callbacks: list[dict[str, Any]] = []
        self.meetings: dict[str, Meeting] = {}
        self.recordings: dict[str, Recording] = {}
        self._lock = threading.RLock()
        self._stopping = threading.Event()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._down = False

    def __repr__(self) -> str:
        return f"<FakeBBB {self.base_url}>"

    # -- lifecycle -----------------------------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}/bigbluebutton/"

    @property
    def root_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> str:
        self._stopping.clear()
        self._listen()
        return self.base_url

    def stop(self) -> None:
        self._stopping.set()
        self._unlisten()

    @property
    def down(self) -> bool:
        return self._down

    @down.setter
    def down(self, value: bool) -> None:
        """Down closes the listening socket (connections are refused); up listens again on the same port."""
        if value and not self._down:
            self._unlisten()
        elif not value and self._down:
            self._listen()
        self._down = value

    def _listen(self) -> None:
        self._server = _Server((self.host, self.port), _Handler)
        self._server.fake = self
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()

    def _unlisten(self) -> None:
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
        self._server = None

    # -- checksum ------------------------------------------------------------------------------------------------

    def checksum_ok(self, call: str, raw_query: str) -> bool:
        """bbb-web's rule: strip ``checksum=<v>`` from the raw query, pick H by ``len(v)``, compare ignoring case."""
        provided = _checksum_of(raw_query)
        if not provided:
            return False
        rest = (
            raw_query.replace("&checksum=" + provided, "")
            .replace("checksum=" + provided + "&", "")
            .replace("checksum=" + provided, "")
        )
        algorithm = ALGORITHMS_BY_LENGTH.get(len(provided))
        if algorithm not in self.checksum_algorithms:
            return False
        expected = hashlib.new(algorithm, (call + rest + self._secret).encode("utf-8")).hexdigest()
        return hmac.compare_digest(expected, provided.lower())

    # -- dispatch ------------------------------------------------------------------------------------------------

    def handle(self, request: _Handler) -> None:
        parts = urlsplit(request.path)
        if parts.path.rstrip("/") == API_PREFIX:
            request.send(200, xml_response("SUCCESS", [("version", "2.0"), ("apiVersion", "2.0")]))
        elif parts.path.startswith(API_PREFIX + "/"):
            self._api(request, parts.path[len(API_PREFIX) + 1 :], parts.query)
        elif parts.path.startswith(CLIENT_PREFIX + "/"):
            self._client(request, parts.path[len(CLIENT_PREFIX) + 1 :], dict(parse_qsl(parts.query)))
        else:
            request.send(404, b"not found", "text/plain")

    def _api(self, request: _Handler, call: str, raw_query: str) -> None:
        with self._lock:
            self.calls[call] += 1
            self.checksums_seen.append(_checksum_of(raw_query))
        if self.delay and self._stopping.wait(self.delay):
            return
        if self._take_failure(request):
            return
        if self.garbage:
            request.send(200, b"<response><returncode>SUCCESS</returncode><meetingID>trunc")
            return
        params = dict(parse_qsl(raw_query, keep_blank_values=True))
        params.pop("checksum", None)
        handler = getattr(self, f"_call_{call}", None)
        try:
            if not self.checksum_ok(call, raw_query):
                raise _ApiError("checksumError")
            if handler is None:
                raise _ApiError("unsupportedRequest")
            with self._lock:
                result = handler(params)
        except _ApiError as error:
            if call == "join" and params.get("redirect", "true").lower() != "false":
                target = params.get("errorRedirectUrl") or params.get("logoutURL")
                if target:
                    errors = json.dumps([{"key": error.key, "message": MESSAGES[error.message_id or error.key]}])
                    request.redirect(_append_query(target, {"errors": errors}))
                    return
            request.send(200, failed(error.key, error.message_id))
            return
        if isinstance(result, str):
            request.redirect(result)
        else:
            request.send(200, result)

    def _take_failure(self, request: _Handler) -> bool:
        with self._lock:
            if self.fail_status is None:
                return False
            if self.fail_remaining is not None:
                if self.fail_remaining <= 0:
                    return False
                self.fail_remaining -= 1
            status = self.fail_status
        request.send(status, f"fake failure {status}".encode(), "text/plain")
        return True

    # -- API calls (called with the lock held) --------------------------------------------------------------------

    def _meeting(self, params: dict[str, str], missing_key: str = "notFound") -> Meeting:
        meeting_id = params.get("meetingID", "")
        if not meeting_id:
            raise _ApiError("missingParamMeetingID")
        meeting = self.meetings.get(meeting_id)
        if meeting is None:
            raise _ApiError(missing_key)
        return meeting

    def _call_create(self, params: dict[str, str]) -> bytes:
        meeting_id = params.get("meetingID", "")
        if not meeting_id:
            raise _ApiError("missingParamMeetingID")
        # bbb-web answers validationError when sanitising (control characters removed) changes the id.
        if "," in meeting_id or CONTROL_CHARS.search(meeting_id) or not 2 <= len(meeting_id) <= 256:
            raise _ApiError("validationError")
        existing = self.meetings.get(meeting_id)
        if existing is not None:
            same_passwords = existing.attendee_pw == params.get("attendeePW") and existing.moderator_pw == params.get(
                "moderatorPW"
            )
            if not same_passwords and ("attendeePW" in params or "moderatorPW" in params):
                raise _ApiError("idNotUnique")
            return self._create_response(existing, "duplicateWarning")
        create_time = _now_ms()
        meeting = Meeting(
            meeting_id=meeting_id,
            name=params.get("name", meeting_id),
            internal_id=f"{hashlib.sha1(meeting_id.encode()).hexdigest()}-{create_time}",
            create_time=create_time,
            params=params,
            attendee_pw=params.get("attendeePW") or secrets.token_hex(4),
            moderator_pw=params.get("moderatorPW") or secrets.token_hex(4),
            voice_bridge=str(70000 + secrets.randbelow(9999)),
        )
        self.meetings[meeting_id] = meeting
        return self._create_response(meeting, None)

    @staticmethod
    def _create_response(meeting: Meeting, message_key: str | None) -> bytes:
        fields: list[tuple[str, Any]] = [
            ("meetingID", meeting.meeting_id),
            ("internalMeetingID", meeting.internal_id),
            ("parentMeetingID", "bbb-none"),
            ("attendeePW", meeting.attendee_pw),
            ("moderatorPW", meeting.moderator_pw),
            ("createTime", meeting.create_time),
            ("voiceBridge", meeting.voice_bridge),
            ("dialNumber", "613-555-1234"),
            ("createDate", time.strftime("%a %b %d %H:%M:%S UTC %Y", time.gmtime(meeting.create_time / 1000))),
            ("hasUserJoined", meeting.has_user_joined),
            ("duration", meeting.params.get("duration", "0")),
            ("hasBeenForciblyEnded", False),
        ]
        if message_key:
            fields += [("messageKey", message_key), ("message", MESSAGES[message_key])]
        else:
            fields += [("messageKey", ""), ("message", "")]
        return xml_response("SUCCESS", fields)

    def _call_join(self, params: dict[str, str]) -> bytes | str:
        meeting = self._meeting(params, missing_key="invalidMeetingIdentifier")
        if not params.get("fullName"):
            raise _ApiError("missingParamFullName")
        if "createTime" in params and params["createTime"] != str(meeting.create_time):
            raise _ApiError("mismatchCreateTimeParam")
        role = self._join_role(meeting, params)
        user_id = params.get("userID") or f"w_{secrets.token_hex(6)}"
        max_users = int(meeting.params.get("maxParticipants", "0") or 0)
        # Newer bbb-web (ApiController.hasReachedMaxParticipants): unique external ids count, and a user whose
        # external id is already in the meeting may always come back (page reload, second tab).
        if max_users > 0 and user_id not in meeting.attendees and len(meeting.attendees) >= max_users:
            raise _ApiError("maxParticipantsReached")
        token = secrets.token_hex(8)
        meeting.sessions[token] = Attendee(
            user_id=user_id,
            full_name=params["fullName"],
            role=role,
            internal_id=f"w_{secrets.token_hex(6)}",
            avatar_url=params.get("avatarURL", ""),
        )
        client_url = f"{self.root_url}{CLIENT_PREFIX}/join?sessionToken={token}"
        if params.get("redirect", "true").lower() == "false":
            return xml_response(
                "SUCCESS",
                [
                    ("messageKey", "successfullyJoined"),
                    ("message", "You have joined successfully."),
                    ("meeting_id", meeting.internal_id),
                    ("user_id", meeting.sessions[token].internal_id),
                    ("auth_token", secrets.token_hex(6)),
                    ("session_token", token),
                    ("guestStatus", "ALLOW"),
                    ("url", client_url),
                ],
            )
        return client_url

    @staticmethod
    def _join_role(meeting: Meeting, params: dict[str, str]) -> str:
        """A valid ``role`` wins; else the password decides; else the join fails (as in bbb-web)."""
        role = params.get("role", "").upper()
        if role in ("MODERATOR", "VIEWER"):
            return role
        password = params.get("password")
        if password == meeting.moderator_pw:
            return "MODERATOR"
        if password == meeting.attendee_pw:
            return "VIEWER"
        raise _ApiError("invalidPassword")

    def _call_isMeetingRunning(self, params: dict[str, str]) -> bytes:
        if not params.get("meetingID"):
            raise _ApiError("missingParamMeetingID")
        meeting = self.meetings.get(params["meetingID"])
        return xml_response("SUCCESS", [("running", bool(meeting and meeting.running))])

    def _call_getMeetingInfo(self, params: dict[str, str]) -> bytes:
        return xml_response("SUCCESS", self._meeting_fields(self._meeting(params)))

    def _call_getMeetings(self, params: dict[str, str]) -> bytes:
        meetings = [("meeting", self._meeting_fields(meeting)) for meeting in self.meetings.values()]
        if not meetings:
            return xml_response(
                "SUCCESS", [("meetings", None), ("messageKey", "noMeetings"), ("message", "no meetings were found")]
            )
        return xml_response("SUCCESS", [("meetings", meetings)])

    @staticmethod
    def _meeting_fields(meeting: Meeting) -> list[tuple[str, Any]]:
        attendees = [
            (
                "attendee",
                [
                    ("userID", attendee.user_id),
                    ("fullName", attendee.full_name),
                    ("role", attendee.role),
                    ("isPresenter", attendee.role == "MODERATOR"),
                    ("isListeningOnly", False),
                    ("hasJoinedVoice", True),
                    ("hasVideo", False),
                    ("clientType", "HTML5"),
                ],
            )
            for attendee in meeting.attendees.values()
        ]
        moderators = sum(1 for attendee in meeting.attendees.values() if attendee.role == "MODERATOR")
        return [
            ("meetingName", meeting.name),
            ("meetingID", meeting.meeting_id),
            ("internalMeetingID", meeting.internal_id),
            ("createTime", meeting.create_time),
            ("voiceBridge", meeting.voice_bridge),
            ("attendeePW", meeting.attendee_pw),
            ("moderatorPW", meeting.moderator_pw),
            ("running", meeting.running),
            ("duration", meeting.params.get("duration", "0")),
            ("hasUserJoined", meeting.has_user_joined),
            ("recording", meeting.flag("record") and meeting.flag("autoStartRecording") and meeting.running),
            ("hasBeenForciblyEnded", False),
            ("startTime", meeting.start_time),
            ("endTime", 0),
            ("participantCount", len(meeting.attendees)),
            ("listenerCount", 0),
            ("voiceParticipantCount", len(meeting.attendees)),
            ("videoCount", 0),
            ("maxUsers", meeting.params.get("maxParticipants", "0")),
            ("moderatorCount", moderators),
            ("attendees", attendees),
            ("metadata", list(meeting.metadata.items())),
            ("isBreakout", False),
        ]

    def _call_end(self, params: dict[str, str]) -> bytes:
        self.end_meeting(self._meeting(params))
        return xml_response(
            "SUCCESS", [("messageKey", "sentEndMeetingRequest"), ("message", MESSAGES["sentEndMeetingRequest"])]
        )

    def _call_getRecordings(self, params: dict[str, str]) -> bytes:
        meeting_ids = set(filter(None, params.get("meetingID", "").split(",")))
        record_ids = [value for value in params.get("recordID", "").split(",") if value]
        states = set(params.get("state", ",".join(DEFAULT_STATES)).split(","))
        found = [
            recording
            for recording in self.recordings.values()
            if (not meeting_ids or recording.meeting_id in meeting_ids)
            and (not record_ids or any(recording.record_id.startswith(prefix) for prefix in record_ids))
            and ("any" in states or recording.state in states)
        ]
        if not found:
            return xml_response(
                "SUCCESS",
                [("recordings", None), ("messageKey", "noRecordings"), ("message", MESSAGES["noRecordings"])],
            )
        return xml_response("SUCCESS", [("recordings", [("recording", self._recording_fields(r)) for r in found])])

    def _recording_fields(self, recording: Recording) -> list[tuple[str, Any]]:
        length_minutes = max(1, round((recording.end_time - recording.start_time) / 60000))
        return [
            ("recordID", recording.record_id),
            ("meetingID", recording.meeting_id),
            ("internalMeetingID", recording.record_id),
            ("name", recording.name),
            ("isBreakout", False),
            ("published", recording.state == "published"),
            ("state", recording.state),
            ("startTime", recording.start_time),
            ("endTime", recording.end_time),
            ("participants", recording.participants),
            ("rawSize", 2_000_000),
            ("metadata", list(recording.metadata.items())),
            (
                "playback",
                [
                    (
                        "format",
                        [
                            ("type", "presentation"),
                            ("url", f"{self.root_url}/playback/presentation/2.3/{recording.record_id}"),
                            ("processingTime", 1000),
                            ("length", length_minutes),
                            ("size", 1_234_567),
                        ],
                    )
                ],
            ),
        ]

    def _recordings_named(self, params: dict[str, str]) -> list[Recording]:
        record_ids = [value for value in params.get("recordID", "").split(",") if value]
        if not record_ids:
            raise _ApiError("missingParamRecordID")
        found = [self.recordings[record_id] for record_id in record_ids if record_id in self.recordings]
        if not found:
            raise _ApiError("notFound", "recordingNotFound")
        return found

    def _call_publishRecordings(self, params: dict[str, str]) -> bytes:
        publish = params.get("publish", "").lower()
        if publish not in ("true", "false"):
            raise _ApiError("missingParamPublish")
        for recording in self._recordings_named(params):
            if recording.state in ("published", "unpublished"):
                recording.state = "published" if publish == "true" else "unpublished"
        return xml_response("SUCCESS", [("published", publish == "true")])

    def _call_deleteRecordings(self, params: dict[str, str]) -> bytes:
        for recording in self._recordings_named(params):
            recording.state = "deleted"
        return xml_response("SUCCESS", [("deleted", True)])

    # -- meeting end and callbacks -------------------------------------------------------------------------------

    def end_meeting(self, meeting: Meeting) -> None:
        """
        End a meeting: forget it, make a recording if recording marks exist, then call back (in the background).

        Marks exist when the meeting recorded with autoStartRecording and somebody joined (nobody toggles in the
        fake). Like bbb-common-web's MeetingService, the end callback URL gets ``recordingmarks`` and ``meetingID``
        appended.
        """
        with self._lock:
            self.meetings.pop(meeting.meeting_id, None)
            meeting.running = False
            marks = meeting.flag("record") and meeting.flag("autoStartRecording") and meeting.has_user_joined
            recording = None
            if marks:
                recording = Recording(
                    record_id=meeting.internal_id,
                    meeting_id=meeting.meeting_id,
                    name=meeting.name,
                    start_time=meeting.start_time or meeting.create_time,
                    end_time=_now_ms(),
                    metadata=meeting.metadata,
                    participants=len(meeting.attendees),
                )
                self.recordings[recording.record_id] = recording
        threading.Thread(target=self._send_callbacks, args=(meeting, marks, recording), daemon=True).start()

    def _send_callbacks(self, meeting: Meeting, marks: bool, recording: Recording | None) -> None:
        metadata = meeting.metadata
        end_url = metadata.get("endcallbackurl")
        if end_url:
            url = _append_query(
                end_url, {"recordingmarks": "true" if marks else "false", "meetingID": meeting.meeting_id}
            )
            self._deliver("end", "GET", url)
        ready_url = metadata.get("bbb-recording-ready-url")
        if recording is not None and ready_url:
            token = jwt.encode({"meeting_id": meeting.meeting_id, "record_id": recording.record_id}, self._secret)
            self._deliver("recording-ready", "POST", ready_url, data={"signed_parameters": token})

    def _deliver(self, kind: str, method: str, url: str, **kwargs: Any) -> None:
        entry: dict[str, Any] = {"kind": kind, "url": url}
        try:
            entry["status"] = requests.request(method, url, timeout=5, allow_redirects=False, **kwargs).status_code
        except requests.RequestException as exc:
            entry["error"] = type(exc).__name__
        with self._lock:
            self.callbacks.append(entry)

    # -- the fake HTML5 client ----------------------------------------------------------------------------------

    def _session(self, token: str) -> tuple[Meeting, Attendee] | None:
        for meeting in self.meetings.values():
            if token in meeting.sessions:
                return meeting, meeting.sessions[token]
        return None

    def _client(self, request: _Handler, action: str, query: dict[str, str]) -> None:
        with self._lock:
            found = self._session(query.get("sessionToken", ""))
        if found is None:
            request.send(404, _page("Meeting ended", "<p id='status'>This meeting has ended.</p>"), "text/html")
            return
        meeting, attendee = found
        logout_url = meeting.params.get("logoutURL", "")
        if action == "join":
            self._client_page(request, meeting, attendee, query["sessionToken"])
        elif action in ("leave", "end"):
            with self._lock:
                meeting.attendees.pop(attendee.user_id, None)
            if action == "end" and attendee.role == "MODERATOR":
                self.end_meeting(meeting)
            if logout_url:
                request.redirect(logout_url)
            else:
                request.send(200, _page("Left", "<p id='status'>You left the meeting.</p>"), "text/html")
        else:
            request.send(404, b"not found", "text/plain")

    def _client_page(self, request: _Handler, meeting: Meeting, attendee: Attendee, token: str) -> None:
        """The joined user's page; with ``client_hangs`` it starts and never finishes (nobody enters)."""
        if self.client_hangs:
            request.send_response(200)
            request.send_header("Content-Type", "text/html; charset=utf-8")
            request.send_header("Connection", "close")
            request.end_headers()
            request.wfile.write(b"<!doctype html><html><head><title>Loading")
            request.wfile.flush()
            self._stopping.wait()
            request.close_connection = True
            return
        with self._lock:
            meeting.attendees[attendee.user_id] = attendee
            if not meeting.running:
                meeting.running = True
                meeting.start_time = _now_ms()
            meeting.has_user_joined = True
        end_link = ""
        if attendee.role == "MODERATOR":
            end_link = f' <a id="end" href="{CLIENT_PREFIX}/end?sessionToken={token}">End meeting</a>'
        body = (
            f'<div id="fake-bbb" data-meeting-id="{html.escape(meeting.meeting_id)}" '
            f'data-user-id="{html.escape(attendee.user_id)}" data-role="{attendee.role}" '
            f'data-logout-url="{html.escape(meeting.params.get("logoutURL", ""))}">'
            f'<h1 id="meeting-name">{html.escape(meeting.name)}</h1>'
            f'<p id="status">In the meeting as <span id="user-name">{html.escape(attendee.full_name)}</span> '
            f"({attendee.role.lower()})</p>"
            f'<a id="leave" href="{CLIENT_PREFIX}/leave?sessionToken={token}">Leave</a>{end_link}</div>'
        )
        request.send(200, _page(f"Fake BBB: {meeting.name}", body), "text/html; charset=utf-8")

    # -- helpers for tests ---------------------------------------------------------------------------------------

    def leave(self, meeting_id: str, user_id: str) -> None:
        """Take a user out of a meeting, as if their client closed."""
        with self._lock:
            meeting = self.meetings.get(meeting_id)
            if meeting is not None:
                meeting.attendees.pop(user_id, None)


def _checksum_of(raw_query: str) -> str:
    return next((value for key, value in parse_qsl(raw_query, keep_blank_values=True) if key == "checksum"), "")


def _append_query(url: str, params: dict[str, str]) -> str:
    return url + ("&" if "?" in url else "?") + urlencode(params)


def _page(title: str, body: str) -> bytes:
    return (
        f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title></head>"
        f"<body>{body}</body></html>"
    ).encode()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="A local fake BigBlueButton server (never for production).")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8091)
    parser.add_argument("--secret", required=True)
    parser.add_argument("--checksum-algorithms", default=",".join(ALL_ALGORITHMS))
    args = parser.parse_args(argv)
    fake = FakeBBB(args.secret, tuple(args.checksum_algorithms.split(",")), host=args.host, port=args.port)
    serve_until_interrupted(fake, f"Fake BBB API at {fake.start()}api/")


if __name__ == "__main__":
    main()
