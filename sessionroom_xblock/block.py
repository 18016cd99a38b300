"""The Session Room XBlock: fields the author sets, the views people see, one JSON handler.

Thin by design: it works out who is asking and which session they mean, then hands over to
``room_api`` (actions), ``rooms`` (services) and ``presenters`` (screens).
"""

from __future__ import annotations

import json

from opaque_keys import InvalidKeyError
from opaque_keys.edx.keys import CourseKey, UsageKey
from web_fragments.fragment import Fragment
from webob import Response
from xblock.core import XBlock
from xblock.fields import Boolean, Integer, Scope, String
from xblock.utils.studio_editable import StudioEditableXBlockMixin

from sessionroom_xblock import compat, errors, jsontext
from sessionroom_xblock.actions import dispatch, staff
from sessionroom_xblock.analytics import runtime_analytics
from sessionroom_xblock.conf import setting
from sessionroom_xblock.providers.registry import configured_provider_names, resolve_provider_name
from sessionroom_xblock.safe_links import is_safe_link
from sessionroom_xblock.screens import presenters, staff_view
from sessionroom_xblock.screens.i18n import BundledI18nService
from sessionroom_xblock.sessions import rooms
from sessionroom_xblock.sessions.links import room_links, session_action_url, session_page_url


def _(text: str) -> str:
    """Mark field labels for extraction; the Studio editor translates them when it renders."""
    return text


def provider_choices():
    """The providers an author may pick: the site default, or one the operator configured."""
    return [{"display_name": _("Site default"), "value": ""}] + [
        {"display_name": name, "value": name} for name in configured_provider_names()
    ]


@XBlock.wants("user", "i18n")
@XBlock.supports("multi_device")
class SessionRoomXBlock(StudioEditableXBlockMixin, XBlock):
    """A learner's and a tutor's room for their scheduled 1-on-1 session in this course."""

    display_name = String(display_name=_("Display name"), default=_("Session Room"), scope=Scope.settings)
    provider = String(
        display_name=_("Video provider"),
        help=_("The video service for this room; only the services your site configured are offered."),
        default="",
        values=provider_choices,
        scope=Scope.settings,
    )
    join_window_minutes = Integer(
        display_name=_("Join window (minutes)"),
        help=_("How long before the start participants can join."),
        default=15,
        scope=Scope.settings,
    )
    no_show_minutes = Integer(
        display_name=_("No-show grace (minutes)"),
        help=_("After the start, how long to wait for the other participant before marking a no-show."),
        default=15,
        scope=Scope.settings,
    )
    end_grace_minutes = Integer(
        display_name=_("End grace (minutes)"),
        help=_("How long after the scheduled end the room stays open."),
        default=10,
        scope=Scope.settings,
    )
    recording_enabled = Boolean(
        display_name=_("Record sessions"),
        help=_("Record sessions scheduled from this room (BigBlueButton and plugNmeet only)."),
        default=False,
        scope=Scope.settings,
    )
    tips = String(
        display_name=_("Tips"),
        help=_("Shown before joining, one per line."),
        default="\n".join(presenters.DEFAULT_TIPS),
        multiline_editor=True,
        scope=Scope.settings,
    )
    resource_links = String(
        display_name=_("Resource links"),
        help=_("Links for the side panel, one per line as: Title | https://example.org/page"),
        default="",
        multiline_editor=True,
        scope=Scope.settings,
    )
    booking_url = String(
        display_name=_("Booking link"),
        help=_("Where “Book Next Session” and “Reschedule” go; empty uses the site's booking link."),
        default="",
        scope=Scope.settings,
    )
    dashboard_url = String(
        display_name=_("Dashboard link"),
        help=_("Where “Back to Dashboard” goes; empty uses the site's dashboard."),
        default="",
        scope=Scope.settings,
    )

    editable_fields = (
        "display_name",
        "provider",
        "join_window_minutes",
        "no_show_minutes",
        "end_grace_minutes",
        "recording_enabled",
        "tips",
        "resource_links",
        "booking_url",
        "dashboard_url",
    )
    has_author_view = True
    i18n_js_namespace = "SessionRoomI18N"

    # Who is asking ------------------------------------------------------------------------------------

    @property
    def i18n_service(self):
        """The runtime's translations, or the bundled catalog where the runtime has none."""
        return self.runtime.service(self, "i18n") or BundledI18nService()

    def _user_attrs(self) -> dict:
        """The current user's attributes, asked of the user service once per block instance (one request)."""
        cached = getattr(self, "_current_user_attrs", None)
        if cached is None:
            service = self.runtime.service(self, "user")
            cached = (service.get_current_user().opt_attrs or {}) if service is not None else {}
            self._current_user_attrs = cached
        return cached

    def viewer(self) -> rooms.Viewer:
        """The current user as the services see them (LMS user id; anonymous = None)."""
        attrs = self._user_attrs()
        if not attrs.get("edx-platform.is_authenticated", True):
            return rooms.Viewer(user_id=None)
        user_id = attrs.get("edx-platform.user_id")
        role = attrs.get("edx-platform.user_role")
        is_staff = bool(attrs.get("edx-platform.user_is_staff")) or role in ("staff", "instructor")
        return rooms.Viewer(
            user_id=int(user_id) if user_id is not None else None,
            is_course_staff=is_staff,
            course_key=self.course_key(),
        )

    def time_zone(self) -> str:
        """The viewer's time zone preference (the LMS passes user preferences through the user service)."""
        preferences = self._user_attrs().get("edx-platform.user_preferences") or {}
        return preferences.get("time_zone", "")

    def course_key(self):
        """The course this block lives in (the dev host names one: its usage ids carry no course)."""
        key = getattr(self.scope_ids.usage_id, "context_key", None)
        if isinstance(key, CourseKey):
            return key
        try:
            return CourseKey.from_string(setting("WORKBENCH_COURSE_KEY"))
        except InvalidKeyError:
            return None

    def room_settings(self) -> presenters.RoomSettings:
        """The author's choices as the presenters and services take them."""
        return presenters.RoomSettings(
            provider=self.provider,
            join_window_minutes=self.join_window_minutes,
            no_show_minutes=self.no_show_minutes,
            end_grace_minutes=self.end_grace_minutes,
            tips=tuple(line.strip() for line in (self.tips or "").splitlines() if line.strip()),
            resource_links=tuple(parse_resource_links(self.resource_links)),
            booking_url=self.booking_url,
            dashboard_url=self.dashboard_url,
        )

    def policy_minutes(self) -> dict:
        """The author's lifecycle minutes, as the session stores them."""
        return {field: getattr(self, field) for field, _site, _name in rooms.POLICY_MINUTES}

    def policy(self):
        """Lifecycle numbers from the author's fields."""
        return rooms.policy_from_settings(**self.policy_minutes())

    # Views ------------------------------------------------------------------------------------------

    @XBlock.supports("multi_device")
    def student_view(self, context=None):
        """The learner's or tutor's session: pre-join, room or post-session, or why there is none."""
        viewer = self.viewer()
        i18n = self.i18n_service
        if viewer.user_id is None:
            return presenters.render_message("message.html", {"message": errors.NOT_AUTHORIZED}, i18n)
        now = rooms.now_utc()
        requested = _requested_session_id()
        if viewer.is_course_staff and not requested:
            return self._staff_view(viewer, now)
        try:
            if requested:
                access = rooms.get_access(viewer, requested, write=False)
            else:
                session = rooms.find_current_session(viewer, self.course_key(), now, self.policy())
                if session is None:
                    return self._empty_view(viewer)
                access = rooms.get_access(viewer, session.pk, write=False)
        except errors.RoomError as exc:
            context = {"message": exc.message, "dashboard_url": self.room_settings().effective_dashboard_url}
            return presenters.render_message("message.html", context, i18n)
        if access.is_participant:
            rooms.remember_policy(access.session, self.policy_minutes())
        runtime_analytics(self).publish("page_view", session_id=str(access.session.pk), user_role=access.role)
        page = presenters.Page(
            access=access,
            snapshot=rooms.snapshot(access, now, rooms.session_policy(access.session)),
            settings=self.room_settings(),
            urls=self._action_urls(access.session.pk),
            time_zone=self.time_zone(),
            extra={"provider_problem": self._provider_problem(viewer)},
        )
        return presenters.render_session(page, i18n)

    def _empty_view(self, viewer) -> Fragment:
        return presenters.render_message(
            "empty.html",
            {"booking_url": self.room_settings().effective_booking_url, "is_staff": viewer.is_course_staff},
            self.i18n_service,
        )

    def _staff_scope(self, now, time_zone: str) -> staff_view.StaffScope:
        return staff_view.StaffScope(
            self.course_key(), now, self.policy(), self.i18n_service, time_zone, block_id=str(self.scope_ids.usage_id)
        )

    def _staff_view(self, viewer, now) -> Fragment:
        """Course staff without a session in the URL manage the course's sessions."""
        time_zone, source = staff_view.viewer_time_zone(viewer.user_id)
        urls = {name: self.runtime.handler_url(self, "staff", name) for name in staff.STAFF_ACTIONS}
        own = rooms.find_current_session(viewer, self.course_key(), now, self.policy())
        return staff_view.render_staff_view(
            self._staff_scope(now, time_zone),
            urls,
            source,
            provider_problem=self._provider_problem(viewer),
            own_session_url=session_page_url(own) if own is not None else "",
        )

    def author_view(self, context=None):
        """What course staff see in Studio: the room's settings, and any configuration problem."""
        return presenters.render_message(
            "author.html",
            {
                "block": self,
                "provider": resolve_provider_name(self.provider),
                "provider_problem": self._provider_problem(rooms.Viewer(user_id=0, is_course_staff=True)),
            },
            self.i18n_service,
        )

    def _provider_problem(self, viewer: rooms.Viewer) -> str:
        """Empty when the room's provider is usable; otherwise what to tell this viewer."""
        name = resolve_provider_name(self.provider)
        if name in configured_provider_names():
            return ""
        if viewer.is_course_staff:
            return self.i18n_service.gettext(
                "The video provider “{name}” is not configured on this site. Ask your site operator to set it in "
                "SESSIONROOM, or choose another provider in the settings of this component."
            ).format(name=name)
        return errors.PROVIDER_UNAVAILABLE

    def _action_urls(self, session_id) -> dict[str, str]:
        """The block's handler for what needs the block; the plugin's light endpoints for everything else."""
        return {
            name: self.runtime.handler_url(self, "room", name)
            if name in dispatch.NEEDS_BLOCK
            else session_action_url(session_id, name)
            for name in dispatch.ACTIONS
        }

    # Handler --------------------------------------------------------------------------------------

    @XBlock.handler
    def room(self, request, suffix=""):
        """Every room action (state, join, heartbeat, leave, failure, feedback…), named by the URL suffix."""
        if request.method != "POST":
            return _json_response(405, {"error": "method_not_allowed"})
        payload = _json_payload(request)
        ctx = dispatch.ActionContext(
            viewer=self.viewer(),
            now=rooms.now_utc(),
            block_policy=self.policy_minutes(),
            settings=self.room_settings(),
            analytics=runtime_analytics(self),
            links_for=lambda session: room_links(session, request.host_url),
            gettext=self.i18n_service.gettext,
            time_zone=self.time_zone(),
        )
        status, body = dispatch.dispatch(suffix.strip("/"), ctx, payload)
        return _json_response(status, body)

    @XBlock.handler
    def staff(self, request, suffix=""):
        """Course staff's scheduling actions (list, create, reschedule, cancel), named by the URL suffix."""
        if request.method != "POST":
            return _json_response(405, {"error": "method_not_allowed"})
        viewer = self.viewer()
        usage_key = self.scope_ids.usage_id
        ctx = staff.StaffContext(
            viewer=viewer,
            scope=self._staff_scope(rooms.now_utc(), "UTC"),
            usage_key=usage_key if isinstance(usage_key, UsageKey) else None,
            recording_enabled=self.recording_enabled,
            policy_minutes=self.policy_minutes(),
        )
        status, body = staff.dispatch(suffix.strip("/"), ctx, _json_payload(request))
        return _json_response(status, body)

    # Studio --------------------------------------------------------------------------------------

    def validate_field_data(self, validation, data):
        """Refuse numbers out of range, malformed links and providers the site does not offer."""
        from xblock.validation import ValidationMessage

        gettext = self.i18n_service.gettext
        for name in ("join_window_minutes", "no_show_minutes", "end_grace_minutes"):
            value = getattr(data, name)
            if not isinstance(value, int) or not 0 <= value <= 240:
                validation.add(ValidationMessage(ValidationMessage.ERROR, gettext("Minutes must be 0 to 240.")))
        if data.provider and data.provider not in configured_provider_names():
            validation.add(
                ValidationMessage(ValidationMessage.ERROR, gettext("This video provider is not configured."))
            )
        try:
            parse_resource_links(data.resource_links, strict=True)
        except ValueError:
            validation.add(
                ValidationMessage(
                    ValidationMessage.ERROR,
                    gettext("Write each resource link as: Title | https://example.org/page"),
                )
            )
        for name in ("booking_url", "dashboard_url"):
            if getattr(data, name) and not is_safe_link(getattr(data, name)):
                validation.add(
                    ValidationMessage(ValidationMessage.ERROR, gettext("Links must start with https://, http:// or /."))
                )

    def student_view_data(self, context=None):
        """For the mobile apps: the session the viewer is looking at, by id, and its direct page."""
        viewer = self.viewer()
        session = rooms.find_current_session(viewer, self.course_key(), rooms.now_utc(), self.policy())
        if session is None:
            return {"session": None}
        return {"session": str(session.pk), "url": session_page_url(session)}

    @staticmethod
    def workbench_scenarios():
        """The dev host's course unit with one Session Room."""
        return [("Session Room", "<vertical_demo><sessionroom/></vertical_demo>")]


def parse_resource_links(text: str, strict: bool = False) -> list[dict]:
    """``Title | URL`` lines as dicts; ``strict`` raises on a malformed line instead of skipping it."""
    links = []
    for line in (text or "").splitlines():
        if not line.strip():
            continue
        title, sep, url = (part.strip() for part in line.partition("|"))
        if not sep or not title or not is_safe_link(url):
            if strict:
                raise ValueError(line)
            continue
        links.append({"title": title, "url": url})
    return links


def _requested_session_id() -> str:
    """The ``session`` query parameter of the page that renders the block (links from emails, dashboards)."""
    request = compat.get_current_request()
    return request.GET.get("session", "") if request is not None else ""


def _json_payload(request):
    """The request's JSON body, or None when it is not JSON (the dispatchers answer 400)."""
    try:
        return jsontext.loads(request.body or b"{}")
    except ValueError:
        return None


def _json_response(status: int, body: dict) -> Response:
    response = Response(json.dumps(body), status=status, content_type="application/json", charset="utf-8")
    if status == 429 and "retry_after" in body:
        response.headers["Retry-After"] = str(body["retry_after"])
    return response
