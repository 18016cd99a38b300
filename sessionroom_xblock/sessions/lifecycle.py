"""The state of a session as one viewer sees it: a pure function of (session, attendance, now, policy).

No I/O and no Django here, so every state and boundary can be tested exhaustively and with hypothesis.
The states are brief §4's; the phases (before, open, closed) never go backwards for a fixed history.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime, timedelta


class State(enum.StrEnum):
    """What the viewer's screen shows."""

    EARLY = "early"
    JOINABLE = "joinable"
    WAITING = "waiting"
    IN_PROGRESS = "in_progress"
    ENDED = "ended"
    NO_SHOW = "no_show"
    TECHNICAL_ISSUES = "technical_issues"
    CANCELLED = "cancelled"


#: Phase of each state: a session moves from before (0) to open (1) to closed (2), never back.
PHASE = {
    State.EARLY: 0,
    State.JOINABLE: 1,
    State.WAITING: 1,
    State.IN_PROGRESS: 1,
    State.TECHNICAL_ISSUES: 1,
    State.ENDED: 2,
    State.NO_SHOW: 2,
    State.CANCELLED: 2,
}

#: Session statuses that close the session whatever the clock says.
CLOSED_STATUSES = {"completed": State.ENDED, "no_show": State.NO_SHOW, "cancelled": State.CANCELLED}


@dataclass(frozen=True)
class Policy:
    """The block's numbers (brief §4 defaults)."""

    join_window: timedelta = timedelta(minutes=15)
    no_show_after: timedelta = timedelta(minutes=15)
    end_grace: timedelta = timedelta(minutes=10)
    presence_timeout: timedelta = timedelta(seconds=45)


@dataclass(frozen=True)
class SessionFacts:
    """What the lifecycle needs to know about the session itself."""

    scheduled_start: datetime
    scheduled_end: datetime
    status: str = "scheduled"
    started_at: datetime | None = None
    ended_at: datetime | None = None


@dataclass(frozen=True)
class AttendanceFacts:
    """One participant's presence record; all ``None`` for someone who never came."""

    joined_at: datetime | None = None
    last_seen: datetime | None = None
    left_at: datetime | None = None
    last_failure_at: datetime | None = None

    def is_present(self, now: datetime, policy: Policy) -> bool:
        """In the room: seen recently, and not left since."""
        if self.last_seen is None or self.last_seen > now:
            return False
        if self.left_at is not None and self.left_at >= self.last_seen:
            return False
        return now - self.last_seen <= policy.presence_timeout

    def has_joined(self, now: datetime) -> bool:
        """Came at least once before ``now``."""
        return self.joined_at is not None and self.joined_at <= now

    def is_failing(self, now: datetime) -> bool:
        """Reported a failure and has not been seen working since."""
        if self.last_failure_at is None or self.last_failure_at > now:
            return False
        return self.last_seen is None or self.last_failure_at > self.last_seen


NOBODY = AttendanceFacts()


@dataclass(frozen=True)
class Snapshot:
    """The state plus the times the screen shows with it (all datetimes are UTC)."""

    state: State
    join_opens_at: datetime
    no_show_at: datetime
    closes_at: datetime
    scheduled_end: datetime
    seconds_until_joinable: int
    seconds_elapsed: int
    viewer_present: bool
    other_present: bool

    @property
    def can_join(self) -> bool:
        """The "Join Session" button is enabled."""
        return self.state in (State.JOINABLE, State.WAITING, State.IN_PROGRESS, State.TECHNICAL_ISSUES)


def compute(
    session: SessionFacts,
    viewer: AttendanceFacts,
    other: AttendanceFacts,
    now: datetime,
    policy: Policy = Policy(),
) -> Snapshot:
    """The viewer's state at ``now``, and the countdown, elapsed and closing times that go with it."""
    join_opens_at = session.scheduled_start - policy.join_window
    no_show_at = session.scheduled_start + policy.no_show_after
    closes_at = session.scheduled_end + policy.end_grace
    viewer_present = viewer.is_present(now, policy)
    other_present = other.is_present(now, policy)
    state = _state(session, viewer, other, now, policy, viewer_present, other_present)
    started = session.started_at or (viewer.joined_at if viewer_present else None)
    return Snapshot(
        state=state,
        join_opens_at=join_opens_at,
        no_show_at=no_show_at,
        closes_at=closes_at,
        scheduled_end=session.scheduled_end,
        seconds_until_joinable=max(0, _whole_seconds(join_opens_at - now)),
        seconds_elapsed=_elapsed(started, now) if PHASE[state] == 1 else 0,
        viewer_present=viewer_present,
        other_present=other_present,
    )


def _state(session, viewer, other, now, policy, viewer_present, other_present) -> State:
    closed = CLOSED_STATUSES.get(session.status)
    if closed is not None:
        return closed
    if session.ended_at is not None and session.ended_at <= now:
        return State.ENDED
    if now < session.scheduled_start - policy.join_window:
        return State.EARLY
    if viewer.has_joined(now) and not other.has_joined(now) and now >= session.scheduled_start + policy.no_show_after:
        return State.NO_SHOW
    if now >= session.scheduled_end + policy.end_grace and not (viewer_present or other_present):
        return State.ENDED
    if viewer.is_failing(now):
        return State.TECHNICAL_ISSUES
    if viewer_present and other_present:
        return State.IN_PROGRESS
    if viewer_present:
        return State.WAITING
    return State.JOINABLE


def _whole_seconds(delta: timedelta) -> int:
    return int(delta.total_seconds())


def _elapsed(started: datetime | None, now: datetime) -> int:
    if started is None or started > now:
        return 0
    return _whole_seconds(now - started)
