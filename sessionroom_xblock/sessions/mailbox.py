"""The p2p signaling mailbox: one per (session, recipient), in the Django cache, with a TTL and caps.

Signaling is short-lived and worthless after a call is set up, so it lives in the cache (Redis in
production: every LMS process sees the same mailbox) rather than in a table that every ICE candidate
would write to and every poll would read. Layout per mailbox:

- ``seq``: the last message id handed out (``incr``, atomic in Redis); ids only grow, so a browser's cursor
  stays valid across "hello" resets.
- ``msg:<id>``: ``[kind, data, size]``, expiring after ``TTL``.
- ``floor``: ids at or below it are gone (read, or cleared by a new call attempt).
- ``bytes`` and ``count``: what is queued and unread. The caps bound what a sender can park for a
  recipient who never reads (issue 10 item 3); a read (a poll's cursor) frees the space again.

A session also has a lifetime ``total`` of bytes, so a sender that keeps the other side reading still
cannot push unbounded traffic through the server.
"""

from __future__ import annotations

from django.core.cache import cache

from sessionroom_xblock import errors

#: Unread messages expire after this many seconds: a call attempt older than that is over.
TTL = 300
#: What one sender may have queued and unread for the other participant.
MAX_QUEUED_BYTES = 256 * 1024
MAX_QUEUED_MESSAGES = 200
#: Everything both participants may send through the server in one session (a call set-up is ~10-30 KB).
MAX_SESSION_BYTES = 4 * 1024 * 1024
#: The counters of a session live as long as a session can reasonably be open.
SESSION_TTL = 24 * 3600
BATCH = 50

FULL = errors.gettext_noop("Too many unread signaling messages. Try again in a moment.")
EXHAUSTED = errors.gettext_noop("This session sent too much signaling data. Reload the page to try again.")


def _key(session_id, recipient_id, name: str) -> str:
    return f"sessionroom:sig:{session_id}:{recipient_id}:{name}"


def _bump(key: str, amount: int, timeout: int) -> int:
    """``incr`` that creates the counter first (the cache's ``incr`` refuses a missing key)."""
    cache.add(key, 0, timeout=timeout)
    try:
        return cache.incr(key, amount)
    except ValueError:  # expired between add and incr
        cache.set(key, amount, timeout=timeout)
        return amount


def post(session_id, sender_id, recipient_id, messages: list[tuple[str, object, int]], *, restart=False) -> None:
    """
    Queue ``[(kind, data, size), ...]`` for ``recipient_id``, in order, or refuse the whole batch (429/413).

    ``restart`` (a "hello") clears both directions first: an offer queued for a page that has since
    reloaded would only confuse the new one.
    """
    size = sum(item[2] for item in messages)
    if restart:
        clear(session_id, sender_id)
        clear(session_id, recipient_id)
    if _bump(f"sessionroom:sig:{session_id}:total", size, SESSION_TTL) > MAX_SESSION_BYTES:
        raise errors.RoomError(413, "signaling_exhausted", EXHAUSTED)
    queued_bytes = _bump(_key(session_id, recipient_id, "bytes"), size, TTL)
    queued = _bump(_key(session_id, recipient_id, "count"), len(messages), TTL)
    if queued_bytes > MAX_QUEUED_BYTES or queued > MAX_QUEUED_MESSAGES:
        _bump(_key(session_id, recipient_id, "bytes"), -size, TTL)
        _bump(_key(session_id, recipient_id, "count"), -len(messages), TTL)
        raise errors.RoomError(429, "signaling_full", FULL, retry_after=2)
    last = _bump(_key(session_id, recipient_id, "seq"), len(messages), SESSION_TTL)
    first = last - len(messages) + 1
    cache.set_many(
        {_key(session_id, recipient_id, f"msg:{first + index}"): list(item) for index, item in enumerate(messages)},
        timeout=TTL,
    )


def clear(session_id, recipient_id) -> None:
    """Drop whatever is queued for ``recipient_id``: the floor moves up to the last id handed out."""
    last = cache.get(_key(session_id, recipient_id, "seq")) or 0
    cache.set(_key(session_id, recipient_id, "floor"), last, timeout=SESSION_TTL)
    cache.delete_many([_key(session_id, recipient_id, "bytes"), _key(session_id, recipient_id, "count")])


def read(session_id, recipient_id, cursor: int) -> tuple[list[dict], int]:
    """
    Messages for ``recipient_id`` after ``cursor`` (at most ``BATCH``), and the new cursor.

    The cursor acknowledges everything up to it: those messages are deleted and their space freed. A poll
    with nothing new costs one cache round trip.
    """
    state = cache.get_many([_key(session_id, recipient_id, name) for name in ("seq", "floor")])
    last = state.get(_key(session_id, recipient_id, "seq")) or 0
    floor = state.get(_key(session_id, recipient_id, "floor")) or 0
    if cursor > floor:
        _acknowledge(session_id, recipient_id, floor, min(cursor, last))
        floor = max(floor, min(cursor, last))
    start, end = max(cursor, floor) + 1, min(last, max(cursor, floor) + BATCH)
    wanted = [_key(session_id, recipient_id, f"msg:{index}") for index in range(start, end + 1)]
    found = cache.get_many(wanted) if wanted else {}
    messages = []
    for index, key in enumerate(wanted, start=start):
        item = found.get(key)
        if item is not None:
            messages.append({"id": index, "kind": item[0], "data": item[1]})
    if messages:
        return messages, messages[-1]["id"]
    # Ids with nothing behind them expired unread. Skip them once later ids exist; the newest ones may
    # still be being written by a concurrent send, so they are looked at again next time.
    return messages, end if wanted and end < last else cursor


def _acknowledge(session_id, recipient_id, floor: int, upto: int) -> None:
    """Delete messages ``floor+1 .. upto`` and give their bytes back to the sender's allowance."""
    if upto <= floor:
        return
    keys = [_key(session_id, recipient_id, f"msg:{index}") for index in range(floor + 1, upto + 1)]
    sizes = [item[2] for item in cache.get_many(keys).values()]
    cache.delete_many(keys)
    cache.set(_key(session_id, recipient_id, "floor"), upto, timeout=SESSION_TTL)
    if sizes:
        _bump(_key(session_id, recipient_id, "bytes"), -sum(sizes), TTL)
        _bump(_key(session_id, recipient_id, "count"), -len(sizes), TTL)
