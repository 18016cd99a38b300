"""Room actions the screens around the call need beyond the core table: asking for another time.

"Reschedule" (pre-join) and "Book Next Session" (post-session) link to the booking page when the site has
one. Without it, the participant can still ask: this action emails the other participant and the course
staff, who arrange the time by hand.
"""

from __future__ import annotations

import logging

from django.core.cache import cache
from django.core.mail import send_mail

from sessionroom_xblock import compat, errors
from sessionroom_xblock.actions.base import ActionContext, ActionTable
from sessionroom_xblock.models import TutoringSession
from sessionroom_xblock.screens import presenters
from sessionroom_xblock.sessions import rooms
from sessionroom_xblock.sessions.rooms import Access

log = logging.getLogger(__name__)
#: Room actions of this module (``dispatch`` lists them).
TABLE = ActionTable()

#: What the participant asks for; the email's subject says which.
SUBJECTS = {
    "reschedule": errors.gettext_noop("Reschedule request: {course}, {start}"),
    "next_session": errors.gettext_noop("Next session request: {course}"),
}
BODIES = {
    "reschedule": errors.gettext_noop(
        "{name} asks for another time for the tutoring session with {other} in {course} on {start}."
    ),
    "next_session": errors.gettext_noop("{name} would like to book another tutoring session with {other} in {course}."),
}
#: A participant's requests about one session reach people's inboxes at most once in this many seconds.
REQUEST_INTERVAL_SECONDS = 10 * 60


@TABLE.action("reschedule_request", writes=True)
def request_reschedule(access: Access, ctx: ActionContext, payload: dict) -> dict:
    """Email the other participant and course staff that the viewer wants another time (or a next session)."""
    rooms.require_participant(access)
    kind = payload.get("kind", "reschedule")
    if not isinstance(kind, str) or kind not in SUBJECTS:
        raise errors.invalid(errors.gettext_noop("Unknown request."), "kind")
    session = access.session
    # Another time for a session that is over means nothing; a next session is asked for after one.
    if kind == "reschedule" and session.status not in TutoringSession.OPEN_STATUSES:
        raise errors.session_ended()
    viewer, other = presenters.participants(session, access.role)
    by_id = {session.learner_id: session.learner, session.tutor_id: session.tutor}
    addresses = {by_id[other.user_id].email, *compat.course_staff_emails(session.course_key)}
    recipients = sorted(addresses - {"", by_id[viewer.user_id].email})
    if not recipients:
        raise errors.RoomError(
            409, "no_recipients", errors.gettext_noop("Nobody could be reached. Contact course staff.")
        )
    course = compat.course_title(session.course_key)
    start = session.scheduled_start.strftime("%Y-%m-%d %H:%M UTC")
    facts = {"name": viewer.name, "other": other.name, "course": course, "start": start}
    _claim_request_slot(access, ctx)
    send_mail(ctx.gettext(SUBJECTS[kind]).format(**facts), ctx.gettext(BODIES[kind]).format(**facts), None, recipients)
    log.info("Sent a %s request for session %s to %d recipients", kind, session.pk, len(recipients))
    return {"sent": len(recipients), "message": ctx.gettext("Your request was sent.")}


def _claim_request_slot(access: Access, ctx: ActionContext) -> None:
    """
    Refuse (429) a second request by the same participant about the same session within the interval: every
    request emails the other participant and all course staff. ``cache.add`` is atomic, so of two requests
    sent at once only one mails.
    """
    key = f"sessionroom:request:{access.session.pk}:{ctx.viewer.user_id}"
    if not cache.add(key, 1, timeout=REQUEST_INTERVAL_SECONDS):
        raise errors.RoomError(
            429,
            "rate_limited",
            errors.gettext_noop("Your request was already sent. You can send another in a few minutes."),
            retry_after=REQUEST_INTERVAL_SECONDS,
        )
