"""Close sessions whose windows have passed (brief §4), the way the lifecycle already shows them.

- No show: the no-show window (start + NO_SHOW_MINUTES) closed and at least one participant never came.
- Completed: both came, and the end plus grace passed with nobody in the room.

Both transitions are conditional UPDATEs on an open status, so whoever wins (this sweep, a webhook, the
tutor leaving) publishes ``session_ended`` once. Ending the provider's room is best effort and tried again
on the next sweep for sessions closed within ``ROOM_END_RETRY``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Q

from sessionroom_xblock.analytics import Analytics
from sessionroom_xblock.conf import setting
from sessionroom_xblock.models import TutoringSession
from sessionroom_xblock.providers.base import ProviderError
from sessionroom_xblock.providers.registry import get_provider
from sessionroom_xblock.sessions import lifecycle, presence, rooms

log = logging.getLogger(__name__)

#: How long after closing a session the sweep keeps checking that its provider room really ended.
ROOM_END_RETRY = timedelta(minutes=30)


@dataclass
class CloseResult:
    """How many sessions became no-shows or completed, and how many leftover rooms were ended."""

    no_show: int = 0
    completed: int = 0
    rooms_ended: int = 0


def close_sessions(now: datetime, analytics: Analytics, *, batch_size: int | None = None) -> CloseResult:
    """
    Close every open session whose window passed at ``now``; end provider rooms left running.

    Each session closes by its own block's numbers (stored on the session); as an author may set no-show
    grace to 0, every open session that has started is a candidate. They are read in pages of
    ``CLOSE_BATCH_SIZE``: with many sessions in progress, the ones that must close may come after a full
    page of sessions that stay open.
    """
    batch_size = batch_size or setting("CLOSE_BATCH_SIZE")
    result = CloseResult()
    candidates = TutoringSession.objects.filter(
        status__in=TutoringSession.OPEN_STATUSES, scheduled_start__lte=now
    ).order_by("scheduled_start", "pk")
    after = Q()
    while True:
        page = list(candidates.filter(after).prefetch_related("attendances")[:batch_size])
        for session in page:
            outcome = closing_outcome(session, now, rooms.session_policy(session))
            if outcome == TutoringSession.Status.NO_SHOW and _mark_no_show(session, now, analytics):
                result.no_show += 1
            elif outcome == TutoringSession.Status.COMPLETED and rooms.end_session(session, now, analytics):
                result.completed += 1
        if len(page) < batch_size:
            break
        last = page[-1]
        after = Q(scheduled_start__gt=last.scheduled_start) | Q(scheduled_start=last.scheduled_start, pk__gt=last.pk)
    result.rooms_ended = end_leftover_rooms(now)
    return result


def closing_outcome(session: TutoringSession, now: datetime, policy: lifecycle.Policy) -> str | None:
    """The status an open session should now have (no_show, completed), or None while it is still open."""
    seen = presence.recall(session.pk, session.participant_ids())
    by_user = {row.user_id: rooms.facts_of(row, seen.get(row.user_id)) for row in session.attendances.all()}
    learner = by_user.get(session.learner_id, lifecycle.NOBODY)
    tutor = by_user.get(session.tutor_id, lifecycle.NOBODY)
    facts = rooms.session_facts(session)
    if now >= session.scheduled_start + policy.no_show_after and not (
        learner.has_joined(now) and tutor.has_joined(now)
    ):
        return TutoringSession.Status.NO_SHOW
    states = {
        lifecycle.compute(facts, viewer, other, now, policy).state
        for viewer, other in ((learner, tutor), (tutor, learner))
    }
    if states == {lifecycle.State.ENDED}:
        return TutoringSession.Status.COMPLETED
    return None


def _mark_no_show(session: TutoringSession, now: datetime, analytics: Analytics) -> bool:
    """Mark the session no_show once; end the room of the one who came; publish ``session_ended``."""
    changed = TutoringSession.objects.filter(pk=session.pk, status__in=TutoringSession.OPEN_STATUSES).update(
        status=TutoringSession.Status.NO_SHOW, ended_at=now
    )
    if not changed:
        return False
    analytics.publish("session_ended", session_id=str(session.pk), duration=0)
    _end_room(session)
    return True


def end_leftover_rooms(now: datetime) -> int:
    """Ask providers about rooms of recently closed sessions; end the ones still running."""
    ended = 0
    recent = TutoringSession.objects.filter(
        status__in=(TutoringSession.Status.COMPLETED, TutoringSession.Status.NO_SHOW),
        ended_at__gte=now - ROOM_END_RETRY,
        ended_at__lte=now,
    ).exclude(provider_room_id="")
    for session in recent.only("id", "provider", "provider_room_id"):
        try:
            running = get_provider(session.provider).presence(session.provider_room_id).running
        except ProviderError as exc:
            log.warning("Could not ask about the room of session %s: %s", session.pk, exc)
            continue
        if running and _end_room(session):
            ended += 1
    return ended


def _end_room(session: TutoringSession) -> bool:
    if not (session.provider and session.provider_room_id):
        return False
    try:
        get_provider(session.provider).end_room(session.provider_room_id)
    except ProviderError as exc:
        log.warning("Could not end the room of session %s: %s", session.pk, exc)
        return False
    return True
