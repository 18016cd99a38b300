"""Seed sessions whose 24-hour reminder is due, in the database the test workers use.

Run by the worker tests in a subprocess (``python -m tests.integration.worker_seed COUNT``) with the
workers' settings, so the rows go through the model's ``save`` exactly as bookings do.
"""

import sys
from datetime import timedelta

import django


def seed(count: int) -> None:
    """``count`` sessions starting in 24 hours less a minute, booked two days ago, with their own users."""
    from django.contrib.auth import get_user_model  # noqa: PLC0415
    from django.db import transaction  # noqa: PLC0415
    from django.utils import timezone  # noqa: PLC0415

    from sessionroom_xblock.models import TutoringSession  # noqa: PLC0415
    from tests.factories import COURSE  # noqa: PLC0415

    users = get_user_model().objects
    now = timezone.now()
    start = now + timedelta(hours=24) - timedelta(minutes=1)
    with transaction.atomic():  # one commit: a commit per row costs seconds on a busy disk
        offset = users.count()
        for number in range(offset, offset + count):
            TutoringSession.objects.create(
                course_key=COURSE,
                learner=users.create(username=f"learner{number}", email=f"learner{number}@example.org"),
                tutor=users.create(username=f"tutor{number}", email=f"tutor{number}@example.org"),
                scheduled_start=start,
                scheduled_end=start + timedelta(minutes=30),
                schedule_set_at=now - timedelta(days=2),
            )


if __name__ == "__main__":
    django.setup()
    seed(int(sys.argv[1]))
