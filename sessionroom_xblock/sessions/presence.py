"""Who is in the room right now, kept in the cache so a heartbeat writes no database row.

A heartbeat only says "still here". Writing that to ``Attendance`` every 15-30 s per participant is most
of what a live session would cost the database, and it changes nothing anyone reads except the state.
So the last heartbeat and the seconds of presence not yet written live in the cache (Redis in production,
shared by every LMS process), and the ``Attendance`` row is written only when something changes (join,
leave, someone (re)appearing) and at most once per ``PRESENCE_FLUSH_SECONDS`` otherwise. Readers (the
state, the closing sweep) take the later of the row's ``last_seen`` and the cache's.

If the cache loses an entry, the state falls back to the row (at most one flush period old) and up to one
flush period of attendance seconds is not counted: presence is the one thing that may be approximate.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from django.core.cache import cache

from sessionroom_xblock.conf import setting

#: Cache entries outlive any session; a participant who stops beating is absent long before.
SEEN_TTL = 12 * 3600


@dataclass(frozen=True)
class Seen:
    """A participant's last heartbeat and the seconds of presence since the row was last written."""

    last_seen: datetime
    pending_seconds: int = 0


def _key(session_id, user_id) -> str:
    return f"sessionroom:seen:{session_id}:{user_id}"


def recall(session_id, user_ids) -> dict[int, Seen]:
    """The cached presence of ``user_ids`` in a session (one cache round trip)."""
    found = cache.get_many([_key(session_id, user_id) for user_id in user_ids])
    seen = {}
    for user_id in user_ids:
        entry = found.get(_key(session_id, user_id))
        if entry is not None:
            seen[user_id] = Seen(datetime.fromtimestamp(entry[0], UTC), entry[1])
    return seen


def remember(session_id, user_id, now: datetime, pending_seconds: int = 0) -> None:
    """Record a heartbeat at ``now`` with the presence seconds not yet written to the row."""
    cache.set(_key(session_id, user_id), (now.timestamp(), pending_seconds), timeout=SEEN_TTL)


def forget(session_id, user_id) -> None:
    """The participant left: their row now holds everything."""
    cache.delete(_key(session_id, user_id))


def last_seen(row_last_seen: datetime | None, seen: Seen | None) -> datetime | None:
    """The later of the row's and the cache's last heartbeat."""
    if seen is None:
        return row_last_seen
    if row_last_seen is None:
        return seen.last_seen
    return max(row_last_seen, seen.last_seen)


def flush_due(row_last_seen: datetime | None, now: datetime) -> bool:
    """Time to write the row again: it is older than ``PRESENCE_FLUSH_SECONDS``."""
    return row_last_seen is None or (now - row_last_seen).total_seconds() >= setting("PRESENCE_FLUSH_SECONDS")


def heartbeat_floor() -> int:
    """
    Seconds that must pass between two heartbeats of a participant: ``HEARTBEAT_MIN_SECONDS``, but never
    more than half the cadence the site asks the browsers for (a dev host beating every second is not a flood).
    """
    return min(setting("HEARTBEAT_MIN_SECONDS"), setting("HEARTBEAT_SECONDS") // 2)


def heartbeat_allowed(session_id, user_id) -> bool:
    """At most one heartbeat per ``heartbeat_floor()`` seconds per participant (issue 10: heartbeat floods)."""
    floor = heartbeat_floor()
    return floor <= 0 or cache.add(f"sessionroom:beat:{session_id}:{user_id}", 1, timeout=floor)
