"""Every BBB provider call against the fake BBB server, over real HTTP on 127.0.0.1."""

import threading
import time
from urllib.parse import parse_qsl, urlsplit

import jwt
import pytest
import requests
from hypothesis import given, settings
from hypothesis import strategies as st

from fakes.bbb import FakeBBB
from sessionroom_xblock.providers.base import CallbackRejected, CallbackRequest, Participant, RoomSpec
from sessionroom_xblock.providers.bbb import BigBlueButtonProvider
from tests.fakes_fixtures import BBB_SECRET, bbb_config

pytest_plugins = ("tests.fakes_fixtures",)

TUTOR = Participant(user_id="17", full_name="Tina Tutor", is_moderator=True)
LEARNER = Participant(user_id="42", full_name="Lea Learner", avatar_url="https://lms.example.com/a/42.png")


def spec(room_id="session-1", **kwargs) -> RoomSpec:
    return RoomSpec(room_id=room_id, title="Algebra tutoring", **kwargs)


def enter(provider, room, room_spec, participant) -> requests.Response:
    """What the iframe does: GET the join URL and follow BBB's redirect to the client."""
    response = requests.get(provider.join_ticket(room, room_spec, participant).url, timeout=5)
    assert response.status_code == 200, response.text
    return response


def wait_for(predicate, timeout=5.0):
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.02)


def test_create_twice_is_one_meeting(bbb, fake_bbb):
    first = bbb.ensure_room(spec())
    second = bbb.ensure_room(spec())
    assert first.created and not second.created
    assert first.instance == second.instance != ""
    assert list(fake_bbb.meetings) == ["session-1"]


def test_create_sends_the_1on1_settings(bbb, fake_bbb):
    bbb.ensure_room(
        spec(
            record=True,
            duration_minutes=60,
            logout_url="https://lms.example.com/left",
            end_callback_url="https://lms.example.com/cb/end?t=x",
            recording_ready_url="https://lms.example.com/cb/rec",
            metadata={"course": "demo", "endCallbackUrl": "https://evil.example.com"},
        )
    )
    params = fake_bbb.meetings["session-1"].params
    assert params["maxParticipants"] == "2"
    assert params["allowRequestsWithoutSession"] == "true"
    assert params["endWhenNoModerator"] == "false"
    assert (params["record"], params["autoStartRecording"], params["allowStartStopRecording"]) == (
        "true",
        "true",
        "false",
    )
    assert params["duration"] == "60"
    assert params["meta_endCallbackUrl"] == "https://lms.example.com/cb/end?t=x"
    assert params["meta_course"] == "demo"
    assert "attendeePW" not in params and "moderatorPW" not in params


def test_concurrent_ensure_room_makes_one_meeting(bbb, fake_bbb):
    results, barrier = [], threading.Barrier(2)

    def worker():
        barrier.wait()
        results.append(bbb.ensure_room(spec()))

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    assert len(results) == 2
    assert len({result.instance for result in results}) == 1
    assert sorted(result.created for result in results) == [False, True]
    assert fake_bbb.calls["create"] == 2


def test_join_costs_one_round_trip_and_shows_in_presence(bbb, fake_bbb):
    room_spec = spec(logout_url="https://lms.example.com/left")
    room = bbb.ensure_room(room_spec)
    ticket = bbb.join_ticket(room, room_spec, LEARNER)
    assert ticket.kind == "iframe"
    assert sum(fake_bbb.calls.values()) == 1, "join URL must be built locally"
    query = dict(parse_qsl(urlsplit(ticket.url).query))
    assert query["createTime"] == room.instance
    assert query["role"] == "VIEWER" and query["userID"] == "42" and query["redirect"] == "true"
    assert BBB_SECRET not in ticket.url

    page = enter(bbb, room, room_spec, LEARNER)
    assert 'data-user-id="42"' in page.text and 'id="leave"' in page.text
    enter(bbb, room, room_spec, TUTOR)
    presence = bbb.presence("session-1")
    assert presence.running and presence.user_ids == {"17", "42"}
    attendees = fake_bbb.meetings["session-1"].attendees
    assert (attendees["17"].role, attendees["42"].role) == ("MODERATOR", "VIEWER")


def test_rejoin_is_not_blocked_by_max_participants(bbb, fake_bbb):
    room = bbb.ensure_room(spec())
    enter(bbb, room, spec(), LEARNER)
    enter(bbb, room, spec(), TUTOR)
    enter(bbb, room, spec(), LEARNER)  # page reload: same userID, new join URL
    intruder = Participant(user_id="99", full_name="Third")
    response = requests.get(bbb.join_ticket(room, spec(), intruder).url, timeout=5)
    assert "maxParticipantsReached" in response.text


def test_stale_join_url_cannot_enter_a_later_meeting(bbb):
    old = bbb.ensure_room(spec())
    bbb.end_room("session-1")
    bbb.ensure_room(spec())
    response = requests.get(bbb.join_ticket(old, spec(), LEARNER).url, timeout=5)
    assert "mismatchCreateTimeParam" in response.text


def test_leave_link_goes_to_logout_url(bbb, callback_receiver):
    room_spec = spec(logout_url=callback_receiver.url("/left"))
    room = bbb.ensure_room(room_spec)
    page = enter(bbb, room, room_spec, LEARNER)
    leave = page.text.split('id="leave" href="', 1)[1].split('"', 1)[0]
    response = requests.get(urlsplit(page.url)._replace(path=leave.split("?")[0], query=leave.split("?")[1]).geturl())
    assert response.status_code == 200
    assert callback_receiver.wait(1)[0].path == "/left"
    assert bbb.presence("session-1").user_ids == frozenset()


def test_presence_of_unknown_room_is_not_running(bbb):
    presence = bbb.presence("never-created")
    assert not presence.running and presence.user_ids == frozenset()


def test_end_and_end_again(bbb):
    bbb.ensure_room(spec())
    bbb.end_room("session-1")
    assert not bbb.presence("session-1").running
    bbb.end_room("session-1")
    bbb.end_room("never-created")


@settings(max_examples=25, deadline=None)
@given(
    meeting_id=st.text(st.characters(blacklist_categories=("Cc", "Cs")), min_size=2, max_size=40).filter(
        lambda text: "," not in text
    )
)
def test_any_meeting_id_survives_the_wire(meeting_id):
    fake = FakeBBB(secret=BBB_SECRET)
    fake.start()
    try:
        provider = BigBlueButtonProvider(bbb_config(fake))
        assert provider.ensure_room(RoomSpec(room_id=meeting_id, title="t" * 3)).created
        assert fake.calls["create"] == 1 and meeting_id in fake.meetings
    finally:
        fake.stop()


def recorded_meeting(bbb, callback_receiver):
    """A recorded meeting that ran with both people and ended: returns (end callback, recording-ready callback)."""
    room_spec = spec(
        record=True,
        end_callback_url=callback_receiver.url("/sessionroom/webhook/bbb/end?token=session-token"),
        recording_ready_url=callback_receiver.url("/sessionroom/webhook/bbb/recording-ready"),
    )
    room = bbb.ensure_room(room_spec)
    enter(bbb, room, room_spec, TUTOR)
    enter(bbb, room, room_spec, LEARNER)
    bbb.end_room("session-1")
    return callback_receiver.wait(2)


def test_callbacks_arrive_and_parse(bbb, callback_receiver):
    end, ready = sorted(recorded_meeting(bbb, callback_receiver), key=lambda request: request.method)
    assert end.method == "GET" and end.query["token"] == "session-token"
    assert end.query["recordingmarks"] == "true"
    (ended,) = bbb.parse_callback(end, "end")
    assert (ended.kind, ended.room_id) == ("room_ended", "session-1") and len(ended.digest) == 64
    assert bbb.parse_callback(end, "end") == [ended], "same callback, same digest"

    assert ready.method == "POST" and "signed_parameters" in ready.form
    (event,) = bbb.parse_callback(ready, "recording-ready")
    assert (event.kind, event.room_id) == ("recording_ready", "session-1")
    recordings = bbb.list_recordings("session-1")
    assert [recording.recording_id for recording in recordings] == [event.recording_id]


def test_recordings_list_publish_delete(bbb, callback_receiver):
    recorded_meeting(bbb, callback_receiver)
    (recording,) = bbb.list_recordings("session-1")
    assert recording.state == "ready" and "/playback/presentation/2.3/" in recording.playback_url
    assert recording.duration_seconds == 60 and recording.size_bytes == 1_234_567 and recording.started_at

    hidden = bbb.publish_recording(recording.recording_id, False)
    assert (hidden.state, hidden.playback_url) == ("ready", "")
    shown = bbb.publish_recording(recording.recording_id, True)
    assert shown.playback_url == recording.playback_url

    bbb.delete_recording(recording.recording_id)
    assert [item.state for item in bbb.list_recordings("session-1")] == ["deleted"]
    bbb.delete_recording("no-such-recording")


def test_unrecorded_meeting_has_no_recordings(bbb):
    room = bbb.ensure_room(spec())
    enter(bbb, room, spec(), LEARNER)
    bbb.end_room("session-1")
    assert bbb.list_recordings("session-1") == []


def ready_request(token: str) -> CallbackRequest:
    body = f"signed_parameters={token}".encode()
    return CallbackRequest(method="POST", path="/", query={}, headers={}, body=body, form={"signed_parameters": token})


PAYLOAD = {"meeting_id": "session-1", "record_id": "abc-1700000000000"}


def test_scalelite_secret_and_hs512_are_accepted(fake_bbb):
    scalelite_secret = "scalelite-secret-" + "0123456789abcdef" * 4
    provider = BigBlueButtonProvider(bbb_config(fake_bbb, CALLBACK_SECRETS=[scalelite_secret]))
    token = jwt.encode(PAYLOAD, scalelite_secret, algorithm="HS512")
    (event,) = provider.parse_callback(ready_request(token), "recording-ready")
    assert event.recording_id == "abc-1700000000000"


def test_reference_vector_token_is_verified():
    provider = BigBlueButtonProvider({"URL": "http://127.0.0.1:9/bigbluebutton", "SECRET": "s3cr3t"})
    token = (
        "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJtZWV0aW5nX2lkIjoidHV0b3ItNDIiLCJyZWNvcmRfaWQiOiJhYmMxMjNkZWYtMTcwMDAw"
        "MDAwMDAwMCJ9.jEwt_5i0gCr5yC7CSZvJ82SKRGx_njsyPdZnInzxs0g"
    )
    with pytest.warns(jwt.warnings.InsecureKeyLengthWarning):
        (event,) = provider.parse_callback(ready_request(token), "recording-ready")
    assert (event.room_id, event.recording_id) == ("tutor-42", "abc123def-1700000000000")


def _unsigned(payload) -> str:
    return jwt.encode(payload, key=None, algorithm="none")


@pytest.mark.parametrize(
    "token",
    [
        pytest.param(jwt.encode(PAYLOAD, "wrong-secret-0123456789abcdefghijklmnopq"), id="forged"),
        pytest.param("not.a.jwt", id="garbled"),
        pytest.param(_unsigned(PAYLOAD), id="alg-none"),
        pytest.param(jwt.encode({"meeting_id": "session-1"}, BBB_SECRET), id="no-record-id"),
        pytest.param("", id="missing"),
    ],
)
def test_bad_recording_ready_tokens_are_rejected(bbb, token):
    with pytest.raises(CallbackRejected) as caught:
        bbb.parse_callback(ready_request(token), "recording-ready")
    assert caught.value.status == 401


def test_end_callback_without_meeting_and_unknown_suffix(bbb):
    with pytest.raises(CallbackRejected) as missing:
        bbb.parse_callback(CallbackRequest("GET", "/", {}, {}, b""), "end")
    assert missing.value.status == 400
    with pytest.raises(CallbackRejected) as unknown:
        bbb.parse_callback(CallbackRequest("GET", "/", {}, {}, b""), "hooks")
    assert unknown.value.status == 404
