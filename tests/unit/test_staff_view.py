"""The block's staff screen and actions, and the tutor's "Book Next Session"."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from sessionroom_xblock.models import Attendance, Feedback, TutoringSession
from sessionroom_xblock.screens import schedule_form, staff_view
from sessionroom_xblock.screens.presenters import PersonView
from sessionroom_xblock.zones import zone
from tests.factories import OTHER_COURSE, call_handler, make_block, make_session, make_user

STATUS = TutoringSession.Status


def staff_call(username, action, payload):
    return call_handler(make_block(username), action, payload, handler="staff")


def when(days=1, hour="10:00", zone="UTC", duration=30):
    return {
        "date": (timezone.now() + timedelta(days=days)).strftime("%Y-%m-%d"),
        "time": hour,
        "time_zone": zone,
        "duration": duration,
    }


def test_staff_without_a_session_in_the_url_see_the_staff_screen(session, staff):
    html = make_block("staff").render("student_view").body_html()
    assert "Schedule a session" in html
    assert "Ana García" in html and "Tomás Okafor" in html
    assert "Reschedule" in html


def test_participants_never_see_the_staff_screen(session):
    html = make_block("learner").render("student_view").body_html()
    assert "Schedule a session" not in html and "Join Session" in html


def test_staff_schedule_a_session_in_their_zone(learner, tutor, staff):
    status, body = staff_call(
        "staff", "create", {"learner": "learner", "tutor": "tutor@example.org", **when(zone="Asia/Tokyo")}
    )
    assert status == 200, body
    session = TutoringSession.objects.get(pk=body["session"])
    assert session.scheduled_start.astimezone(zone("UTC")).strftime("%H:%M") == "01:00"
    assert session.scheduled_end - session.scheduled_start == timedelta(minutes=30)
    assert body["message"].endswith("10:00 (Asia/Tokyo).")
    assert "Ana García" in body["html"] and "Start (Asia/Tokyo)" in body["html"]


@pytest.mark.parametrize("who", ["learner", "tutor", "stranger"])
def test_only_course_staff_may_use_staff_actions(session, stranger, who):
    status, body = staff_call(who, "list", {})
    assert (status, body["error"]) == (403, "not_staff")


def test_anonymous_visitors_are_refused(session):
    assert staff_call("anonymous", "list", {})[0] == 403


def test_clashes_are_refused_with_a_message_naming_the_person(session, staff):
    other = make_user("bo", first_name="Bo")
    payload = {
        "learner": "bo",
        "tutor": "tutor",
        "date": session.scheduled_start.strftime("%Y-%m-%d"),
        "time": session.scheduled_start.strftime("%H:%M"),
        "time_zone": "UTC",
        "duration": 30,
    }
    status, body = staff_call("staff", "create", payload)
    assert status == 409 and body["message"].startswith("Tomás Okafor already has a session from")
    assert not TutoringSession.objects.filter(learner=other).exists()


@pytest.mark.parametrize(
    "change,field",
    [
        ({"learner": "ghost"}, "learner"),
        ({"time_zone": "Nowhere/Here"}, "time_zone"),
        ({"days": -1}, "scheduled_start"),
    ],
)
def test_bad_input_names_the_field(learner, tutor, staff, change, field):
    days = change.pop("days", 1)
    payload = {"learner": "learner", "tutor": "tutor", **when(days=days), **change}
    status, body = staff_call("staff", "create", payload)
    assert (status, body["field"]) == (400, field)


def test_staff_reschedule_and_cancel(session, staff):
    status, body = staff_call("staff", "reschedule", {"session": str(session.pk), **when(days=2, hour="15:30")})
    assert status == 200, body
    session.refresh_from_db()
    assert session.scheduled_start.strftime("%H:%M") == "15:30"
    status, body = staff_call("staff", "cancel", {"session": str(session.pk)})
    session.refresh_from_db()
    assert (status, session.status, body["message"]) == (200, STATUS.CANCELLED, "Session cancelled.")


def test_sessions_of_other_courses_are_out_of_reach(learner, tutor, staff):
    elsewhere = make_session(learner, tutor, course_key=OTHER_COURSE)
    status, body = staff_call("staff", "cancel", {"session": str(elsewhere.pk)})
    assert (status, body["error"]) == (404, "not_found")
    elsewhere.refresh_from_db()
    assert elsewhere.status == STATUS.SCHEDULED


def test_unknown_staff_action_and_bad_body(staff):
    assert staff_call("staff", "explode", {})[0] == 404
    assert staff_call("staff", "list", b"not json")[0] == 400


def test_the_list_groups_sessions_and_shows_attendance_no_shows_and_ratings(learner, tutor, staff):
    now = timezone.now()
    upcoming = make_session(learner, tutor, start=now + timedelta(days=1))
    live = make_session(learner, tutor, start=now - timedelta(minutes=5), status=STATUS.IN_PROGRESS)
    missed = make_session(learner, tutor, start=now - timedelta(days=1), status=STATUS.NO_SHOW)
    done = make_session(learner, tutor, start=now - timedelta(days=2), status=STATUS.COMPLETED)
    Attendance.objects.create(session=missed, user=tutor, joined_at=now, seconds_present=900)
    Attendance.objects.create(session=done, user=learner, joined_at=now, seconds_present=1800)
    Feedback.objects.create(session=done, author=learner, rating=4)
    scope = staff_view.StaffScope(
        upcoming.course_key, now, make_block("staff").policy(), make_block("staff").i18n_service
    )
    rows = {}
    for session in staff_view.course_sessions(scope):
        rows[session.pk] = (
            staff_view.group_of(session, scope),
            staff_view.session_row(session, now, zone("UTC"), str),
        )
    assert rows[upcoming.pk][0] == "upcoming" and rows[upcoming.pk][1]["can_change"]
    assert rows[live.pk][0] == "live" and not rows[live.pk][1]["can_change"]
    assert rows[missed.pk][0] == "past" and rows[missed.pk][1]["no_show"] == "Ana García"
    assert rows[done.pk][1]["ratings"] == [{"name": "Ana García", "rating": 4}]
    assert rows[done.pk][1]["attendance"][0] == {"name": "Ana García", "joined": True, "minutes": 30}
    html = staff_view.render_sessions(scope, "p")
    assert "Did not join: Ana García" in html and "Ana García: 4/5" in html and "Tomás Okafor: joined, 15 min" in html


def test_listing_costs_the_same_queries_for_many_sessions(learner, tutor, staff, django_assert_max_num_queries):
    block = make_block("staff")
    make_session(learner, tutor, start=timezone.now() + timedelta(hours=1))
    with CaptureQueriesContext(connection) as one:
        call_handler(block, "list", {}, handler="staff")
    for day in range(1, 21):
        make_session(learner, tutor, start=timezone.now() + timedelta(days=day))
    with django_assert_max_num_queries(len(one)):
        status, body = call_handler(block, "list", {}, handler="staff")
    assert status == 200 and body["html"].count("<tr data-session") == 21


def test_the_tutor_proposes_the_next_session_with_the_same_learner(session, tutor):
    status, body = call_handler(make_block("tutor"), "propose_next", {"session": str(session.pk), **when(days=7)})
    assert status == 200, body
    following = TutoringSession.objects.get(pk=body["session"])
    assert (following.learner_id, following.tutor_id, following.course_key) == (
        session.learner_id,
        session.tutor_id,
        session.course_key,
    )
    assert body["message"].startswith("Next session booked for ")


def test_the_learner_cannot_propose(session):
    status, body = call_handler(make_block("learner"), "propose_next", {"session": str(session.pk), **when(days=7)})
    assert (status, body["message"]) == (403, "You're not part of this session.")


def test_proposing_into_a_clash_is_refused(session):
    payload = {**when(days=0), "date": session.scheduled_start.strftime("%Y-%m-%d")}
    payload["time"] = session.scheduled_start.strftime("%H:%M")
    status, body = call_handler(make_block("tutor"), "propose_next", {"session": str(session.pk), **payload})
    assert status in (400, 409)


def test_book_next_form_is_for_the_tutor_without_a_booking_system(session):
    base = {"session": session, "other": PersonView.of(session.learner), "time_zone": "Europe/Madrid"}
    i18n = make_block("tutor").i18n_service
    html = schedule_form.book_next_html({**base, "is_tutor": True, "booking_url": ""}, "/propose", i18n)
    assert "Next session with Ana García" in html
    week_later = (session.scheduled_start + timedelta(days=7)).astimezone(zone("Europe/Madrid"))
    assert f'value="{week_later:%Y-%m-%d}"' in html and f'value="{week_later:%H:%M}"' in html
    assert (
        'data-url="/propose"' in html
        and "Propose session" in html
        and "<option selected>Europe/Madrid</option>" in html
    )
    assert schedule_form.book_next_html({**base, "is_tutor": False, "booking_url": ""}, "/propose", i18n) == ""
    assert schedule_form.book_next_html({**base, "is_tutor": True, "booking_url": "https://book"}, "/p", i18n) == ""


def test_booking_links_carry_the_course_the_tutor_and_the_session(session):
    link = schedule_form.booking_link("https://book.example.org/next?lang=es", session)
    assert link == (
        "https://book.example.org/next?lang=es&course_id=course-v1%3ASessionRoom%2BAlgebra101%2B2026"
        f"&tutor=tutor&session={session.pk}"
    )
    assert schedule_form.booking_link("", session) == ""


def test_staff_who_are_also_a_participant_get_a_link_to_their_own_session(learner, staff):
    own = make_session(learner, staff)
    html = make_block("staff").render("student_view").body_html()
    assert "Schedule a session" in html and f"/sessionroom/session/{own.pk}/" in html


def test_refreshed_lists_keep_the_ids_of_the_first_render_and_blocks_do_not_share_them(session, staff):
    block = make_block("staff")
    first = block.render("student_view").body_html()
    prefix = staff_view.prefix_for(block.scope_ids.usage_id)
    status, body = call_handler(block, "list", {}, handler="staff")
    assert f'id="{prefix}-upcoming"' in first and f'id="{prefix}-upcoming"' in body["html"]
    assert staff_view.prefix_for("course-v1:A+B+C/block1") != staff_view.prefix_for("course-v1:A+B+C/block2")
