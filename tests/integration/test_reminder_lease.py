"""Two sweeps and a mail server slower than the lease: every reminder still goes out exactly once.

Runs on the configured database (``SESSIONROOM_DB=mysql`` for MariaDB): the sweeps are real threads with their
own connections, so the claims' conditional UPDATEs really race.
"""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django.db import connection
from django.utils import timezone

from sessionroom_xblock.background import reminders
from sessionroom_xblock.models import ReminderDelivery
from tests.factories import make_session

pytestmark = pytest.mark.django_db(transaction=True)

H = timedelta(hours=1)
SEND_SECONDS = 0.3
LEASE_SECONDS = 1


class SlowMailServer(EmailBackend):
    """The test outbox, behind a mail server that takes ``SEND_SECONDS`` per message."""

    def send_messages(self, messages):
        time.sleep(SEND_SECONDS * len(messages))
        return super().send_messages(messages)


def wait_until(predicate, timeout=20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return False


def test_a_batch_that_outlives_its_lease_does_not_send_what_another_sweep_took_over(learner, tutor, settings):
    settings.SESSIONROOM = {**settings.SESSIONROOM, "REMINDER_LEASE_SECONDS": LEASE_SECONDS}
    settings.EMAIL_BACKEND = f"{__name__}.SlowMailServer"
    booked = timezone.now().replace(microsecond=0)
    for minutes in range(4):
        make_session(learner, tutor, start=booked + 48 * H + timedelta(minutes=minutes), schedule_set_at=booked)
    moment = booked + 24 * H + timedelta(minutes=10)  # the 24h reminders of all four sessions are due: 8 emails
    failures = []

    def slow_sweep():
        try:
            reminders.send_due_reminders(moment)
        except Exception as exc:  # noqa: BLE001 - reported by the test below
            failures.append(exc)
        finally:
            connection.close()

    first = threading.Thread(target=slow_sweep)
    first.start()
    # The first sweep is sending its third email, long after its lease on the other claims ran out:
    # a second sweep (its clock past the lease) re-leases them.
    assert wait_until(lambda: len(mail.outbox) >= 2)
    second = reminders.send_due_reminders(moment + timedelta(seconds=LEASE_SECONDS + 0.05))
    first.join(30)
    assert not first.is_alive() and failures == []

    assert second.sent > 0, "the second sweep took over claims"
    ids = [message.extra_headers["Message-ID"] for message in mail.outbox]
    assert len(ids) == len(set(ids)) == 8, sorted(ids)
    assert ReminderDelivery.objects.filter(sent_at__isnull=True).count() == 0
    assert ReminderDelivery.objects.count() == 8
