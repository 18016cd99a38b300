"""The built-in peer-to-peer room in two real browsers: media flows both ways, chat, controls, leave, rejoin.

The learner uses the course unit (workbench), the tutor the direct page, as they would from a reminder
email. WebRTC must stay on loopback, so these tests run inside a private network namespace (see conftest).
"""

import pytest
from django.db.models import F

from sessionroom_xblock.models import Feedback, TutoringSession
from tests.browser.conftest import PHONE, assert_accessible, requires_private_network
from tests.fakes_fixtures import bbb_config

pytest_plugins = ("tests.fakes_fixtures",)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), requires_private_network]

DECODED_FRAMES = """() => {
  const video = document.querySelector('.sr-remote');
  return Boolean(video && video.srcObject && video.getVideoPlaybackQuality().totalVideoFrames > 0);
}"""
REMOTE_FRAMES = "() => document.querySelector('.sr-remote').getVideoPlaybackQuality().totalVideoFrames"
SELF_VIEW_LABEL = "() => document.querySelector('.sr-self').srcObject.getVideoTracks()[0].label"

RECORD_ANNOUNCEMENTS = """() => {
  window.announced = [];
  const live = document.querySelector('.sr-live');
  new MutationObserver(() => window.announced.push(live.textContent)).observe(live, { childList: true });
}"""

#: Chromium's fake-media flags grant every request; this is what a user's "Block" looks like to the page.
DENY_MEDIA = """navigator.mediaDevices.getUserMedia = () =>
  Promise.reject(new DOMException('Permission denied', 'NotAllowedError'));"""


def open_pair(new_page, session, viewport=None):
    """Learner in the course unit, tutor on the direct page, both past the pre-join screen."""
    size = {"viewport": viewport} if viewport else {}
    learner, tutor = new_page(**size), new_page(**size)
    learner.goto(f"/scenario/sessionroom.0/?student=learner&session={session.pk}")
    tutor.goto(f"/sessionroom/session/{session.pk}/?student=tutor")
    for page in (learner, tutor):
        page.get_by_role("button", name="Join Session").click()
    return learner, tutor


def wait_for_media(*pages):
    for page in pages:
        page.wait_for_function(DECODED_FRAMES, timeout=20_000)


def say(sender, receiver, text):
    sender.get_by_label("Message", exact=True).fill(text)
    sender.get_by_role("button", name="Send").click()
    receiver.locator(".sr-chat-log").get_by_text(text).wait_for()
    sender.locator(".sr-chat-log").get_by_text(text).wait_for()


def test_call_connects_chats_and_ends_for_both(new_page, session):
    learner, tutor = open_pair(new_page, session)
    wait_for_media(learner, tutor)

    learner.evaluate(RECORD_ANNOUNCEMENTS)
    say(learner, tutor, "Hello from Ana")
    say(tutor, learner, "Hi Ana, shall we start with exercise 3?")
    # An incoming line is announced through the live region; one's own is not.
    announced = learner.evaluate("() => window.announced")
    assert "Tomás Okafor: Hi Ana, shall we start with exercise 3?" in announced
    assert not any("Hello from Ana" in text for text in announced)

    assert_accessible(learner, "room-desktop")
    assert_accessible(tutor, "room-direct-desktop", context=None)

    tutor.get_by_role("button", name="Leave session").click()
    tutor.get_by_role("dialog").get_by_role("button", name="End session").click()
    for page in (tutor, learner):
        page.get_by_role("heading", name="Session Ended").wait_for()
    session.refresh_from_db()
    assert session.status == TutoringSession.Status.COMPLETED

    learner.locator("label[for$='-4']").click()
    learner.get_by_label("Optional comment").fill("Clear explanations.")
    learner.get_by_role("button", name="Submit").click()
    learner.get_by_text("Thank you for your feedback.").wait_for()
    feedback = Feedback.objects.get(session=session, author=session.learner)
    assert (feedback.rating, feedback.comment) == (4, "Clear explanations.")


def test_controls_toggle_with_accessible_names(new_page, session):
    learner, tutor = open_pair(new_page, session)
    wait_for_media(learner, tutor)

    mute = learner.get_by_role("button", name="Mute microphone")
    mute.click()
    unmute = learner.get_by_role("button", name="Unmute microphone")
    assert unmute.get_attribute("aria-pressed") == "true"
    assert learner.evaluate("() => document.querySelector('.sr-self') !== null")
    unmute.click()
    assert learner.get_by_role("button", name="Mute microphone").get_attribute("aria-pressed") == "false"

    learner.get_by_role("button", name="Turn camera off").click()
    assert learner.get_by_role("button", name="Turn camera on").get_attribute("aria-pressed") == "true"

    settings = learner.get_by_role("button", name="Settings")
    settings.click()
    assert settings.get_attribute("aria-expanded") == "true"
    learner.get_by_role("group", name="Device settings").get_by_label("Camera").wait_for()
    assert learner.locator(".sr-room-camera option").count() >= 1

    chat = learner.get_by_role("button", name="Chat")
    chat.click()
    assert chat.get_attribute("aria-expanded") == "false"
    assert learner.locator(".sr-panel").is_hidden()
    chat.click()
    assert learner.get_by_label("Message", exact=True).evaluate("el => el === document.activeElement")

    # Screen sharing swaps the video being sent (no renegotiation); the tutor keeps receiving frames.
    share = learner.get_by_role("button", name="Share screen")
    share.click()
    learner.wait_for_function("() => document.querySelector('.sr-share').getAttribute('aria-pressed') === 'true'")
    assert learner.evaluate(SELF_VIEW_LABEL).startswith("screen")
    frames = tutor.evaluate(REMOTE_FRAMES)
    tutor.wait_for_function(f"() => ({REMOTE_FRAMES})() > {frames}")
    stop = learner.get_by_role("button", name="Stop sharing screen")  # the toggle says what it does now
    assert stop.locator(".sr-control-label").text_content() == "Stop sharing"
    stop.click()
    assert share.get_attribute("aria-pressed") == "false"
    assert not learner.evaluate(SELF_VIEW_LABEL).startswith("screen")

    for name in ("Picture-in-picture", "Leave session"):
        assert learner.get_by_role("button", name=name).count() == 1


def test_rejoin_after_reload_reconnects(new_page, session):
    learner, tutor = open_pair(new_page, session)
    wait_for_media(learner, tutor)
    learner.reload()  # the page comes back in the room and rejoins; "hello" makes the tutor start over
    wait_for_media(learner, tutor)
    say(tutor, learner, "Welcome back")


def test_notes_and_links_are_shared(new_page, session):
    learner, tutor = open_pair(new_page, session)
    wait_for_media(learner, tutor)

    tutor.get_by_role("textbox", name="Session notes").fill("Homework: exercises 4-6")
    tutor.locator(".sr-notes-status").get_by_text("Saved").wait_for()
    learner.wait_for_function(
        "() => document.querySelector('.sr-notes-input').value === 'Homework: exercises 4-6'", timeout=10_000
    )
    assert TutoringSession.objects.get(pk=session.pk).notes == "Homework: exercises 4-6"

    # The tutor saves again while the learner adds a line at the end: both lines are kept.
    TutoringSession.objects.filter(pk=session.pk).update(
        notes="Homework: exercises 4-6\nBring a calculator", notes_version=F("notes_version") + 1
    )
    notes = learner.get_by_role("textbox", name="Session notes")
    notes.press("End")
    notes.press_sequentially(" (due Friday)")
    merged = "Homework: exercises 4-6\nBring a calculator (due Friday)"
    learner.wait_for_function(f"() => document.querySelector('.sr-notes-input').value === {merged!r}")
    learner.locator(".sr-notes-status").get_by_text("Saved").wait_for()
    assert TutoringSession.objects.get(pk=session.pk).notes == merged

    assert learner.get_by_label("Link title").count() == 0  # only the tutor adds links
    tutor.get_by_label("Link title").fill("Worksheet")
    tutor.get_by_label("Link address").fill("https://example.org/worksheet.pdf")
    tutor.get_by_role("button", name="Add link").click()
    learner.get_by_role("link", name="Worksheet").wait_for(timeout=10_000)

    # The notes stay readable after the session, on the post-session screen.
    tutor.get_by_role("button", name="Leave session").click()
    tutor.get_by_role("dialog").get_by_role("button", name="End session").click()
    learner.locator(".sr-post-notes").get_by_text("Bring a calculator (due Friday)").wait_for(timeout=15_000)
    assert learner.get_by_role("heading", name="Session notes").is_visible()


def test_room_on_a_phone_is_accessible(new_page, session):
    learner, tutor = open_pair(new_page, session, viewport=PHONE)
    wait_for_media(learner, tutor)
    assert_accessible(learner, "room-phone")


# No direct path: relay-only ICE with no TURN server configured can never connect. -------------------

RELAY_ONLY = """(() => {
  const Native = window.RTCPeerConnection;
  window.RTCPeerConnection = function (config) { return new Native({ ...config, iceTransportPolicy: 'relay' }); };
  window.RTCPeerConnection.prototype = Native.prototype;
})();"""


def p2p_settings(**p2p):
    return {"DEFAULT_PROVIDER": "p2p", "PROVIDERS": {"p2p": {"ICE_SERVERS": [], **p2p}}}


def open_unconnectable_pair(new_page, session):
    learner, tutor = new_page(), new_page()
    for page in (learner, tutor):
        page.add_init_script(RELAY_ONLY)
    learner.goto(f"/scenario/sessionroom.0/?student=learner&session={session.pk}")
    tutor.goto(f"/sessionroom/session/{session.pk}/?student=tutor")
    for page in (learner, tutor):
        page.get_by_role("button", name="Join Session").click()
    return learner, tutor


def test_no_direct_path_and_no_fallback_is_unable_to_connect_with_retry(new_page, session, settings):
    settings.SESSIONROOM = {**settings.SESSIONROOM, **p2p_settings(FALLBACK="", CONNECT_TIMEOUT_SECONDS=2)}
    learner, _tutor = open_unconnectable_pair(new_page, session)
    learner.locator(".sr-retry-box").get_by_text("Unable to connect.").wait_for()
    learner.get_by_role("button", name="Retry").wait_for()
    assert learner.locator(".sr-live").text_content() == "Unable to connect."
    assert learner.locator(".sessionroom").get_attribute("data-state") == "technical_issues"
    attendance = session.attendances.get(user=session.learner)
    assert attendance.last_failure_at is not None
    learner.get_by_role("button", name="Retry").click()  # back into the room for another attempt
    learner.wait_for_selector(".sessionroom[data-screen='room']")


def test_no_direct_path_falls_back_to_the_media_server(new_page, session, settings, fake_bbb):
    settings.SESSIONROOM = {
        **settings.SESSIONROOM,
        "DEFAULT_PROVIDER": "p2p",
        "PROVIDERS": {
            "p2p": {"ICE_SERVERS": [], "FALLBACK": "bbb", "CONNECT_TIMEOUT_SECONDS": 2},
            "bbb": bbb_config(fake_bbb),
        },
    }
    learner, tutor = open_unconnectable_pair(new_page, session)
    for page in (learner, tutor):
        frame = page.locator(".sr-provider-frame")
        frame.wait_for(state="visible", timeout=15_000)
        assert frame.get_attribute("src").startswith(fake_bbb.base_url)
        assert page.locator(".sr-p2p-controls").is_hidden()
    session.refresh_from_db()
    assert session.provider == "bbb"


def test_screen_share_is_marked_unavailable_where_the_frame_forbids_it(new_page, session, live_server):
    """
    The Learning MFE's unit frame (cross-origin) allows camera and microphone, not display-capture; a
    same-origin frame needs ``display-capture 'none'`` to be refused the same way.
    """
    page = new_page()
    unit = f"{live_server.url}/mfe-unit"
    room = f"/sessionroom/session/{session.pk}/?student=learner"
    page.route(
        unit,
        lambda route: route.fulfill(
            content_type="text/html",
            body=f'<!DOCTYPE html><html lang="en"><title>Unit</title><iframe title="Unit" src="{room}" '
            'allow="camera; microphone; display-capture \'none\'" width="1200" height="800"></iframe></html>',
        ),
    )
    page.goto(unit)
    frame = page.frame_locator("iframe")
    frame.get_by_role("button", name="Join Session").click()
    share = frame.get_by_role("button", name="Share screen")
    share.wait_for()
    page.wait_for_function(
        "() => document.querySelector('iframe').contentDocument.querySelector('.sr-share')"
        ".getAttribute('aria-disabled') === 'true'"
    )
    assert "new tab" in share.get_attribute("title")
    assert frame.locator(".sr-share-blocked").is_visible()
    share.focus()  # still reachable by keyboard, where its description says why; pressing it does nothing
    assert share.evaluate("button => button === document.activeElement")
    page.keyboard.press("Enter")
    assert share.get_attribute("aria-pressed") == "false"


def test_closing_the_tab_leaves_and_the_other_side_waits(new_page, session):
    learner, tutor = open_pair(new_page, session)
    wait_for_media(learner, tutor)
    learner.close()
    tutor.locator(".sr-waiting").get_by_text("Waiting for Ana García").wait_for(timeout=10_000)
    assert session.attendances.get(user=session.learner).left_at is not None


def test_without_camera_permission_the_learner_still_sees_and_hears_the_tutor(new_page, session):
    learner, tutor = new_page(permissions=()), new_page()
    learner.add_init_script(DENY_MEDIA)
    learner.goto(f"/scenario/sessionroom.0/?student=learner&session={session.pk}")
    tutor.goto(f"/sessionroom/session/{session.pk}/?student=tutor")
    for page in (learner, tutor):
        page.get_by_role("button", name="Join Session").click()
    learner.locator(".sr-call-problem").get_by_text("Please allow camera/microphone access.").wait_for()
    wait_for_media(learner)
    assert learner.locator(".sr-call-problem").is_visible()  # still explained once the call is up
    assert learner.get_by_role("button", name="Mute microphone").is_disabled()
    assert learner.get_by_role("button", name="Turn camera off").is_disabled()
