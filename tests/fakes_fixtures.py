"""Fixtures that start the fake BBB server and a callback receiver on 127.0.0.1 (real HTTP, no mocks).

Test modules load them with ``pytest_plugins = ("tests.fakes_fixtures",)``; nothing here needs Django.
"""

from __future__ import annotations

import queue
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

import pytest

from fakes.bbb import FakeBBB
from sessionroom_xblock.providers.base import CallbackRequest
from sessionroom_xblock.providers.bbb import BigBlueButtonProvider

#: Long enough that PyJWT does not warn about short HMAC keys; distinctive so leak scans cannot miss it.
BBB_SECRET = "fake-bbb-secret-0123456789abcdefghijklmnop"


def bbb_config(fake: FakeBBB, **overrides) -> dict:
    """Provider settings pointing at ``fake``, with short timeouts so fault tests stay fast."""
    config = {
        "URL": fake.base_url,
        "SECRET": BBB_SECRET,
        "CONNECT_TIMEOUT": 1.0,
        "READ_TIMEOUT": 2.0,
        "RETRIES": 2,
        "RETRY_BACKOFF": 0.05,
    }
    config.update(overrides)
    return config


@pytest.fixture
def fake_bbb():
    fake = FakeBBB(secret=BBB_SECRET)
    fake.start()
    yield fake
    fake.stop()


@pytest.fixture
def bbb(fake_bbb) -> BigBlueButtonProvider:
    return BigBlueButtonProvider(bbb_config(fake_bbb))


class CallbackReceiver:
    """A tiny HTTP server standing in for the LMS webhook endpoints; it answers 200 and queues what it got."""

    def __init__(self):
        self.received: queue.Queue[CallbackRequest] = queue.Queue()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format, *args):
                """Quiet."""

            def _record(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                parts = urlsplit(self.path)
                form = {}
                if self.headers.get("Content-Type", "").startswith("application/x-www-form-urlencoded"):
                    form = dict(parse_qsl(body.decode(), keep_blank_values=True))
                receiver.received.put(
                    CallbackRequest(
                        method=self.command,
                        path=parts.path,
                        query=dict(parse_qsl(parts.query, keep_blank_values=True)),
                        headers=dict(self.headers.items()),
                        body=body,
                        form=form,
                    )
                )
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            do_GET = _record
            do_POST = _record

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}{path}"

    def wait(self, count: int, timeout: float = 5.0) -> list[CallbackRequest]:
        """The next ``count`` callbacks, failing the test if they do not arrive within ``timeout``."""
        return [self.received.get(timeout=timeout) for _ in range(count)]

    def stop(self):
        self._server.shutdown()
        self._server.server_close()


@pytest.fixture
def callback_receiver():
    receiver = CallbackReceiver()
    yield receiver
    receiver.stop()
