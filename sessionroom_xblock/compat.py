"""The only module that touches edx-platform. Every import is lazy and every function has a fallback,
so the package imports and runs in the dev host, in tests and in the Studio Celery worker.
"""

from __future__ import annotations

import hashlib
import logging
from urllib.parse import urljoin, urlsplit

from django.contrib.auth import get_user_model

from sessionroom_xblock.conf import setting

log = logging.getLogger(__name__)


def emit_tracking_event(name: str, data: dict) -> None:  # pragma: no cover - platform only
    """Send an event to the platform's tracking log, or to our log outside the platform."""
    try:
        from eventtracking import tracker
    except ImportError:
        log.info("analytics event %s %s", name, data)
        return
    tracker.emit(name, data)


def get_current_request():
    """The request being served (django-crum middleware runs in the LMS and in the dev host)."""
    from crum import get_current_request as crum_request

    return crum_request()


def user_full_name(user) -> str:
    """The name the platform shows for ``user``: profile name in the LMS, else full name, else username."""
    profile = getattr(user, "profile", None)
    name = getattr(profile, "name", "") if profile is not None else ""
    return name or user.get_full_name() or user.username


def user_avatar_url(user) -> str:
    """
    The profile image URL in the LMS, made absolute; empty elsewhere (the page then shows initials).

    Without a request the platform answers site-relative URLs (``/media/profile-images/…``, the default
    image under ``/static/``), which media servers refuse or cannot fetch: plugNmeet's ``profile_pic`` must
    be an absolute URI, and BBB's ``avatarURL`` is fetched by the participants' browsers on its own host.
    """
    try:
        from openedx.core.djangoapps.user_api.accounts.image_helpers import (
            get_profile_image_urls_for_user,
        )
    except ImportError:
        return ""
    try:
        return absolute_http_url(get_profile_image_urls_for_user(user).get("medium", ""))
    except Exception:  # noqa: BLE001
        return ""


def absolute_http_url(url: str) -> str:
    """``url`` resolved against the LMS root; "" unless that gives an http(s) URL with a host."""
    if not url:
        return ""
    joined = urljoin(lms_root_url().rstrip("/") + "/", url)
    parts = urlsplit(joined)
    return joined if parts.scheme in ("http", "https") and parts.netloc else ""


def course_title(course_key) -> str:
    """The course's display name from CourseOverview in the platform, else the configured title."""
    try:
        from openedx.core.djangoapps.content.course_overviews.models import CourseOverview
    except ImportError:
        titles = setting("COURSE_TITLES") or {}
        return titles.get(str(course_key)) or getattr(course_key, "course", "") or str(course_key)
    try:  # pragma: no cover - platform only
        return CourseOverview.get_from_id(course_key).display_name_with_default
    except Exception:  # noqa: BLE001
        return str(course_key)


def is_course_staff(user, course_key) -> bool:
    """
    Course staff or instructor in the platform. Elsewhere: Django staff (staff of every course, as global
    staff are in the LMS), or staff of the courses ``SESSIONROOM["DEV_COURSE_STAFF"]`` names for the username.
    """
    if user is None or not user.is_authenticated:
        return False
    try:
        from common.djangoapps.student.auth import has_course_author_access
        from common.djangoapps.student.roles import CourseStaffRole
    except ImportError:
        courses = (setting("DEV_COURSE_STAFF") or {}).get(user.username, ())
        return bool(user.is_staff) or str(course_key) in {str(course) for course in courses}
    return bool(  # pragma: no cover - platform only
        user.is_staff or CourseStaffRole(course_key).has_user(user) or has_course_author_access(user, course_key)
    )


def user_time_zone(user) -> str:
    """The user's time zone preference (the LMS stores it as the ``time_zone`` preference)."""
    try:
        from openedx.core.djangoapps.user_api.preferences.api import get_user_preference
    except ImportError:
        return (setting("DEV_USER_PREFERENCES") or {}).get(user.username, {}).get("time_zone", "")
    try:  # pragma: no cover - platform only
        return get_user_preference(user, "time_zone") or ""
    except Exception:  # noqa: BLE001
        return ""


#: The platform's preference keys for time zone and language (openedx user_api).
PREFERENCE_KEYS = {"time_zone": "time_zone", "pref-lang": "language"}


def user_preferences(user_ids) -> dict[int, dict[str, str]]:
    """
    Time zone and language of many users in one query: ``{user_id: {"time_zone": …, "language": …}}``.

    In the platform they are the ``time_zone`` and ``pref-lang`` user preferences. Outside it (dev host,
    tests) they come from ``SESSIONROOM["DEV_USER_PREFERENCES"]``, keyed by username.
    """
    try:
        from openedx.core.djangoapps.user_api.models import UserPreference  # noqa: PLC0415
    except ImportError:
        configured = setting("DEV_USER_PREFERENCES") or {}
        if not configured:
            return {}
        usernames = get_user_model().objects.filter(pk__in=list(user_ids)).values_list("pk", "username")
        return {uid: dict(configured[name]) for uid, name in usernames if name in configured}
    found: dict[int, dict[str, str]] = {}  # pragma: no cover - platform only
    rows = UserPreference.objects.filter(user_id__in=list(user_ids), key__in=list(PREFERENCE_KEYS))
    for user_id, key, value in rows.values_list("user_id", "key", "value"):  # pragma: no cover
        found.setdefault(user_id, {})[PREFERENCE_KEYS[key]] = value
    return found  # pragma: no cover


def configured_lms_root() -> str:
    """The LMS root the operator configured (``SESSIONROOM["LMS_ROOT_URL"]``, else the platform's), or ""."""
    from django.conf import settings

    return setting("LMS_ROOT_URL") or getattr(settings, "LMS_ROOT_URL", "")


def lms_root_url() -> str:
    """The LMS root for links that leave the browser (emails, provider callbacks); localhost in development."""
    return configured_lms_root() or "http://127.0.0.1:8000"


def course_home_url(course_key) -> str:
    """
    The course's home as the platform links it: the Learning MFE's ``/course/<key>/home`` when the site
    runs the MFE (edx-platform's ``get_learning_mfe_home_url`` builds the same), else the legacy
    ``/courses/<key>/`` (which the LMS redirects as it sees fit).
    """
    from django.conf import settings

    mfe = (getattr(settings, "LEARNING_MICROFRONTEND_URL", "") or "").rstrip("/")
    return f"{mfe}/course/{course_key}/home" if mfe else f"/courses/{course_key}/"


def get_user(user_id):
    """A Django user by primary key, or None."""
    if user_id is None:
        return None
    return get_user_model().objects.filter(pk=user_id).first()


def initials_color(user_id) -> str:
    """A stable, readable avatar background for users without a profile image."""
    palette = ("#1f5f8b", "#7a3e9d", "#2d6a4f", "#9c4221", "#3c4a9e", "#8a2846")
    return palette[int(hashlib.sha256(str(user_id).encode()).hexdigest(), 16) % len(palette)]


def is_course_member(user, course_key) -> bool:
    """Enrolled in the course, or staff of it, in the platform; everyone elsewhere (no enrollments there)."""
    try:
        from common.djangoapps.student.models import CourseEnrollment  # noqa: PLC0415
    except ImportError:
        return True
    return bool(  # pragma: no cover - platform only
        CourseEnrollment.is_enrolled(user, course_key) or is_course_staff(user, course_key)
    )


def api_authentication_classes() -> list:
    """
    How the REST API authenticates: JWT (edx-drf-extensions, what services use in the platform) when it
    is installed, and the browser's session always.
    """
    from rest_framework.authentication import SessionAuthentication  # noqa: PLC0415

    try:
        from edx_rest_framework_extensions.auth.jwt.authentication import JwtAuthentication  # noqa: PLC0415
    except ImportError:
        return [SessionAuthentication]
    return [JwtAuthentication, SessionAuthentication]  # pragma: no cover - platform only


def course_staff_emails(course_key) -> list[str]:
    """Addresses of the course's staff and instructors in the platform; Django staff elsewhere."""
    try:
        from common.djangoapps.student.roles import CourseInstructorRole, CourseStaffRole  # noqa: PLC0415
    except ImportError:
        users = get_user_model().objects.filter(is_staff=True, is_active=True)
    else:  # pragma: no cover - platform only
        users = [*CourseStaffRole(course_key).users_with_role(), *CourseInstructorRole(course_key).users_with_role()]
    return sorted({user.email for user in users if user.email})


def retirement_signal():
    """The LMS's account-retirement signal for plugins (``USER_RETIRE_LMS_MISC``, sent with ``user``), or
    None outside the platform."""
    try:
        from openedx.core.djangoapps.user_api.accounts.signals import USER_RETIRE_LMS_MISC  # noqa: PLC0415
    except ImportError:
        return None
    return USER_RETIRE_LMS_MISC


#: The platform's email layout (edx-platform's ace_common app), used by its own edx-ace emails.
PLATFORM_EMAIL_LAYOUT = "ace_common/edx_ace/common/base_body.html"
#: Ours, for edx-ace outside the platform.
OWN_EMAIL_LAYOUT = "sessionroom_xblock/edx_ace/common/base_body.html"


def email_layout() -> tuple[str, dict]:
    """
    The base template an edx-ace email body extends and the context it needs: in the platform, its own
    layout with the site's branding (logo, platform name, links, mailing address); elsewhere ours.
    """
    from django.template import TemplateDoesNotExist, loader  # noqa: PLC0415

    try:
        from openedx.core.djangoapps.ace_common.template_context import get_base_template_context  # noqa: PLC0415

        loader.get_template(PLATFORM_EMAIL_LAYOUT)  # a Studio worker may lack the ace_common templates
    except (ImportError, TemplateDoesNotExist):
        return OWN_EMAIL_LAYOUT, {}
    from django.contrib.sites.models import Site  # noqa: PLC0415 # pragma: no cover - platform only

    return PLATFORM_EMAIL_LAYOUT, get_base_template_context(Site.objects.get_current())  # pragma: no cover


def email_from_address() -> str:
    """The site's from-address (site configuration ``email_from_address`` in the platform), else Django's."""
    from django.conf import settings  # noqa: PLC0415

    try:
        from openedx.core.djangoapps.site_configuration import helpers  # noqa: PLC0415
    except ImportError:
        return settings.DEFAULT_FROM_EMAIL
    return helpers.get_value("email_from_address", settings.DEFAULT_FROM_EMAIL)  # pragma: no cover
