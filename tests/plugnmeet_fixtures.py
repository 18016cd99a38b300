"""Shared plugNmeet test fixtures: a started fake server, a provider pointed at it, and a webhook receiver.

Import the fixtures explicitly (``from tests.plugnmeet_fixtures import fake, provider, receiver``) so that no
shared conftest is needed.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from fakes.plugnmeet import FakePlugNmeet
from sessionroom_xblock.providers.base import CallbackRequest, Participant, RoomSpec
from sessionroom_xblock.providers.plugnmeet import PlugNmeetProvider

API_KEY = "plugnmeet-test-key"
#: Distinctive, so a leak is found by a plain substring search.
API_SECRET = "S3CRET-pnm-7f1c9e2ad4b84e0f9a6b5c3d2e1f0a9b"
TUTOR = Participant(
    user_id="7", full_name="Tess Tutor", avatar_url="https://lms.example/avatar/7.png", is_moderator=True
)
LEARNER = Participant(user_id="42", full_name="Lee <Learner>")


def provider_config(url: str, **overrides) -> dict:
    """Provider settings with short timeouts so fault tests stay fast."""
    config = {
        "URL": url,
        "API_KEY": API_KEY,
        "API_SECRET": API_SECRET,
        "CONNECT_TIMEOUT": 0.5,
        "READ_TIMEOUT": 1.0,
        "RETRIES": 2,
        "RETRY_BACKOFF": 0.01,
    }
    config.update(overrides)
    return config


def room_spec(room_id: str = "course-1-session-9", webhook_url: str = "", **kwargs) -> RoomSpec:
    """A 1-on-1 room spec; the logout URL is a page of ours, as in production."""
    values = {"title": "Algebra tutoring", "welcome": "Hi!", "logout_url": "https://lms.example/sessionroom/left/"}
    values.update(kwargs)
    return RoomSpec(room_id=room_id, webhook_url=webhook_url, **values)


@dataclass(frozen=True)
class Received:
    """One webhook request as it arrived."""

    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def event(self) -> str:
        return json.loads(self.body).get("event", "")

    def as_callback(self) -> CallbackRequest:
        return CallbackRequest(method="POST", path=self.path, query={}, headers=self.headers, body=self.body)


class WebhookReceiver:
    """A tiny local HTTP endpoint that records every POST, standing in for the LMS webhook view."""

    def __init__(self):
        self.received: list[Received] = []
        self._changed = threading.Condition()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with receiver._changed:
                    receiver.received.append(Received(self.path, dict(self.headers.items()), body))
                    receiver._changed.notify_all()
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args):
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/sessionroom/webhook/plugnmeet/"
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True)
        self._thread.start()

    def wait_for(self, event: str, count: int = 1, timeout: float = 5.0) -> list[Received]:
        """The first ``count`` received webhooks of ``event``, waiting for them to arrive."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                found = [r for r in self.received if r.event == event]
                if len(found) >= count or time.monotonic() >= deadline:
                    return found
                self._changed.wait(deadline - time.monotonic())

    def stop(self):
        self._server.shutdown()
        self._server.server_close()


@pytest.fixture
def fake():
    """A fake plugNmeet on 127.0.0.1 with a random port."""
    server = FakePlugNmeet(API_KEY, API_SECRET)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def provider(fake):
    """The provider under test, talking to ``fake``."""
    return PlugNmeetProvider(provider_config(fake.base_url))


@pytest.fixture
def receiver():
    """A local webhook endpoint."""
    endpoint = WebhookReceiver()
    yield endpoint
    endpoint.stop()
