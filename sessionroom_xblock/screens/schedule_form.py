"""The date, time, length and time-zone fields, and what links to the next session.

Both the staff form (``staff_view``) and the post-session screen (``presenters``) use them, so they live
here, below both, rather than in either.
"""

from __future__ import annotations

from datetime import timedelta
from functools import cache
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit
from zoneinfo import available_timezones

from sessionroom_xblock.models import TutoringSession
from sessionroom_xblock.screens import resources
from sessionroom_xblock.zones import zone

DURATIONS = (15, 30, 45, 60, 90, 120)
DEFAULT_DURATION = 30
NEXT_SESSION_AFTER = timedelta(days=7)
_ZONE_AREAS = (
    "Africa/",
    "America/",
    "Antarctica/",
    "Asia/",
    "Atlantic/",
    "Australia/",
    "Europe/",
    "Indian/",
    "Pacific/",
)


@cache
def time_zone_choices() -> tuple[str, ...]:
    """IANA zones people live in (no legacy aliases), UTC first."""
    names = sorted(name for name in available_timezones() if name.startswith(_ZONE_AREAS))
    return ("UTC", *names)


def when_fields(prefix: str, time_zone: str, zone_source: str, i18n_service, *, start=None, duration=DEFAULT_DURATION):
    """
    The date, start time, length and time-zone fields, shared by the staff form and Book Next Session;
    ``start`` (aware) pre-fills date and time in ``time_zone`` (the script re-fills them if it switches
    the zone to the browser's).
    """
    local = start.astimezone(zone(time_zone)) if start is not None else None
    return resources.render(
        "when_fields.html",
        {
            "prefix": prefix,
            "zones": time_zone_choices(),
            "zone": time_zone,
            "zone_source": zone_source,
            "durations": sorted({*DURATIONS, duration}),
            "duration": duration,
            "start_iso": start.isoformat() if start is not None else "",
            "date": local.strftime("%Y-%m-%d") if local else "",
            "time": local.strftime("%H:%M") if local else "",
        },
        i18n_service,
    )


def book_next_html(context: dict, propose_url: str, i18n_service) -> str:
    """
    The tutor's "Book Next Session" form for the post-session screen, or "" when it does not apply
    (not the tutor, or the site sends people to a booking system instead). It suggests the same time a
    week later, the usual rhythm of tutoring.
    """
    if not context.get("is_tutor") or context.get("booking_url") or not propose_url:
        return ""
    session = context["session"]
    prefix = f"sr-next-{session.pk}"
    duration = int((session.scheduled_end - session.scheduled_start).total_seconds() // 60)
    zone_name = context.get("time_zone") or "UTC"
    return resources.render(
        "book_next.html",
        {
            **context,
            "propose_url": propose_url,
            "when_fields": when_fields(
                prefix,
                zone_name,
                "default" if zone_name == "UTC" else "user",
                i18n_service,
                start=session.scheduled_start + NEXT_SESSION_AFTER,
                duration=duration,
            ),
        },
        i18n_service,
    )


def booking_link(booking_url: str, session: TutoringSession) -> str:
    """
    The booking system's page for this pair: ``BOOKING_URL`` with ``course_id``, ``tutor`` (username) and
    ``session`` added, keeping any query the operator wrote. "" when no booking system is configured.
    """
    if not booking_url:
        return ""
    parts = urlsplit(booking_url)
    query = parse_qsl(parts.query, keep_blank_values=True) + [
        ("course_id", str(session.course_key)),
        ("tutor", session.tutor.username),
        ("session", str(session.pk)),
    ]
    return urlunsplit(parts._replace(query=urlencode(query)))
