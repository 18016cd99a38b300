"""The spec's error messages, word for word, and the exception the services raise with them.

Messages are marked with ``gettext_noop`` and translated where they are shown, in the viewer's language.
"""

from __future__ import annotations


def gettext_noop(message: str) -> str:
    """Mark a string for extraction without translating it now."""
    return message


SESSION_NOT_FOUND = gettext_noop("Session not found. Check your dashboard.")
NOT_AUTHORIZED = gettext_noop("You're not part of this session.")
SESSION_ENDED = gettext_noop("This session has ended.")
CONNECTION_FAILED = gettext_noop("Unable to connect.")
MEDIA_DENIED = gettext_noop("Please allow camera/microphone access.")
PROVIDER_UNAVAILABLE = gettext_noop("Video service unavailable. Try again.")
SESSION_CANCELLED = gettext_noop("This session was cancelled.")


class RoomError(Exception):
    """A refusal the user sees: an HTTP status, a stable code for the client, and the spec's message."""

    def __init__(self, status: int, code: str, message: str, **details):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details = details

    def as_payload(self, gettext=None) -> dict:
        """The JSON body of the refusal, with the message in the viewer's language."""
        message = gettext(self.message) if gettext else self.message
        return {"error": self.code, "message": message, **self.details}


def not_found() -> RoomError:
    """The session does not exist (or the id is malformed)."""
    return RoomError(404, "not_found", SESSION_NOT_FOUND)


def not_authorized() -> RoomError:
    """The viewer is neither participant (nor staff, where staff may look)."""
    return RoomError(403, "not_authorized", NOT_AUTHORIZED)


def session_ended() -> RoomError:
    """The action needs an open session and this one is closed."""
    return RoomError(409, "ended", SESSION_ENDED)


def provider_unavailable(error_type: str) -> RoomError:
    """The video provider failed; nothing about the session changed."""
    return RoomError(503, "provider_unavailable", PROVIDER_UNAVAILABLE, error_type=error_type)


def invalid(message: str, field: str) -> RoomError:
    """A 400 for bad input, naming the field."""
    return RoomError(400, "invalid", message, field=field)
