"""Send reminders through the platform's messaging, edx-ace, when the site has it; else Django's mail.

Open edX sends its own email through edx-ace: the site's channel (Django's mail, Braze, Sailthru…), its
from-address and its email layout with the site's branding. A reminder is rendered by ``reminders`` in the
recipient's language through our own catalog (the platform's catalog does not hold our strings), then
handed to ace as a ``sessionreminder`` message whose templates
(``templates/sessionroom_xblock/edx_ace/sessionreminder/email/``) put that text into the platform's layout.

ace's channels carry no attachment, so an email sent through ace links to the participant's
``session.ics`` (a signed link, ``web.views.session_calendar``) instead of attaching it; sites that want
the attachment set ``SESSIONROOM["EMAIL_VIA_ACE"] = False``.

Exactly once: ``ace.send`` reports delivery errors and returns, so success is read from its
``ACE_MESSAGE_SENT`` signal for this very message; without it the reminder counts as refused by the mail
server (``SMTPException``) and is retried like one. Every sending carries the reminder's Message-ID.
"""

from __future__ import annotations

import smtplib

from django.apps import apps

from sessionroom_xblock import compat
from sessionroom_xblock.conf import setting

APP_LABEL = "sessionroom_xblock"
MESSAGE_NAME = "sessionreminder"


def enabled() -> bool:
    """``EMAIL_VIA_ACE``: "auto" (the default) means when edx-ace is an installed app, as in the LMS."""
    choice = setting("EMAIL_VIA_ACE")
    if choice == "auto":
        return apps.is_installed("edx_ace")
    return bool(choice)


def send(email) -> None:
    """Send a ``reminders.ReminderEmail`` through edx-ace; ``SMTPException`` when ace did not deliver it."""
    from edx_ace import MessageType, Recipient, ace  # noqa: PLC0415 - only where the platform has it
    from edx_ace.signals import ACE_MESSAGE_SENT  # noqa: PLC0415

    layout, layout_context = compat.email_layout()
    message = MessageType(
        context={
            **layout_context,
            "base_template": layout,
            "subject": email.subject,
            "body_text": email.text,
            "body_html": email.html,
        },
        app_label=APP_LABEL,
        name=MESSAGE_NAME,
        options={"transactional": True, "from_address": compat.email_from_address()},
    ).personalize(
        recipient=Recipient(lms_user_id=email.recipient.pk, email_address=email.recipient.email),
        language=email.language,
        user_context={},
    )
    message.headers["Message-ID"] = email.message_id
    delivered = []

    def sent(sender, message, **kwargs):
        if message.get("uuid") == str(ours):
            delivered.append(sender)

    ours = message.uuid
    ACE_MESSAGE_SENT.connect(sent, weak=False)
    try:
        ace.send(message)
    finally:
        ACE_MESSAGE_SENT.disconnect(sent)
    if not delivered:
        raise smtplib.SMTPException(f"edx-ace did not deliver reminder {email.message_id}")
