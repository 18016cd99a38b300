"""Session reminders by email, each sent once per (session, user, kind, start).

The plan of a session is one moment per configured kind (``SESSIONROOM["REMINDERS"]``, e.g. 24h, 1h, 15m
before start). At a sweep time ``now`` the reminder to send is the kind whose moment came last, provided:

- the moment came after the current start was set (a session booked 30 minutes ahead gets only 15m);
- it is not stale: at most half its lead time late (a 24h reminder found 20 hours late is not sent);
- the session has not started yet and is still scheduled.

Earlier kinds that were overdue at the same time are skipped, never sent later. Each session carries
``next_reminder_at`` (the next moment of its plan), so the sweep reads only due rows through one index.

Exactly once: a sweep locks the due sessions (``SELECT … FOR UPDATE SKIP LOCKED`` where the database has
it), inserts one ``ReminderDelivery`` claim per participant under the unique constraint (the final guard:
a second sweep's insert is ignored), advances ``next_reminder_at`` and commits. Only then does it send the
claims it holds (``claim_token``), renewing each claim's lease right before its email (``renew_lease``: a
batch that outlives its lease skips the claims another sweep re-leased meanwhile) and marking ``sent_at``
right after the email backend accepted it. One email must take less than the lease. A
sweep that dies between claim and send leaves claims without ``sent_at``; after ``REMINDER_LEASE_SECONDS``
the next sweep re-leases them (one conditional UPDATE, so one sweep wins) and sends them if they are still
the session's current reminder. The one window no database can close is a crash after the mail server
accepted a message and before ``sent_at`` was written; that reminder is sent again, with the same
Message-ID so mail clients show it once.

On SQLite, which has no row locks, the claim transaction is serialized by the database's single writer;
a concurrent sweep that loses the write lock gets "database is locked" and retries
(``_retry_when_locked``), and the unique constraint still guards.
"""

from __future__ import annotations

import logging
import smtplib
import time
import uuid
import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.utils import parseaddr

import icalendar
from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import OperationalError, connection, transaction
from django.utils import formats, timezone, translation

from sessionroom_xblock import compat
from sessionroom_xblock.background import platform_mail
from sessionroom_xblock.conf import setting
from sessionroom_xblock.models import ReminderDelivery, TutoringSession
from sessionroom_xblock.screens.i18n import BundledI18nService
from sessionroom_xblock.screens.resources import render
from sessionroom_xblock.sessions.links import calendar_url, session_page_url
from sessionroom_xblock.sessions.reminder_plan import CANCEL_KIND, due_kind, next_moment

log = logging.getLogger(__name__)

PRODID = "-//sessionroom-xblock//Session Room//EN"


@dataclass
class SweepResult:
    """
    What a sweep did: claims made (fresh and re-leased), emails sent, claims dropped as no longer due, and
    the (claim id, token) pairs the mail server refused, to be retried one by one.
    """

    claimed: int = 0
    sent: int = 0
    dropped: int = 0
    failed: list[tuple[int, str]] = field(default_factory=list)

    def add(self, other: SweepResult) -> None:
        """Accumulate the figures of another batch."""
        self.claimed += other.claimed
        self.sent += other.sent
        self.dropped += other.dropped
        self.failed += other.failed


def send_due_reminders(now: datetime | None = None, *, batch_size: int | None = None, max_batches: int = 100):
    """Sweep until nothing is due (or ``max_batches`` ran): claim, send, mark. Safe to run concurrently."""
    total = SweepResult()
    batch_size = batch_size or setting("REMINDER_BATCH_SIZE")
    for _ in range(max_batches):
        result = sweep_once(now or timezone.now(), batch_size=batch_size)
        total.add(result)
        if result.claimed < batch_size:
            break
    return total


def sweep_once(now: datetime, *, batch_size: int) -> SweepResult:
    """One batch: re-lease expired claims, claim due sessions, send what this sweep holds."""
    token = uuid.uuid4().hex
    released = _retry_when_locked(lambda: _release_expired(token, now))
    claimed = _retry_when_locked(lambda: _claim_due(token, now, batch_size))
    result = send_claims(token, now)
    result.claimed = released + claimed
    return result


def _release_expired(token: str, now: datetime) -> int:
    """Take over claims whose sender died before sending (one UPDATE: each claim goes to one sweep)."""
    lease = timedelta(seconds=setting("REMINDER_LEASE_SECONDS"))
    return ReminderDelivery.objects.filter(sent_at__isnull=True, claimed_at__lt=now - lease).update(
        claim_token=token, claimed_at=now
    )


def due_sessions(now: datetime):
    """Sessions whose next reminder moment has come: one range scan of ``sr_reminder_due`` per status."""
    return TutoringSession.objects.filter(
        status__in=(TutoringSession.Status.SCHEDULED, TutoringSession.Status.CANCELLED),
        next_reminder_at__lte=now,
    ).order_by("next_reminder_at")


def _claim_due(token: str, now: datetime, batch_size: int) -> int:
    """Lock due sessions, insert their claims, advance ``next_reminder_at``; commit before any email goes out."""
    with transaction.atomic():
        due = due_sessions(now)
        if connection.features.has_select_for_update_skip_locked:
            due = due.select_for_update(skip_locked=True)
        sessions = list(
            due.only("id", "status", "learner_id", "tutor_id", "scheduled_start", "schedule_set_at")[:batch_size]
        )
        if not sessions:
            return 0
        claims = []
        cancelled_ids = [s.pk for s in sessions if s.status == TutoringSession.Status.CANCELLED]
        invited = _invited_users(cancelled_ids)
        for session in sessions:
            if session.status == TutoringSession.Status.CANCELLED:
                kind, users = CANCEL_KIND, invited.get(session.pk, ()) if session.scheduled_start > now else ()
                session.next_reminder_at = None
            else:
                kind, users = due_kind(session.scheduled_start, session.schedule_set_at, now), session.participant_ids()
                session.next_reminder_at = next_moment(session.scheduled_start, session.schedule_set_at, now)
            if kind is not None:
                claims += [
                    ReminderDelivery(
                        session_id=session.pk,
                        user_id=user_id,
                        kind=kind,
                        scheduled_start=session.scheduled_start,
                        claimed_at=now,
                        claim_token=token,
                    )
                    for user_id in users
                ]
        ReminderDelivery.objects.bulk_create(claims, ignore_conflicts=True)
        TutoringSession.objects.bulk_update(sessions, ["next_reminder_at"])
        return len(sessions)


def _invited_users(session_ids: list) -> dict:
    """Who got at least one reminder (and with it the invitation) of each cancelled session."""
    invited: dict = {}
    if session_ids:
        rows = ReminderDelivery.objects.filter(session_id__in=session_ids, sent_at__isnull=False).exclude(
            kind=CANCEL_KIND
        )
        for session_id, user_id in rows.values_list("session_id", "user_id").distinct():
            invited.setdefault(session_id, set()).add(user_id)
    return invited


def send_claims(token: str, now: datetime) -> SweepResult:
    """
    Send every unsent claim this sweep holds; drop re-leased ones that are no longer the reminder due.

    A claim the mail server refuses (or cannot be reached for) stays unsent and is listed in ``failed``:
    the task layer retries each with backoff (``send_reminder``) instead of failing the whole batch.
    """
    result = SweepResult()
    started = time.monotonic()
    claims = list(_claims().filter(claim_token=token, sent_at__isnull=True).order_by("pk"))
    if not claims:
        return result
    preferences = compat.user_preferences({claim.user_id for claim in claims})
    mail = get_connection()
    try:
        mail.open()
    except (smtplib.SMTPException, OSError):
        log.exception("The mail server is unreachable; %d reminders will be retried", len(claims))
        result.failed += [(claim.pk, token) for claim in claims]
        return result
    try:
        for claim in claims:
            if not renew_lease(claim.pk, token, now + timedelta(seconds=time.monotonic() - started)):
                continue
            try:
                sent = deliver(claim, token, preferences.get(claim.user_id, {}), now, mail)
            except (smtplib.SMTPException, OSError):
                log.exception("Reminder %s could not be sent; it will be retried", claim.pk)
                result.failed.append((claim.pk, token))
                continue
            if sent:
                result.sent += 1
            else:
                result.dropped += 1
    finally:
        mail.close()
    return result


def send_claim(claim_id: int, token: str, now: datetime) -> bool | None:
    """
    Send one claim ``token`` holds, renewing its lease first (so no sweep re-leases it meanwhile).

    True: sent; False: dropped as no longer due; None: the claim is sent or held by another sweep.
    Mail errors propagate, for the task's retry.
    """
    if not renew_lease(claim_id, token, now):
        return None
    claim = _claims().get(pk=claim_id)
    with get_connection() as mail:
        return deliver(claim, token, compat.user_preferences({claim.user_id}).get(claim.user_id, {}), now, mail)


def renew_lease(claim_id: int, token: str, at: datetime) -> bool:
    """
    Whether ``token`` still holds the unsent claim, renewing its lease from ``at`` if so (one conditional
    UPDATE, so a sweep re-leasing it at the same moment either waits and sees the renewal, or wins and this
    sweep lets it go). Called right before each send: a batch that outlives its lease loses the claims
    another sweep took over instead of sending them too.
    """
    return bool(
        ReminderDelivery.objects.filter(pk=claim_id, claim_token=token, sent_at__isnull=True).update(claimed_at=at)
    )


def deliver(claim: ReminderDelivery, token: str, preferences: dict, now: datetime, mail) -> bool:
    """Send one held claim and mark it sent; delete it instead when it is no longer due."""
    if not still_due(claim, now):
        ReminderDelivery.objects.filter(pk=claim.pk, claim_token=token, sent_at__isnull=True).delete()
        return False
    if platform_mail.enabled():
        platform_mail.send(render_email(claim, preferences, standalone=False))
    else:
        message = build_message(claim, preferences, now)
        message.connection = mail
        message.send()
    # Written right after the backend accepted the message, in autocommit: the crash window is this line.
    ReminderDelivery.objects.filter(pk=claim.pk, claim_token=token).update(sent_at=timezone.now())
    return True


def _claims():
    return ReminderDelivery.objects.select_related("session", "session__learner", "session__tutor")


def still_due(claim: ReminderDelivery, now: datetime) -> bool:
    """Whether a claim should still be sent (a re-leased claim may have been overtaken by events)."""
    session = claim.session
    if session.scheduled_start != claim.scheduled_start or session.scheduled_start <= now:
        return False
    if claim.kind == CANCEL_KIND:
        return session.status == TutoringSession.Status.CANCELLED
    if session.status != TutoringSession.Status.SCHEDULED:
        return False
    return due_kind(session.scheduled_start, session.schedule_set_at, now) == claim.kind


def _retry_when_locked(operation: Callable[[], int], attempts: int = 20) -> int:
    """
    Run ``operation``; on SQLite retry it while another sweep holds the write lock.

    SQLite answers a transaction that read before another one wrote with "database is locked" at once,
    without waiting; the other databases block on the row lock instead and never reach the retry.
    """
    attempt = 1
    while True:
        try:
            return operation()
        except OperationalError as exc:
            if connection.vendor != "sqlite" or "locked" not in str(exc) or attempt == attempts:
                raise
            time.sleep(0.01 * attempt)
            attempt += 1


# --- The email -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReminderEmail:
    """One rendered reminder (or cancellation): its parts, recipient, language and stable Message-ID."""

    claim: ReminderDelivery
    recipient: object
    language: str
    subject: str
    text: str
    html: str
    course_title: str
    link: str

    @property
    def message_id(self) -> str:
        """The Message-ID every sending of this reminder carries."""
        return message_id(self.claim)


def render_email(claim: ReminderDelivery, preferences: dict, *, standalone: bool) -> ReminderEmail:
    """
    The email for one claim, in the recipient's language and time zone, through our own catalog.

    ``standalone``: a whole HTML document that mentions the attached invitation (Django's mail); otherwise
    the body only, for the platform's email layout, which carries no attachment (``platform_mail``): the
    invitation is then a link to the participant's ``session.ics``.
    """
    session = claim.session
    user = session.learner if claim.user_id == session.learner_id else session.tutor
    other = session.tutor if user is session.learner else session.learner
    language = preferences.get("language") or settings.LANGUAGE_CODE
    zone = _zone(preferences.get("time_zone"))
    cancelled = claim.kind == CANCEL_KIND
    with translation.override(language):
        local_start = session.scheduled_start.astimezone(zone)
        context = {
            "kind": claim.kind,
            "cancelled": cancelled,
            "standalone": standalone,
            "course_title": compat.course_title(session.course_key),
            "other_name": compat.user_full_name(other),
            "recipient_name": compat.user_full_name(user),
            "start_text": f"{formats.date_format(local_start)}, {formats.time_format(local_start, 'H:i')}",
            "time_zone": local_start.tzname() if zone.key == "UTC" else f"{zone.key} ({local_start.tzname()})",
            "minutes": int((session.scheduled_end - session.scheduled_start).total_seconds() // 60),
            "link": session_page_url(session),
            # No attachment outside a standalone email: the invitation is a link instead.
            "calendar_link": "" if standalone else calendar_url(session, user.pk),
        }
        base = "email/cancelled" if cancelled else "email/reminder"
        i18n = BundledI18nService()
        return ReminderEmail(
            claim=claim,
            recipient=user,
            language=language,
            subject=" ".join(render(f"{base}_subject.txt", context, i18n).split()),
            text=render(f"{base}.txt", context, i18n),
            html=render(f"{base}.html", context, i18n),
            course_title=context["course_title"],
            link=context["link"],
        )


def build_message(claim: ReminderDelivery, preferences: dict, now: datetime) -> EmailMultiAlternatives:
    """The email for Django's mail: text, HTML and the calendar invitation (``session.ics``)."""
    email = render_email(claim, preferences, standalone=True)
    message = EmailMultiAlternatives(
        subject=email.subject,
        body=email.text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[email.recipient.email],
        headers={"Message-ID": email.message_id},
    )
    message.attach_alternative(email.html, "text/html")
    method = "CANCEL" if claim.kind == CANCEL_KIND else "REQUEST"
    ics = invitation(claim.session, email.recipient.email, email.course_title, email.link, now, method=method)
    message.attach("session.ics", ics, f"text/calendar; method={method}; charset=utf-8")
    return message


def message_id(claim: ReminderDelivery) -> str:
    """Stable per reminder, so a message sent again after a crash is recognised as the same by mail clients."""
    stamp = int(claim.scheduled_start.timestamp())
    return f"<sessionroom.{claim.session_id}.{claim.user_id}.{claim.kind}.{stamp}@{_mail_domain()}>"


def invitation(session, attendee_email: str, title: str, link: str, now: datetime, *, method: str) -> bytes:
    """
    An iTIP invitation: the same UID for the life of the session, SEQUENCE bumped by reschedule and cancel,
    so calendars update (or remove) the event they already have.
    """
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("method", method)
    event = icalendar.Event()
    event.add("uid", f"{session.pk}@{_mail_domain()}")
    event.add("sequence", session.schedule_sequence)
    event.add("dtstamp", now)
    event.add("dtstart", session.scheduled_start)
    event.add("dtend", session.scheduled_end)
    event.add("summary", title)
    event.add("description", link)
    event.add("url", link)
    event.add("status", "CANCELLED" if method == "CANCEL" else "CONFIRMED")
    event.add("organizer", f"mailto:{parseaddr(settings.DEFAULT_FROM_EMAIL)[1]}")
    event.add("attendee", f"mailto:{attendee_email}", parameters={"ROLE": "REQ-PARTICIPANT", "RSVP": "FALSE"})
    calendar.add_component(event)
    return calendar.to_ical()


def _mail_domain() -> str:
    return parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2] or "sessionroom.invalid"


def _zone(name: str | None) -> zoneinfo.ZoneInfo:
    """The recipient's zone; the site's when unknown or invalid."""
    for candidate in (name, settings.TIME_ZONE, "UTC"):
        if candidate:
            try:
                return zoneinfo.ZoneInfo(candidate)
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                continue
    return zoneinfo.ZoneInfo("UTC")
