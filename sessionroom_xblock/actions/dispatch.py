"""The room's JSON actions, one table for both doors: XBlock handlers and the direct page's views.

Each action names whether it changes anything (only the two participants may) and turns a JSON payload
into a call on ``sessions.rooms`` and a JSON answer. Refusals come back as (status, body) with the spec's
words. The table is the union of the action modules' own tables, listed here.
"""

from __future__ import annotations

from sessionroom_xblock import errors
from sessionroom_xblock.actions import live, prejoin, room, staff
from sessionroom_xblock.actions.base import Action, ActionContext
from sessionroom_xblock.sessions import rooms

ACTIONS: dict[str, Action] = {**room.TABLE, **live.TABLE, **staff.TABLE, **prejoin.TABLE}


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
