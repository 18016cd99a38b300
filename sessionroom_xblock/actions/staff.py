"""JSON actions that schedule sessions from inside the block: course staff's, and the tutor's next session.

Staff actions are course-scoped (listing and creating name no session yet), so they have a small
dispatch of their own behind the block's ``staff`` handler; every one checks that the viewer is staff
of this course and only touches sessions of this course. The tutor's "Book Next Session" is a room
action on the session that just ended, registered in ``room_api``'s table.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace

from sessionroom_xblock import errors
from sessionroom_xblock.actions.base import ActionContext, ActionTable
from sessionroom_xblock.models import TutoringSession
from sessionroom_xblock.screens.staff_view import StaffScope, prefix_for, render_sessions
from sessionroom_xblock.sessions import rooms, scheduling
from sessionroom_xblock.sessions.rooms import ROLE_TUTOR, Access, Viewer
from sessionroom_xblock.zones import zone

_ = errors.gettext_noop
#: Room actions of this module (``dispatch`` lists them).
TABLE = ActionTable()


@dataclass(frozen=True)
class StaffContext:
    """The staff member, the course they manage, and how sessions booked here are set up."""

    viewer: Viewer
    scope: StaffScope
    usage_key: object = None
    recording_enabled: bool = False
    #: The block's lifecycle minutes, stored on every session booked here.
    policy_minutes: dict = field(default_factory=dict)


StaffAction = Callable[[StaffContext, dict], dict]
STAFF_ACTIONS: dict[str, StaffAction] = {}


def staff_action(name: str):
    """Register a function as the staff action ``name``."""

    def register(func):
        STAFF_ACTIONS[name] = func
        return func

    return register


def dispatch(name: str, ctx: StaffContext, payload) -> tuple[int, dict]:
    """Run staff action ``name``; (HTTP status, JSON body). Refuses anyone who is not staff of the course."""
    gettext = ctx.scope.i18n_service.gettext
    run = STAFF_ACTIONS.get(name)
    if run is None:
        return 404, {"error": "unknown_action", "message": gettext("Unknown action.")}
    if not isinstance(payload, dict):
        return 400, {"error": "invalid", "message": gettext("The request body must be a JSON object.")}
    try:
        if ctx.viewer.user_id is None or not ctx.viewer.is_course_staff or ctx.scope.course_key is None:
            raise errors.RoomError(403, "not_staff", _("Only course staff can schedule sessions."))
        zone_name = payload.get("time_zone") or ctx.scope.time_zone
        if zone(zone_name).key != zone_name:
            raise scheduling.invalid(_("Choose a time zone."), "time_zone")
        return 200, run(replace(ctx, scope=replace(ctx.scope, time_zone=zone_name)), payload)
    except errors.RoomError as exc:
        return exc.status, exc.as_payload(gettext)


def _answer(ctx: StaffContext, message: str = "", session: TutoringSession | None = None) -> dict:
    """Every staff answer carries the refreshed list, so the page shows what the database now holds."""
    body = {"html": render_sessions(ctx.scope, prefix_for(ctx.scope.block_id)), "message": message}
    if session is not None:
        body["session"] = str(session.pk)
    return body


def _when(payload: dict, zone_name: str):
    """(start, end) in UTC from the form's date, time, length and time zone."""
    start = scheduling.local_to_utc(payload.get("date", ""), payload.get("time", ""), zone_name)
    return start, scheduling.duration_end(start, payload.get("duration"))


def _course_session(ctx: StaffContext, payload: dict) -> TutoringSession:
    """A session of this course (sessions of other courses do not exist for this staff view)."""
    session = (
        TutoringSession.objects.select_related("learner", "tutor")
        .filter(pk=rooms.parse_session_id(payload.get("session")), course_key=ctx.scope.course_key)
        .first()
    )
    if session is None:
        raise errors.not_found()
    return session


def booked_message(gettext, template: str, session: TutoringSession, zone_name: str) -> str:
    """ "… booked for 2026-11-26 14:00 (Europe/Madrid)." in the viewer's language and zone."""
    start = session.scheduled_start.astimezone(zone(zone_name))
    return gettext(template).format(start=start.strftime("%Y-%m-%d %H:%M"), zone=zone_name)


@staff_action("list")
def list_sessions(ctx: StaffContext, payload: dict) -> dict:
    """The course's sessions, in the requested time zone."""
    return _answer(ctx)


@staff_action("create")
def create_session(ctx: StaffContext, payload: dict) -> dict:
    """Schedule a session for a learner and a tutor named by username or email."""
    learner = scheduling.resolve_user(payload.get("learner"), "learner")
    tutor = scheduling.resolve_user(payload.get("tutor"), "tutor")
    start, end = _when(payload, ctx.scope.time_zone)
    booking = scheduling.Booking(
        course_key=ctx.scope.course_key,
        usage_key=ctx.usage_key,
        learner=learner,
        tutor=tutor,
        start=start,
        end=end,
        recording_enabled=ctx.recording_enabled,
        policy=ctx.policy_minutes,
    )
    session = scheduling.create(booking, ctx.scope.now, time_zone=ctx.scope.time_zone)
    message = booked_message(
        ctx.scope.i18n_service.gettext, _("Session scheduled for {start} ({zone})."), session, ctx.scope.time_zone
    )
    return _answer(ctx, message, session)


@staff_action("reschedule")
def reschedule_session(ctx: StaffContext, payload: dict) -> dict:
    """Move a session of this course that has not started."""
    session = _course_session(ctx, payload)
    start, end = _when(payload, ctx.scope.time_zone)
    scheduling.reschedule(session, start, end, ctx.scope.now, time_zone=ctx.scope.time_zone)
    message = booked_message(
        ctx.scope.i18n_service.gettext, _("Session moved to {start} ({zone})."), session, ctx.scope.time_zone
    )
    return _answer(ctx, message, session)


@staff_action("cancel")
def cancel_session(ctx: StaffContext, payload: dict) -> dict:
    """Cancel a session of this course that has not started."""
    session = scheduling.cancel(_course_session(ctx, payload))
    return _answer(ctx, ctx.scope.i18n_service.gettext("Session cancelled."), session)


@TABLE.action("propose_next", writes=True)
def propose_next(access: Access, ctx: ActionContext, payload: dict) -> dict:
    """
    The tutor books the next session with the same learner, in the same course and room, when the site
    has no booking system. Same checks as staff scheduling (times, clashes).
    """
    if access.role != ROLE_TUTOR:
        raise errors.not_authorized()
    zone_name = payload.get("time_zone") or ctx.time_zone or "UTC"
    start, end = _when(payload, zone_name)
    previous = access.session
    booking = scheduling.Booking(
        course_key=previous.course_key,
        usage_key=previous.usage_key,
        learner=previous.learner,
        tutor=previous.tutor,
        start=start,
        end=end,
        recording_enabled=previous.recording_enabled,
        policy={name: getattr(previous, name) for name in TutoringSession.POLICY_FIELDS},
    )
    session = scheduling.create(booking, ctx.now, time_zone=zone_name)
    return {
        "session": str(session.pk),
        "message": booked_message(ctx.gettext, _("Next session booked for {start} ({zone})."), session, zone_name),
    }
