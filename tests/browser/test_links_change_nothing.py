"""A GET never leaves or ends a session (issue 10 item 4).

The providers' logout URL is our direct page with ``?left=1``. Opened from anywhere (a chat line, an email, a
crafted link) while the tutor is in the room, it used to make the page call leave, which ends the session for
both. Only the room's own frame (BBB's Leave inside it) may tell the room that its user left.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from sessionroom_xblock.models import Attendance, TutoringSession
from tests.factories import make_session

pytest_plugins = ("tests.fakes_fixtures",)
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def bbb_session(settings, fake_bbb, learner, tutor):
    """A joinable session on the fake BBB."""
    from tests.fakes_fixtures import bbb_config  # noqa: PLC0415

    settings.SESSIONROOM = {
        **settings.SESSIONROOM,
        "PROVIDERS": {**settings.SESSIONROOM["PROVIDERS"], "bbb": bbb_config(fake_bbb)},
    }
    return make_session(learner, tutor, provider="bbb")


def test_opening_the_logout_link_leaves_nothing_and_ends_nothing(new_page, bbb_session, tutor):
    page = new_page()
    page.goto(f"/scenario/sessionroom.0/?student=tutor&session={bbb_session.pk}")
    page.get_by_role("button", name="Join Session").click()
    expect(page.frame_locator(".sr-provider-frame").locator("#status")).to_contain_text("In the meeting")

    link = page.context.new_page()  # same browser, same sign-in: the tutor clicks a link somewhere
    link.goto(f"/sessionroom/session/{bbb_session.pk}/?left=1")
    expect(link.get_by_role("button", name="Join Session")).to_be_visible()
    link.wait_for_timeout(1500)  # the old page called leave at once
    bbb_session.refresh_from_db()
    assert bbb_session.status == TutoringSession.Status.SCHEDULED
    row = Attendance.objects.get(session=bbb_session, user=tutor)
    assert row.left_at is None and row.last_failure_at is None
    assert link.url.endswith(f"/sessionroom/session/{bbb_session.pk}/")  # the link's query is gone

    # The room's own Leave still ends the session.
    page.get_by_role("button", name="Leave session").click()
    page.get_by_role("dialog").get_by_role("button", name="End session").click()
    expect(page.locator(".sr-post")).to_be_visible()
    bbb_session.refresh_from_db()
    assert bbb_session.status == TutoringSession.Status.COMPLETED
