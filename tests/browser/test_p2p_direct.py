"""A connected p2p call talks browser to browser: chat, notes, media state and hang-up over the data channel.

The server only keeps what must outlive the call (chat lines in batches, the notes) and presence, so a
connected minute costs a handful of requests; signaling that fails ends in "Unable to connect." with
Retry instead of an endless black video (issue 10, item 14). Runs under ``unshare -n`` (see conftest).
"""

import pytest

from sessionroom_xblock.models import ChatMessage, TutoringSession
from tests.browser.conftest import requires_private_network
from tests.browser.test_p2p_call import open_pair, p2p_settings, say, wait_for_media
from tests.fakes_fixtures import bbb_config

pytest_plugins = ("tests.fakes_fixtures",)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), requires_private_network]

#: Requests that only the server can answer while polling: none of them may be needed once connected.
POLLS = ("signal_poll", "chat_poll")

RECORD_PEER_MEDIA = """() => {
  window.peerMedia = [];
  const root = document.querySelector('.sessionroom');
  root.addEventListener('sessionroom:peer-media', (event) => window.peerMedia.push(event.detail));
}"""
REMOTE_TILE = """() => {
  const tile = document.querySelector('.sr-remote').parentElement;
  return [tile.dataset.remoteAudio, tile.dataset.remoteVideo];
}"""


def is_poll(url: str) -> bool:
    return any(name in url for name in POLLS)


def block_polls(*pages):
    """From now on these pages cannot poll the server: whatever still arrives came over the data channel."""
    for page in pages:
        page.route(is_poll, lambda route: route.abort())


def wait_until_direct(*pages):
    """Wait until both pages have stopped polling (the channel is open) by seeing a quiet second."""
    seen = []
    for page in pages:
        page.on("request", lambda request: seen.append(request.url) if is_poll(request.url) else None)
    for _ in range(30):
        seen.clear()
        pages[0].wait_for_timeout(1600)  # the panel's catch-up poll comes 1.5 s after the channel opens
        if not seen:
            return
    raise AssertionError(f"still polling: {seen[-3:]}")


def test_chat_notes_and_media_state_go_direct_and_survive_a_reload_of_either_side(new_page, session):
    learner, tutor = open_pair(new_page, session)
    wait_for_media(learner, tutor)
    wait_until_direct(learner, tutor)
    tutor.evaluate(RECORD_PEER_MEDIA)
    block_polls(learner, tutor)

    say(learner, tutor, "Hello over the channel")
    say(tutor, learner, "Got it directly")
    tutor.get_by_role("textbox", name="Session notes").fill("Homework: exercises 4-6")
    learner.wait_for_function("() => document.querySelector('.sr-notes-input').value === 'Homework: exercises 4-6'")

    learner.get_by_role("button", name="Mute microphone").click()
    tutor.wait_for_function(f"() => ({REMOTE_TILE})().join() === 'off,on'")
    assert tutor.evaluate("() => window.peerMedia.at(-1)") == {"audio": False, "video": True}
    learner.get_by_role("button", name="Turn camera off").click()
    tutor.wait_for_function(f"() => ({REMOTE_TILE})().join() === 'off,off'")

    # Reloading right away: the lines still waiting for their batch are stored as the page goes.
    for page in (learner, tutor):
        page.unroute(is_poll)
    learner.reload()
    wait_for_media(learner, tutor)
    for text in ("Hello over the channel", "Got it directly"):
        learner.locator(".sr-chat-log").get_by_text(text).wait_for()
    learner.wait_for_function("() => document.querySelector('.sr-notes-input').value === 'Homework: exercises 4-6'")

    tutor.reload()
    wait_for_media(learner, tutor)
    assert tutor.locator(".sr-chat-log li").all_text_contents() == [
        "Ana García Hello over the channel",
        "You Got it directly",
    ]
    tutor.wait_for_function("() => document.querySelector('.sr-notes-input').value === 'Homework: exercises 4-6'")
    # Every line once, whatever was retried or seen both ways.
    assert list(ChatMessage.objects.filter(session=session).order_by("id").values_list("text", flat=True)) == [
        "Hello over the channel",
        "Got it directly",
    ]
    assert TutoringSession.objects.get(pk=session.pk).notes == "Homework: exercises 4-6"


def run_a_minute(*pages, bodies=None) -> list[str]:
    """The names of the requests our pages make in one minute of their (fake, installed) clocks."""
    requests = []
    for page in pages:
        page.on("request", lambda request: requests.append(request.url))
        if bodies is not None:
            page.on("request", lambda request: bodies.append(request.post_data_json))
        page.clock.pause_at(page.evaluate("() => Date.now()") + 10)
    for _second in range(60):
        for page in pages:
            page.clock.run_for(1000)
        pages[0].wait_for_timeout(60)  # let answers arrive, so what they schedule runs on the fake clock
    origin = pages[0].url.split("/sessionroom/")[0].split("/scenario/")[0]
    return [url.split("?")[0].rstrip("/").rsplit("/", 1)[-1] for url in requests if url.startswith(origin)]


def test_a_connected_minute_costs_at_most_six_requests(new_page, session):
    """Both participants together, counted on a fake clock run a minute ahead once the call is connected."""
    learner, tutor = new_page(), new_page()
    for page in (learner, tutor):
        page.clock.install()
    learner.goto(f"/scenario/sessionroom.0/?student=learner&session={session.pk}")
    tutor.goto(f"/sessionroom/session/{session.pk}/?student=tutor")
    for page in (learner, tutor):
        page.get_by_role("button", name="Join Session").click()
    wait_for_media(learner, tutor)
    wait_until_direct(learner, tutor)

    bodies = []
    names = run_a_minute(learner, tutor, bodies=bodies)
    assert len(names) <= 6, names
    assert all(body["connected"] is True for body in bodies), bodies  # the server may let presence rest
    assert set(names) == {"heartbeat"}, names  # presence only: no polling while the peers talk directly


def test_a_minute_in_a_provider_room_polls_slowly(new_page, session, settings, fake_bbb):
    """BBB's webhooks tell presence: a heartbeat every 30 s; the side panel's poll backs off to 10 s."""
    settings.SESSIONROOM = {
        **settings.SESSIONROOM,
        "DEFAULT_PROVIDER": "bbb",
        "PROVIDERS": {"bbb": bbb_config(fake_bbb)},
    }
    learner = new_page()
    learner.clock.install()
    learner.goto(f"/scenario/sessionroom.0/?student=learner&session={session.pk}")
    learner.get_by_role("button", name="Join Session").click()
    learner.locator(".sr-provider-frame").wait_for(state="visible")
    learner.wait_for_timeout(3000)  # the panel's history and first polls

    names = run_a_minute(learner)
    assert names.count("heartbeat") <= 3, names  # 2, or 3 when one falls on each end of the minute
    assert names.count("chat_poll") <= 7, names
    assert set(names) <= {"heartbeat", "chat_poll"}, names


def test_chat_keeps_working_while_the_network_is_down_and_is_stored_after(new_page, session):
    learner, tutor = open_pair(new_page, session)
    wait_for_media(learner, tutor)
    wait_until_direct(learner, tutor)

    learner.context.set_offline(True)  # the LMS is unreachable; media and the data channel stay up
    say(learner, tutor, "Can you still read me?")
    say(tutor, learner, "Yes, loud and clear")
    learner.wait_for_timeout(1000)
    learner.context.set_offline(False)

    def stored():
        return list(ChatMessage.objects.filter(session=session).order_by("id").values_list("text", flat=True))

    for _ in range(40):
        if len(stored()) == 2:
            break
        learner.wait_for_timeout(500)
    assert sorted(stored()) == ["Can you still read me?", "Yes, loud and clear"]
    say(tutor, learner, "Still connected")


SIGNALING = "signal_"


@pytest.mark.parametrize("failure", ["network", 500])
def test_signaling_that_fails_is_unable_to_connect_and_retry_recovers(new_page, session, settings, failure):
    """Issue 10, item 14: no longer "In progress" forever with a black video."""
    settings.SESSIONROOM = {**settings.SESSIONROOM, **p2p_settings(CONNECT_TIMEOUT_SECONDS=60)}
    learner, tutor = new_page(), new_page()

    def refuse(route):
        if failure == "network":
            route.abort()
        else:
            route.fulfill(status=failure, content_type="application/json", body="{}")

    learner.route(lambda url: SIGNALING in url, refuse)
    learner.goto(f"/scenario/sessionroom.0/?student=learner&session={session.pk}")
    tutor.goto(f"/sessionroom/session/{session.pk}/?student=tutor")
    for page in (learner, tutor):
        page.get_by_role("button", name="Join Session").click()

    learner.locator(".sr-retry-box").get_by_text("Unable to connect.").wait_for(timeout=20_000)
    assert learner.locator(".sr-live").text_content() == "Unable to connect."
    assert learner.locator(".sessionroom").get_attribute("data-state") == "technical_issues"
    assert session.attendances.get(user=session.learner).last_failure_at is not None

    learner.unroute_all()
    learner.get_by_role("button", name="Retry").click()
    wait_for_media(learner, tutor)
    say(learner, tutor, "Back again")


def test_after_the_other_closes_the_tab_waiting_is_not_a_failure(new_page, session, settings):
    """The connect timer that presence starts stops once they are gone: no "Unable to connect." later."""
    settings.SESSIONROOM = {**settings.SESSIONROOM, **p2p_settings(CONNECT_TIMEOUT_SECONDS=2)}
    learner, tutor = open_pair(new_page, session)
    wait_for_media(learner, tutor)
    learner.close()
    tutor.locator(".sr-waiting").get_by_text("Waiting for Ana García").wait_for(timeout=10_000)
    tutor.wait_for_timeout(4000)  # twice the connect timeout
    assert tutor.locator(".sessionroom").get_attribute("data-state") == "waiting"
    assert tutor.locator(".sr-retry-box").is_hidden()


def test_the_preview_toggles_carry_into_the_call(new_page, session):
    """Muted and camera off on the pre-join preview: the call starts that way, and the other side sees it."""
    learner, tutor = new_page(), new_page()
    learner.goto(f"/scenario/sessionroom.0/?student=learner&session={session.pk}")
    tutor.goto(f"/sessionroom/session/{session.pk}/?student=tutor")
    learner.wait_for_function("() => { const v = document.querySelector('.sr-preview'); return v && v.videoWidth; }")
    learner.locator(".sr-preview-mute").click()
    learner.locator(".sr-preview-camera").click()
    for page in (learner, tutor):
        page.get_by_role("button", name="Join Session").click()
    tutor.wait_for_function("() => { const v = document.querySelector('.sr-remote'); return v && v.videoWidth > 0; }")
    assert learner.locator(".sr-room .sr-mute").get_attribute("aria-pressed") == "true"
    assert learner.locator(".sr-room .sr-camera").get_attribute("aria-pressed") == "true"
    tile = tutor.locator(".sr-remote-tile")
    tutor.wait_for_function(
        "() => { const t = document.querySelector('.sr-remote-tile');"
        " return t && t.dataset.remoteAudio === 'off' && t.dataset.remoteVideo === 'off'; }"
    )
    assert (tile.get_attribute("data-remote-audio"), tile.get_attribute("data-remote-video")) == ("off", "off")


def test_the_self_view_is_a_corner_tile_inside_the_stage(new_page, session):
    """At desktop size the self-view is a visible tile in the stage's corner, not pushed out below it."""
    learner, tutor = open_pair(new_page, session)
    wait_for_media(learner, tutor)
    stage = learner.locator(".sr-stage").bounding_box()
    tile = learner.locator(".sr-self-tile").bounding_box()
    assert tile["height"] > 80 and tile["width"] < stage["width"] / 2
    assert stage["x"] <= tile["x"] and tile["x"] + tile["width"] <= stage["x"] + stage["width"]
    assert stage["y"] <= tile["y"] and tile["y"] + tile["height"] <= stage["y"] + stage["height"]
