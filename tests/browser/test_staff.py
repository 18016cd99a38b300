"""Course staff schedule, reschedule and cancel in the block; the learner and the tutor then see the session."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from sessionroom_xblock.models import TutoringSession
from tests.browser.conftest import PHONE, assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

STAFF_URL = "/scenario/sessionroom.0/?student=staff"
MADRID = ZoneInfo("Europe/Madrid")


def madrid_tomorrow(hour: int, minute: int = 0) -> datetime:
    """Tomorrow at ``hour`` on a Madrid wall clock."""
    day = (timezone.now() + timedelta(days=1)).astimezone(MADRID).date()
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=MADRID)


def fill_when(form, moment: datetime, minutes: str = "45") -> None:
    form.get_by_label("Time zone").select_option("Europe/Madrid")
    form.get_by_label("Date").fill(moment.strftime("%Y-%m-%d"))
    form.get_by_label("Start time").fill(moment.strftime("%H:%M"))
    form.get_by_label("Length").select_option(minutes)


def test_staff_schedule_and_both_participants_see_the_session(new_page, learner, tutor, staff):
    page = new_page()
    page.goto(STAFF_URL)
    page.get_by_role("heading", name="Schedule a session").wait_for()
    assert page.get_by_text("No upcoming sessions.").is_visible()
    assert_accessible(page, "staff-empty-desktop")

    form = page.locator(".sr-staff-form")
    form.get_by_label("Learner (username or email)").fill("learner@example.org")
    form.get_by_label("Tutor (username or email)").fill("tutor")
    start = madrid_tomorrow(17, 30)
    fill_when(form, start)
    form.get_by_role("button", name="Schedule session").click()
    page.get_by_role("status").filter(has_text="Session scheduled for").wait_for()
    assert f"{start:%Y-%m-%d} 17:30 (Europe/Madrid)" in page.get_by_role("status").first.inner_text()

    session = TutoringSession.objects.get()
    assert session.scheduled_start == start.astimezone(UTC)
    assert session.scheduled_end - session.scheduled_start == timedelta(minutes=45)
    row = page.locator(f"tr[data-session='{session.pk}']")
    assert "Ana García" in row.inner_text() and "Tomás Okafor" in row.inner_text()
    assert "17:30" in row.inner_text() and page.get_by_text("Start (Europe/Madrid)").first.is_visible()
    assert_accessible(page, "staff-scheduled-desktop")

    learner_page = new_page()
    learner_page.goto("/scenario/sessionroom.0/?student=learner")
    learner_page.get_by_role("button", name="Join Session").wait_for()
    assert learner_page.get_by_text("Tomás Okafor").first.is_visible()
    tutor_page = new_page()
    tutor_page.goto("/scenario/sessionroom.0/?student=tutor")
    tutor_page.get_by_role("button", name="Join Session").wait_for()
    assert tutor_page.get_by_text("Ana García").first.is_visible()


def test_clash_reschedule_and_cancel_by_keyboard_and_on_a_phone(new_page, learner, tutor, staff):
    start = madrid_tomorrow(9)
    booked = TutoringSession.objects.create(
        course_key="course-v1:SessionRoom+Algebra101+2026",
        learner=learner,
        tutor=tutor,
        scheduled_start=start,
        scheduled_end=start + timedelta(minutes=30),
    )
    page = new_page(viewport=PHONE)
    page.goto(STAFF_URL)
    form = page.locator(".sr-staff-form")
    form.get_by_label("Learner (username or email)").fill("learner")
    form.get_by_label("Tutor (username or email)").fill("tutor")
    fill_when(form, start + timedelta(minutes=15), "30")
    form.get_by_role("button", name="Schedule session").press("Enter")
    alert = form.get_by_role("alert")
    alert.wait_for()
    assert alert.inner_text().startswith("Ana García already has a session from")
    assert TutoringSession.objects.count() == 1
    assert_accessible(page, "staff-clash-phone")

    page.get_by_role("button", name="Reschedule the session of Ana García").click()
    assert page.get_by_role("heading", name="Reschedule a session").is_visible()
    assert form.get_by_label("Learner (username or email)").input_value() == "learner"
    form.get_by_label("Start time").fill("11:15")
    form.get_by_role("button", name="Save new time").click()
    page.get_by_role("status").filter(has_text="Session moved to").wait_for()
    booked.refresh_from_db()
    assert booked.scheduled_start == madrid_tomorrow(11, 15).astimezone(UTC)
    assert_accessible(page, "staff-rescheduled-phone")

    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Cancel the session of Ana García").click()
    page.get_by_role("status").filter(has_text="Session cancelled.").wait_for()
    booked.refresh_from_db()
    assert booked.status == TutoringSession.Status.CANCELLED
    assert "Cancelled" in page.locator(f"tr[data-session='{booked.pk}']").inner_text()
