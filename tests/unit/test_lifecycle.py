"""The lifecycle: every state and boundary of brief §4, and properties that hold for any history."""

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sessionroom_xblock.sessions.lifecycle import (
    NOBODY,
    PHASE,
    AttendanceFacts,
    Policy,
    SessionFacts,
    State,
    compute,
)

START = datetime(2026, 11, 26, 15, 0, tzinfo=UTC)
END = START + timedelta(minutes=30)
POLICY = Policy()
SESSION = SessionFacts(scheduled_start=START, scheduled_end=END)
MIN = timedelta(minutes=1)
SEC = timedelta(seconds=1)


def present(at: datetime, joined: datetime | None = None) -> AttendanceFacts:
    """Someone who joined at ``joined`` (default: ``at``) and sent a heartbeat at ``at``."""
    return AttendanceFacts(joined_at=joined or at, last_seen=at)


def state(now, viewer=NOBODY, other=NOBODY, session=SESSION, policy=POLICY) -> State:
    return compute(session, viewer, other, now, policy).state


@pytest.mark.parametrize(
    "now,expected",
    [
        (START - 15 * MIN - SEC, State.EARLY),
        (START - 15 * MIN, State.JOINABLE),
        (START, State.JOINABLE),
        (END, State.JOINABLE),
        (END + 10 * MIN - SEC, State.JOINABLE),
        (END + 10 * MIN, State.ENDED),
    ],
)
def test_clock_boundaries_with_nobody_in_the_room(now, expected):
    assert state(now) == expected


def test_waiting_then_in_progress():
    now = START + MIN
    assert state(now, viewer=present(now)) == State.WAITING
    assert state(now, viewer=present(now), other=present(now)) == State.IN_PROGRESS


def test_other_present_but_viewer_not_yet_in_is_joinable():
    now = START + MIN
    assert state(now, other=present(now)) == State.JOINABLE


def test_presence_expires_after_the_timeout():
    seen = START + MIN
    assert state(seen + POLICY.presence_timeout, viewer=present(seen)) == State.WAITING
    assert state(seen + POLICY.presence_timeout + SEC, viewer=present(seen)) == State.JOINABLE


def test_leaving_ends_presence_and_a_later_heartbeat_brings_it_back():
    joined = START
    left = AttendanceFacts(joined_at=joined, last_seen=joined + MIN, left_at=joined + 2 * MIN)
    assert state(joined + 2 * MIN, viewer=left) == State.JOINABLE
    back = AttendanceFacts(joined_at=joined, last_seen=joined + 3 * MIN, left_at=joined + 2 * MIN)
    assert state(joined + 3 * MIN, viewer=back) == State.WAITING


@pytest.mark.parametrize(
    "offset,expected", [(15 * MIN - SEC, State.WAITING), (15 * MIN, State.NO_SHOW), (25 * MIN, State.NO_SHOW)]
)
def test_no_show_when_the_other_never_came(offset, expected):
    now = START + offset
    assert state(now, viewer=present(now, joined=START)) == expected


def test_no_show_is_not_declared_when_the_other_came_and_left():
    now = START + 20 * MIN
    other = AttendanceFacts(joined_at=START, last_seen=START + MIN, left_at=START + 2 * MIN)
    assert state(now, viewer=present(now, joined=START), other=other) == State.WAITING


def test_after_the_grace_the_one_who_came_alone_sees_no_show():
    came = AttendanceFacts(joined_at=START, last_seen=START + MIN)
    assert state(END + 10 * MIN, viewer=came) == State.NO_SHOW
    assert state(END + 10 * MIN, other=came) == State.ENDED


def test_both_still_present_after_the_grace_stay_in_progress():
    now = END + 20 * MIN
    assert state(now, viewer=present(now, joined=START), other=present(now, joined=START)) == State.IN_PROGRESS


def test_technical_issues_until_the_next_successful_heartbeat():
    failing = AttendanceFacts(joined_at=START, last_seen=START + MIN, last_failure_at=START + 2 * MIN)
    assert state(START + 2 * MIN, viewer=failing) == State.TECHNICAL_ISSUES
    recovered = AttendanceFacts(joined_at=START, last_seen=START + 3 * MIN, last_failure_at=START + 2 * MIN)
    assert state(START + 3 * MIN, viewer=recovered) == State.WAITING


@pytest.mark.parametrize(
    "status,expected", [("completed", State.ENDED), ("no_show", State.NO_SHOW), ("cancelled", State.CANCELLED)]
)
def test_closed_statuses_win_over_the_clock(status, expected):
    session = SessionFacts(scheduled_start=START, scheduled_end=END, status=status)
    assert state(START - 60 * MIN, session=session) == expected


def test_a_room_ended_by_the_tutor_is_ended():
    session = SessionFacts(scheduled_start=START, scheduled_end=END, ended_at=START + 5 * MIN)
    now = START + 5 * MIN
    assert state(now, viewer=present(now), other=present(now), session=session) == State.ENDED


def test_author_policy_changes_the_join_window():
    wide = Policy(join_window=timedelta(minutes=60))
    assert state(START - 30 * MIN, policy=wide) == State.JOINABLE


def test_times_that_go_with_the_state():
    snap = compute(SESSION, NOBODY, NOBODY, START - 20 * MIN, POLICY)
    assert snap.seconds_until_joinable == 5 * 60
    assert not snap.can_join
    started = SessionFacts(scheduled_start=START, scheduled_end=END, started_at=START + MIN)
    now = START + 11 * MIN
    snap = compute(started, present(now, joined=START), present(now, joined=START), now, POLICY)
    assert snap.state == State.IN_PROGRESS and snap.seconds_elapsed == 600 and snap.can_join
    assert snap.closes_at == END + 10 * MIN and snap.no_show_at == START + 15 * MIN


# Properties -------------------------------------------------------------------------------------------

offsets = st.integers(min_value=-120 * 60, max_value=120 * 60).map(lambda s: START + timedelta(seconds=s))


@st.composite
def attendance_before(draw, limit: datetime):
    """An attendance history whose events all happened at or before ``limit``."""
    if not draw(st.booleans()):
        return NOBODY
    times = sorted(draw(st.lists(offsets.filter(lambda t: t <= limit), min_size=1, max_size=4)))
    joined, last_seen = times[0], times[-1]
    left = draw(st.one_of(st.none(), st.sampled_from(times)))
    failure = draw(st.one_of(st.none(), st.sampled_from(times)))
    return AttendanceFacts(joined_at=joined, last_seen=last_seen, left_at=left, last_failure_at=failure)


@st.composite
def histories(draw):
    """(session, viewer, other, t1, t2) with every recorded event at or before t1 <= t2."""
    t1 = draw(offsets)
    t2 = t1 + timedelta(seconds=draw(st.integers(min_value=0, max_value=4 * 3600)))
    status = draw(st.sampled_from(["scheduled", "in_progress", "completed", "no_show", "cancelled"]))
    ended = draw(st.one_of(st.none(), offsets.filter(lambda t: t <= t1)))
    session = SessionFacts(scheduled_start=START, scheduled_end=END, status=status, ended_at=ended)
    return session, draw(attendance_before(t1)), draw(attendance_before(t1)), t1, t2


@settings(max_examples=400, deadline=None)
@given(histories())
def test_phases_never_go_backwards_for_a_fixed_history(history):
    session, viewer, other, t1, t2 = history
    assert PHASE[state(t1, viewer, other, session)] <= PHASE[state(t2, viewer, other, session)]


@settings(max_examples=300, deadline=None)
@given(histories())
def test_exactly_one_state_and_consistent_times(history):
    session, viewer, other, now, _ = history
    snap = compute(session, viewer, other, now, POLICY)
    assert isinstance(snap.state, State)
    assert (snap.seconds_until_joinable > 0) == (now < START - POLICY.join_window)
    if snap.state == State.EARLY:
        assert not snap.can_join
    if snap.state == State.IN_PROGRESS:
        assert snap.viewer_present and snap.other_present
    if snap.state == State.WAITING:
        assert snap.viewer_present and not snap.other_present
    assert snap.seconds_elapsed >= 0
