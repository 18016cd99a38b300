"""Signed tokens in URLs that leave the browser, signed with the site's SECRET_KEY.

BBB's end callback is an unsigned GET, so the URL we hand BBB carries our own token, bound to one session:
a caller who does not know the token cannot end a session. The calendar link in a reminder sent through
edx-ace (which carries no attachment) carries a token bound to one session and one participant.
"""

from __future__ import annotations

from django.core import signing

SALT = "sessionroom.callback"


def callback_token(session_id) -> str:
    """A token that names exactly one session."""
    return signing.dumps({"s": str(session_id)}, salt=SALT, compress=True)


def session_id_from_token(token: str, max_age_seconds: int = 60 * 60 * 24 * 7) -> str | None:
    """The session the token was made for, or None when it is forged or older than ``max_age_seconds``."""
    try:
        payload = signing.loads(token, salt=SALT, max_age=max_age_seconds)
    except signing.BadSignature:
        return None
    return payload.get("s") if isinstance(payload, dict) else None


CALENDAR_SALT = "sessionroom.calendar"
#: A reminder's calendar link works for longer than the longest reminder lead time.
CALENDAR_MAX_AGE_SECONDS = 60 * 60 * 24 * 60


def calendar_token(session_id, user_id: int) -> str:
    """A token that names one session and one of its participants."""
    return signing.dumps({"s": str(session_id), "u": int(user_id)}, salt=CALENDAR_SALT, compress=True)


def calendar_claims(token: str) -> tuple[str, int] | None:
    """(session id, user id) the calendar token was made for, or None when forged or expired."""
    try:
        payload = signing.loads(token, salt=CALENDAR_SALT, max_age=CALENDAR_MAX_AGE_SECONDS)
    except signing.BadSignature:
        return None
    if not isinstance(payload, dict) or not isinstance(payload.get("u"), int):
        return None
    return str(payload.get("s")), payload["u"]
