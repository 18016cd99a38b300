"""What every room action shares: who asks (the context), the table an action module registers in, and the
answers that carry the state.

Action modules (``room``, ``live``, ``staff``, ``prejoin``) each fill their own ``ActionTable``;
``dispatch`` lists them explicitly, so nothing registers itself by being imported.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sessionroom_xblock import compat
from sessionroom_xblock.analytics import Analytics
from sessionroom_xblock.providers.base import Participant
from sessionroom_xblock.screens import presenters
from sessionroom_xblock.sessions.lifecycle import Policy
from sessionroom_xblock.sessions.rooms import ROLE_TUTOR, Access, RoomLinks, Viewer


@dataclass
class ActionContext:
    """
    Who asks, when, under which settings, and how to reach analytics, links and translations.

    ``policy`` is the session's own (``rooms.session_policy``), set by ``dispatch`` once the session is
    known. ``block_policy`` is the block's minutes when the XBlock handler asks: they are stored on the
    session first, so the light endpoints and the sweeps use the author's numbers too.
    """

    viewer: Viewer
    now: datetime
    settings: presenters.RoomSettings
    analytics: Analytics
    links_for: Callable[[object], RoomLinks]
    gettext: Callable[[str], str]
    time_zone: str = ""
    block_policy: dict | None = None
    policy: Policy | None = None


@dataclass(frozen=True)
class Action:
    """One JSON action: the function, and whether it changes state (participants only)."""

    run: Callable[[Access, ActionContext, dict], dict]
    writes: bool


class ActionTable(dict):
    """The actions of one module by name; ``@TABLE.action("name", writes=...)`` adds one."""

    def action(self, name: str, *, writes: bool):
        """Register a function as the JSON action ``name``."""

        def register(func):
            self[name] = Action(func, writes)
            return func

        return register


def page_for(access: Access, ctx: ActionContext, snapshot) -> presenters.Page:
    """The presenter's page for an answer that carries the state."""
    return presenters.Page(access=access, snapshot=snapshot, settings=ctx.settings, urls={}, time_zone=ctx.time_zone)


def state_answer(access: Access, ctx: ActionContext, snapshot) -> dict:
    """The state payload the browser renders."""
    return presenters.state_payload(page_for(access, ctx, snapshot), ctx.gettext)


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
