"""The room's JSON actions, one table for both doors: XBlock handlers and the direct page's views.

Each action names whether it changes anything (only the two participants may) and turns a JSON payload
into a call on ``sessions.rooms`` and a JSON answer. Refusals come back as (status, body) with the spec's
words. The table is the union of the action modules' own tables, listed here.
"""

from __future__ import annotations

from dataclasses import replace

from sessionroom_xblock import errors
from sessionroom_xblock.actions import live, prejoin, room, staff
from sessionroom_xblock.actions.base import Action, ActionContext
from sessionroom_xblock.sessions import rooms

ACTIONS: dict[str, Action] = {**room.TABLE, **live.TABLE, **staff.TABLE, **prejoin.TABLE}
#: Actions that need the block itself (its provider choice, the runtime's translations and user service);
#: the block's scripts send every other action to the plugin's light endpoint, which loads no course or
#: block per call. These are rare (a join, a fallback, a request by email).
NEEDS_BLOCK = frozenset({"join", "fallback", "propose_next", "reschedule_request"})


def dispatch(name: str, ctx: ActionContext, payload) -> tuple[int, dict]:
    """Run action ``name`` for ``payload``; (HTTP status, JSON body)."""
    entry = ACTIONS.get(name)
    if entry is None:
        return 404, {"error": "unknown_action", "message": ctx.gettext("Unknown action.")}
    if not isinstance(payload, dict):
        return 400, {"error": "invalid", "message": ctx.gettext("The request body must be a JSON object.")}
    try:
        access = rooms.get_access(ctx.viewer, payload.get("session"), write=entry.writes)
        if ctx.block_policy is not None and access.is_participant:
            rooms.remember_policy(access.session, ctx.block_policy)
        ctx = replace(ctx, policy=rooms.session_policy(access.session))
        return 200, entry.run(access, ctx, payload)
    except errors.RoomError as exc:
        return exc.status, exc.as_payload(ctx.gettext)
