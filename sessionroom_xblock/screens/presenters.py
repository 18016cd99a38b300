"""What the three screens (pre-join, room, post-session) and the JSON state show, built in one place.

The XBlock and the direct page both call ``render_session`` and ``state_payload``, so a learner sees the
same room whether they come through the course unit or the link in a reminder email.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from django.urls import reverse
from django.utils import translation
from web_fragments.fragment import Fragment

from sessionroom_xblock import compat, errors
from sessionroom_xblock.background import recordings
from sessionroom_xblock.conf import DEFAULTS, setting
from sessionroom_xblock.models import Feedback, Recording, TutoringSession
from sessionroom_xblock.safe_links import safe_link
from sessionroom_xblock.screens import resources, schedule_form
from sessionroom_xblock.screens.i18n import javascript_catalog
from sessionroom_xblock.sessions import lifecycle
from sessionroom_xblock.sessions.rooms import ROLE_TUTOR, Access
from sessionroom_xblock.zones import zone

DEFAULT_TIPS = (errors.gettext_noop("Ensure good lighting"), errors.gettext_noop("Use headphones for best audio"))
SCREEN_OF_STATE = {
    lifecycle.State.EARLY: "prejoin",
    lifecycle.State.JOINABLE: "prejoin",
    lifecycle.State.TECHNICAL_ISSUES: "prejoin",
    lifecycle.State.WAITING: "room",
    lifecycle.State.IN_PROGRESS: "room",
    lifecycle.State.ENDED: "post",
    lifecycle.State.NO_SHOW: "post",
    lifecycle.State.CANCELLED: "post",
}
CSS_FILES = ("static/css/sessionroom.css", "static/css/room.css", "static/css/staff.css")
COMMON_JS = "static/js/common.js"
JS_FILES = (
    "static/js/devices.js",
    "static/js/sessionroom.js",
    "static/js/p2p.js",
    "static/js/panel.js",
    "static/js/staff.js",
)


@dataclass(frozen=True)
class RoomSettings:
    """The author's choices for the room (block fields; site defaults on the direct page)."""

    provider: str = ""
    join_window_minutes: int = 0
    no_show_minutes: int = 0
    end_grace_minutes: int = 0
    tips: tuple[str, ...] = DEFAULT_TIPS
    resource_links: tuple[dict, ...] = ()
    booking_url: str = ""
    dashboard_url: str = ""
    course_url: str = ""

    @property
    def effective_booking_url(self) -> str:
        """The author's booking link, else the site's, else none; each only if safe (``safe_links``)."""
        return safe_link(self.booking_url, "the block's booking_url") or safe_link(
            setting("BOOKING_URL"), "SESSIONROOM['BOOKING_URL']"
        )

    @property
    def effective_dashboard_url(self) -> str:
        """The author's dashboard link, else the site's, else the default; each only if safe (``safe_links``)."""
        return (
            safe_link(self.dashboard_url, "the block's dashboard_url")
            or safe_link(setting("DASHBOARD_URL"), "SESSIONROOM['DASHBOARD_URL']")
            or DEFAULTS["DASHBOARD_URL"]
        )


@dataclass(frozen=True)
class PersonView:
    """How a participant is shown: name, avatar or initials."""

    user_id: int
    name: str
    avatar_url: str
    initials: str
    color: str

    @classmethod
    def of(cls, user) -> PersonView:
        """Name and avatar from the platform (profile name and image in the LMS)."""
        name = compat.user_full_name(user)
        initials = "".join(part[0] for part in name.split()[:2]).upper() or "?"
        return cls(user.pk, name, compat.user_avatar_url(user), initials, compat.initials_color(user.pk))

    def as_dict(self) -> dict:
        """JSON form for the browser."""
        return {"id": self.user_id, "name": self.name, "avatar": self.avatar_url, "initials": self.initials}


@dataclass
class Page:
    """Everything a screen needs to render, plus the handler URLs for its script."""

    access: Access
    snapshot: lifecycle.Snapshot
    settings: RoomSettings
    urls: dict[str, str]
    time_zone: str = ""
    extra: dict = field(default_factory=dict)


def participants(session: TutoringSession, role: str) -> tuple[PersonView, PersonView]:
    """(viewer, other) as people; staff look on from the learner's side."""
    learner, tutor = PersonView.of(session.learner), PersonView.of(session.tutor)
    return (tutor, learner) if role == ROLE_TUTOR else (learner, tutor)


def state_payload(page: Page, gettext) -> dict:
    """The JSON the browser polls: state, times and who is in the room."""
    snap, session = page.snapshot, page.access.session
    _viewer, other = participants(session, page.access.role)
    payload = {
        "session": str(session.pk),
        "state": snap.state.value,
        "screen": SCREEN_OF_STATE[snap.state],
        "role": page.access.role,
        "can_join": snap.can_join and page.access.is_participant,
        "seconds_until_joinable": snap.seconds_until_joinable,
        "seconds_elapsed": snap.seconds_elapsed,
        "scheduled_start": session.scheduled_start.isoformat(),
        "scheduled_end": session.scheduled_end.isoformat(),
        "join_opens_at": snap.join_opens_at.isoformat(),
        "viewer_present": snap.viewer_present,
        "other_present": snap.other_present,
        "other": other.as_dict(),
        "status_label": gettext(STATUS_LABELS[snap.state]),
        "recording": recording_payload(session, participant_id(page.access)),
        "heartbeat_seconds": setting("HEARTBEAT_SECONDS"),
        "held_minutes": held_minutes(session),
        "heartbeat_connected_seconds": setting("HEARTBEAT_CONNECTED_SECONDS"),
    }
    if snap.state == lifecycle.State.WAITING:
        payload["waiting_for"] = gettext("Waiting for {name}…").format(name=other.name)
    return payload


def held_minutes(session: TutoringSession) -> int | None:
    """How long the session really ran (for the post-session summary); None until it started and ended."""
    if session.started_at is None or session.ended_at is None or session.ended_at < session.started_at:
        return None
    return int((session.ended_at - session.started_at).total_seconds() // 60)


def given_feedback(access: Access) -> Feedback | None:
    """The viewer's own rating, so a reopened post-session screen shows it (and lets them change it)."""
    viewer_id = participant_id(access)
    if viewer_id is None:
        return None
    return Feedback.objects.filter(session=access.session, author_id=viewer_id).first()


def participant_id(access: Access) -> int | None:
    """The viewer's user id when they are one of the two participants; None for staff looking on."""
    if not access.is_participant:
        return None
    return access.session.tutor_id if access.role == ROLE_TUTOR else access.session.learner_id


def recording_payload(session: TutoringSession, viewer_id: int | None) -> dict:
    """
    Recording access for the post-session screen: off, processing, or ready with a link. The link is a
    signed, expiring one to our copy when the operator keeps recordings in object storage; only the two
    participants get one.
    """
    if not session.recording_enabled:
        return {"enabled": False}
    ready = [rec for rec in _recordings(session) if rec.state == Recording.State.READY]
    links = [link for link in (recordings.recording_link(rec, viewer_id) for rec in ready) if link]
    if links:
        return {"enabled": True, "ready": True, "url": links[0]}
    return {"enabled": True, "ready": False}


def _recordings(session: TutoringSession):
    cached = getattr(session, "_prefetched_objects_cache", {}).get("recordings")
    return cached if cached is not None else list(session.recordings.all())


def _noop(message: str) -> str:
    return message


#: The header's status: the spec's state names, word for word.
STATUS_LABELS = {
    lifecycle.State.EARLY: _noop("Early"),
    lifecycle.State.JOINABLE: _noop("Joinable"),
    lifecycle.State.WAITING: _noop("Waiting"),
    lifecycle.State.IN_PROGRESS: _noop("In Progress"),
    lifecycle.State.ENDED: _noop("Ended"),
    lifecycle.State.NO_SHOW: _noop("No Show"),
    lifecycle.State.TECHNICAL_ISSUES: _noop("Technical Issues"),
    lifecycle.State.CANCELLED: _noop("Cancelled"),
}


def render_session(page: Page, i18n_service) -> Fragment:
    """The three screens of one session in one fragment; the script shows the one the state calls for."""
    gettext = i18n_service.gettext
    session = page.access.session
    viewer, other = participants(session, page.access.role)
    tz = zone(page.time_zone)
    context = {
        "page": page,
        "session": session,
        "viewer": viewer,
        "other": other,
        "course_title": compat.course_title(session.course_key),
        "start_local": _local(session.scheduled_start, tz),
        "end_local": _local(session.scheduled_end, tz),
        "ends_another_day": _local_day(session.scheduled_start, tz) != _local_day(session.scheduled_end, tz),
        "held_minutes": held_minutes(session),
        "feedback": given_feedback(page.access) if SCREEN_OF_STATE[page.snapshot.state] == "post" else None,
        "time_zone": str(tz),
        "duration_minutes": int((session.scheduled_end - session.scheduled_start).total_seconds() // 60),
        "screen": SCREEN_OF_STATE[page.snapshot.state],
        "state": page.snapshot.state.value,
        "status_label": gettext(STATUS_LABELS[page.snapshot.state]),
        "tips": [gettext(tip) for tip in page.settings.tips],
        "resource_links": page.settings.resource_links,
        "booking_url": schedule_form.booking_link(page.settings.effective_booking_url, session),
        "dashboard_url": page.settings.effective_dashboard_url,
        "course_url": page.settings.course_url or _course_url(session),
        "is_tutor": page.access.role == ROLE_TUTOR,
        "is_participant": page.access.is_participant,
        "is_direct": bool(page.extra.get("direct")),
        "direct_url": reverse("sessionroom:session-page", args=[session.pk]),
        "frame_timeout_seconds": setting("FRAME_TIMEOUT_SECONDS"),
    }
    context["book_next_html"] = schedule_form.book_next_html(context, page.urls.get("propose_next", ""), i18n_service)
    fragment = Fragment()
    screens = [resources.render(f"{name}.html", context, i18n_service) for name in ("prejoin", "room", "postsession")]
    fragment.add_content(resources.render("session.html", {**context, "screens": screens}, i18n_service))
    add_assets(fragment)
    init = {"urls": page.urls, "state": state_payload(page, gettext)}
    fragment.initialize_js("SessionRoomXBlock", {"init": script_safe_json(init)})
    return fragment


#: JSON escapes for what could end or break a script element: ``</script>``, ``<!--``, entities, and the
#: line separators older JavaScript engines refuse inside strings (as Django's ``json_script`` does).
_SCRIPT_ESCAPES = str.maketrans(
    {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}
)


def script_safe_json(value) -> str:
    """
    ``value`` as JSON text that holds no ``<``, ``>``, ``&`` nor U+2028/U+2029, for the init arguments.

    Hosts write a fragment's init arguments into a ``<script>`` element with a plain ``json.dumps`` (the XBlock
    runtime's ``_wrap_ele``, which the dev host uses), so a participant's name holding ``</script>`` would end
    that element. The arguments carry this text instead and the script parses it: safe whatever the host does.
    """
    return json.dumps(value).translate(_SCRIPT_ESCAPES)


def render_message(template: str, context: dict, i18n_service) -> Fragment:
    """A screen with no session: empty state, refusal or configuration problem."""
    fragment = Fragment(resources.render(template, context, i18n_service))
    fragment.add_css(resources.load_text(CSS_FILES[0]))
    return fragment


def add_assets(fragment: Fragment) -> None:
    """Inline the CSS, the scripts' translations and the scripts (no extra requests inside the LMS's iframe)."""
    for path in CSS_FILES:
        fragment.add_css(resources.load_text(path))
    add_scripts(fragment, JS_FILES)


def add_scripts(fragment: Fragment, paths) -> None:
    """The scripts' translations and shared helpers, then ``paths``: every fragment with a script needs both."""
    fragment.add_javascript(javascript_catalog(translation.get_language() or "en"))
    for path in (COMMON_JS, *paths):
        fragment.add_javascript(resources.load_text(path))


def _local(value: datetime, tz: ZoneInfo) -> dict:
    local = value.astimezone(tz)
    return {"iso": value.isoformat(), "date": local.strftime("%A, %d %B %Y"), "time": local.strftime("%H:%M")}


def _local_day(value: datetime, tz: ZoneInfo):
    return value.astimezone(tz).date()


def _course_url(session: TutoringSession) -> str:
    """
    The operator's ``COURSE_URL_TEMPLATE`` when set and safe, else the course home the platform links
    (the Learning MFE's when there is one; see compat).
    """
    template = setting("COURSE_URL_TEMPLATE")
    url = template.format(course_key=session.course_key) if template else ""
    return safe_link(url, "SESSIONROOM['COURSE_URL_TEMPLATE']") or compat.course_home_url(session.course_key)
