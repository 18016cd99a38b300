"""Time zones by name, forgiving of unknown names: a stale preference must never break a page."""

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


def zone(name: str) -> ZoneInfo:
    """The viewer's time zone, UTC when unknown (or not a name at all: JSON may carry any value)."""
    if not isinstance(name, str) or not name:
        return ZoneInfo("UTC")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")
