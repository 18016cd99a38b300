"""
Every flow inside the host that behaves like the Learning MFE and the LMS (devhost/settings_lms.py).

The learner and the tutor use the unit as learners really see it: the MFE's page (apps.lms.test) frames the
LMS's chromeless unit page (lms.test), sized from its plugin.resize messages, with Tutor's X-Frame-Options,
ATOMIC_REQUESTS and CSRF. WebRTC stays on loopback, so these run in a private network namespace.
"""

from datetime import timedelta

import pytest
from django.utils import timezone

from sessionroom_xblock.models import TutoringSession
from tests.browser.conftest import (
    MIC_HEARD,
    PHONE,
    assert_accessible_in_unit,
    requires_lms_host,
    requires_private_network,
    unit_frame,
)
from tests.browser.test_screens import bbb_settings, plugnmeet_settings  # noqa: F401 (fixtures)
from tests.factories import COURSE, make_session

pytest_plugins = ("tests.fakes_fixtures",)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), requires_private_network, requires_lms_host]

DECODED_FRAMES = """() => {
  const video = document.querySelector('.sr-remote');
  return Boolean(video && video.srcObject && video.getVideoPlaybackQuality().totalVideoFrames > 0);
}"""


#: Click handlers the chromeless page's observer has bound (jQuery keeps them per element).
CLICK_HANDLERS = """() => Array.from(document.querySelectorAll('a')).reduce(
  (sum, link) => sum + ((($._data(link, 'events') || {}).click || []).length), 0)"""


def open_unit(lms_page, lms_host, user, **size):
    page = lms_page(user, **size)
    page.goto(lms_host.unit(str(COURSE)))
    frame = unit_frame(page)
    frame.wait_for_selector(".sessionroom")
    return page, frame


def test_learner_and_tutor_meet_in_the_unit(lms_page, lms_host, session):
    (learner, learner_unit), (tutor, tutor_unit) = (
        open_unit(lms_page, lms_host, person) for person in (session.learner, session.tutor)
    )
    for unit in (learner_unit, tutor_unit):
        unit.get_by_role("button", name="Join Session").click()
    for unit in (learner_unit, tutor_unit):
        unit.wait_for_function(DECODED_FRAMES, timeout=20_000)
    assert_accessible_in_unit(learner, "lms-host-room-desktop")
    tutor_unit.get_by_role("button", name="Leave session").click()
    tutor_unit.get_by_role("dialog").get_by_role("button", name="End session").click()
    for unit in (tutor_unit, learner_unit):
        unit.get_by_role("heading", name="Session Ended").wait_for()
    session.refresh_from_db()
    assert session.status == TutoringSession.Status.COMPLETED


def test_phone_room_keeps_the_unit_frame_open(lms_page, lms_host, session):
    """The MFE sizes its frame from the content's height: the room must count toward it on a phone."""
    learner, learner_unit = open_unit(lms_page, lms_host, session.learner, viewport=PHONE)
    _tutor, tutor_unit = open_unit(lms_page, lms_host, session.tutor)
    for unit in (learner_unit, tutor_unit):
        unit.get_by_role("button", name="Join Session").click()
    learner_unit.wait_for_function(DECODED_FRAMES, timeout=20_000)
    room_height = learner_unit.evaluate("() => document.querySelector('.sessionroom').getBoundingClientRect().height")
    learner.wait_for_function(f"() => document.getElementById('unit-iframe').offsetHeight >= {room_height}")
    assert room_height >= 500
    mute = learner_unit.get_by_role("button", name="Mute microphone")
    mute.scroll_into_view_if_needed()
    controls = learner_unit.locator(".sr-controls").bounding_box()
    frame_box = learner.locator("#unit-iframe").bounding_box()
    assert frame_box["y"] <= controls["y"]
    assert controls["y"] + controls["height"] <= frame_box["y"] + frame_box["height"]
    mute.click()
    learner_unit.get_by_role("button", name="Unmute microphone").wait_for()
    assert_accessible_in_unit(learner, "lms-host-room-phone")


# The countdown names minutes until its last minute, then ticks every second: 45 s before the join window.
@pytest.mark.parametrize("minutes_to_start", [pytest.param(15.75, id="countdown"), pytest.param(5, id="mic-meter")])
def test_clock_and_meter_do_not_pile_up_the_frame_pages_click_handlers(
    lms_page, lms_host, learner, tutor, minutes_to_start
):
    """
    courseware-chromeless.html binds a click handler on every link for each DOM mutation it sees: before
    the join window's last minute the countdown ticks every second, inside it the microphone meter moves every
    frame.
    """
    make_session(learner, tutor, start=timezone.now() + timedelta(minutes=minutes_to_start))
    page, unit = open_unit(lms_page, lms_host, learner)
    countdown = unit.locator(".sr-countdown-value")
    if minutes_to_start > 15:
        countdown.wait_for()
    else:
        unit.wait_for_function(MIC_HEARD)
    shown = countdown.text_content()
    links = unit.evaluate("() => document.querySelectorAll('a').length")
    before = unit.evaluate(CLICK_HANDLERS)
    page.wait_for_timeout(5_000)
    if minutes_to_start > 15:
        assert countdown.text_content() != shown  # the clock did tick
    assert unit.evaluate(CLICK_HANDLERS) - before <= links  # at most one round (a state poll re-renders)


@pytest.mark.parametrize("provider", ["bbb", "plugnmeet"])
def test_leave_inside_the_provider_reaches_the_room_in_the_unit(request, lms_page, lms_host, learner, tutor, provider):
    """
    MFE (apps.lms.test) → LMS /xblock/ (lms.test) → provider → our page (logoutURL): that last page must be
    framable there (Tutor's SAMEORIGIN would refuse it) and tell the room around it that the user left.
    """
    request.getfixturevalue(f"{provider}_settings")
    session = make_session(learner, tutor, provider=provider)
    pages = [open_unit(lms_page, lms_host, person) for person in (learner, tutor)]
    for _page, unit in pages:
        unit.get_by_role("button", name="Join Session").click()
        unit.frame_locator(".sr-provider-frame").locator("#leave").wait_for()
    learner_page, learner_unit = pages[0]
    assert_accessible_in_unit(learner_page, f"lms-host-{provider}-room")
    for _page, unit in pages:
        unit.frame_locator(".sr-provider-frame").locator("#leave").click()  # the provider's own Leave
        unit.locator(".sr-post").wait_for()
        assert unit.locator(".sr-provider-frame").count() == 0 or unit.locator(".sr-provider-frame").is_hidden()
    for person in (learner, tutor):
        assert session.attendances.get(user=person).left_at is not None
    assert_accessible_in_unit(learner_page, f"lms-host-{provider}-post")


def test_view_course_content_goes_to_the_mfe_course_home(lms_page, lms_host, session):
    page, unit = open_unit(lms_page, lms_host, session.learner)
    unit.get_by_role("button", name="Join Session").click()
    unit.get_by_role("button", name="Leave session").click()
    unit.get_by_role("link", name="View Course Content").click()  # <base target="_parent">: the MFE's window
    page.wait_for_url(f"{lms_host.mfe}/course/{COURSE}/home")
    assert page.get_by_role("heading", name="Course home").is_visible()


def test_signed_out_learner_follows_the_reminder_link_signs_in_and_enters_that_room(lms_page, lms_host, learner, tutor):
    """Every link we send opens the session's own page on the LMS (the MFE would drop a ?session= query)."""
    import re

    from sessionroom_xblock.background.reminders import build_message
    from sessionroom_xblock.models import ReminderDelivery
    from tests.factories import make_user

    make_session(learner, make_user("other_tutor", first_name="Olga"), start=timezone.now() + timedelta(minutes=10))
    session = make_session(learner, tutor, start=timezone.now() + timedelta(minutes=5))
    learner.set_password("learner-password")
    learner.save()
    claim = ReminderDelivery(session=session, user_id=learner.pk, kind="15m", scheduled_start=session.scheduled_start)
    body = build_message(claim, {}, timezone.now()).body
    link = re.search(rf"{re.escape(lms_host.lms)}/sessionroom/session/[0-9a-f-]+/", body).group(0)
    assert str(session.pk) in link

    page = lms_page()  # signed out
    page.goto(link)
    page.wait_for_url(re.compile(rf"{re.escape(lms_host.lms)}/login\?next="))
    page.get_by_label("Username").fill("learner")
    page.get_by_label("Password").fill("learner-password")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(link)
    assert page.get_by_text("Tomás Okafor").first.is_visible()
    page.get_by_role("button", name="Join Session").click()
    page.wait_for_selector(".sessionroom[data-screen='room']")
    assert session.attendances.get(user=learner).joined_at is not None
    page.get_by_role("button", name="Leave session").click()
    page.locator(".sr-post").wait_for()
