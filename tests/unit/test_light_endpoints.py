"""The plugin's light endpoints carry the block's frequent calls: what they cost, and the policy they apply.

Issue 11: a poll must not load the course or the block, heartbeats write the database only when something
changes, and the block's author's numbers (stored on the session) apply to every door. Issue 10: heartbeats
are rate-limited (item 6), and an author's 0 minutes count (item 15).
"""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from sessionroom_xblock.actions import dispatch
from sessionroom_xblock.analytics import Analytics
from sessionroom_xblock.background.closing import close_sessions
from sessionroom_xblock.models import Attendance, TutoringSession
from sessionroom_xblock.sessions import rooms
from tests.factories import call_handler, make_block, make_session

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_cache():
    """Presence, mailboxes and rate windows live in the cache; each test starts with none."""
    cache.clear()


def signed_in(username) -> Client:
    client = Client(enforce_csrf_checks=True)
    client.get("/", {"student": username})
    client.cookies["csrftoken"] = "t" * 32
    return client


def post(client, session, action, payload=None):
    """One call to the light endpoint, as the block's scripts make it (JSON, CSRF header)."""
    return client.post(
        reverse("sessionroom:session-action", args=[session.pk, action]),
        json.dumps({"session": str(session.pk), **(payload or {})}),
        content_type="application/json",
        HTTP_X_CSRFTOKEN="t" * 32,
    )


class WriteCounter:
    """Counts INSERT/UPDATE/DELETE statements (the bench counts the same way in the app server)."""

    def __init__(self):
        self.writes = 0

    def __call__(self, execute, sql, params, many, context):
        if sql.lstrip().split(" ", 1)[0].upper() in ("INSERT", "UPDATE", "DELETE"):
            self.writes += 1
        return execute(sql, params, many, context)


def writes_of(func) -> int:
    counter = WriteCounter()
    with connection.execute_wrapper(counter):
        func()
    return counter.writes


def both_in_the_room(session):
    learner, tutor = signed_in("learner"), signed_in("tutor")
    assert call_handler(make_block("learner"), "join", {"session": str(session.pk)})[0] == 200
    assert call_handler(make_block("tutor"), "join", {"session": str(session.pk)})[0] == 200
    cache.delete_many([f"sessionroom:beat:{session.pk}:{user}" for user in session.participant_ids()])
    return learner, tutor


# The block hands its scripts the light endpoints ----------------------------------------------------


def test_the_block_sends_frequent_actions_to_the_light_endpoints(session):
    html = make_block("learner").render("student_view").body_html()
    fragment = make_block("learner").student_view()
    urls = json.loads(fragment.json_init_args["init"])["urls"]
    for action in ("state", "heartbeat", "leave", "signal_send", "signal_poll", "chat_send", "chat_poll"):
        assert urls[action] == f"/sessionroom/session/{session.pk}/action/{action}/"
    for action in dispatch.NEEDS_BLOCK:
        assert "/handler/" in urls[action] and "/sessionroom/" not in urls[action]
    assert "Tomás Okafor" in html


def test_the_light_endpoint_needs_the_csrf_token(session):
    client = signed_in("learner")
    url = reverse("sessionroom:session-action", args=[session.pk, "state"])
    assert client.post(url, "{}", content_type="application/json").status_code == 403
    assert post(client, session, "state").status_code == 200


def test_per_poll_query_budget(session, django_assert_max_num_queries):
    learner, tutor = both_in_the_room(session)
    post(tutor, session, "chat_send", {"text": "hello"})
    post(tutor, session, "signal_send", {"kind": "candidate", "data": {"candidate": "c"}})
    # The signed-in user (session + user rows in the dev host), the session's course and participants,
    # the session itself, and then only what the action reads: no course, no block, no field data.
    with django_assert_max_num_queries(5):
        assert post(learner, session, "heartbeat", {"connected": True}).json()["state"] == "in_progress"
    with django_assert_max_num_queries(4):
        assert len(post(learner, session, "signal_poll", {"cursor": 0}).json()["messages"]) == 1
    with django_assert_max_num_queries(6):
        assert len(post(learner, session, "chat_poll", {"cursor": 0}).json()["messages"]) == 1


# Presence in the cache -----------------------------------------------------------------------------


def test_heartbeats_write_the_database_only_on_changes_and_flushes(session, settings):
    learner, _tutor = both_in_the_room(session)
    row = Attendance.objects.get(session=session, user=session.learner)
    assert writes_of(lambda: post(learner, session, "heartbeat")) == 0
    assert Attendance.objects.get(pk=row.pk).last_seen == row.last_seen
    # Once the row is older than the flush period, the next heartbeat writes it, with the seconds present.
    Attendance.objects.filter(pk=row.pk).update(last_seen=timezone.now() - timedelta(seconds=301))
    cache.delete(f"sessionroom:beat:{session.pk}:{session.learner_id}")
    cache.delete(f"sessionroom:seen:{session.pk}:{session.learner_id}")
    before = Attendance.objects.get(pk=row.pk).seconds_present
    assert writes_of(lambda: post(learner, session, "heartbeat")) == 1
    flushed = Attendance.objects.get(pk=row.pk)
    assert (timezone.now() - flushed.last_seen).total_seconds() < 5
    assert flushed.seconds_present == before + settings.SESSIONROOM["PRESENCE_TIMEOUT_SECONDS"]


def test_presence_in_the_cache_keeps_the_other_side_present(session):
    learner, tutor = both_in_the_room(session)
    # The rows say both were seen long ago; the cache says the learner beat just now.
    stale = timezone.now() - timedelta(minutes=2)
    Attendance.objects.filter(session=session).update(last_seen=stale)
    rooms.presence.remember(session.pk, session.learner_id, timezone.now())
    assert post(tutor, session, "state").json()["other_present"] is True


def test_leaving_writes_the_seconds_the_cache_held(session):
    learner, _tutor = both_in_the_room(session)
    rooms.presence.remember(session.pk, session.learner_id, timezone.now(), pending_seconds=120)
    post(learner, session, "leave")
    row = Attendance.objects.get(session=session, user=session.learner)
    assert row.left_at is not None and row.seconds_present >= 120
    assert rooms.presence.recall(session.pk, [session.learner_id]) == {}


def test_the_closing_sweep_sees_heartbeats_in_the_cache(learner, tutor):
    start = timezone.now() - timedelta(minutes=45)
    session = make_session(learner, tutor, start=start, status=TutoringSession.Status.IN_PROGRESS)
    for user in (learner, tutor):
        Attendance.objects.create(session=session, user=user, joined_at=start, last_seen=start + timedelta(minutes=35))
    rooms.presence.remember(session.pk, learner.pk, timezone.now())
    close_sessions(timezone.now(), Analytics(lambda name, data: None))
    assert TutoringSession.objects.get(pk=session.pk).status == TutoringSession.Status.IN_PROGRESS
    cache.clear()
    close_sessions(timezone.now(), Analytics(lambda name, data: None))
    assert TutoringSession.objects.get(pk=session.pk).status == TutoringSession.Status.COMPLETED


# Heartbeat rate limit (issue 10 item 6) ------------------------------------------------------------


def test_heartbeats_are_rate_limited_per_participant(session):
    learner, tutor = both_in_the_room(session)
    assert post(learner, session, "heartbeat").status_code == 200
    flood = post(learner, session, "heartbeat")
    assert flood.status_code == 429 and flood["Retry-After"] == "5"
    assert flood.json()["error"] == "rate_limited" and flood.json()["message"] == "Too many requests. Wait a moment."
    # The other participant has their own allowance.
    assert post(tutor, session, "heartbeat").status_code == 200


def test_the_block_handler_also_rate_limits_heartbeats(session):
    call_handler(make_block("learner"), "join", {"session": str(session.pk)})
    assert call_handler(make_block("learner"), "heartbeat", {"session": str(session.pk)})[0] == 200
    assert call_handler(make_block("learner"), "heartbeat", {"session": str(session.pk)})[0] == 429


# The author's policy, stored on the session --------------------------------------------------------


def test_an_authors_zero_minutes_count():
    policy = rooms.policy_from_settings(join_window_minutes=0, no_show_minutes=0, end_grace_minutes=0)
    assert policy.join_window == policy.no_show_after == policy.end_grace == timedelta(0)
    assert rooms.policy_from_settings(join_window_minutes=None).join_window == timedelta(minutes=15)


def test_the_block_stores_its_policy_and_the_light_endpoint_uses_it(session):
    # The site opens rooms 15 minutes ahead; this block's author opens them at the start.
    assert post(signed_in("learner"), session, "state").json()["state"] == "joinable"
    make_block("learner", join_window_minutes=0, no_show_minutes=0, end_grace_minutes=5).student_view()
    session.refresh_from_db()
    assert (session.join_window_minutes, session.no_show_minutes, session.end_grace_minutes) == (0, 0, 5)
    assert post(signed_in("learner"), session, "state").json()["state"] == "early"
    page = signed_in("learner").get(reverse("sessionroom:session-page", args=[session.pk]))
    assert page.status_code == 200
    init_args = json.loads(
        page.content.decode().split('id="sessionroom-init" type="application/json">')[1].split("</script>")[0]
    )
    assert json.loads(init_args["init"])["state"]["state"] == "early"


def test_the_closing_sweep_uses_the_sessions_policy(learner, tutor):
    start = timezone.now() - timedelta(minutes=2)
    strict = make_session(learner, tutor, start=start, no_show_minutes=0)
    lenient = make_session(learner, tutor, start=start - timedelta(hours=1), minutes=80, no_show_minutes=90)
    for session in (strict, lenient):
        Attendance.objects.create(session=session, user=learner, joined_at=start, last_seen=start)
    result = close_sessions(timezone.now(), Analytics(lambda name, data: None))
    assert result.no_show == 1
    assert TutoringSession.objects.get(pk=strict.pk).status == TutoringSession.Status.NO_SHOW
    assert TutoringSession.objects.get(pk=lenient.pk).status == TutoringSession.Status.SCHEDULED


def test_staff_scheduling_through_the_block_stores_its_policy(staff, learner, tutor):
    block = make_block("staff", join_window_minutes=0, no_show_minutes=7, end_grace_minutes=0)
    day = (timezone.now() + timedelta(days=3)).astimezone(timezone.get_current_timezone())
    status, body = call_handler(
        block,
        "create",
        {
            "learner": "learner",
            "tutor": "tutor",
            "date": f"{day:%Y-%m-%d}",
            "time": "10:00",
            "duration": 30,
            "time_zone": "UTC",
        },
        handler="staff",
    )
    assert status == 200, body
    session = TutoringSession.objects.get(pk=body["session"])
    assert (session.join_window_minutes, session.no_show_minutes, session.end_grace_minutes) == (0, 7, 0)


def test_the_closing_sweep_pages_past_sessions_that_stay_open(learner, tutor):
    now = timezone.now()
    start = now - timedelta(minutes=20)
    for offset in range(3):  # in progress, both in the room: they stay open
        live = make_session(learner, tutor, start=start - timedelta(minutes=offset), status="in_progress")
        for user in (learner, tutor):
            Attendance.objects.create(session=live, user=user, joined_at=start, last_seen=start)
            rooms.presence.remember(live.pk, user.pk, now)
    missed = make_session(learner, tutor, start=start + timedelta(minutes=1))
    Attendance.objects.create(session=missed, user=learner, joined_at=start, last_seen=start)
    result = close_sessions(now, Analytics(lambda name, data: None), batch_size=2)
    assert result.no_show == 1 and TutoringSession.objects.get(pk=missed.pk).status == "no_show"
