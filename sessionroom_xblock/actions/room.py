"""The core room actions: state, join, heartbeat, leave, failure and feedback."""

from __future__ import annotations

from sessionroom_xblock.actions.base import ActionContext, ActionTable, enter, state_answer
from sessionroom_xblock.sessions import rooms
from sessionroom_xblock.sessions.rooms import Access

TABLE = ActionTable()


@TABLE.action("state", writes=False)
def get_state(access: Access, ctx: ActionContext, payload: dict) -> dict:
    """Where the session stands for this viewer."""
    return state_answer(access, ctx, rooms.snapshot(access, ctx.now, ctx.policy))


@TABLE.action("join", writes=True)
def join_room(access: Access, ctx: ActionContext, payload: dict) -> dict:
    """Enter the room: the join ticket for the browser and the new state."""
    return enter(access, ctx, rooms.join)


@TABLE.action("heartbeat", writes=True)
def beat(access: Access, ctx: ActionContext, payload: dict) -> dict:
    """Still here."""
    return state_answer(access, ctx, rooms.heartbeat(access, ctx.now, ctx.policy, ctx.analytics))


@TABLE.action("leave", writes=True)
def leave_room(access: Access, ctx: ActionContext, payload: dict) -> dict:
    """Leave (the tutor's leave ends the session, unless it is only their tab closing)."""
    closing = payload.get("closing") is True
    return state_answer(access, ctx, rooms.leave(access, ctx.now, ctx.policy, ctx.analytics, closing=closing))


@TABLE.action("failure", writes=True)
def report_failure(access: Access, ctx: ActionContext, payload: dict) -> dict:
    """The browser could not connect; the answer is the new state (Technical Issues)."""
    rooms.report_failure(access, ctx.now, ctx.analytics, payload.get("error_type", "unknown"))
    return state_answer(access, ctx, rooms.snapshot(access, ctx.now, ctx.policy))


@TABLE.action("feedback", writes=True)
def rate(access: Access, ctx: ActionContext, payload: dict) -> dict:
    """Rate the session; a second submit updates the first."""
    feedback, created = rooms.submit_feedback(access, ctx.now, ctx.policy, ctx.analytics, payload)
    return {
        "rating": feedback.rating,
        "comment": feedback.comment,
        "created": created,
        "message": ctx.gettext("Thank you for your feedback."),
    }
