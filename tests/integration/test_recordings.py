"""Recordings over real HTTP: synced from the fake BBB and plugNmeet servers, copied into S3 served by moto's
server mode.

Nothing is mocked: the BBB provider talks to ``fakes.bbb`` on 127.0.0.1, the copy streams from a local
HTTP server through django-storages and boto3 into ``moto.server.ThreadedMotoServer``, and signed links are
fetched over HTTP.
"""

from __future__ import annotations

import hashlib
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import boto3
import pytest
import requests
from botocore.exceptions import ClientError
from moto.server import ThreadedMotoServer

from fakes.plugnmeet import FAKE_RECORDING, FakePlugNmeet
from sessionroom_xblock.background import recordings
from sessionroom_xblock.models import Recording
from sessionroom_xblock.providers.base import RoomSpec
from sessionroom_xblock.providers.plugnmeet import PlugNmeetProvider
from sessionroom_xblock.providers.registry import get_provider
from sessionroom_xblock.tasks import poll_recordings
from tests.factories import make_session
from tests.integration.provider_sites import bbb_session
from tests.integration.test_bbb_contract import LEARNER, TUTOR, enter
from tests.plugnmeet_fixtures import API_KEY, API_SECRET, provider_config
from tests.plugnmeet_fixtures import LEARNER as PNM_LEARNER
from tests.plugnmeet_fixtures import room_spec as plugnmeet_room_spec

pytest_plugins = ("tests.fakes_fixtures", "tests.integration.provider_sites")

BUCKET = "sessionroom-recordings"
SIZE = 3 * 1024 * 1024 + 17  # several read chunks, not a round number


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def recorded(bbb_site, learner, tutor):
    """A session whose BBB meeting was recorded with both participants and ended."""
    session = bbb_session(learner, tutor, recording_enabled=True)
    bbb = get_provider("bbb")
    spec = RoomSpec(room_id=session.provider_room_id, title="Algebra", record=True)
    room = bbb.ensure_room(spec)
    enter(bbb, room, spec, TUTOR)
    enter(bbb, room, spec, LEARNER)
    bbb.end_room(session.provider_room_id)
    return session


def test_sync_creates_then_updates_recordings_from_bbb(recorded, bbb_site):
    (record_id,) = bbb_site.recordings
    bbb_site.recordings[record_id].state = "processing"
    first = recordings.sync_session(recorded)
    assert (first.created, first.updated) == (1, 0)
    row = Recording.objects.get(session=recorded)
    assert (row.provider_recording_id, row.state, row.playback_url) == (record_id, "processing", "")
    assert recordings.sessions_to_poll() == [str(recorded.pk)]

    bbb_site.recordings[record_id].state = "published"
    poll_recordings.delay()  # eager in the dev host: the poll enqueues the sync, which runs at once
    row.refresh_from_db()
    assert row.state == "ready" and f"/playback/presentation/2.3/{record_id}" in row.playback_url
    assert recordings.sessions_to_poll() == []
    again = recordings.sync_session(recorded)
    assert (again.created, again.updated, again.copied) == (0, 0, 0)


def test_only_participants_get_the_provider_link(recorded, learner, tutor, stranger):
    recordings.sync_session(recorded)
    row = Recording.objects.select_related("session").get(session=recorded)
    assert recordings.recording_link(row, learner.pk) == row.playback_url != ""
    assert recordings.recording_link(row, tutor.pk) == row.playback_url
    assert recordings.recording_link(row, stranger.pk) == ""
    assert recordings.recording_link(row, None) == ""


# --- S3 copy ---------------------------------------------------------------------------------------------


class MediaServer:
    """Serves one recording file; can claim a Content-Length that differs from what it sends."""

    def __init__(self, body: bytes):
        self.body = body
        self.claimed_length: int | None = None
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format, *args):
                """Quiet."""

            def do_GET(self):
                self.send_response(200)
                self.send_header("Content-Type", "video/mp4")
                self.send_header("Content-Length", str(server.claimed_length or len(server.body)))
                self.end_headers()
                self.wfile.write(server.body)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/recording.mp4"

    def stop(self):
        self._server.shutdown()
        self._server.server_close()


@pytest.fixture
def media():
    body = hashlib.sha256(b"seed").digest() * (SIZE // 32) + b"x" * (SIZE % 32)
    server = MediaServer(body)
    yield server
    server.stop()


@pytest.fixture
def s3(settings):
    """moto's S3 in server mode on 127.0.0.1, a bucket, and the storage configured to use it."""
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    credentials = {"aws_access_key_id": "test-key", "aws_secret_access_key": "test-secret", "region_name": "us-east-1"}
    client = boto3.client("s3", endpoint_url=endpoint, **credentials)
    client.create_bucket(Bucket=BUCKET)
    settings.SESSIONROOM = {
        **settings.SESSIONROOM,
        "RECORDING_STORAGE": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": BUCKET,
                "endpoint_url": endpoint,
                "access_key": "test-key",
                "secret_key": "test-secret",
                "region_name": "us-east-1",
                "file_overwrite": False,
                "signature_version": "s3v4",  # R2 and current S3 accept only SigV4 presigned URLs
            },
        },
        "RECORDING_URL_EXPIRY_SECONDS": 600,
    }
    yield client
    requests.post(f"{endpoint}/moto-api/reset", timeout=5)  # moto keeps buckets per process, not per server
    server.stop()


@pytest.fixture
def recording(session):
    return Recording.objects.create(session=session, provider_recording_id="rec-1", state=Recording.State.READY)


def stored_keys(client) -> list[str]:
    return [item["Key"] for item in client.list_objects_v2(Bucket=BUCKET).get("Contents", [])]


def test_copy_streams_into_s3_and_participants_get_signed_links(recording, media, s3, learner, stranger):
    storage = recordings.recording_storage()
    path = recordings.copy_to_storage(
        recording, media.url, storage, expected_size=SIZE, expected_sha256=hashlib.sha256(media.body).hexdigest()
    )
    recording.refresh_from_db()
    assert recording.storage_path == path and recording.size_bytes == SIZE
    assert stored_keys(s3) == [path]
    assert s3.head_object(Bucket=BUCKET, Key=path)["ContentLength"] == SIZE

    link = recordings.recording_link(Recording.objects.select_related("session").get(pk=recording.pk), learner.pk)
    assert "X-Amz-Expires=600" in link and "X-Amz-Signature=" in link
    downloaded = requests.get(link, timeout=10)
    assert downloaded.status_code == 200 and downloaded.content == media.body
    assert recordings.recording_link(recording, stranger.pk) == ""


@pytest.mark.parametrize(
    "problem",
    ["provider size", "content length", "checksum"],
)
def test_a_copy_that_does_not_verify_leaves_nothing_behind(recording, media, s3, problem):
    storage = recordings.recording_storage()
    kwargs = {}
    if problem == "provider size":
        kwargs["expected_size"] = SIZE + 1
    elif problem == "content length":
        media.claimed_length = SIZE + 1000  # the server promises more than it sends
    else:
        kwargs["expected_sha256"] = "0" * 64
    with pytest.raises(recordings.CopyFailed) as failure:
        recordings.copy_to_storage(recording, media.url, storage, **kwargs)
    assert media.url not in str(failure.value) and failure.value.__cause__ is None
    recording.refresh_from_db()
    assert recording.storage_path == ""
    assert stored_keys(s3) == []
    with pytest.raises(ClientError):
        s3.head_object(Bucket=BUCKET, Key=f"sessionroom/recordings/{recording.session_id}/rec-1.mp4")


def test_sync_copies_a_ready_plugnmeet_recording_into_storage(s3, learner, tutor, settings):
    """The whole path: plugNmeet lists a ready recording, mints a download link, the sync streams it to S3."""
    fake = FakePlugNmeet(API_KEY, API_SECRET)
    fake.start()
    try:
        settings.SESSIONROOM = {**settings.SESSIONROOM, "PROVIDERS": {"plugnmeet": provider_config(fake.base_url)}}
        session = make_session(learner, tutor, provider="plugnmeet", recording_enabled=True)
        session.provider_room_id = f"sessionroom-{session.pk}"
        session.save()
        provider = PlugNmeetProvider(provider_config(fake.base_url))
        spec = plugnmeet_room_spec(room_id=session.provider_room_id, record=True)
        requests.get(provider.join_ticket(provider.ensure_room(spec), spec, PNM_LEARNER).url, timeout=5)
        provider.end_room(spec.room_id)

        result = recordings.sync_session(session)
        assert (result.created, result.copied) == (1, 1)
        row = Recording.objects.select_related("session").get(session=session)
        assert row.storage_path and row.size_bytes == len(FAKE_RECORDING)
        body = s3.get_object(Bucket=BUCKET, Key=row.storage_path)["Body"].read()
        assert body == FAKE_RECORDING
        assert requests.get(recordings.recording_link(row, learner.pk), timeout=10).content == FAKE_RECORDING
        assert recordings.sync_session(session).copied == 0, "copied once"
    finally:
        fake.stop()
