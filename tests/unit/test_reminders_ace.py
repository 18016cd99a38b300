"""Reminders through edx-ace (the platform's email), with ace's Django email channel and Django's test outbox.

The text is ours (our catalog, the recipient's language), the layout and the channel are ace's; the claim
logic is unchanged: each reminder once, a refused one retried until ace delivers it.
"""

from __future__ import annotations

import smtplib
from datetime import timedelta

import icalendar
import pytest
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.utils import timezone

from sessionroom_xblock import signing
from sessionroom_xblock.background import platform_mail, reminders
from sessionroom_xblock.models import ReminderDelivery
from sessionroom_xblock.screens.resources import resource_root
from tests.factories import make_session

pytest.importorskip("edx_ace")


@pytest.fixture
def ace_site(settings):
    settings.SESSIONROOM = {**settings.SESSIONROOM, "EMAIL_VIA_ACE": True}
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.ACE_ENABLED_CHANNELS = ["django_email"]
    settings.ACE_CHANNEL_DEFAULT_EMAIL = "django_email"
    settings.ACE_CHANNEL_TRANSACTIONAL_EMAIL = "django_email"
    settings.ACE_ENABLED_POLICIES = []
    # In a built wheel the templates sit in the package, where the app-directories loader finds them.
    engine = settings.TEMPLATES[0]
    settings.TEMPLATES = [{**engine, "DIRS": [*engine.get("DIRS", []), str(resource_root("templates"))]}]
    return settings


@pytest.fixture
def due(learner, tutor):
    """A session whose 1-hour reminder is due now; the learner reads Spanish."""
    now = timezone.now().replace(microsecond=0)
    session = make_session(learner, tutor, start=now + timedelta(minutes=50), schedule_set_at=now - timedelta(days=2))
    return session, now


def test_ace_is_used_only_where_the_site_has_it(settings):
    settings.SESSIONROOM = {**settings.SESSIONROOM, "EMAIL_VIA_ACE": "auto"}
    assert not platform_mail.enabled()  # the dev host does not install the edx_ace app
    settings.SESSIONROOM = {**settings.SESSIONROOM, "EMAIL_VIA_ACE": True}
    assert platform_mail.enabled()


def test_reminders_go_out_through_ace_once(ace_site, due, learner, tutor):
    session, now = due
    ace_site.SESSIONROOM = {
        **ace_site.SESSIONROOM,
        "DEV_USER_PREFERENCES": {learner.username: {"language": "es", "time_zone": "Europe/Madrid"}},
    }
    result = reminders.send_due_reminders(now)
    assert (result.sent, result.failed) == (2, [])
    assert len(mail.outbox) == 2
    by_recipient = {message.to[0]: message for message in mail.outbox}
    spanish = by_recipient[learner.email]
    assert spanish.body.startswith("Hola, ") and by_recipient[tutor.email].body.startswith("Hello ")
    assert spanish.from_email == "Session Room <sessions@example.org>"
    assert spanish.extra_headers["Message-ID"] == reminders.message_id(
        ReminderDelivery.objects.get(session=session, user=learner)
    )
    html = spanish.alternatives[0][0]
    assert "<!DOCTYPE html>" in html and html.count("<html") == 1  # ace's document around our body
    assert f"/sessionroom/session/{session.pk}/" in html
    assert spanish.attachments == []  # ace's channels carry no attachment
    assert "adjunta" not in spanish.body  # so the text does not announce one
    reminders.send_due_reminders(now + timedelta(minutes=1))
    assert len(mail.outbox) == 2


def test_a_reminder_ace_could_not_deliver_is_retried(ace_site, due, monkeypatch):
    session, now = due
    ace_site.EMAIL_BACKEND = "tests.unit.test_reminders_ace.RefusingBackend"
    result = reminders.send_due_reminders(now)
    assert result.sent == 0 and len(result.failed) == 2
    assert not ReminderDelivery.objects.filter(sent_at__isnull=False).exists()
    ace_site.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    for claim_id, token in result.failed:
        assert reminders.send_claim(claim_id, token, now) is True
        assert reminders.send_claim(claim_id, token, now) is None
    assert len(mail.outbox) == 2


class RefusingBackend(BaseEmailBackend):
    """A mail server that refuses every message."""

    def send_messages(self, email_messages):
        raise smtplib.SMTPRecipientsRefused({})


def calendar_link_of(body: str) -> str:
    line = next(line for line in body.splitlines() if "/session.ics?token=" in line)
    return line.split(" ")[-1].strip()


def test_through_ace_the_invitation_is_a_link_for_that_participant(ace_site, due, learner, tutor, stranger, client):
    session, now = due
    reminders.send_due_reminders(now)
    by_recipient = {message.to[0]: message for message in mail.outbox}
    link = calendar_link_of(by_recipient[learner.email].body)
    assert link in by_recipient[learner.email].alternatives[0][0].replace("&amp;", "&")
    path = link.split("://", 1)[1].split("/", 1)[1]
    response = client.get("/" + path)  # opened from the email: nobody is signed in
    assert response.status_code == 200 and response["Content-Type"].startswith("text/calendar")
    event = icalendar.Calendar.from_ical(response.content).walk("VEVENT")[0]
    assert str(event["uid"]) == f"{session.pk}@example.org"
    assert str(event["attendee"]) == f"mailto:{learner.email}"
    assert calendar_link_of(by_recipient[tutor.email].body) != link

    url = f"/sessionroom/session/{session.pk}/session.ics"
    other = make_session(learner, tutor, start=now + timedelta(days=3))
    for token in (
        "forged",
        signing.calendar_token(other.pk, learner.pk),
        signing.calendar_token(session.pk, stranger.pk),
    ):
        assert client.get(url, {"token": token}).status_code == 404


def test_a_cancellation_through_ace_links_to_the_cancelling_invitation(ace_site, due, learner, client):
    session, now = due
    reminders.send_due_reminders(now)
    mail.outbox.clear()
    session.status = session.Status.CANCELLED
    session.save()
    reminders.send_due_reminders(now + timedelta(minutes=1))
    cancel = next(message for message in mail.outbox if message.to == [learner.email])
    link = next(line for line in cancel.body.splitlines() if "/session.ics?token=" in line).split(" ")[-1]
    calendar = icalendar.Calendar.from_ical(client.get("/" + link.split("://", 1)[1].split("/", 1)[1]).content)
    assert str(calendar["method"]) == "CANCEL"
