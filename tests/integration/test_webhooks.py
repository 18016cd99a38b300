"""Provider callbacks end to end: the fake media server calls our live Django server over HTTP.

Valid callbacks change the session once; forged, expired and foreign ones are refused with 401/403 and
change nothing. A replay of an event already applied (however its bytes were changed) is answered 200
and changes nothing, because providers retry anything that is not 2xx.
"""

import json
import time
from datetime import timedelta

import jwt
import pytest
import requests
from django.utils import timezone

from sessionroom_xblock.models import Attendance, CallbackReceipt, TutoringSession
from sessionroom_xblock.signing import callback_token
from tests.factories import call_handler, make_block, make_session
from tests.fakes_fixtures import BBB_SECRET, bbb_config
from tests.plugnmeet_fixtures import API_KEY, API_SECRET, provider_config

pytest_plugins = ("tests.fakes_fixtures",)
pytestmark = pytest.mark.django_db(transaction=True)


def wait_until(predicate, timeout=5.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


@pytest.fixture
def bbb_site(settings, live_server, fake_bbb):
    settings.SESSIONROOM = {
        **settings.SESSIONROOM,
        "LMS_ROOT_URL": live_server.url,
        "PROVIDERS": {**settings.SESSIONROOM["PROVIDERS"], "bbb": bbb_config(fake_bbb)},
    }
    return fake_bbb


@pytest.fixture
def plugnmeet_site(settings, live_server):
    from fakes.plugnmeet import FakePlugNmeet

    fake = FakePlugNmeet(API_KEY, API_SECRET)
    url = fake.start()
    settings.SESSIONROOM = {
        **settings.SESSIONROOM,
        "LMS_ROOT_URL": live_server.url,
        "PROVIDERS": {**settings.SESSIONROOM["PROVIDERS"], "plugnmeet": provider_config(url)},
    }
    yield fake
    fake.stop()


def status_of(session):
    session.refresh_from_db()
    return session.status


def test_bbb_end_callback_closes_the_session_once_and_replays_change_nothing(bbb_site, learner, tutor):
    session = make_session(learner, tutor, provider="bbb")
    assert call_handler(make_block("learner"), "join", {"session": str(session.pk)})[0] == 200
    meeting = bbb_site.meetings[f"sessionroom-{session.pk}"]
    bbb_site.end_meeting(meeting)
    assert wait_until(lambda: bbb_site.callbacks), "BBB never called back"
    callback = bbb_site.callbacks[0]
    assert callback["kind"] == "end" and callback["status"] == 200, callback
    assert status_of(session) == TutoringSession.Status.COMPLETED
    for replay in (callback["url"], callback["url"] + "&x=1", callback["url"] + "&recordingmarks=true"):
        response = requests.get(replay, timeout=5)
        assert (response.status_code, response.json()) == (200, {"applied": 0}), replay
    assert CallbackReceipt.objects.filter(provider="bbb").count() == 1


def test_bbb_recording_ready_re_encoded_or_replayed_is_applied_once(bbb_site, live_server, learner, tutor):
    """One recording, one sync; BBB's re-send after a rebuild re-reads the provider at most once an hour."""
    session = make_session(learner, tutor, provider="bbb", recording_enabled=True)
    room = f"sessionroom-{session.pk}"
    TutoringSession.objects.filter(pk=session.pk).update(provider_room_id=room)
    signed = jwt.encode({"meeting_id": room, "record_id": "rec-1"}, BBB_SECRET, algorithm="HS256")
    url = f"{live_server.url}/sessionroom/webhooks/bbb/recording-ready"

    def deliver(token):
        response = requests.post(url, params={"token": callback_token(session.pk)}, data={"signed_parameters": token})
        assert response.status_code == 200, response.text
        return response.json()["applied"]

    assert deliver(signed) == 1
    assert bbb_site.calls["getRecordings"] == 1
    for replay in (signed + "=", signed):
        assert deliver(replay) == 0
    assert bbb_site.calls["getRecordings"] == 1
    assert session.recordings.count() == 1
    assert CallbackReceipt.objects.filter(provider="bbb").count() == 1

    CallbackReceipt.objects.update(received_at=timezone.now() - timedelta(hours=2))
    assert deliver(signed) == 0
    assert deliver(signed) == 0
    assert bbb_site.calls["getRecordings"] == 2
    assert session.recordings.count() == 1


def test_bbb_end_callback_without_our_token_changes_nothing(bbb_site, live_server, learner, tutor):
    session = make_session(learner, tutor, provider="bbb")
    other = make_session(learner, tutor, provider="bbb")
    url = f"{live_server.url}/sessionroom/webhooks/bbb/end"
    room = f"sessionroom-{session.pk}"
    assert requests.get(url, params={"meetingID": room, "recordingmarks": "false"}, timeout=5).status_code == 401
    forged = {"meetingID": room, "recordingmarks": "false", "token": "forged:token"}
    assert requests.get(url, params=forged, timeout=5).status_code == 401
    foreign = {"meetingID": room, "recordingmarks": "false", "token": callback_token(other.pk)}
    assert requests.get(url, params=foreign, timeout=5).status_code == 403
    assert status_of(session) == TutoringSession.Status.SCHEDULED
    assert not CallbackReceipt.objects.exists()


def test_bbb_recording_ready_with_a_forged_signature_is_refused(bbb_site, live_server, learner, tutor):
    session = make_session(learner, tutor, provider="bbb", recording_enabled=True)
    claims = {"meeting_id": f"sessionroom-{session.pk}", "record_id": "rec-1"}
    url = f"{live_server.url}/sessionroom/webhooks/bbb/recording-ready"
    token = {"token": callback_token(session.pk)}
    for signed in (jwt.encode(claims, "not-the-secret-" * 3, algorithm="HS256"), "garbage", ""):
        response = requests.post(url, params=token, data={"signed_parameters": signed}, timeout=5)
        assert response.status_code == 401
    assert not session.recordings.exists()
    assert BBB_SECRET not in response.text


def test_unconfigured_provider_webhook_is_not_found(live_server):
    assert requests.post(f"{live_server.url}/sessionroom/webhooks/bbb/end", timeout=5).status_code == 404


def test_plugnmeet_webhooks_record_presence_and_the_end(plugnmeet_site, learner, tutor):
    session = make_session(learner, tutor, provider="plugnmeet")
    status, body = call_handler(make_block("learner"), "join", {"session": str(session.pk)})
    assert status == 200 and "access_token=" in body["ticket"]["url"]
    assert requests.get(body["ticket"]["url"], timeout=5).status_code == 200
    assert wait_until(lambda: any(event == "participant_joined" for _, event, _ in plugnmeet_site.webhooks_sent))
    assert wait_until(lambda: Attendance.objects.filter(session=session, via="webhook").exists())
    plugnmeet_site.end_room(f"sessionroom-{session.pk}")
    assert wait_until(lambda: status_of(session) == TutoringSession.Status.COMPLETED)
    refused = [status for _, _, status in plugnmeet_site.webhooks_sent if status != 200]
    assert refused == [], plugnmeet_site.webhooks_sent


def webhook_body(session, event="participant_left", user_id=None, event_id="evt-1"):
    return json.dumps(
        {
            "event": event,
            "room": {"sid": "RM_1", "room_id": f"sessionroom-{session.pk}"},
            "participant": {"identity": str(user_id or session.learner_id), "sid": "PA_1"},
            "id": event_id,
            "created_at": str(int(time.time())),
        },
        separators=(",", ":"),
    ).encode()


def post_webhook(live_server, body, token):
    return requests.post(
        f"{live_server.url}/sessionroom/webhooks/plugnmeet/",
        data=body,
        headers={"Authorization": token, "Hash-Token": token, "Content-Type": "application/json"},
        timeout=5,
    )


def test_plugnmeet_forged_expired_and_replayed_webhooks(plugnmeet_site, live_server, learner, tutor):
    session = make_session(learner, tutor, provider="plugnmeet")
    Attendance.objects.create(session=session, user=learner, joined_at=session.created, last_seen=session.created)
    body = webhook_body(session)
    now = int(time.time())
    claims = {"iss": API_KEY, "nbf": now, "exp": now + 300}
    import base64
    import hashlib

    claims["sha256"] = base64.b64encode(hashlib.sha256(body).digest()).decode()
    forged = jwt.encode(claims, "wrong-secret-" * 4, algorithm="HS256")
    expired = jwt.encode({**claims, "nbf": now - 900, "exp": now - 600}, API_SECRET, algorithm="HS256")
    other_body = jwt.encode({**claims, "sha256": "AAAA"}, API_SECRET, algorithm="HS256")
    for token in (forged, expired, other_body, ""):
        assert post_webhook(live_server, body, token).status_code == 401
    assert Attendance.objects.get(session=session, user=learner).left_at is None

    valid = plugnmeet_site.webhook_token(body)
    assert post_webhook(live_server, body, valid).status_code == 200
    left_at = Attendance.objects.get(session=session, user=learner).left_at
    assert left_at is not None
    for token in (valid, valid + "=", "Bearer " + valid):
        response = post_webhook(live_server, body, token)
        assert (response.status_code, response.json()) == (200, {"applied": 0})
    assert Attendance.objects.get(session=session, user=learner).left_at == left_at
    assert CallbackReceipt.objects.filter(provider="plugnmeet").count() == 1


def test_plugnmeet_presence_counts_each_event_and_the_end_once(plugnmeet_site, live_server, learner, tutor):
    """A participant may leave twice (two events, two ids); the room ends once, whatever event id it carries."""
    session = make_session(learner, tutor, provider="plugnmeet")
    Attendance.objects.create(session=session, user=learner, joined_at=session.created, last_seen=session.created)
    first, second = webhook_body(session, event_id="evt-1"), webhook_body(session, event_id="evt-2")
    for body in (first, second):
        assert post_webhook(live_server, body, plugnmeet_site.webhook_token(body)).json() == {"applied": 1}
    ended = [webhook_body(session, event="room_finished", event_id=f"evt-end-{n}") for n in (1, 2)]
    applied = [post_webhook(live_server, body, plugnmeet_site.webhook_token(body)).json() for body in ended]
    assert applied == [{"applied": 1}, {"applied": 0}]
    assert status_of(session) == TutoringSession.Status.COMPLETED
