"""What course staff see in the block: the course's sessions and the form to schedule one.

The session list is rendered here only, on first view and after every change, so the browser never
builds rows of its own.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q
from web_fragments.fragment import Fragment

from sessionroom_xblock import compat, errors
from sessionroom_xblock.models import TutoringSession
from sessionroom_xblock.screens import presenters, resources
from sessionroom_xblock.screens.schedule_form import when_fields
from sessionroom_xblock.sessions import lifecycle
from sessionroom_xblock.zones import zone

CSS_FILES = ("static/css/sessionroom.css", "static/css/staff.css")
JS_FILE = "static/js/staff.js"
PAST_LIMIT = 50
UPCOMING_LIMIT = 200
_ = errors.gettext_noop
STATUS = TutoringSession.Status
STATUS_LABELS = {
    STATUS.SCHEDULED: _("Scheduled"),
    STATUS.IN_PROGRESS: _("In Progress"),
    STATUS.COMPLETED: _("Completed"),
    STATUS.NO_SHOW: _("No Show"),
    STATUS.CANCELLED: _("Cancelled"),
}
GROUPS = (
    ("live", _("Live now"), _("No session is live right now.")),
    ("upcoming", _("Upcoming"), _("No upcoming sessions.")),
    ("past", _("Past"), _("No past sessions yet.")),
)


@dataclass(frozen=True)
class StaffScope:
    """Which course the staff member manages (from which block), when, and how to translate and read the clock."""

    course_key: object
    now: datetime
    policy: lifecycle.Policy
    i18n_service: object
    time_zone: str = "UTC"
    block_id: str = ""


def viewer_time_zone(user_id) -> tuple[str, str]:
    """(zone, source): the viewer's saved preference ("user"), else UTC ("default", which the script may
    replace with the browser's zone)."""
    saved = compat.user_time_zone(compat.get_user(user_id)) if user_id is not None else ""
    if saved and zone(saved).key == saved:
        return saved, "user"
    return "UTC", "default"


def prefix_for(block_id) -> str:
    """Element ids of one block's staff screen: unique on a page with several rooms, and stable, so a
    refreshed list keeps its labels."""
    return "sr-staff-" + hashlib.sha256(str(block_id).encode()).hexdigest()[:8]


def render_staff_view(
    scope: StaffScope, urls: dict[str, str], zone_source: str, *, provider_problem: str = "", own_session_url: str = ""
) -> Fragment:
    """
    The staff screen as a fragment, started by ``SessionRoomStaff`` in staff.js. ``own_session_url`` links
    staff who are also a participant (a tutor with a staff role) to their own session.
    """
    prefix = prefix_for(scope.block_id)
    html = resources.render(
        "staff.html",
        {
            "prefix": prefix,
            "when_fields": when_fields(prefix, scope.time_zone, zone_source, scope.i18n_service),
            "sessions_html": render_sessions(scope, prefix),
            "provider_problem": provider_problem,
            "own_session_url": own_session_url,
        },
        scope.i18n_service,
    )
    fragment = Fragment(html)
    for path in CSS_FILES:
        fragment.add_css(resources.load_text(path))
    presenters.add_scripts(fragment, (JS_FILE,))
    fragment.initialize_js("SessionRoomStaff", {"urls": urls, "prefix": prefix})
    return fragment


def render_sessions(scope: StaffScope, prefix: str) -> str:
    """The live, upcoming and past sessions of the course, as HTML, in a fixed number of queries."""
    gettext = scope.i18n_service.gettext
    tz = zone(scope.time_zone)
    rows = {key: [] for key, _title, _empty in GROUPS}
    for session in course_sessions(scope):
        rows[group_of(session, scope)].append(session_row(session, scope.now, tz, gettext, scope.policy))
    groups = [
        {"key": key, "title": gettext(title), "empty": gettext(empty), "rows": rows[key], "changeable": key != "past"}
        for key, title, empty in GROUPS
    ]
    return resources.render(
        "staff_sessions.html", {"groups": groups, "prefix": prefix, "zone": tz.key}, scope.i18n_service
    )


def course_sessions(scope: StaffScope) -> list[TutoringSession]:
    """Open sessions (all, up to a bound) and the most recent closed ones, with people, attendance, ratings."""
    base = (
        TutoringSession.objects.filter(course_key=scope.course_key)
        .select_related("learner", "tutor")
        .prefetch_related("attendances", "feedback")
    )
    window_closed = scope.now - scope.policy.end_grace
    is_open = Q(status__in=TutoringSession.OPEN_STATUSES, scheduled_end__gte=window_closed)
    current = list(base.filter(is_open).order_by("scheduled_start")[:UPCOMING_LIMIT])
    past = list(base.exclude(is_open).order_by("-scheduled_start")[:PAST_LIMIT])
    return current + past


def group_of(session: TutoringSession, scope: StaffScope) -> str:
    """live (started, or its time has come), upcoming (not yet), or past (closed or its window passed)."""
    if (
        session.status not in TutoringSession.OPEN_STATUSES
        or session.scheduled_end < scope.now - scope.policy.end_grace
    ):
        return "past"
    if session.status == STATUS.IN_PROGRESS or session.scheduled_start <= scope.now:
        return "live"
    return "upcoming"


DEFAULT_POLICY = lifecycle.Policy()


def session_row(session: TutoringSession, now: datetime, tz, gettext, policy=DEFAULT_POLICY) -> dict:
    """
    One row of the staff table: who, when (in ``tz``), status, attendance, no-shows and ratings.

    A session one person came to and the other missed past the no-show grace reads as No Show at once, as
    it does for the participant, even before the closing sweep writes the status.
    """
    people = {
        session.learner_id: compat.user_full_name(session.learner),
        session.tutor_id: compat.user_full_name(session.tutor),
    }
    attended = {row.user_id: row for row in session.attendances.all()}
    attendance = [
        {
            "name": name,
            "joined": user_id in attended and attended[user_id].joined_at is not None,
            "minutes": attended[user_id].seconds_present // 60 if user_id in attended else 0,
        }
        for user_id, name in people.items()
    ]
    start, end = session.scheduled_start.astimezone(tz), session.scheduled_end.astimezone(tz)
    joined = [item["joined"] for item in attendance]
    status = session.status
    if status in TutoringSession.OPEN_STATUSES and any(joined) and not all(joined):
        status = STATUS.NO_SHOW if now >= session.scheduled_start + policy.no_show_after else status
    return {
        "id": str(session.pk),
        "learner": people[session.learner_id],
        "tutor": people[session.tutor_id],
        "learner_username": session.learner.username,
        "tutor_username": session.tutor.username,
        "start": start.strftime("%Y-%m-%d %H:%M"),
        "end": end.strftime("%H:%M"),
        "start_iso": session.scheduled_start.isoformat(),
        "duration": int((session.scheduled_end - session.scheduled_start).total_seconds() // 60),
        "status": gettext(STATUS_LABELS[status]),
        "status_code": status,
        "no_show": ", ".join(item["name"] for item in attendance if not item["joined"])
        if status == STATUS.NO_SHOW
        else "",
        "attendance": attendance,
        "ratings": [{"name": people.get(item.author_id, ""), "rating": item.rating} for item in session.feedback.all()],
        "can_change": session.status == STATUS.SCHEDULED and session.scheduled_start > now,
    }
