"""Per-session tokens for provider callback URLs.

BBB's end callback is an unsigned GET, so the URL we hand BBB carries our own token, signed with the
site's SECRET_KEY and bound to one session: a caller who does not know the token cannot end a session.
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
