"""The room's JSON actions, one table for both doors: XBlock handlers and the direct page's views.

Each action names whether it changes anything (only the two participants may) and turns a JSON payload
into a call on ``rooms`` and a JSON answer. Refusals come back as (status, body) with the spec's words.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sessionroom_xblock import compat, errors, presenters, rooms
from sessionroom_xblock.analytics import Analytics
from sessionroom_xblock.lifecycle import Policy
from sessionroom_xblock.providers.base import Participant
from sessionroom_xblock.rooms import ROLE_TUTOR, Access, RoomLinks, Viewer


@dataclass
class ActionContext:
    """Who asks, when, under which settings, and how to reach analytics, links and translations."""

    viewer: Viewer
    now: datetime
    policy: Policy
    settings: presenters.RoomSettings
    analytics: Analytics
    links_for: Callable[[object], RoomLinks]
    gettext: Callable[[str], str]
    time_zone: str = ""


@dataclass(frozen=True)
class Action:
    """One JSON action: the function, and whether it changes state (participants only)."""

    run: Callable[[Access, ActionContext, dict], dict]
    writes: bool


ACTIONS: dict[str, Action] = {}


def action(name: str, *, writes: bool):
    """Register a function as the JSON action ``name``."""

    def register(func):
        ACTIONS[name] = Action(func, writes)
        return func

    return register


def dispatch(name: str, ctx: ActionContext, payload) -> tuple[int, dict]:
    """Run action ``name`` for ``payload``; (HTTP status, JSON body)."""
    entry = ACTIONS.get(name)
    if entry is None:
        return 404, {"error": "unknown_action", "message": ctx.gettext("Unknown action.")}
    if not isinstance(payload, dict):
        return 400, {"error": "invalid", "message": ctx.gettext("The request body must be a JSON object.")}
    try:
        access = rooms.get_access(ctx.viewer, payload.get("session"), write=entry.writes)
        return 200, entry.run(access, ctx, payload)
    except errors.RoomError as exc:
        return exc.status, exc.as_payload(ctx.gettext)


def page_for(access: Access, ctx: ActionContext, snapshot) -> presenters.Page:
    """The presenter's page for an answer that carries the state."""
    return presenters.Page(access=access, snapshot=snapshot, settings=ctx.settings, urls={}, time_zone=ctx.time_zone)


def state_answer(access: Access, ctx: ActionContext, snapshot) -> dict:
    """The state payload the browser renders."""
    return presenters.state_payload(page_for(access, ctx, snapshot), ctx.gettext)


@action("state", writes=False)
def get_state(access: Access, ctx: ActionContext, payload: dict) -> dict:
    """Where the session stands for this viewer."""
    return state_answer(access, ctx, rooms.snapshot(access, ctx.now, ctx.policy))


@action("join", writes=True)
def join_room(access: Access, ctx: ActionContext, payload: dict) -> dict:
    """Enter the room: the join ticket for the browser and the new state."""
    return enter(access, ctx, rooms.join)


def enter(access: Access, ctx: ActionContext, service) -> dict:
    """Run a joining service (``rooms.join`` or ``rooms.fall_back``) and answer with its ticket and state."""
    viewer, _other = presenters.participants(access.session, access.role)
    participant = Participant(
        user_id=str(viewer.user_id),
        full_name=viewer.name,
        avatar_url=viewer.avatar_url,
        is_moderator=access.role == ROLE_TUTOR,
    )
    ticket, snapshot = service(
        access,
        ctx.now,
        ctx.policy,
        ctx.analytics,
        provider_name=ctx.settings.provider,
        title=compat.course_title(access.session.course_key),
        links=ctx.links_for(access.session),
        participant=participant,
    )
    return {
        "ticket": {"kind": ticket.kind, "url": ticket.url, "config": ticket.config},
        "state": state_answer(access, ctx, snapshot),
    }


@action("heartbeat", writes=True)
def beat(access: Access, ctx: ActionContext, payload: dict) -> dict:
    """Still here."""
    return state_answer(access, ctx, rooms.heartbeat(access, ctx.now, ctx.policy, ctx.analytics))


@action("leave", writes=True)
def leave_room(access: Access, ctx: ActionContext, payload: dict) -> dict:
    """Leave (the tutor's leave ends the session, unless it is only their tab closing)."""
    closing = payload.get("closing") is True
    return state_answer(access, ctx, rooms.leave(access, ctx.now, ctx.policy, ctx.analytics, closing=closing))


@action("failure", writes=True)
def report_failure(access: Access, ctx: ActionContext, payload: dict) -> dict:
    """The browser could not connect; the answer is the new state (Technical Issues)."""
    rooms.report_failure(access, ctx.now, ctx.analytics, payload.get("error_type", "unknown"))
    return state_answer(access, ctx, rooms.snapshot(access, ctx.now, ctx.policy))


@action("feedback", writes=True)
def rate(access: Access, ctx: ActionContext, payload: dict) -> dict:
    """Rate the session; a second submit updates the first."""
    feedback, created = rooms.submit_feedback(access, ctx.now, ctx.policy, ctx.analytics, payload)
    return {
        "rating": feedback.rating,
        "comment": feedback.comment,
        "created": created,
        "message": ctx.gettext("Thank you for your feedback."),
    }


# Actions that live with their own concern register themselves in ACTIONS on import: the tutor's
# "Book Next Session" with the scheduling actions, the live room's signaling, chat, notes and links,
# and the pre-join screen's reschedule request.
from sessionroom_xblock import live_actions, staff_actions, ui_actions  # noqa: E402, F401
