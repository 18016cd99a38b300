"""Absolute URLs of our own pages and callbacks, for providers and emails (which leave the browser)."""

from __future__ import annotations

from urllib.parse import urlencode

from django.urls import reverse

from sessionroom_xblock import compat
from sessionroom_xblock.sessions.rooms import RoomLinks
from sessionroom_xblock.signing import calendar_token, callback_token


def absolute(path: str, base_url: str = "") -> str:
    """
    ``path`` on the LMS. The configured LMS root wins: behind a proxy the request's own host may be an
    internal name a media server cannot reach. ``base_url`` (the request's host) is the fallback.
    """
    return (compat.configured_lms_root() or base_url or compat.lms_root_url()).rstrip("/") + path


def session_page_url(session, base_url: str = "", **query) -> str:
    """The direct page ``/sessionroom/session/<uuid>/``."""
    path = reverse("sessionroom:session-page", args=[session.pk])
    return absolute(path + (f"?{urlencode(query)}" if query else ""), base_url)


def calendar_url(session, user_id: int) -> str:
    """The participant's ``session.ics`` (for emails that cannot carry it as an attachment)."""
    path = reverse("sessionroom:session-calendar", args=[session.pk])
    return absolute(f"{path}?{urlencode({'token': calendar_token(session.pk, user_id)})}")


def session_action_url(session_id, action: str) -> str:
    """The plugin's light JSON endpoint for one room action of a session (no course or block loaded)."""
    return reverse("sessionroom:session-action", args=[session_id, action])


def room_links(session, base_url: str = "") -> RoomLinks:
    """Where a provider sends people after the room and where it calls us back, with a per-session token."""
    token = {"token": callback_token(session.pk)}
    return RoomLinks(
        logout_url=session_page_url(session, base_url, left="1"),
        end_callback_url=absolute(
            reverse("sessionroom:webhook", args=["bbb", "end"]) + "?" + urlencode(token), base_url
        ),
        recording_ready_url=absolute(
            reverse("sessionroom:webhook", args=["bbb", "recording-ready"]) + "?" + urlencode(token), base_url
        ),
        webhook_url=absolute(reverse("sessionroom:webhook", args=["plugnmeet", ""]), base_url),
    )
