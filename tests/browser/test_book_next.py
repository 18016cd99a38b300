"""The tutor's "Book Next Session" on the post-session screen when the site has no booking system."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from sessionroom_xblock.models import TutoringSession
from tests.browser.conftest import PHONE, assert_accessible
from tests.factories import make_session

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]


def test_the_tutor_books_the_next_session_from_the_post_session_screen(new_page, learner, tutor):
    start = timezone.now() - timedelta(hours=2)
    done = make_session(learner, tutor, start=start, status=TutoringSession.Status.COMPLETED)
    page = new_page(viewport=PHONE)
    page.goto(f"/scenario/sessionroom.0/?student=tutor&session={done.pk}")
    page.get_by_role("button", name="Book Next Session").click(timeout=5_000)
    # The form's heading (an h3 under the screen's h2 "Session Ended") takes the focus.
    expect(page.get_by_role("heading", name="Next session with Ana García", level=3)).to_be_focused()
    form = page.locator(".sr-book-next-form")
    form.get_by_label("Time zone").select_option("Asia/Tokyo")
    form.get_by_label("Date").fill((timezone.now() + timedelta(days=3)).strftime("%Y-%m-%d"))
    form.get_by_label("Start time").fill("09:30")
    form.get_by_role("button", name="Propose session").click()
    form.get_by_text("Next session booked for").wait_for()
    assert_accessible(page, "book-next-phone")
    booked = TutoringSession.objects.exclude(pk=done.pk).get()
    assert (booked.learner, booked.tutor, booked.scheduled_start.strftime("%H:%M")) == (learner, tutor, "00:30")

    form.get_by_role("button", name="Propose session").click()
    alert = form.get_by_role("alert")
    alert.wait_for()
    assert alert.inner_text().startswith("Ana García already has a session")
