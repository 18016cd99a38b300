"""The closing sweep: no-shows and completed sessions when their windows close, ``session_ended`` once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from sessionroom_xblock.analytics import Analytics
from sessionroom_xblock.background.closing import close_sessions
from sessionroom_xblock.models import Attendance, TutoringSession
from tests.factories import make_session

M = timedelta(minutes=1)


@pytest.fixture
def events():
    return []


@pytest.fixture
def analytics(events):
    return Analytics(lambda name, data: events.append((name, data)))


@pytest.fixture
def start():
    return timezone.now().replace(microsecond=0) - 2 * M


def came(session, user, at, *, last_seen=None, left=None):
    Attendance.objects.create(session=session, user=user, joined_at=at, last_seen=last_seen or at, left_at=left)


def status(session):
    return TutoringSession.objects.get(pk=session.pk).status


def test_nobody_came_is_a_no_show_once_the_window_closes(learner, tutor, start, analytics, events):
    session = make_session(learner, tutor, start=start)
    assert close_sessions(start + 14 * M, analytics).no_show == 0
    assert status(session) == "scheduled"
    assert close_sessions(start + 15 * M, analytics).no_show == 1
    assert status(session) == "no_show"
    assert close_sessions(start + 16 * M, analytics).no_show == 0
    assert events == [("edx.sessionroom.session_ended", {"session_id": str(session.pk), "duration": 0})]


def test_one_came_and_the_other_did_not_is_a_no_show(learner, tutor, start, analytics, events):
    session = make_session(learner, tutor, start=start)
    came(session, learner, start, last_seen=start + 15 * M)
    close_sessions(start + 16 * M, analytics)
    assert status(session) == "no_show"
    assert len(events) == 1


def test_both_came_is_completed_after_end_and_grace_with_nobody_left(learner, tutor, start, analytics, events):
    session = make_session(learner, tutor, start=start, minutes=30)
    TutoringSession.objects.filter(pk=session.pk).update(status="in_progress", started_at=start)
    came(session, learner, start, last_seen=start + 30 * M)
    came(session, tutor, start, last_seen=start + 30 * M)
    for minute in (16, 39):
        close_sessions(start + minute * M, analytics)
        assert status(session) == "in_progress"
    result = close_sessions(start + 40 * M, analytics)
    assert (result.completed, result.no_show) == (1, 0)
    assert status(session) == "completed"
    close_sessions(start + 41 * M, analytics)
    assert [name for name, _ in events] == ["edx.sessionroom.session_ended"]
    assert events[0][1]["duration"] == 40 * 60


def test_someone_still_in_the_room_keeps_the_session_open(learner, tutor, start, analytics):
    session = make_session(learner, tutor, start=start, minutes=30)
    came(session, learner, start, last_seen=start + 45 * M)
    came(session, tutor, start, last_seen=start + 45 * M)
    close_sessions(start + 45 * M, analytics)
    assert status(session) == "scheduled"
    close_sessions(start + 47 * M, analytics)
    assert status(session) == "completed"


def test_closed_sessions_are_left_alone(learner, tutor, start, analytics, events):
    for closed in ("completed", "cancelled", "no_show"):
        make_session(learner, tutor, start=start, status=closed)
    result = close_sessions(start + 60 * M, analytics)
    assert (result.no_show, result.completed, events) == (0, 0, [])
