"""A local fake plugNmeet server that speaks the real ``/auth`` protocol, for tests and the demo.

It enforces what the real server enforces (``API-KEY`` and ``HASH-SIGNATURE`` over the raw body, answered with
HTTP 401 and the server's JSON error bodies), keeps rooms, participants and recordings in memory, serves a tiny
"fake plugNmeet client" page at ``/?access_token=...`` and sends real signed webhooks (JWT in ``Authorization`` and
``Hash-Token``). Fault switches on the instance (``delay``, ``down``, ``fail_status``, ``garbage``,
``client_hangs``) and the per-call ``calls`` counter let tests measure retries and round trips.

Run it: ``python -m fakes.plugnmeet --port 8092 --api-key K --api-secret S``.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import hmac
import html
import itertools
import json
import logging
import queue
import re
import sys
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import jwt
import requests

from fakes import serve_until_interrupted

log = logging.getLogger(__name__)

JOIN_TOKEN_SECONDS = 600
WEBHOOK_TOKEN_SECONDS = 300
DOWNLOAD_TOKEN_SECONDS = 600
FAKE_RECORDING = b"fake plugNmeet recording\n"
#: The byte count the fake's recorder reports for every recording (the listing states it in decimal MB).
RECORDED_BYTES = 12_345_678
ABSOLUTE_URI = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:[^\s]+")
#: How long a hanging client page holds its connection before giving up (bounded so shutdown never blocks).
HANG_SECONDS = 30


@dataclass
class FakeRoom:
    """An active room as the server keeps it."""

    room_id: str
    sid: str
    title: str
    metadata: dict[str, Any]
    max_participants: int
    creation_time: int
    participants: dict[str, dict[str, Any]] = field(default_factory=dict)
    started: bool = False

    @property
    def webhook_url(self) -> str:
        return self.metadata.get("webhook_url", "")

    @property
    def logout_url(self) -> str:
        return self.metadata.get("logout_url", "")

    @property
    def records(self) -> bool:
        features = self.metadata.get("room_features", {}).get("recording_features", {})
        return bool(features.get("is_allow") and features.get("enable_auto_cloud_recording"))


@dataclass
class FakeRecording:
    """A finished recording file."""

    record_id: str
    room_id: str
    room_sid: str
    file_path: str
    size_bytes: int
    creation_time: int
    room_creation_time: int

    @property
    def file_size(self) -> float:
        """As the recorder reports it: decimal megabytes (bytes / 1,000,000) rounded to 2 decimals."""
        return round(self.size_bytes / 1_000_000, 2)


def is_absolute_uri(value: Any) -> bool:
    """What protovalidate's ``string.uri`` accepts: an absolute RFC 3986 URI (a scheme, no spaces)."""
    return isinstance(value, str) and ABSOLUTE_URI.fullmatch(value) is not None


def common(status: bool, msg: str, status_code: str) -> dict[str, Any]:
    """The server's ``CommonResponse`` (protojson with unpopulated fields emitted)."""
    return {"status": status, "msg": msg, "status_code": status_code}


class QuietServer(ThreadingHTTPServer):
    """A threading server that does not print tracebacks for clients that hung up (timeouts are tested on purpose)."""

    daemon_threads = True

    def handle_error(self, request, client_address) -> None:
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class FakePlugNmeet:
    """In-process fake server: ``start()`` binds 127.0.0.1 (port 0 by default) and returns the base URL."""

    def __init__(self, api_key: str, api_secret: str, *, host: str = "127.0.0.1", port: int = 0):
        self.api_key = api_key
        self._api_secret = api_secret
        self.host = host
        self.port = port
        self.delay = 0.0
        self.down = False
        self.fail_status = 0
        self.garbage = False
        self.client_hangs = False
        self.calls: Counter[str] = Counter()
        self.rooms: dict[str, FakeRoom] = {}
        self.recordings: dict[str, FakeRecording] = {}
        self.webhooks_sent: list[tuple[str, str, int | str]] = []
        self._lock = threading.RLock()
        self._ids = itertools.count(1)
        self._webhooks: queue.Queue = queue.Queue()
        self._stopping = threading.Event()
        self._server: ThreadingHTTPServer | None = None
        self._threads: list[threading.Thread] = []
        self.base_url = ""

    def __repr__(self) -> str:
        return f"<FakePlugNmeet {self.base_url or 'stopped'}>"

    # -- lifecycle ---------------------------------------------------------------------------------------

    def start(self) -> str:
        """Serve in background threads; returns ``http://127.0.0.1:<port>``."""
        fake = self

        class Handler(FakeHandler):
            server_fake = fake

        self._server = QuietServer((self.host, self.port), Handler)
        self.port = self._server.server_address[1]
        self.base_url = f"http://{self.host}:{self.port}"
        self._threads = [
            threading.Thread(target=self._server.serve_forever, args=(0.05,), name="fake-plugnmeet", daemon=True),
            threading.Thread(target=self._deliver_webhooks, name="fake-plugnmeet-webhooks", daemon=True),
        ]
        for thread in self._threads:
            thread.start()
        return self.base_url

    def stop(self) -> None:
        """Stop serving, release hanging client pages and the webhook worker."""
        self._stopping.set()
        self._webhooks.put(None)
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        for thread in self._threads:
            thread.join(timeout=5)

    def reset_faults(self) -> None:
        """Back to a healthy server and a zeroed call counter."""
        self.delay, self.down, self.fail_status, self.garbage, self.client_hangs = 0.0, False, 0, False, False
        self.calls.clear()

    def count(self, name: str) -> None:
        """Count one request; handlers run in parallel threads and ``Counter`` updates are not atomic."""
        with self._lock:
            self.calls[name] += 1

    # -- authentication (as pkg/controllers/auth.go HandleAuthHeaderCheck) ------------------------------

    def check_auth(self, api_key: str, signature: str, body: bytes) -> dict[str, Any] | None:
        """None when the headers authenticate ``body``; otherwise the real server's 401 JSON body."""
        if not api_key:
            return common(False, "Missing API-KEY header.", "MISSING_REQUIRED_PARAMETER")
        if not hmac.compare_digest(api_key.encode(), self.api_key.encode()):
            return common(False, "Invalid API key provided.", "INVALID_API_KEY")
        if not signature:
            return common(False, "Missing HASH-SIGNATURE header.", "MISSING_REQUIRED_PARAMETER")
        expected = hmac.new(self._api_secret.encode(), body, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected.encode(), signature.encode()):
            return common(False, "Failed to verify provided authentication details.", "INVALID_TOKEN_OR_SIGNATURE")
        return None

    # -- API calls ---------------------------------------------------------------------------------------

    def handle_api(self, call: str, request: dict[str, Any]) -> dict[str, Any]:
        """Answer one authenticated ``/auth/{call}``."""
        handler = API_CALLS.get(call)
        if handler is None:
            return common(False, "not found", "NOT_FOUND")
        with self._lock:
            return handler(self, request)

    def _create(self, req: dict[str, Any]) -> dict[str, Any]:
        room_id = str(req.get("room_id") or "")
        metadata = req.get("metadata") or {}
        if not room_id or not metadata.get("room_title") or "room_features" not in metadata:
            return common(
                False,
                "validation error: room_id, metadata.room_title and room_features are required",
                "INVALID_PARAMETERS",
            )
        for name in ("max_participants", "empty_timeout"):
            if name in req and not (isinstance(req[name], int) and req[name] > 0):
                return common(False, f"validation error: {name}: value must be greater than 0", "INVALID_PARAMETERS")
        room = self.rooms.get(room_id)
        if room is None:
            room = FakeRoom(
                room_id=room_id,
                sid=str(uuid.uuid4()),
                title=metadata["room_title"],
                metadata=metadata,
                max_participants=req.get("max_participants", 0),
                creation_time=int(time.time()),
            )
            self.rooms[room_id] = room
            self._notify(room, "room_created")
        return {"status": True, "msg": "success", "status_code": "SUCCESS", "room_info": self._room_info(room)}

    def _join_token(self, req: dict[str, Any]) -> dict[str, Any]:
        room = self.rooms.get(str(req.get("room_id") or ""))
        user = req.get("user_info") or {}
        if room is None:
            return common(False, "room is not active. create room first", "ROOM_NOT_FOUND")
        if not user.get("name") or not user.get("user_id"):
            return common(False, "validation error: user_info.name and user_id are required", "INVALID_PARAMETERS")
        profile_pic = (user.get("user_metadata") or {}).get("profile_pic", "")
        if profile_pic and not is_absolute_uri(profile_pic):
            return common(
                False,
                "validation error: user_info.user_metadata.profile_pic: value must be a valid URI [string.uri]",
                "INVALID_PARAMETERS",
            )
        now = int(time.time())
        claims = {
            "iss": self.api_key,
            "sub": str(user["user_id"]),
            "nbf": now,
            "exp": now + JOIN_TOKEN_SECONDS,
            "name": user["name"],
            "user_id": str(user["user_id"]),
            "room_id": room.room_id,
            "is_admin": bool(user.get("is_admin")),
            "is_hidden": bool(user.get("is_hidden")),
            "profile_pic": (user.get("user_metadata") or {}).get("profile_pic", ""),
        }
        token = jwt.encode(claims, self._api_secret, algorithm="HS256")
        return {"status": True, "msg": "success", "status_code": "SUCCESS", "token": token}

    def _is_active(self, req: dict[str, Any]) -> dict[str, Any]:
        active = str(req.get("room_id") or "") in self.rooms
        msg = "room is active" if active else "room is not active"
        return {"status": True, "msg": msg, "status_code": "SUCCESS", "is_active": active}

    def _active_info(self, req: dict[str, Any]) -> dict[str, Any]:
        room = self.rooms.get(str(req.get("room_id") or ""))
        if room is None:
            return common(False, "room isn't active", "ROOM_NOT_ACTIVE")
        participants = [
            {"sid": p["sid"], "identity": user_id, "name": p["name"], "joined_at": str(p["joined_at"])}
            for user_id, p in room.participants.items()
        ]
        return {
            "status": True,
            "msg": "success",
            "status_code": "SUCCESS",
            "room": {"room_info": self._room_info(room), "participants_info": participants},
        }

    def _end(self, req: dict[str, Any]) -> dict[str, Any]:
        room = self.rooms.get(str(req.get("room_id") or ""))
        if room is None:
            return common(False, "room not found in DB or not active", "ROOM_NOT_ACTIVE")
        self.end_room(room.room_id)
        return common(True, "success", "SUCCESS")

    def _fetch(self, req: dict[str, Any]) -> dict[str, Any]:
        room_ids = set(req.get("room_ids") or [])
        found = [r for r in self.recordings.values() if not room_ids or r.room_id in room_ids]
        found.sort(key=lambda r: r.creation_time, reverse=req.get("order_by", "DESC") != "ASC")
        start, limit = int(req.get("from") or 0), int(req.get("limit") or 20)
        page = found[start : start + limit]
        if not page:
            return common(False, "no recordings found", "NOT_FOUND")
        result = {
            "total_recordings": str(len(found)),
            "from": start,
            "limit": limit,
            "order_by": req.get("order_by", "DESC"),
            "recordings_list": [self._recording_info(r) for r in page],
        }
        return {"status": True, "msg": "success", "status_code": "SUCCESS", "result": result}

    def _delete_recording(self, req: dict[str, Any]) -> dict[str, Any]:
        if self.recordings.pop(str(req.get("record_id") or ""), None) is None:
            return common(False, "no info found", "NOT_FOUND")
        return common(True, "success", "SUCCESS")

    def _download_token(self, req: dict[str, Any]) -> dict[str, Any]:
        recording = self.recordings.get(str(req.get("record_id") or ""))
        if recording is None:
            return common(False, "no info found", "NOT_FOUND")
        now = int(time.time())
        claims = {"iss": self.api_key, "nbf": now, "exp": now + DOWNLOAD_TOKEN_SECONDS, "sub": recording.file_path}
        token = jwt.encode(claims, self._api_secret, algorithm="HS256")
        return {"status": True, "msg": "success", "status_code": "SUCCESS", "token": token}

    @staticmethod
    def _room_info(room: FakeRoom) -> dict[str, Any]:
        return {
            "room_title": room.title,
            "room_id": room.room_id,
            "sid": room.sid,
            "joined_participants": str(len(room.participants)),
            "is_running": 1,
            "is_recording": 0,
            "is_active_rtmp": 0,
            "webhook_url": room.webhook_url,
            "is_breakout_room": 0,
            "parent_room_id": "",
            "creation_time": str(room.creation_time),
            "metadata": json.dumps(room.metadata),
        }

    @staticmethod
    def _recording_info(recording: FakeRecording) -> dict[str, Any]:
        return {
            "record_id": recording.record_id,
            "room_id": recording.room_id,
            "room_sid": recording.room_sid,
            "file_path": recording.file_path,
            "file_size": recording.file_size,
            "creation_time": str(recording.creation_time),
            "room_creation_time": str(recording.room_creation_time),
        }

    # -- browser side ------------------------------------------------------------------------------------

    def verify_join_token(self, token: str) -> dict[str, Any] | None:
        """The claims of a valid, unexpired join token for an active room, else None."""
        try:
            claims = jwt.decode(token, self._api_secret, algorithms=["HS256"], issuer=self.api_key)
        except jwt.PyJWTError:
            return None
        with self._lock:
            return claims if claims.get("room_id") in self.rooms else None

    def join(self, claims: dict[str, Any]) -> FakeRoom | None:
        """Mark the token's user joined (the client connected); first join starts the room."""
        with self._lock:
            room = self.rooms.get(claims["room_id"])
            if room is None:
                return None
            user_id = claims["user_id"]
            if user_id not in room.participants:
                if not room.started:
                    room.started = True
                    self._notify(room, "room_started")
                room.participants[user_id] = {
                    "sid": f"PA_{next(self._ids)}",
                    "name": claims.get("name", ""),
                    "joined_at": int(time.time()),
                    "is_admin": claims.get("is_admin", False),
                }
                self._notify(room, "participant_joined", user_id=user_id)
            return room

    def leave(self, room_id: str, user_id: str) -> str:
        """The user leaves; returns the room's logout_url (where the client navigates next)."""
        with self._lock:
            room = self.rooms.get(room_id)
            if room is None:
                return ""
            participant = room.participants.pop(user_id, None)
            if participant is not None:
                self._notify(room, "participant_left", user_id=user_id, sid=participant["sid"])
            return room.logout_url

    def end_room(self, room_id: str) -> None:
        """End a room: everyone leaves, a recorded room leaves a recording, room_finished is sent."""
        with self._lock:
            room = self.rooms.pop(room_id, None)
            if room is None:
                return
            for user_id, participant in list(room.participants.items()):
                self._notify(room, "participant_left", user_id=user_id, sid=participant["sid"])
            room.participants.clear()
            self._notify(room, "room_finished")
            if room.records and room.started:
                self._record(room)

    def _record(self, room: FakeRoom) -> None:
        record_id = f"{room.sid}-{next(self._ids)}"
        recording = FakeRecording(
            record_id=record_id,
            room_id=room.room_id,
            room_sid=room.sid,
            file_path=f"node_01/{room.sid}/{record_id}.mp4",
            size_bytes=RECORDED_BYTES,
            creation_time=int(time.time()),
            room_creation_time=room.creation_time,
        )
        self.recordings[record_id] = recording
        self._notify(room, "end_recording", recording=recording)
        self._notify(room, "recording_proceeded", recording=recording)

    # -- webhooks (as plugnmeet-protocol webhook/notifier.go) -------------------------------------------

    def _notify(self, room: FakeRoom, event: str, *, user_id: str = "", sid: str = "", recording=None) -> None:
        """Queue one CommonNotifyEvent for the room's webhook_url (protojson, proto names, defaults omitted)."""
        if not room.webhook_url:
            return
        payload: dict[str, Any] = {
            "event": event,
            "room": {
                "sid": room.sid,
                "room_id": room.room_id,
                "max_participants": room.max_participants,
                "creation_time": str(room.creation_time),
                "metadata": json.dumps(room.metadata),
                "num_participants": len(room.participants),
            },
            "id": str(uuid.uuid4()),
            "created_at": str(int(time.time())),
        }
        if user_id:
            known = room.participants.get(user_id, {})
            payload["participant"] = {
                "sid": sid or known.get("sid", ""),
                "identity": user_id,
                "name": known.get("name", ""),
            }
        if recording is not None:
            payload["recording_info"] = {
                "record_id": recording.record_id,
                "recorder_id": "node_01",
                "file_path": recording.file_path,
                "file_size": recording.file_size,
            }
        self._webhooks.put((room.webhook_url, event, json.dumps(payload, separators=(",", ":")).encode()))

    def webhook_token(self, body: bytes) -> str:
        """The JWT the server puts in ``Authorization`` and ``Hash-Token`` for ``body``."""
        now = int(time.time())
        claims = {
            "iss": self.api_key,
            "nbf": now,
            "exp": now + WEBHOOK_TOKEN_SECONDS,
            "sha256": base64.b64encode(hashlib.sha256(body).digest()).decode(),
        }
        return jwt.encode(claims, self._api_secret, algorithm="HS256")

    def _deliver_webhooks(self) -> None:
        session = requests.Session()
        while True:
            item = self._webhooks.get()
            try:
                if item is None:
                    return
                url, event, body = item
                token = self.webhook_token(body)
                headers = {"Authorization": token, "Hash-Token": token, "Content-Type": "application/json"}
                try:
                    status: int | str = session.post(url, data=body, headers=headers, timeout=5).status_code
                except requests.RequestException as exc:
                    status = type(exc).__name__
                self.webhooks_sent.append((url, event, status))
            finally:
                self._webhooks.task_done()


API_CALLS = {
    "room/create": FakePlugNmeet._create,
    "room/getJoinToken": FakePlugNmeet._join_token,
    "room/isRoomActive": FakePlugNmeet._is_active,
    "room/getActiveRoomInfo": FakePlugNmeet._active_info,
    "room/endRoom": FakePlugNmeet._end,
    "recording/fetch": FakePlugNmeet._fetch,
    "recording/delete": FakePlugNmeet._delete_recording,
    "recording/getDownloadToken": FakePlugNmeet._download_token,
}

CLIENT_PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>fake plugNmeet client</title></head>
<body>
<h1>fake plugNmeet client</h1>
<p id="room">Room: {title}</p>
<p id="user">You are {name}{admin}.</p>
<form method="post" action="/fake/leave">
<input type="hidden" name="access_token" value="{token}">
<button type="submit" id="leave">Leave</button>
</form>
</body></html>
"""


class FakeHandler(BaseHTTPRequestHandler):
    """HTTP front of ``FakePlugNmeet``; the subclass made in ``start()`` sets ``server_fake``."""

    server_fake: FakePlugNmeet
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("fake plugNmeet: " + format, *args)

    def _send(self, status: int, body: bytes, content_type: str, extra: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for key, value in (extra or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(body)

    def _send_json(self, status: int, data: dict[str, Any]) -> None:
        self._send(status, json.dumps(data, separators=(",", ":")).encode(), "application/json")

    def _read_body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def do_POST(self) -> None:
        fake = self.server_fake
        path = urlsplit(self.path).path
        body = self._read_body()
        if path == "/fake/leave":
            self._leave(body)
            return
        if not path.startswith("/auth/"):
            self._send(404, b"Cannot POST " + path.encode(), "text/plain")
            return
        call = path.removeprefix("/auth/")
        fake.count(call)
        if fake.delay:
            time.sleep(fake.delay)
        if fake.down:
            self.close_connection = True
            self.connection.shutdown(2)
            return
        if fake.fail_status:
            self._send(fake.fail_status, b"upstream failure", "text/plain")
            return
        if fake.garbage:
            self._send(200, b"<html>502 Bad Gateway</html>", "text/html")
            return
        refusal = fake.check_auth(self.headers.get("API-KEY", ""), self.headers.get("HASH-SIGNATURE", ""), body)
        if refusal is not None:
            self._send_json(401, refusal)
            return
        try:
            request = json.loads(body or b"{}")
        except ValueError as exc:
            self._send_json(200, common(False, f"proto: syntax error: {exc.msg}", "INVALID_PARAMETERS"))
            return
        self._send_json(200, fake.handle_api(call, request if isinstance(request, dict) else {}))

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        if parts.path == "/":
            self._client(parse_qs(parts.query).get("access_token", [""])[0])
        elif parts.path.startswith("/download/recording/"):
            self._download(parts.path.removeprefix("/download/recording/"))
        else:
            self._send(404, b"not found", "text/plain")

    def _client(self, token: str) -> None:
        """The client page: a valid token joins the user; ``client_hangs`` never finishes the page."""
        fake = self.server_fake
        fake.count("client")
        claims = fake.verify_join_token(token)
        if claims is None:
            self._send(401, b"<p>notifications.invalid-token</p>", "text/html; charset=utf-8")
            return
        if fake.client_hangs:
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", "100000")
            self.end_headers()
            self.wfile.write(b"<!doctype html><html><body>loading")
            self.wfile.flush()
            fake._stopping.wait(HANG_SECONDS)
            self.close_connection = True
            return
        room = fake.join(claims)
        page = CLIENT_PAGE.format(
            title=html.escape(room.title if room else ""),
            name=html.escape(claims.get("name", "")),
            admin=" (moderator)" if claims.get("is_admin") else "",
            token=html.escape(token),
        )
        self._send(200, page.encode(), "text/html; charset=utf-8")

    def _leave(self, body: bytes) -> None:
        """The client's Leave: participant_left, then off to the room's logout_url (as the real client does)."""
        fake = self.server_fake
        token = parse_qs(body.decode("utf-8", "replace")).get("access_token", [""])[0]
        claims = fake.verify_join_token(token)
        if claims is None:
            self._send(401, b"<p>notifications.invalid-token</p>", "text/html; charset=utf-8")
            return
        logout_url = fake.leave(claims["room_id"], claims["user_id"])
        if logout_url:
            self._send(303, b"", "text/plain", {"Location": logout_url})
        else:
            self._send(200, b"<p>You left the room.</p>", "text/html; charset=utf-8")

    def _download(self, token: str) -> None:
        fake = self.server_fake
        try:
            claims = jwt.decode(token, fake._api_secret, algorithms=["HS256"], issuer=fake.api_key)
        except jwt.PyJWTError:
            self._send(401, b"invalid token", "text/plain")
            return
        with fake._lock:
            exists = any(r.file_path == claims.get("sub") for r in fake.recordings.values())
        if not exists:
            self._send(404, b"file not found", "text/plain")
            return
        self._send(200, FAKE_RECORDING, "video/mp4")


def main(argv: list[str] | None = None) -> None:
    """Serve until interrupted."""
    parser = argparse.ArgumentParser(description="Fake plugNmeet server for local development and tests.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8092)
    parser.add_argument("--api-key", required=True)
    parser.add_argument("--api-secret", required=True)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO)
    fake = FakePlugNmeet(args.api_key, args.api_secret, host=args.host, port=args.port)
    serve_until_interrupted(fake, f"fake plugNmeet listening on {fake.start()}")


if __name__ == "__main__":
    main()
