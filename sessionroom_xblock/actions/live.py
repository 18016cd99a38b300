"""The live room's actions: WebRTC signaling for the p2p provider, text chat, shared notes, resource links.

Signaling is short-polled rather than long-polled: an LMS runs a fixed pool of synchronous workers, and a
request parked for seconds per participant would take one of them away from everybody else. The browser
polls quickly only while a connection is being set up (see ``static/js/p2p.js``), and the messages live
in the cache (``sessions.mailbox``), not the database.

Every write is bounded (size, count, a per-sender rate through the cache, and totals per session) because
both participants' browsers can send anything. Signaling and chat are open only around the session's
window: from the join window's opening until the end plus grace (or while the session is in progress).
"""

from __future__ import annotations

import json
import uuid
from urllib.parse import urlparse

from django.core.cache import cache
from django.db.models import F

from sessionroom_xblock import compat, errors
from sessionroom_xblock.actions.base import ActionContext, ActionTable, enter
from sessionroom_xblock.models import ChatMessage, ResourceLink, TutoringSession
from sessionroom_xblock.sessions import mailbox, rooms
from sessionroom_xblock.sessions.rooms import ROLE_TUTOR, Access

SIGNAL_KINDS = ("hello", "offer", "answer", "candidate", "bye")
SIGNAL_MAX_BYTES = 16 * 1024
CHAT_MAX_LENGTH = 2000
CHAT_BATCH = 100
#: Chat lines one browser may hand over at once (the data channel's persistence writes).
CHAT_SEND_BATCH = 50
#: Chat lines a session keeps at most (both participants together).
CHAT_PER_SESSION = 2000
NOTES_MAX_LENGTH = 20_000
LINK_TITLE_MAX_LENGTH = 200
LINK_URL_MAX_LENGTH = 1000
LINKS_PER_SESSION = 50
#: Messages per second per sender and kind of write. ICE gathering sends a burst of candidates.
RATE_LIMITS = {"signal": 20, "chat": 5, "notes": 5, "link": 2}

TABLE = ActionTable()


def check_rate(scope: str, access: Access, ctx: ActionContext, count: int = 1) -> None:
    """Refuse with 429 once the sender has written ``RATE_LIMITS[scope]`` times in the current second."""
    second = int(ctx.now.timestamp())
    key = f"sessionroom:rate:{scope}:{access.session.pk}:{ctx.viewer.user_id}:{second}"
    cache.add(key, 0, timeout=5)
    try:
        total = cache.incr(key, count)
    except ValueError:  # expired between add and incr: this is the first write of a new window
        cache.set(key, count, timeout=5)
        total = count
    if total > RATE_LIMITS[scope]:
        raise errors.RoomError(
            429, "rate_limited", errors.gettext_noop("Too many messages. Wait a moment."), retry_after=1
        )


def require_open(access: Access) -> None:
    """Signaling and chat need a session that has not been closed."""
    if access.session.status not in TutoringSession.OPEN_STATUSES:
        raise errors.session_ended()


def require_live(access: Access, ctx: ActionContext) -> None:
    """
    Signaling and chat writes: an open session, inside its window (join window open until the end plus
    grace; a session still in progress stays open until the closing sweep ends it).
    """
    require_open(access)
    session = access.session
    if ctx.now < session.scheduled_start - ctx.policy.join_window:
        raise errors.RoomError(409, "early", errors.gettext_noop("This session is not open yet."))
    over = ctx.now >= session.scheduled_end + ctx.policy.end_grace
    if over and session.status != TutoringSession.Status.IN_PROGRESS:
        raise errors.session_ended()


def viewer_id(access: Access) -> int:
    """The participant's user id (staff read as the learner does)."""
    return access.session.tutor_id if access.role == ROLE_TUTOR else access.session.learner_id


def other_id(access: Access) -> int:
    """The other participant's user id."""
    return access.session.other_participant_id(viewer_id(access))


def cursor_of(payload: dict) -> int:
    """The client's read position: the id of the last message it has, 0 for none."""
    cursor = payload.get("cursor", 0)
    if isinstance(cursor, bool) or not isinstance(cursor, int) or cursor < 0:
        raise errors.invalid(errors.gettext_noop("The cursor must be a message id."), "cursor")
    return cursor


def text_of(payload: dict, name: str, limit: int, *, required: bool = True) -> str:
    """A stripped text field of at most ``limit`` characters."""
    value = payload.get(name, "")
    if not isinstance(value, str):
        raise errors.invalid(errors.gettext_noop("This field must be text."), name)
    value = value.strip()
    if required and not value:
        raise errors.invalid(errors.gettext_noop("This field cannot be empty."), name)
    if len(value) > limit:
        raise errors.invalid(errors.gettext_noop("This text is too long."), name)
    return value


# Signaling --------------------------------------------------------------------------------------------


@TABLE.action("signal_send", writes=True)
def signal_send(access: Access, ctx: ActionContext, payload: dict) -> dict:
    """
    Queue signaling messages for the other participant, in order: ``{"messages": [{"kind", "data"}, ...]}``
    (or one message as ``{"kind", "data"}``). Batching lets an offer and its ICE candidates share a request.

    ``hello`` starts a call attempt over: it clears whatever both browsers had queued for an earlier
    attempt (an offer for a page that has since reloaded would only confuse the new one).
    """
    require_live(access, ctx)
    items = payload.get("messages", [payload])
    if not isinstance(items, list) or not 0 < len(items) <= RATE_LIMITS["signal"]:
        raise errors.invalid(errors.gettext_noop("Send 1 to 20 signaling messages at a time."), "messages")
    messages = [_signal_message(item) for item in items]
    check_rate("signal", access, ctx, len(messages))
    restart = any(kind == "hello" for kind, _data, _size in messages)
    mailbox.post(access.session.pk, viewer_id(access), other_id(access), messages, restart=restart)
    return {"sent": len(messages)}


def _signal_message(item) -> tuple[str, object, int]:
    """(kind, data, size in bytes) of one message, or a 400."""
    kind = item.get("kind") if isinstance(item, dict) else None
    if kind not in SIGNAL_KINDS:
        raise errors.invalid(errors.gettext_noop("Unknown signaling message."), "kind")
    size = len(json.dumps(item.get("data"), separators=(",", ":")).encode())
    if size > SIGNAL_MAX_BYTES:
        raise errors.invalid(errors.gettext_noop("The signaling message is too large."), "data")
    return kind, item.get("data"), size


@TABLE.action("signal_poll", writes=True)
def signal_poll(access: Access, ctx: ActionContext, payload: dict) -> dict:
    """
    The other participant's messages after ``cursor``, oldest first. One query (the session) and one to
    three cache round trips; reading with a cursor acknowledges everything up to it.
    """
    require_open(access)
    messages, cursor = mailbox.read(access.session.pk, viewer_id(access), cursor_of(payload))
    return {"messages": messages, "cursor": cursor}


@TABLE.action("fallback", writes=True)
def fallback(access: Access, ctx: ActionContext, payload: dict) -> dict:
    """The direct connection failed: join the configured media-server room instead (ticket + state)."""
    return enter(access, ctx, rooms.fall_back)


# Chat -------------------------------------------------------------------------------------------------


@TABLE.action("chat_send", writes=True)
def chat_send(access: Access, ctx: ActionContext, payload: dict) -> dict:
    """
    Post a chat line (1-2000 characters): ``{"text"}``; or hand over lines the peers already exchanged on
    their data channel: ``{"messages": [{"client_id": "<uuid4>", "text"}, ...]}`` (up to 50), each stored
    exactly once whatever the retries. Either way the sender reads them back through ``chat_poll``.
    """
    require_live(access, ctx)
    if "messages" in payload:
        return _chat_batch(access, ctx, payload["messages"])
    text = text_of(payload, "text", CHAT_MAX_LENGTH)
    check_rate("chat", access, ctx)
    _require_chat_room(access, 1)
    message = ChatMessage.objects.create(session=access.session, sender_id=viewer_id(access), text=text)
    return {"id": message.id}


def _chat_batch(access: Access, ctx: ActionContext, items) -> dict:
    """Store a batch of client-identified lines once each; answer which are stored and the last id."""
    if not isinstance(items, list) or not 0 < len(items) <= CHAT_SEND_BATCH:
        raise errors.invalid(errors.gettext_noop("Send 1 to 50 chat messages at a time."), "messages")
    lines = {}
    for item in items:
        client_id = _client_id(item.get("client_id") if isinstance(item, dict) else None)
        lines[client_id] = text_of(item, "text", CHAT_MAX_LENGTH)
    check_rate("chat", access, ctx)
    mine = ChatMessage.objects.filter(session=access.session, sender_id=viewer_id(access))
    known = set(mine.filter(client_id__in=list(lines)).values_list("client_id", flat=True))
    new = [key for key in lines if key not in known]
    if new:
        _require_chat_room(access, len(new))
        ChatMessage.objects.bulk_create(
            [
                ChatMessage(session=access.session, sender_id=viewer_id(access), text=lines[key], client_id=key)
                for key in new
            ],
            ignore_conflicts=True,  # a concurrent retry of the same batch stored them first
        )
    stored = list(mine.filter(client_id__in=list(lines)).order_by("id").values_list("client_id", "id"))
    return {"stored": [key for key, _id in stored], "cursor": stored[-1][1] if stored else 0}


def _client_id(value) -> str:
    """The browser's id of a line: a UUID, in its canonical text form."""
    try:
        return str(uuid.UUID(value)) if isinstance(value, str) else str(uuid.UUID(""))
    except ValueError as exc:
        raise errors.invalid(errors.gettext_noop("Each chat message needs its id."), "client_id") from exc


def _require_chat_room(access: Access, adding: int) -> None:
    """Refuse lines beyond the session's total (both participants together)."""
    if ChatMessage.objects.filter(session=access.session).count() + adding > CHAT_PER_SESSION:
        raise errors.RoomError(409, "chat_full", errors.gettext_noop("This session's chat is full."))


@TABLE.action("chat_poll", writes=False)
def chat_poll(access: Access, ctx: ActionContext, payload: dict) -> dict:
    """
    Chat lines after ``cursor`` (both people's, oldest first), plus the notes version and the number of
    shared links, so one poll tells the side panel whether notes or links need fetching. Three queries.
    """
    cursor = cursor_of(payload)
    rows = list(ChatMessage.objects.filter(session=access.session, id__gt=cursor).order_by("id")[:CHAT_BATCH])
    me = viewer_id(access)
    names = {access.session.learner_id: access.session.learner, access.session.tutor_id: access.session.tutor}
    return {
        "messages": [
            {
                "id": row.id,
                "text": row.text,
                "mine": row.sender_id == me,
                "sender": _name(names.get(row.sender_id)),
                "created": row.created.isoformat(),
            }
            for row in rows
        ],
        "cursor": rows[-1].id if rows else cursor,
        "more": len(rows) == CHAT_BATCH,
        "notes_version": access.session.notes_version,
        "links": ResourceLink.objects.filter(session=access.session).count(),
    }


def _name(user) -> str:
    return compat.user_full_name(user) if user is not None else ""


# Notes ------------------------------------------------------------------------------------------------


@TABLE.action("notes_get", writes=False)
def notes_get(access: Access, ctx: ActionContext, payload: dict) -> dict:
    """The shared note and its version (readable after the session too)."""
    return {"text": access.session.notes, "version": access.session.notes_version}


@TABLE.action("notes_save", writes=True)
def notes_save(access: Access, ctx: ActionContext, payload: dict) -> dict:
    """
    Save the shared note edited from ``version``. If the other person saved in between, nothing is
    written and the answer is 409 with their text and version: the browser shows it instead of
    overwriting a change its user has not seen.
    """
    rooms.require_not_cancelled(access)
    text = text_of(payload, "text", NOTES_MAX_LENGTH, required=False)
    version = payload.get("version")
    if isinstance(version, bool) or not isinstance(version, int) or version < 0:
        raise errors.invalid(errors.gettext_noop("The notes version is missing."), "version")
    check_rate("notes", access, ctx)
    saved = TutoringSession.objects.filter(pk=access.session.pk, notes_version=version).update(
        notes=text, notes_version=F("notes_version") + 1
    )
    if not saved:
        current = TutoringSession.objects.values("notes", "notes_version").get(pk=access.session.pk)
        raise errors.RoomError(
            409,
            "conflict",
            errors.gettext_noop("The other participant changed the notes. Their version is shown."),
            text=current["notes"],
            version=current["notes_version"],
        )
    return {"text": text, "version": version + 1}


# Resource links ---------------------------------------------------------------------------------------


@TABLE.action("links_get", writes=False)
def links_get(access: Access, ctx: ActionContext, payload: dict) -> dict:
    """Links the tutor shared during the session (the author's links are in the page already)."""
    rows = ResourceLink.objects.filter(session=access.session).order_by("id")
    return {"links": [{"id": row.id, "title": row.title, "url": row.url} for row in rows]}


@TABLE.action("link_add", writes=True)
def link_add(access: Access, ctx: ActionContext, payload: dict) -> dict:
    """The tutor shares a link: a title and an absolute http(s) URL."""
    if access.role != ROLE_TUTOR:
        raise errors.RoomError(403, "tutor_only", errors.gettext_noop("Only the tutor can add links."))
    rooms.require_not_cancelled(access)
    title = text_of(payload, "title", LINK_TITLE_MAX_LENGTH)
    url = text_of(payload, "url", LINK_URL_MAX_LENGTH)
    parsed = urlparse(url)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise errors.invalid(errors.gettext_noop("Enter a link that starts with https:// or http://."), "url")
    check_rate("link", access, ctx)
    if ResourceLink.objects.filter(session=access.session).count() >= LINKS_PER_SESSION:
        raise errors.invalid(errors.gettext_noop("This session has too many links."), "url")
    link = ResourceLink.objects.create(session=access.session, added_by_id=viewer_id(access), title=title, url=url)
    return {"id": link.id, "title": link.title, "url": link.url}
