"""Django views: the direct session page, its JSON actions, and provider webhooks.

The actions and webhooks opt out of the LMS's ``ATOMIC_REQUESTS``: their services open the short
transactions they need themselves, and a request-long transaction would keep every row they write locked
until the answer is sent (``sessions.rooms`` also never calls a provider while it holds a row).
"""

from __future__ import annotations

import logging

from django.contrib.auth.views import redirect_to_login
from django.db import transaction
from django.http import HttpResponse, JsonResponse
from django.utils import translation
from django.views.decorators.csrf import csrf_exempt, ensure_csrf_cookie
from django.views.decorators.http import require_http_methods, require_POST

from sessionroom_xblock import compat, errors, jsontext, signing
from sessionroom_xblock.actions import dispatch
from sessionroom_xblock.analytics import tracker_analytics
from sessionroom_xblock.background import reminders
from sessionroom_xblock.models import TutoringSession
from sessionroom_xblock.providers.base import CallbackRejected, CallbackRequest, ProviderNotConfigured
from sessionroom_xblock.screens import presenters, resources
from sessionroom_xblock.screens.i18n import BundledI18nService
from sessionroom_xblock.sessions import rooms
from sessionroom_xblock.sessions.links import room_links, session_action_url, session_page_url
from sessionroom_xblock.web import callbacks
from sessionroom_xblock.web.headers import security_headers

log = logging.getLogger(__name__)


def viewer_of(request, session_id) -> rooms.Viewer:
    """
    The signed-in user as the services see them. Course staff rights are looked up only for someone who
    is not a participant of the session: a participant's frequent calls cost no role lookup.
    """
    user = request.user
    if not user.is_authenticated:
        return rooms.Viewer(user_id=None)
    course_key, participants = _course_and_participants(session_id)
    if user.pk in participants:
        return rooms.Viewer(user_id=user.pk, course_key=course_key)
    return rooms.Viewer(
        user_id=user.pk, is_course_staff=compat.is_course_staff(user, course_key), course_key=course_key
    )


def _course_and_participants(session_id):
    """The course and the two participants' ids of a session (None and () when the id is unknown)."""
    try:
        row = (
            TutoringSession.objects.filter(pk=rooms.parse_session_id(session_id))
            .values_list("course_key", "learner_id", "tutor_id")
            .first()
        )
    except errors.RoomError:
        row = None
    return (row[0], row[1:]) if row else (None, ())


@security_headers
@ensure_csrf_cookie
@require_http_methods(["GET"])
def session_page(request, session_id):
    """
    ``/sessionroom/session/<uuid>/``: the same screens as the block, on a page of their own.

    Every link we send leads here (see sessions/links.py), so a signed-out visitor goes to the LMS
    sign-in and comes back. Not the provider's "left" bridge (``?left=``): it loads inside the room's
    frame after a cross-site redirect, often without the session cookie, and needs no sign-in.
    """
    if not request.user.is_authenticated and not request.GET.get("left"):
        return redirect_to_login(request.get_full_path())
    i18n = BundledI18nService()
    now = rooms.now_utc()
    try:
        access = rooms.get_access(viewer_of(request, session_id), session_id, write=False)
    except errors.RoomError as exc:
        context = {"message": exc.message, "dashboard_url": presenters.RoomSettings().effective_dashboard_url}
        fragment = presenters.render_message("message.html", context, i18n)
        return _page(request, fragment, status=exc.status, title=i18n.gettext(exc.message), session_id=session_id)
    tracker_analytics().publish("page_view", session_id=str(access.session.pk), user_role=access.role)
    page = presenters.Page(
        access=access,
        snapshot=rooms.snapshot(access, now, rooms.session_policy(access.session)),
        settings=presenters.RoomSettings(),
        urls={name: session_action_url(access.session.pk, name) for name in dispatch.ACTIONS},
        time_zone=compat.user_time_zone(request.user),
        extra={"direct": True},
    )
    fragment = presenters.render_session(page, i18n)
    _viewer, other = presenters.participants(access.session, access.role)
    title = i18n.gettext("Tutoring session with {name}: {course}").format(
        name=other.name, course=compat.course_title(access.session.course_key)
    )
    return _page(request, fragment, title=title, session_id=session_id)


def _page(request, fragment, *, title, session_id, status=200):
    """
    A whole HTML document around the fragment, starting its script the way a runtime would.

    With ``?left=1`` (BBB's logoutURL) it also carries the bridge that tells an enclosing room the user left.
    """
    html = resources.render(
        "page.html",
        {
            "fragment": fragment,
            "title": title,
            "init_fn": fragment.js_init_fn or "",
            "init_args": fragment.json_init_args or {},
            "language": translation.get_language() or "en",
            "left": bool(request.GET.get("left")),
            "session_id": str(session_id),
        },
        BundledI18nService(),
    )
    return HttpResponse(html, status=status)


@transaction.non_atomic_requests
@security_headers
@require_POST
def session_action(request, session_id, action):
    """
    The room's JSON actions for the direct page and the block's scripts (same table as the XBlock handler):
    authenticated by the LMS session, CSRF-protected, authorized per participant, and loading no course or
    block, so the frequent calls (heartbeat, signaling, chat) stay cheap. The session's stored policy applies.
    """
    try:
        payload = jsontext.loads(request.body or b"{}")
    except ValueError:
        payload = None
    if isinstance(payload, dict):
        payload["session"] = str(session_id)
    ctx = dispatch.ActionContext(
        viewer=viewer_of(request, session_id),
        now=rooms.now_utc(),
        settings=presenters.RoomSettings(),
        analytics=tracker_analytics(),
        links_for=lambda session: room_links(session, request.build_absolute_uri("/")),
        gettext=BundledI18nService().gettext,
        time_zone=compat.user_time_zone(request.user) if request.user.is_authenticated else "",
    )
    status, body = dispatch.dispatch(action, ctx, payload)
    response = JsonResponse(body, status=status)
    if status == 429 and "retry_after" in body:
        response["Retry-After"] = str(body["retry_after"])
    return response


@security_headers
@require_http_methods(["GET"])
def session_calendar(request, session_id):
    """
    ``session.ics`` for the participant the link's token names: the reminder's calendar invitation when the
    email went through edx-ace, which carries no attachment. The token is the credential (emails are opened
    anywhere, signed in or not); it names one session and one participant.
    """
    claims = signing.calendar_claims(request.GET.get("token", ""))
    session = TutoringSession.objects.select_related("learner", "tutor").filter(pk=session_id).first()
    if claims is None or session is None or claims[0] != str(session.pk) or claims[1] not in session.participant_ids():
        return HttpResponse(status=404)
    user = session.learner if claims[1] == session.learner_id else session.tutor
    cancelled = session.status == TutoringSession.Status.CANCELLED
    ics = reminders.invitation(
        session,
        user.email,
        compat.course_title(session.course_key),
        session_page_url(session),
        rooms.now_utc(),
        method="CANCEL" if cancelled else "REQUEST",
    )
    response = HttpResponse(ics, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="session.ics"'
    return response


@transaction.non_atomic_requests
@security_headers
@csrf_exempt
@require_http_methods(["GET", "POST"])
def webhook(request, provider, suffix=""):
    """Provider callbacks: authenticated by the provider's own signature (and our token for BBB)."""
    callback = CallbackRequest(
        method=request.method,
        path=request.path,
        query={key: request.GET.get(key) for key in request.GET},
        headers={key.lower(): value for key, value in request.headers.items()},
        body=request.body,
        form={key: request.POST.get(key) for key in request.POST} if request.method == "POST" else {},
    )
    try:
        applied = callbacks.handle(provider, callback, suffix.strip("/"))
    except ProviderNotConfigured:
        return HttpResponse(status=404)
    except CallbackRejected as exc:
        log.warning("Rejected %s callback %s: %s", provider, suffix, exc)
        return JsonResponse({"error": str(exc)}, status=exc.status)
    return JsonResponse({"applied": applied})
