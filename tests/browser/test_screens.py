"""
The screens around the call in real Chromium: device check, permission denied, Early countdown, No Show,
a provider frame that never loads (Technical Issues → Retry), BBB's logout inside the frame, live states
without reload, leaving by closing the tab, the rating by keyboard, recording access, nested frames.

Each screen is checked with axe-core at desktop and 390×844 and screenshotted under artifacts/screens/.

Permission denied needs a browser that really refuses: Chromium's ``--use-fake-ui-for-media-stream``
(the suite's default) accepts every prompt whatever the context's permissions say, so ``denying_browser``
launches Chromium without it; headless Chromium then dismisses the prompt and getUserMedia rejects with
NotAllowedError. Our code is never mocked.
"""

from __future__ import annotations

import re
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from sessionroom_xblock.models import Attendance, Feedback, Recording
from tests.browser.conftest import DESKTOP, MIC_HEARD, PHONE, assert_accessible
from tests.factories import make_session

pytest_plugins = ("tests.fakes_fixtures",)
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

VIEWPORTS = [pytest.param(DESKTOP, "desktop", id="desktop"), pytest.param(PHONE, "phone", id="phone")]


def workbench(session, username="learner") -> str:
    return f"/scenario/sessionroom.0/?student={username}&session={session.pk}"


def attendance(session, user) -> Attendance | None:
    return Attendance.objects.filter(session=session, user=user).first()


def leave(page) -> None:
    """Leave before the test ends: a leave sent on close could reach the next test's fresh database."""
    page.get_by_role("button", name="Leave session").click()
    expect(page.locator(".sr-post")).to_be_visible()


@pytest.fixture
def bbb_settings(settings, fake_bbb):
    """The fake BBB as a configured provider, with a 2 s frame timeout."""
    from tests.fakes_fixtures import bbb_config  # noqa: PLC0415

    settings.SESSIONROOM = {
        **settings.SESSIONROOM,
        "PROVIDERS": {**settings.SESSIONROOM["PROVIDERS"], "bbb": bbb_config(fake_bbb)},
        "FRAME_TIMEOUT_SECONDS": 2,
    }
    return fake_bbb


# Device check ------------------------------------------------------------------------------------------


def test_device_check_with_fake_devices(new_page, session):
    page = new_page()
    page.goto(workbench(session))
    page.wait_for_function(
        "() => { const v = document.querySelector('.sr-preview');"
        " return v && v.readyState >= 2 && !v.paused && v.videoWidth > 0 && v.currentTime > 0.2; }"
    )
    meter = page.get_by_role("meter", name="Microphone level")
    page.wait_for_function(MIC_HEARD)
    assert int(meter.get_attribute("aria-valuenow")) > 0
    camera = page.get_by_role("combobox", name="Camera")
    microphone = page.get_by_role("combobox", name="Microphone")
    expect(camera).to_be_enabled()
    assert camera.locator("option").count() >= 1
    assert microphone.locator("option").first.text_content()  # real labels once access is granted
    expect(page.locator(".sr-media-error")).to_be_hidden()
    choice = microphone.locator("option").last.get_attribute("value")
    microphone.select_option(choice)
    assert page.evaluate("localStorage.getItem('sessionroom.microphone')") == choice
    page.wait_for_function("() => document.querySelector('.sr-preview').srcObject !== null")
    page.get_by_role("button", name="Play test sound").click()
    expect(page.locator(".sr-live")).to_have_text("Playing a test sound.")
    page.get_by_role("button", name="Test Audio/Video").click()
    page.wait_for_function(
        "() => { const v = document.querySelector('.sr-preview'); return v.srcObject && !v.paused; }"
    )
    page.get_by_role("button", name="Join Session").click()
    expect(page.get_by_role("button", name="Leave session")).to_be_visible()
    # The camera is released for the room (the p2p call or the provider's frame opens its own).
    page.wait_for_function("() => document.querySelector('.sr-preview').srcObject === null")
    leave(page)


@pytest.mark.parametrize("viewport,suffix", VIEWPORTS)
def test_permission_denied_shows_the_message_and_joins_listen_only(
    denying_browser, live_server, session, viewport, suffix
):
    context = denying_browser.new_context(viewport=viewport, base_url=live_server.url)
    try:
        page = context.new_page()
        page.goto(workbench(session))
        expect(page.get_by_text("Please allow camera/microphone access.")).to_be_visible()
        expect(page.get_by_text("You can still join and listen.")).to_be_visible()
        assert page.locator(".sessionroom").get_attribute("data-media") == "denied"
        assert_accessible(page, f"prejoin-permission-denied-{suffix}")
        join = page.get_by_role("button", name="Join Session")
        expect(join).to_be_enabled()
        join.click()
        expect(page.get_by_role("button", name="Leave session")).to_be_visible()
        assert attendance(session, session.learner).joined_at is not None
        leave(page)
    finally:
        context.close()


def test_without_a_camera_the_microphone_still_works(cameraless_browser, live_server, session):
    context = cameraless_browser.new_context(viewport=DESKTOP, base_url=live_server.url)
    try:
        page = context.new_page()
        page.goto(workbench(session))
        expect(page.get_by_text("No camera was found: you will be heard but not seen.")).to_be_visible()
        expect(page.get_by_text("You can still join and listen.")).to_be_hidden()
        page.wait_for_function(MIC_HEARD)
        assert page.locator(".sessionroom").get_attribute("data-media") == "no-camera"
        expect(page.get_by_role("button", name="Join Session")).to_be_enabled()
    finally:
        context.close()


WALK = """() => {
  const el = document.activeElement;
  const style = getComputedStyle(el.matches('input[type=radio]') ? el.nextElementSibling : el);
  return {inside: !!el.closest('.sessionroom'), name: el.getAttribute('aria-label') || el.labels?.[0]?.innerText
          || el.innerText, outline: style.outlineStyle, width: parseFloat(style.outlineWidth)};
}"""


def keyboard_walk(page, stops=40) -> dict[str, dict]:
    """Tab through the page; every stop inside the block, by accessible name, with its focus outline."""
    seen = {}
    page.locator("body").focus()
    for _ in range(stops):
        page.keyboard.press("Tab")
        stop = page.evaluate(WALK)
        if stop["inside"]:
            seen[" ".join(stop["name"].split())] = stop
    return seen


def test_every_prejoin_control_is_reachable_by_keyboard_with_a_visible_focus(new_page, session):
    page = new_page()
    page.goto(workbench(session))
    page.wait_for_function("() => document.querySelector('.sr-preview').srcObject !== null")
    seen = keyboard_walk(page)
    for name in (
        "Join Session",
        "Reschedule",
        "Camera",
        "Microphone",
        "Speaker",
        "Test Audio/Video",
        "Play test sound",
    ):
        assert any(key.startswith(name) for key in seen), (name, list(seen))  # a select's label includes options
    for name, stop in seen.items():
        assert stop["outline"] == "solid" and stop["width"] >= 2, name


# Early, No Show --------------------------------------------------------------------------------------


@pytest.mark.parametrize("viewport,suffix", VIEWPORTS)
def test_early_countdown(new_page, learner, tutor, viewport, suffix):
    session = make_session(learner, tutor, start=timezone.now() + timedelta(hours=1))
    page = new_page(viewport=viewport)
    page.goto(workbench(session))
    countdown = page.locator(".sr-countdown")
    expect(countdown).to_be_visible()
    expect(countdown).to_have_text(re.compile(r"^Join opens in 4[56] min$"))  # words, not "44:59"
    expect(page.get_by_role("button", name="Join Session")).to_be_disabled()
    expect(page.locator(".sr-status-label")).to_have_text("Early")
    # An hour early the camera stays off until the user asks for the check.
    assert page.evaluate("document.querySelector('.sr-preview').srcObject") is None
    page.get_by_role("button", name="Test Audio/Video").click()
    page.wait_for_function(
        "() => { const v = document.querySelector('.sr-preview'); return v.srcObject && !v.paused; }"
    )
    assert_accessible(page, f"early-{suffix}")


def test_join_opens_when_the_countdown_ends_without_reload(new_page, learner, tutor):
    session = make_session(learner, tutor, start=timezone.now() + timedelta(minutes=15, seconds=4))
    page = new_page()
    page.goto(workbench(session))
    join = page.get_by_role("button", name="Join Session")
    expect(join).to_be_disabled()
    expect(page.locator(".sr-countdown-value")).to_have_text(re.compile(r"^Join opens in [0-4] seconds?$"))
    expect(join).to_be_enabled(timeout=10_000)
    expect(page.locator(".sr-countdown")).to_be_hidden()
    expect(page.locator(".sr-status-label")).to_have_text("Joinable")


@pytest.mark.parametrize("viewport,suffix", VIEWPORTS)
def test_no_show(new_page, learner, tutor, viewport, suffix):
    session = make_session(learner, tutor, start=timezone.now() - timedelta(minutes=20))
    page = new_page(viewport=viewport)
    page.goto(workbench(session))
    page.get_by_role("button", name="Join Session").click()
    expect(page.get_by_text("Tomás Okafor did not join this session.")).to_be_visible()
    expect(page.locator(".sr-status-label")).to_have_text("No Show")
    expect(page.locator(".sr-live")).to_have_text("No Show")
    # Not "Session Ended", and nothing to rate: a way to find another time instead.
    expect(page.get_by_role("heading", name="No Show", level=2)).to_be_visible()
    expect(page.get_by_role("heading", name="Session Ended")).to_have_count(0)
    expect(page.get_by_role("group", name="Rating: 1-5 stars")).to_have_count(0)
    expect(page.get_by_role("button", name="Submit")).to_have_count(0)
    expect(page.get_by_role("button", name="Reschedule")).to_be_visible()
    expect(page.get_by_role("button", name="Book Next Session")).to_be_visible()
    expect(page.get_by_role("link", name="Back to Dashboard")).to_be_visible()
    assert_accessible(page, f"no-show-{suffix}")


# Provider frame --------------------------------------------------------------------------------------


@pytest.mark.parametrize("viewport,suffix", VIEWPORTS)
def test_frame_that_never_loads_then_retry(new_page, bbb_settings, learner, tutor, viewport, suffix):
    fake = bbb_settings
    fake.client_hangs = True
    session = make_session(learner, tutor, provider="bbb")
    page = new_page(viewport=viewport)
    page.goto(workbench(session))
    page.get_by_role("button", name="Join Session").click()
    frame = page.locator(".sr-provider-frame")
    expect(frame).to_be_visible()
    assert frame.get_attribute("allow") == "camera; microphone; display-capture; fullscreen; autoplay"
    expect(page.get_by_text("Unable to connect.")).to_be_visible(timeout=8000)
    expect(page.locator(".sr-status-label")).to_have_text("Technical Issues")
    expect(frame).to_be_hidden()
    assert attendance(session, learner).last_failure_at is not None
    assert_accessible(page, f"technical-issues-{suffix}")

    fake.client_hangs = False
    page.get_by_role("button", name="Retry").click()
    room = page.frame_locator(".sr-provider-frame")
    expect(room.locator("#status")).to_contain_text("In the meeting as Ana García")
    expect(page.locator(".sr-status-label")).to_have_text("Waiting")
    page.wait_for_timeout(2500)  # past the frame timeout: a loaded room stays
    expect(page.locator(".sr-provider-frame")).to_be_visible()
    assert_accessible(page, f"room-iframe-{suffix}")
    leave(page)


@pytest.mark.parametrize("viewport,suffix", VIEWPORTS)
def test_provider_down_is_technical_issues_with_try_again(new_page, bbb_settings, learner, tutor, viewport, suffix):
    bbb_settings.down = True
    session = make_session(learner, tutor, provider="bbb")
    page = new_page(viewport=viewport)
    page.goto(workbench(session))
    page.get_by_role("button", name="Join Session").click()
    # The spec's message, under a header that agrees with it (not "Joinable" next to an error).
    expect(page.locator(".sr-retry-message")).to_have_text("Video service unavailable. Try again.", timeout=10_000)
    expect(page.locator(".sr-status-label")).to_have_text("Technical Issues")
    expect(page.get_by_role("button", name="Join Session")).to_be_hidden()
    expect(page.locator(".sr-alert")).to_be_hidden()
    row = attendance(session, learner)
    assert row.joined_at is None and row.last_failure_at is not None  # not joined; the failure is remembered
    assert_accessible(page, f"technical-issues-provider-{suffix}")
    bbb_settings.down = False
    page.get_by_role("button", name="Try again").click()
    expect(page.frame_locator(".sr-provider-frame").locator("#status")).to_contain_text("In the meeting")
    expect(page.locator(".sr-status-label")).to_have_text("Waiting")
    leave(page)


def test_bbb_logout_inside_the_frame_leaves_the_room(new_page, bbb_settings, session, learner):
    session.provider = "bbb"
    session.save()
    page = new_page()
    page.goto(workbench(session))
    page.get_by_role("button", name="Join Session").click()
    room = page.frame_locator(".sr-provider-frame")
    room.locator("#leave").click()  # BBB's own Leave: the frame goes to logoutURL, our page with ?left=1
    expect(page.get_by_role("heading", name="You left the session.")).to_be_visible()
    expect(page.locator(".sr-provider-frame")).to_be_hidden()
    assert attendance(session, learner).left_at is not None
    assert_accessible(page, "post-left-desktop")
    page.get_by_role("button", name="Rejoin").click()
    expect(room.locator("#status")).to_contain_text("In the meeting")
    leave(page)


def test_bbb_join_error_redirect_inside_the_frame_is_a_technical_issue(new_page, bbb_settings, session, learner):
    """BBB sends a refused join to logoutURL with ``errors=``; our page in the frame reports a failure."""
    session.provider = "bbb"
    session.save()
    page = new_page()
    page.goto(workbench(session))
    page.get_by_role("button", name="Join Session").click()
    expect(page.frame_locator(".sr-provider-frame").locator("#status")).to_contain_text("In the meeting")
    frame = page.locator(".sr-provider-frame").content_frame
    errors = '[{"key":"notFound","message":"We could not find a meeting with that meeting ID"}]'
    frame.locator("body").evaluate(
        "(body, url) => { location.href = url; }",
        f"{page.url.split('/scenario')[0]}/sessionroom/session/{session.pk}/?left=1&errors={errors}",
    )
    expect(page.locator(".sr-status-label")).to_have_text("Technical Issues")
    expect(page.get_by_role("button", name="Retry")).to_be_visible()
    assert attendance(session, learner).last_failure_at is not None


@pytest.fixture
def plugnmeet_settings(settings):
    """The fake plugNmeet as a configured provider."""
    from fakes.plugnmeet import FakePlugNmeet  # noqa: PLC0415
    from tests.plugnmeet_fixtures import API_KEY, API_SECRET, provider_config  # noqa: PLC0415

    fake = FakePlugNmeet(API_KEY, API_SECRET)
    url = fake.start()
    settings.SESSIONROOM = {
        **settings.SESSIONROOM,
        "PROVIDERS": {**settings.SESSIONROOM["PROVIDERS"], "plugnmeet": provider_config(url)},
    }
    yield fake
    fake.stop()


def test_plugnmeet_room_in_the_frame_and_its_leave(new_page, plugnmeet_settings, learner, tutor):
    session = make_session(learner, tutor, provider="plugnmeet")
    page = new_page()
    page.goto(workbench(session))
    page.get_by_role("button", name="Join Session").click()
    room = page.frame_locator(".sr-provider-frame")
    expect(room.locator("#user")).to_contain_text("You are Ana García")
    room.locator("#leave").click()  # the client goes to the room's logout_url: our page, which tells us
    expect(page.get_by_role("heading", name="You left the session.")).to_be_visible()
    assert attendance(session, learner).left_at is not None


# Live states, leaving ------------------------------------------------------------------------------


# Every text the live region speaks, in order: the state ("In Progress") and the call ("Connected") share it.
RECORD_ANNOUNCEMENTS = """() => {
  window.announced = [];
  const live = document.querySelector('.sr-live');
  const record = () => window.announced.push(live.textContent);
  new MutationObserver(record).observe(live, {childList: true, characterData: true, subtree: true});
}"""


def test_live_states_without_reload(new_page, fast_polls, session):
    learner_page = new_page()
    learner_page.goto(workbench(session))
    learner_page.evaluate(RECORD_ANNOUNCEMENTS)
    learner_page.get_by_role("button", name="Join Session").click()
    expect(learner_page.get_by_text("Waiting for Tomás Okafor…").first).to_be_visible()
    expect(learner_page.locator(".sr-live")).to_have_text("Waiting for Tomás Okafor…")

    tutor_page = new_page()
    tutor_page.goto(workbench(session, "tutor"))
    tutor_page.get_by_role("button", name="Join Session").click()
    expect(tutor_page.locator(".sr-status-label")).to_have_text("In Progress")
    expect(learner_page.locator(".sr-status-label")).to_have_text("In Progress")  # by heartbeat, no reload
    learner_page.wait_for_function("() => window.announced.includes('In Progress')", timeout=5_000)
    expect(learner_page.locator(".sr-elapsed")).not_to_have_text("0:00")
    assert_accessible(learner_page, "room-p2p-desktop")

    tutor_page.get_by_role("button", name="Leave session").click()
    tutor_page.get_by_role("dialog").get_by_role("button", name="End session").click()
    for page in (tutor_page, learner_page):
        expect(page.get_by_role("heading", name="Session Ended")).to_be_visible()


def test_closing_the_tab_records_the_leave(new_page, session, learner):
    page = new_page()
    page.goto(workbench(session))
    page.get_by_role("button", name="Join Session").click()
    expect(page.get_by_role("button", name="Leave session")).to_be_visible()
    assert attendance(session, learner).left_at is None
    page.goto("about:blank")  # pagehide: the keepalive leave (with the CSRF header) goes out
    for _ in range(50):
        row = attendance(session, learner)
        if row.left_at is not None:
            break
        page.wait_for_timeout(100)
    assert row.left_at is not None


def test_direct_page_leave_on_close_and_join_link(new_page, session, learner):
    page = new_page()
    page.goto(f"/sessionroom/session/{session.pk}/?student=learner&join=1")
    expect(page.get_by_role("button", name="Leave session")).to_be_visible()  # entered without a click
    assert "join=1" not in page.url
    joined_at = attendance(session, learner).joined_at
    assert joined_at is not None
    page.goto("about:blank")
    for _ in range(50):
        if attendance(session, learner).left_at is not None:
            break
        page.wait_for_timeout(100)
    assert attendance(session, learner).left_at is not None
    page.goto(f"/sessionroom/session/{session.pk}/?join=1")
    expect(page.get_by_role("button", name="Leave session")).to_be_visible()
    assert attendance(session, learner).joined_at == joined_at  # the same attendance, not a second join
    leave(page)


# Post-session ----------------------------------------------------------------------------------------


def ended_session(learner, tutor, **fields):
    start = timezone.now() - timedelta(minutes=40)
    session = make_session(
        learner, tutor, start=start, status="completed", ended_at=start + timedelta(minutes=30), **fields
    )
    Attendance.objects.create(session=session, user=learner, joined_at=start, last_seen=start, left_at=start)
    return session


@pytest.mark.parametrize("viewport,suffix", VIEWPORTS)
def test_rating_by_keyboard(new_page, learner, tutor, viewport, suffix):
    session = ended_session(learner, tutor)
    page = new_page(viewport=viewport)
    page.goto(workbench(session))
    expect(page.get_by_role("heading", name="Session Ended")).to_be_visible()
    page.get_by_role("button", name="Submit").click()
    result = page.locator(".sr-feedback-result")
    expect(result).to_have_text("Choose a rating from 1 to 5 stars.")  # the server's 400, shown
    assert "sr-error" in result.get_attribute("class")

    page.get_by_role("heading", name="Session Ended").focus()
    page.keyboard.press("Tab")  # into the radio group, on its first star
    assert page.evaluate("[document.activeElement.name, document.activeElement.value]") == ["rating", "1"]
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    assert page.evaluate("document.activeElement.value") == "4"
    outline = page.evaluate("getComputedStyle(document.querySelector('input[name=rating]:focus + label')).outlineStyle")
    assert outline == "solid"  # visible focus on the star
    page.keyboard.press("Tab")
    page.keyboard.type("Clear explanations, thanks!")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    expect(result).to_have_text("Thank you for your feedback.")
    feedback = Feedback.objects.get(session=session, author=learner)
    assert (feedback.rating, feedback.comment) == (4, "Clear explanations, thanks!")
    assert_accessible(page, f"post-session-{suffix}")


def test_recording_link_appears_without_reload(new_page, fast_polls, learner, tutor):
    session = ended_session(learner, tutor, recording_enabled=True)
    page = new_page()
    page.goto(workbench(session))
    expect(page.get_by_text("Recording will be available shortly")).to_be_visible()
    Recording.objects.create(
        session=session,
        provider_recording_id="rec-1",
        state=Recording.State.READY,
        playback_url="https://media.example.org/rec-1",
    )
    link = page.get_by_role("link", name="Watch the recording")
    expect(link).to_be_visible(timeout=8000)
    assert link.get_attribute("href") == "https://media.example.org/rec-1"
    expect(page.get_by_text("Recording will be available shortly")).to_be_hidden()


def test_reschedule_request_without_booking_page(new_page, session, mailoutbox):
    page = new_page()
    page.goto(workbench(session))
    page.get_by_role("button", name="Reschedule").click()
    expect(page.get_by_text("Your request was sent.")).to_be_visible()
    assert mailoutbox[0].to == ["tutor@example.org"]


# Nested frames ---------------------------------------------------------------------------------------


@pytest.fixture
def unit_page(live_server, settings):
    """
    A course unit on another origin of the same site (another port), framing our direct page the way the
    Learning MFE frames units: camera and microphone allowed, display-capture not. A real server, because
    Chromium's Private Network Access blocks a Playwright-fulfilled page from framing a loopback address.
    Our pages name who may frame them (CSP frame-ancestors): this origin is added as an operator would.
    """
    pages = {}

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format, *args):
            """Quiet."""

        def do_GET(self):
            body = pages.get(self.path, "").encode()
            self.send_response(200 if body else 404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    host = urlsplit(live_server.url).hostname
    unit_origin = f"http://{host}:{server.server_address[1]}"
    settings.SESSIONROOM = {**settings.SESSIONROOM, "FRAME_ANCESTORS": ["'self'", unit_origin]}

    def frame(path: str) -> str:
        pages["/unit"] = (
            '<!doctype html><html lang="en"><title>Unit</title><iframe title="Unit" allow="camera; microphone"'
            f' src="{live_server.url}{path}" style="width:1200px;height:800px"></iframe></html>'
        )
        return f"{unit_origin}/unit"

    yield frame
    server.shutdown()
    server.server_close()


def test_open_in_a_new_tab_from_a_unit_frame_carries_the_user_into_the_same_room(new_page, unit_page, session, learner):
    page = new_page()
    page.goto(unit_page(f"/sessionroom/session/{session.pk}/?student=learner"))
    unit = page.frame_locator("iframe")
    expect(unit.get_by_text("Screen sharing is not available inside this page.")).to_be_visible()
    link = unit.get_by_role("link", name="Open in a new tab")
    assert link.get_attribute("href") == f"/sessionroom/session/{session.pk}/"
    assert link.get_attribute("target") == "_blank"

    unit.get_by_role("button", name="Join Session").click()
    expect(unit.get_by_role("button", name="Leave session")).to_be_visible()
    joined_at = attendance(session, learner).joined_at
    assert link.get_attribute("href") == f"/sessionroom/session/{session.pk}/?join=1"
    with page.context.expect_page() as opened:
        link.click()
    tab = opened.value
    expect(tab.get_by_role("button", name="Leave session")).to_be_visible()  # in the room, no click
    expect(unit.get_by_text("The session continues in the other tab.")).to_be_visible()
    expect(unit.get_by_role("button", name="Leave session")).to_be_hidden()
    row = attendance(session, learner)
    assert row.joined_at == joined_at and row.left_at is None  # the same attendance; the frame did not leave
    leave(tab)


# Mobile --------------------------------------------------------------------------------------------


def box(page, selector):
    return page.locator(selector).bounding_box()


def test_phone_room_fills_the_screen_and_controls_hide_when_idle(new_page, session):
    page = new_page(viewport=PHONE)
    page.goto(workbench(session))
    page.get_by_role("button", name="Join Session").click()
    leave_button = page.get_by_role("button", name="Leave session")
    expect(leave_button).to_be_visible()
    room = box(page, ".sessionroom")
    assert (room["x"], room["y"], room["width"], room["height"]) == (0, 0, PHONE["width"], PHONE["height"])
    remote, own = box(page, ".sr-remote"), box(page, ".sr-self")
    assert own["y"] >= remote["y"] + remote["height"] - 1 and own["width"] == remote["width"]  # portrait: stacked
    assert_accessible(page, "room-p2p-phone")

    controls = page.locator(".sr-controls")
    expect(page.locator(".sessionroom")).to_have_class(re.compile(r"\bsr-idle\b"), timeout=7000)
    page.wait_for_timeout(400)  # the slide-out transition
    assert box(page, ".sr-controls")["y"] >= PHONE["height"] - 1  # moved off screen
    page.mouse.click(PHONE["width"] / 2, PHONE["height"] / 3)  # a tap on the video brings them back
    expect(page.locator(".sessionroom")).not_to_have_class(re.compile(r"\bsr-idle\b"))
    expect(controls).to_be_in_viewport()

    expect(page.locator(".sessionroom")).to_have_class(re.compile(r"\bsr-idle\b"), timeout=7000)
    leave_button.focus()  # a keyboard user tabbing in brings them back, and they stay while focused
    expect(page.locator(".sessionroom")).not_to_have_class(re.compile(r"\bsr-idle\b"))
    page.wait_for_timeout(4500)
    expect(page.locator(".sessionroom")).not_to_have_class(re.compile(r"\bsr-idle\b"))

    page.set_viewport_size({"width": PHONE["height"], "height": PHONE["width"]})  # landscape
    remote, own = box(page, ".sr-remote"), box(page, ".sr-self")
    assert own["x"] >= remote["x"] + remote["width"] - 1 and abs(own["y"] - remote["y"]) < 1  # side by side
    assert_accessible(page, "room-p2p-phone-landscape")
    leave(page)
