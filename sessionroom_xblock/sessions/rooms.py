"""Room services: find, authorize, join, heartbeat, leave, report a failure, rate.

The XBlock handlers, the direct page and the provider webhooks all call these functions; they are the
only code that changes a session. Each function takes plain values, checks who is asking, and leaves the
session untouched when the video provider fails.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial

from django.core.cache import cache
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from sessionroom_xblock import compat, errors
from sessionroom_xblock.analytics import Analytics
from sessionroom_xblock.conf import setting
from sessionroom_xblock.models import FEEDBACK_COMMENT_MAX_LENGTH, Attendance, Feedback, TutoringSession
from sessionroom_xblock.providers.base import (
    JoinTicket,
    Participant,
    ProviderError,
    ProviderUnavailable,
    RoomInfo,
    RoomSpec,
)
from sessionroom_xblock.providers.registry import get_provider, resolve_provider_name
from sessionroom_xblock.sessions import lifecycle, presence

log = logging.getLogger(__name__)

ROLE_LEARNER = "learner"
ROLE_TUTOR = "tutor"
ROLE_STAFF = "staff"


@dataclass(frozen=True)
class Viewer:
    """
    Who is asking: a Django user id (None when anonymous) and whether they are staff of ``course_key``,
    the course their rights were checked for (the block's course, or the session's on the direct page).
    """

    user_id: int | None
    is_course_staff: bool = False
    course_key: object = None


@dataclass(frozen=True)
class Access:
    """A session the viewer may see, with the role they see it in."""

    session: TutoringSession
    role: str

    @property
    def is_participant(self) -> bool:
        """Learner or tutor, as opposed to staff looking on."""
        return self.role in (ROLE_LEARNER, ROLE_TUTOR)


#: The block's minute fields, the site settings that stand in for them, and the ``lifecycle.Policy`` names.
POLICY_MINUTES = (
    ("join_window_minutes", "JOIN_WINDOW_MINUTES", "join_window"),
    ("no_show_minutes", "NO_SHOW_MINUTES", "no_show_after"),
    ("end_grace_minutes", "END_GRACE_MINUTES", "end_grace"),
)


def policy_from_settings(**overrides) -> lifecycle.Policy:
    """
    The lifecycle policy: the block's numbers where given, else the site's ``SESSIONROOM`` numbers.

    An author's 0 is a number like any other (no join window, no grace); only None means "not set".
    """
    minutes = {}
    for field, site_name, name in POLICY_MINUTES:
        value = overrides.get(field)
        minutes[name] = setting(site_name) if value is None else value
    return lifecycle.Policy(
        presence_timeout=timedelta(seconds=setting("PRESENCE_TIMEOUT_SECONDS")),
        **{name: timedelta(minutes=value) for name, value in minutes.items()},
    )


def session_policy(session: TutoringSession) -> lifecycle.Policy:
    """The policy the session's block set (stored on the session), the site's numbers where it set none."""
    return policy_from_settings(**{field: getattr(session, field) for field, _site, _name in POLICY_MINUTES})


def remember_policy(session: TutoringSession, minutes: dict) -> None:
    """
    Store the block's minutes on the session, so doors without the block (the plugin's light endpoints,
    the closing sweep) use the author's numbers. Writes only when they differ from what is stored.
    """
    changed = {
        field: minutes[field] for field, _site, _name in POLICY_MINUTES if getattr(session, field) != minutes[field]
    }
    if changed:
        TutoringSession.objects.filter(pk=session.pk).update(**changed)
        for field, value in changed.items():
            setattr(session, field, value)


def parse_session_id(raw) -> uuid.UUID:
    """A session id from user input; anything that is not a UUID is a session that does not exist."""
    try:
        return uuid.UUID(str(raw))
    except (TypeError, ValueError, AttributeError) as exc:
        raise errors.not_found() from exc


def get_access(viewer: Viewer, session_id, *, write: bool) -> Access:
    """
    The session ``session_id`` if the viewer may see it (write: only the two participants may act; staff
    look only at their course's sessions).

    Refuses anonymous users and strangers with the spec's "You're not part of this session." and unknown
    ids with "Session not found. Check your dashboard.". One query (a second for staff asking about
    another course than the one their rights were checked for).
    """
    if viewer.user_id is None:
        raise errors.not_authorized()
    session = TutoringSession.objects.select_related("learner", "tutor").filter(pk=parse_session_id(session_id)).first()
    if session is None:
        raise errors.not_found()
    if viewer.user_id == session.learner_id:
        return Access(session, ROLE_LEARNER)
    if viewer.user_id == session.tutor_id:
        return Access(session, ROLE_TUTOR)
    if viewer.is_course_staff and not write and _staff_of_course(viewer, session.course_key):
        return Access(session, ROLE_STAFF)
    raise errors.not_authorized()


def _staff_of_course(viewer: Viewer, course_key) -> bool:
    """
    Staff rights hold for the course they were checked for. A session of another course (asked for through
    a block of this one) needs the user's own rights on that course: an instructor of one course must not
    read another course's sessions.
    """
    if viewer.course_key is not None and viewer.course_key == course_key:
        return True
    return compat.is_course_staff(compat.get_user(viewer.user_id), course_key)


def find_current_session(viewer: Viewer, course_key, now: datetime, policy: lifecycle.Policy):
    """The viewer's session in this course that is live now, else the next one, else None. One query."""
    if viewer.user_id is None or course_key is None:
        return None
    return (
        TutoringSession.objects.select_related("learner", "tutor")
        .filter(Q(learner_id=viewer.user_id) | Q(tutor_id=viewer.user_id))
        .filter(
            course_key=course_key,
            status__in=TutoringSession.OPEN_STATUSES,
            scheduled_end__gt=now - policy.end_grace,
        )
        .order_by("scheduled_start")
        .first()
    )


def attendance_facts(session: TutoringSession, viewer_id: int | None):
    """(viewer's, other's) attendance as lifecycle facts: one query, and the heartbeats in the cache."""
    rows = {row.user_id: row for row in Attendance.objects.filter(session=session)}
    seen = presence.recall(session.pk, session.participant_ids())
    other_id = session.other_participant_id(viewer_id) if viewer_id in session.participant_ids() else None
    return facts_of(rows.get(viewer_id), seen.get(viewer_id)), facts_of(rows.get(other_id), seen.get(other_id))


def snapshot(access: Access, now: datetime, policy: lifecycle.Policy) -> lifecycle.Snapshot:
    """The lifecycle state of the session as the viewer sees it (staff see it as the learner does)."""
    session = access.session
    viewer_id = session.tutor_id if access.role == ROLE_TUTOR else session.learner_id
    viewer, other = attendance_facts(session, viewer_id)
    return lifecycle.compute(session_facts(session), viewer, other, now, policy)


def session_facts(session: TutoringSession) -> lifecycle.SessionFacts:
    """The lifecycle's view of a session row."""
    return lifecycle.SessionFacts(
        scheduled_start=session.scheduled_start,
        scheduled_end=session.scheduled_end,
        status=session.status,
        started_at=session.started_at,
        ended_at=session.ended_at,
    )


def facts_of(row: Attendance | None, seen: presence.Seen | None = None) -> lifecycle.AttendanceFacts:
    """A participant's attendance row as lifecycle facts, with their latest heartbeat from the cache."""
    if row is None:
        return lifecycle.NOBODY
    return lifecycle.AttendanceFacts(
        joined_at=row.joined_at,
        last_seen=presence.last_seen(row.last_seen, seen),
        left_at=row.left_at,
        last_failure_at=row.last_failure_at,
    )


@dataclass(frozen=True)
class RoomLinks:
    """Absolute URLs the provider needs: where to send people after the room, where to call us back."""

    logout_url: str
    end_callback_url: str = ""
    recording_ready_url: str = ""
    webhook_url: str = ""


def room_spec(session: TutoringSession, title: str, links: RoomLinks) -> RoomSpec:
    """What the provider is asked to create for ``session``."""
    minutes = int((session.scheduled_end - session.scheduled_start).total_seconds() // 60)
    return RoomSpec(
        room_id=f"sessionroom-{session.pk}",
        title=title,
        record=session.recording_enabled,
        duration_minutes=minutes + setting("END_GRACE_MINUTES"),
        logout_url=links.logout_url,
        end_callback_url=links.end_callback_url,
        recording_ready_url=links.recording_ready_url,
        webhook_url=links.webhook_url,
        metadata={"course_key": str(session.course_key), "session_id": str(session.pk)},
    )


def join(
    access: Access,
    now: datetime,
    policy: lifecycle.Policy,
    analytics: Analytics,
    *,
    provider_name: str,
    **entry,
) -> tuple[JoinTicket, lifecycle.Snapshot]:
    """
    Enter the room: make sure the provider's room exists, hand out the join ticket, record attendance.

    The provider is asked first, before anything is written: in the LMS every request is one transaction
    (``ATOMIC_REQUESTS``), so a row written before a provider call would stay locked for as long as the
    provider takes. If it fails, the viewer has not joined, the failure is remembered (so their state is
    Technical Issues, with its "Try again", until a join works) and the caller gets the spec's
    "Video service unavailable. Try again." (a ``RoomError`` with status 503).
    """
    name = access.session.provider or resolve_provider_name(provider_name)
    return _enter(access, now, policy, analytics, name, **entry)


def _enter(
    access: Access,
    now: datetime,
    policy: lifecycle.Policy,
    analytics: Analytics,
    name: str,
    *,
    title: str,
    links: RoomLinks,
    participant: Participant,
) -> tuple[JoinTicket, lifecycle.Snapshot]:
    """Join provider ``name``'s room (asked first), then record the provider, the presence and the start."""
    require_participant(access)
    before = snapshot(access, now, policy)
    if not before.can_join:
        raise _closed_error(before.state)
    session = access.session
    spec = room_spec(session, title, links)
    try:
        provider = get_provider(name)
        room = _remembered_room(session, name, spec.room_id, now)
        if room is None:
            room = provider.ensure_room(spec)
            _remember_room(session, name, room, now, policy)
        ticket = provider.join_ticket(room, spec, participant)
    except ProviderError as exc:
        error_type = exc.error_type if isinstance(exc, ProviderUnavailable) else "not_configured"
        _record_failure(session, _viewer_id(access), now)
        analytics.publish("tech_issue", session_id=str(session.pk), error_type=error_type)
        raise errors.provider_unavailable(error_type) from exc
    if session.provider != name or session.provider_room_id != spec.room_id:
        TutoringSession.objects.filter(pk=session.pk).update(provider=name, provider_room_id=spec.room_id)
        session.provider, session.provider_room_id = name, spec.room_id
    _mark_present(session, _viewer_id(access), now)
    analytics.publish(
        "session_joined",
        session_id=str(session.pk),
        user_role=access.role,
        time_before_start=int((session.scheduled_start - now).total_seconds()),
    )
    after = snapshot(access, now, policy)
    _start_if_both_present(session, after, now, analytics)
    return ticket, after


def _room_key(session: TutoringSession, provider_name: str) -> str:
    return f"sessionroom:room:{session.pk}:{provider_name}"


def _remember_room(session, provider_name: str, room: RoomInfo, now: datetime, policy: lifecycle.Policy) -> None:
    """Remember that the provider's room exists, until the session closes at the latest."""
    lifetime = (session.scheduled_end + policy.end_grace - now).total_seconds()
    if lifetime > 0:
        cache.set(_room_key(session, provider_name), (room.room_id, room.instance), timeout=int(lifetime))


def _remembered_room(session, provider_name: str, room_id: str, now: datetime) -> RoomInfo | None:
    """
    The room created earlier, while it is certainly still running: someone was in it within
    ``ROOM_MEMORY_SECONDS``. A rejoin (a reload, a second tab, the other participant) then costs no
    provider round trip; a room left empty longer may have been ended by the provider, so it is created
    again (``create`` is idempotent).
    """
    remembered = cache.get(_room_key(session, provider_name))
    if not remembered or remembered[0] != room_id:
        return None
    rows = Attendance.objects.filter(session=session, left_at__isnull=True).values_list("user_id", "last_seen")
    seen = presence.recall(session.pk, session.participant_ids())
    window = setting("ROOM_MEMORY_SECONDS")
    for user_id, row_last_seen in rows:
        last = presence.last_seen(row_last_seen, seen.get(user_id))
        if last is not None and 0 <= (now - last).total_seconds() <= window:
            return RoomInfo(room_id=room_id, instance=remembered[1])
    return None


def forget_room(session: TutoringSession) -> None:
    """The provider's room ended or failed: the next join asks the provider again."""
    cache.delete(_room_key(session, session.provider))


def fall_back(
    access: Access, now: datetime, policy: lifecycle.Policy, analytics: Analytics, **join_args
) -> tuple[JoinTicket, lifecycle.Snapshot]:
    """
    The direct (p2p) connection could not be made in time: move the session to the media server named as
    the p2p provider's ``FALLBACK`` and join that room instead.

    The switch is recorded on the session once the media server has made the room (never before: see
    ``join``), so the other participant's fallback (and any later rejoin) lands in the same room. Without a
    fallback the caller gets "Unable to connect." (409).
    """
    require_participant(access)
    session = access.session
    fallback = ((setting("PROVIDERS") or {}).get("p2p") or {}).get("FALLBACK", "")
    if not fallback or fallback == "p2p":
        raise errors.RoomError(409, "no_fallback", errors.CONNECTION_FAILED)
    name = fallback if session.provider in ("", "p2p") else session.provider
    join_args.pop("provider_name", None)
    return _enter(access, now, policy, analytics, name, **join_args)


def heartbeat(access: Access, now: datetime, policy: lifecycle.Policy, analytics: Analytics) -> lifecycle.Snapshot:
    """
    The browser is still in the room: refresh presence and return the new state.

    Presence goes to the cache; the attendance row is written only when the viewer (re)appears or its
    ``last_seen`` is older than ``PRESENCE_FLUSH_SECONDS`` (then with the seconds present since). Two
    queries (the session before this, the attendance rows here) and no write in the common case.
    """
    require_participant(access)
    session = access.session
    me = _viewer_id(access)
    if not presence.heartbeat_allowed(session.pk, me):
        raise errors.RoomError(
            429,
            "rate_limited",
            errors.gettext_noop("Too many requests. Wait a moment."),
            retry_after=presence.heartbeat_floor(),
        )
    other = session.other_participant_id(me)
    rows = {row.user_id: row for row in Attendance.objects.filter(session=session)}
    seen = presence.recall(session.pk, (me, other))
    other_facts = facts_of(rows.get(other), seen.get(other))
    facts = lifecycle.compute(session_facts(session), facts_of(rows.get(me), seen.get(me)), other_facts, now, policy)
    row = rows.get(me)
    if lifecycle.PHASE[facts.state] == 2 or row is None or row.joined_at is None or row.left_at is not None:
        return facts  # closed, or not in the room: a heartbeat does not enter anyone
    last = presence.last_seen(row.last_seen, seen.get(me))
    pending = (seen[me].pending_seconds if me in seen else 0) + _seconds_since(last, now)
    if not facts.viewer_present or presence.flush_due(row.last_seen, now):
        Attendance.objects.filter(pk=row.pk).update(last_seen=now, seconds_present=F("seconds_present") + pending)
        row.last_seen, pending = now, 0
    presence.remember(session.pk, me, now, pending)
    viewer_facts = facts_of(row, presence.Seen(now, pending))
    after = lifecycle.compute(session_facts(session), viewer_facts, other_facts, now, policy)
    _start_if_both_present(session, after, now, analytics)
    return after


def leave(
    access: Access, now: datetime, policy: lifecycle.Policy, analytics: Analytics, *, closing: bool = False
) -> lifecycle.Snapshot:
    """
    Leave the room. The tutor's "Leave session" ends the session for both (1-on-1: nobody to wait for);
    the learner leaving keeps it open so they can come back. A tab that closes or reloads (``closing``)
    only records the leave, whoever it belongs to: a tutor's reload must not end the learner's session.
    """
    require_participant(access)
    session = access.session
    me = _viewer_id(access)
    with transaction.atomic():
        row, _ = Attendance.objects.select_for_update().get_or_create(session=session, user_id=me)
        if row.joined_at is not None and row.left_at is None:
            seen = presence.recall(session.pk, (me,)).get(me)
            row.left_at = now
            row.last_seen = presence.last_seen(row.last_seen, seen)
            row.seconds_present += (seen.pending_seconds if seen else 0) + _seconds_since(row.last_seen, now)
            row.save(update_fields=["left_at", "last_seen", "seconds_present"])
    presence.forget(session.pk, me)
    if access.role == ROLE_TUTOR and not closing:
        end_session(session, now, analytics)
    return snapshot(access, now, policy)


def end_session(session: TutoringSession, now: datetime, analytics: Analytics, *, end_provider_room: bool = True):
    """
    Close an open session as completed, once: ``session_ended`` is published by whoever wins the update.

    Ending the provider's room is best effort: the session is closed on our side either way, and a
    sweep ends rooms left running. It happens once the closing is committed (``on_commit``: at once
    outside a transaction, after the request in the LMS's ``ATOMIC_REQUESTS``), so the session row is not
    held locked while the provider answers.
    """
    closed = TutoringSession.objects.filter(pk=session.pk, status__in=TutoringSession.OPEN_STATUSES).update(
        status=TutoringSession.Status.COMPLETED, ended_at=now
    )
    if not closed:
        return False
    session.status, session.ended_at = TutoringSession.Status.COMPLETED, now
    flush_presence(session)
    started = session.started_at or now
    analytics.publish("session_ended", session_id=str(session.pk), duration=int((now - started).total_seconds()))
    if end_provider_room and session.provider and session.provider_room_id:
        transaction.on_commit(partial(_end_room, session.pk, session.provider, session.provider_room_id), robust=True)
    return True


def _end_room(session_id, provider_name: str, room_id: str) -> None:
    """Ask the provider to end a room (ending one already ended changes nothing)."""
    try:
        get_provider(provider_name).end_room(room_id)
    except ProviderError as exc:
        log.warning("Could not end room of session %s: %s", session_id, exc)


def flush_presence(session: TutoringSession) -> None:
    """Write the cached heartbeats and presence seconds of both participants to their rows (the session closed)."""
    for user_id, seen in presence.recall(session.pk, session.participant_ids()).items():
        Attendance.objects.filter(session=session, user_id=user_id, left_at__isnull=True).update(
            last_seen=seen.last_seen, seconds_present=F("seconds_present") + seen.pending_seconds
        )
        presence.forget(session.pk, user_id)


def report_failure(access: Access, now: datetime, analytics: Analytics, error_type: str) -> None:
    """The browser could not connect (media, provider frame, network): remember it and tell analytics."""
    require_participant(access)
    require_not_cancelled(access)
    forget_room(access.session)
    _record_failure(access.session, _viewer_id(access), now)
    analytics.publish("tech_issue", session_id=str(access.session.pk), error_type=_bounded_token(error_type))


def _record_failure(session: TutoringSession, user_id: int, now: datetime) -> None:
    Attendance.objects.update_or_create(session=session, user_id=user_id, defaults={"last_failure_at": now})


def submit_feedback(access: Access, now: datetime, policy: lifecycle.Policy, analytics: Analytics, payload: dict):
    """
    Rate the session 1..5 with an optional comment. A second submit updates the first.

    Allowed once the viewer has been in the room or the session is closed: rating a session that has
    not happened yet makes no sense.
    """
    require_participant(access)
    rating = payload.get("rating")
    if isinstance(rating, bool) or not isinstance(rating, int) or not 1 <= rating <= 5:
        raise errors.invalid(errors.gettext_noop("Choose a rating from 1 to 5 stars."), "rating")
    comment = payload.get("comment", "")
    if not isinstance(comment, str):
        raise errors.invalid(errors.gettext_noop("The comment must be text."), "comment")
    comment = comment.strip()
    if len(comment) > FEEDBACK_COMMENT_MAX_LENGTH:
        raise errors.invalid(errors.gettext_noop("The comment is too long (2000 characters at most)."), "comment")
    state = snapshot(access, now, policy).state
    if state in (lifecycle.State.EARLY, lifecycle.State.CANCELLED):
        raise errors.RoomError(
            409, "not_yet", errors.gettext_noop("You can rate this session after it has taken place.")
        )
    feedback, created = Feedback.objects.update_or_create(
        session=access.session, author_id=_viewer_id(access), defaults={"rating": rating, "comment": comment}
    )
    analytics.publish("feedback_submitted", session_id=str(access.session.pk), rating=rating, user_role=access.role)
    return feedback, created


def require_participant(access: Access) -> None:
    """Staff may look but not act."""
    if not access.is_participant:
        raise errors.not_authorized()


def require_not_cancelled(access: Access) -> None:
    """
    A cancelled session never took place: nothing more is written to it (notes, links, failures). A session
    that closed after taking place still takes what arrives as its room shuts (the room saves unsaved notes
    after the tutor's leave has ended the session).
    """
    if access.session.status == TutoringSession.Status.CANCELLED:
        raise errors.session_ended()


def _viewer_id(access: Access) -> int:
    return access.session.tutor_id if access.role == ROLE_TUTOR else access.session.learner_id


def _closed_error(state: lifecycle.State) -> errors.RoomError:
    if state == lifecycle.State.EARLY:
        return errors.RoomError(409, "early", errors.gettext_noop("This session is not open yet."))
    if state == lifecycle.State.CANCELLED:
        return errors.RoomError(409, "cancelled", errors.SESSION_CANCELLED)
    return errors.session_ended()


def _mark_present(session: TutoringSession, user_id: int, now: datetime) -> None:
    """Write the viewer's joining (with the presence seconds the cache still held) and their heartbeat."""
    with transaction.atomic():
        row, _ = Attendance.objects.select_for_update().get_or_create(session=session, user_id=user_id)
        if row.joined_at is None:
            row.joined_at = now
        if row.left_at is None:
            seen = presence.recall(session.pk, (user_id,)).get(user_id)
            last = presence.last_seen(row.last_seen, seen)
            row.seconds_present += (seen.pending_seconds if seen else 0) + _seconds_since(last, now)
        row.last_seen = now
        row.left_at = None
        row.save()
    presence.remember(session.pk, user_id, now)


def _seconds_since(last_seen: datetime | None, now: datetime) -> int:
    """Seconds of presence since the last heartbeat, capped so a long gap is not counted as presence."""
    if last_seen is None or last_seen > now:
        return 0
    cap = setting("PRESENCE_TIMEOUT_SECONDS")
    return int(min((now - last_seen).total_seconds(), cap))


def _start_if_both_present(session: TutoringSession, snap: lifecycle.Snapshot, now: datetime, analytics) -> None:
    """The first time both are in the room, the session starts: once, whoever's request gets there first."""
    if not (snap.viewer_present and snap.other_present) or session.started_at is not None:
        return
    started = TutoringSession.objects.filter(
        pk=session.pk, started_at__isnull=True, status=TutoringSession.Status.SCHEDULED
    ).update(started_at=now, status=TutoringSession.Status.IN_PROGRESS)
    if started:
        session.started_at, session.status = now, TutoringSession.Status.IN_PROGRESS
        analytics.publish("session_started", session_id=str(session.pk))


def _bounded_token(value) -> str:
    """A short, safe identifier from client input (error types are ours, but the client sends them)."""
    text = str(value or "unknown")[:40]
    return "".join(ch for ch in text if ch.isalnum() or ch in "_-") or "unknown"


def now_utc() -> datetime:
    """The current time, aware and in UTC."""
    return timezone.now()
