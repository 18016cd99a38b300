"""The plugNmeet provider against the fake server over real HTTP: every call, the client page and webhooks."""

# Fixtures are imported explicitly (no shared conftest), so test parameters necessarily shadow them.
# ruff: noqa: F811

from __future__ import annotations

import threading
import time

import jwt
import pytest
import requests

from fakes.plugnmeet import RECORDED_BYTES
from sessionroom_xblock.providers.base import (
    CallbackRejected,
    CallbackRequest,
    ProviderError,
    ProviderUnavailable,
    RoomInfo,
)
from sessionroom_xblock.providers.plugnmeet import PlugNmeetProvider, body_sha256_claim
from tests.plugnmeet_fixtures import (  # noqa: F401 - fixtures are used by name
    API_KEY,
    API_SECRET,
    LEARNER,
    TUTOR,
    fake,
    provider,
    provider_config,
    receiver,
    room_spec,
)


def enter(ticket_url: str) -> requests.Response:
    """What the learner's browser does with the ticket: load the client page."""
    return requests.get(ticket_url, timeout=5)


def test_registry_finds_the_provider():
    from sessionroom_xblock.providers.plugnmeet import PROVIDER

    assert PROVIDER is PlugNmeetProvider
    assert PROVIDER.name == "plugnmeet"
    assert not PROVIDER.is_configured({"URL": "https://pnm.example", "API_KEY": "k"})
    assert PROVIDER.is_configured({"URL": "https://pnm.example", "API_KEY": "k", "API_SECRET": "s"})


def test_create_twice_is_one_room(fake, provider):
    first = provider.ensure_room(room_spec())
    second = provider.ensure_room(room_spec(title="ignored on an active room"))
    assert first.instance and first.instance == second.instance
    assert list(fake.rooms) == ["course-1-session-9"]
    assert fake.rooms["course-1-session-9"].title == "Algebra tutoring"


def test_create_sends_the_one_on_one_settings(fake, provider):
    provider.ensure_room(room_spec(record=True, duration_minutes=45, webhook_url="https://lms.example/hook/"))
    room = fake.rooms["course-1-session-9"]
    features = room.metadata["room_features"]
    assert room.max_participants == 2
    assert room.metadata["logout_url"] == "https://lms.example/sessionroom/left/"
    assert room.metadata["welcome_message"] == "Hi!"
    assert room.webhook_url == "https://lms.example/hook/"
    assert features["room_duration"] == 45
    assert features["recording_features"]["is_allow"] and features["recording_features"]["enable_auto_cloud_recording"]
    assert features["allow_webcams"] and features["allow_screen_share"]


def test_create_omits_zero_and_empty_optionals(provider):
    payload = provider.create_room_payload(room_spec(welcome="", logout_url="", duration_minutes=0))
    assert "empty_timeout" not in payload
    assert "room_duration" not in payload["metadata"]["room_features"]
    assert not {"welcome_message", "logout_url", "webhook_url"} & set(payload["metadata"])


def test_concurrent_creates_make_one_room(fake, provider):
    results, errors = [], []

    def create():
        try:
            results.append(provider.ensure_room(room_spec()))
        except ProviderError as exc:
            errors.append(exc)

    threads = [threading.Thread(target=create) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert len({r.instance for r in results}) == 1
    assert len(fake.rooms) == 1


def test_join_enters_the_client_and_presence_sees_us(fake, provider):
    spec = room_spec()
    room = provider.ensure_room(spec)
    fake.calls.clear()
    ticket = provider.join_ticket(room, spec, LEARNER)
    assert fake.calls == {"room/getJoinToken": 1}
    assert ticket.kind == "iframe"
    assert ticket.url.startswith(f"{fake.base_url}/?access_token=")

    page = enter(ticket.url)
    assert page.status_code == 200
    assert "fake plugNmeet client" in page.text
    assert "Lee &lt;Learner&gt;" in page.text
    assert API_SECRET not in page.text

    presence = provider.presence(spec.room_id)
    assert presence.running and presence.user_ids == frozenset({"42"})


def test_join_token_carries_who_joins(fake, provider):
    spec = room_spec()
    room = provider.ensure_room(spec)
    token = provider.join_ticket(room, spec, TUTOR).url.split("access_token=", 1)[1]
    claims = jwt.decode(token, API_SECRET, algorithms=["HS256"], issuer=API_KEY)
    assert claims["user_id"] == "7" and claims["room_id"] == spec.room_id and claims["is_admin"] is True
    assert claims["profile_pic"] == "https://lms.example/avatar/7.png"
    assert claims["exp"] - claims["nbf"] == 600


def test_join_costs_two_round_trips(fake, provider):
    spec = room_spec()
    fake.calls.clear()
    provider.join_ticket(provider.ensure_room(spec), spec, LEARNER)
    assert sum(fake.calls.values()) == 2


def test_token_for_an_inactive_room_is_refused(provider):
    spec = room_spec(room_id="never-created")
    with pytest.raises(ProviderUnavailable) as caught:
        provider.join_ticket(RoomInfo(room_id=spec.room_id), spec, LEARNER)
    assert caught.value.error_type == "refused"


def test_a_forged_client_token_does_not_enter(fake, provider):
    provider.ensure_room(room_spec())
    forged = jwt.encode({"iss": API_KEY, "room_id": "course-1-session-9", "user_id": "1"}, "x" * 32, algorithm="HS256")
    assert requests.get(f"{fake.base_url}/?access_token={forged}", timeout=5).status_code == 401


def test_presence_of_a_room_that_does_not_run(provider):
    presence = provider.presence("nobody-here")
    assert not presence.running and presence.user_ids == frozenset()


def test_leave_navigates_to_logout_url(fake, provider):
    spec = room_spec()
    room = provider.ensure_room(spec)
    ticket = provider.join_ticket(room, spec, LEARNER)
    enter(ticket.url)
    token = ticket.url.split("access_token=", 1)[1]
    left = requests.post(f"{fake.base_url}/fake/leave", data={"access_token": token}, allow_redirects=False, timeout=5)
    assert left.status_code == 303
    assert left.headers["Location"] == spec.logout_url
    assert provider.presence(spec.room_id).user_ids == frozenset()


def test_end_room_and_end_again(fake, provider):
    provider.ensure_room(room_spec())
    provider.end_room("course-1-session-9")
    assert not provider.presence("course-1-session-9").running
    provider.end_room("course-1-session-9")
    provider.end_room("never-existed")


def test_recordings_fetch_download_delete(fake, provider):
    spec = room_spec(record=True)
    assert provider.list_recordings(spec.room_id) == []
    enter(provider.join_ticket(provider.ensure_room(spec), spec, LEARNER).url)
    provider.end_room(spec.room_id)

    recordings = provider.list_recordings(spec.room_id)
    assert len(recordings) == 1
    recording = recordings[0]
    assert recording.state == "ready" and recording.download_url == ""
    # The server states 12.35 (decimal MB, two decimals) for the recorder's 12,345,678 bytes.
    assert recording.size_bytes == 12_350_000
    assert abs(recording.size_bytes - RECORDED_BYTES) <= 5_000
    assert recording.started_at is not None

    url = provider.download_url(recording.recording_id)
    assert url.startswith(f"{fake.base_url}/download/recording/")
    download = requests.get(url, timeout=5)
    assert download.status_code == 200 and download.content.startswith(b"fake plugNmeet recording")

    provider.delete_recording(recording.recording_id)
    assert provider.list_recordings(spec.room_id) == []
    provider.delete_recording(recording.recording_id)


def test_webhooks_are_delivered_and_accepted(fake, provider, receiver):
    spec = room_spec(record=True, webhook_url=receiver.url)
    room = provider.ensure_room(spec)
    enter(provider.join_ticket(room, spec, TUTOR).url)
    enter(provider.join_ticket(room, spec, LEARNER).url)
    provider.end_room(spec.room_id)

    wanted = {
        "room_started": ("room_started", 1),
        "participant_joined": ("participant_joined", 2),
        "participant_left": ("participant_left", 2),
        "room_finished": ("room_ended", 1),
        "recording_proceeded": ("recording_ready", 1),
    }
    events = []
    for name, (kind, count) in wanted.items():
        arrived = receiver.wait_for(name, count)
        assert len(arrived) == count, name
        for delivery in arrived:
            assert delivery.headers["Authorization"] == delivery.headers["Hash-Token"]
            parsed = provider.parse_callback(delivery.as_callback())
            assert [e.kind for e in parsed] == [kind]
            events.extend(parsed)

    joined = {e.user_id for e in events if e.kind == "participant_joined"}
    assert joined == {"7", "42"}
    ready = [e for e in events if e.kind == "recording_ready"]
    assert ready[0].recording_id == provider.list_recordings(spec.room_id)[0].recording_id
    assert all(e.room_id == spec.room_id and len(e.digest) == 64 and e.occurred_at for e in events)
    assert len({e.digest for e in events}) == len(events)

    created = receiver.wait_for("room_created")
    assert provider.parse_callback(created[0].as_callback()) == []
    assert {status for _url, _event, status in fake.webhooks_sent} == {204}


def test_identical_replay_has_the_same_digest(fake, provider, receiver):
    provider.ensure_room(room_spec(webhook_url=receiver.url))
    delivery = receiver.wait_for("room_created")[0]
    body = delivery.body.replace(b'"event":"room_created"', b'"event":"room_started"')
    request = signed_request(body)
    assert provider.parse_callback(request)[0].digest == provider.parse_callback(request)[0].digest


def signed_request(body: bytes, *, secret=API_SECRET, issuer=API_KEY, exp_in=300, sha=None, header="Authorization"):
    """A webhook request signed the way the server signs it, with one thing optionally wrong."""
    now = int(time.time())
    claims = {"iss": issuer, "nbf": now - 1, "exp": now + exp_in, "sha256": sha or body_sha256_claim(body)}
    token = jwt.encode(claims, secret, algorithm="HS256")
    return CallbackRequest("POST", "/hook", {}, {header: token, "Content-Type": "application/json"}, body)


BODY = b'{"event":"participant_joined","room":{"room_id":"r1","sid":"s1"},"participant":{"identity":"42"}}'


def test_hash_token_header_alone_is_enough(provider):
    events = provider.parse_callback(signed_request(BODY, header="Hash-Token"))
    assert [(e.kind, e.user_id) for e in events] == [("participant_joined", "42")]


@pytest.mark.parametrize(
    "request_",
    [
        pytest.param(signed_request(BODY, secret="a-wrong-secret-that-is-long-enough!!"), id="forged"),
        pytest.param(signed_request(BODY, exp_in=-120), id="expired"),
        pytest.param(signed_request(BODY, issuer="someone-else"), id="wrong-issuer"),
        pytest.param(signed_request(BODY, sha=body_sha256_claim(b"another body")), id="body-hash-mismatch"),
        pytest.param(CallbackRequest("POST", "/hook", {}, {}, BODY), id="no-token"),
    ],
)
def test_bad_webhooks_are_rejected_with_401(provider, request_):
    with pytest.raises(CallbackRejected) as caught:
        provider.parse_callback(request_)
    assert caught.value.status == 401
    assert API_SECRET not in str(caught.value)


def test_tampered_body_with_a_valid_token_is_rejected(provider):
    good = signed_request(BODY)
    tampered = CallbackRequest("POST", "/hook", {}, good.headers, BODY.replace(b"42", b"43"))
    with pytest.raises(CallbackRejected) as caught:
        provider.parse_callback(tampered)
    assert caught.value.status == 401


def test_provider_repr_hides_the_secret(provider):
    assert API_SECRET not in repr(provider)
    assert API_SECRET not in repr(PlugNmeetProvider(provider_config("http://127.0.0.1:9")))
