"""Seed the demo: a course, a learner, a tutor, course staff and a session starting in two minutes.

Running it again replaces the demo's open session for the same provider (the one an earlier run left), so
bookings never pile up on top of each other and the staff view shows one live or upcoming demo session per
provider; finished ones stay under Past.
"""

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.utils import timezone
from opaque_keys.edx.keys import CourseKey

from sessionroom_xblock.compat import lms_root_url
from sessionroom_xblock.conf import setting
from sessionroom_xblock.models import TutoringSession

PEOPLE = {
    "learner": ("Ana", "García", False),
    "tutor": ("Tomás", "Okafor", False),
    "staff": ("Sam", "Rivera", True),
}


class Command(BaseCommand):
    """Create (or refresh) the demo users and one session; print where each person goes."""

    help = "Create demo users and a tutoring session starting soon, then print the learner's and tutor's URLs."

    def add_arguments(self, parser):
        parser.add_argument("--base-url", default=lms_root_url(), help="Where the dev host is served.")
        parser.add_argument("--minutes", type=int, default=2, help="Minutes until the session starts.")
        parser.add_argument("--duration", type=int, default=30, help="Session length in minutes.")
        parser.add_argument("--provider", default="", help="Provider for this session (default: the site's).")
        parser.add_argument("--record", action="store_true", help="Record the session (media-server providers).")

    def handle(self, *args, **options):
        users = {}
        for username, (first, last, staff) in PEOPLE.items():
            user, _ = get_user_model().objects.update_or_create(
                username=username,
                defaults={
                    "first_name": first,
                    "last_name": last,
                    "email": f"{username}@example.org",
                    "is_staff": staff,
                },
            )
            users[username] = user
        start = timezone.now().replace(microsecond=0) + timedelta(minutes=options["minutes"])
        course_key = CourseKey.from_string(setting("WORKBENCH_COURSE_KEY"))
        replaced, _ = TutoringSession.objects.filter(
            course_key=course_key,
            learner=users["learner"],
            tutor=users["tutor"],
            provider=options["provider"],
            status__in=TutoringSession.OPEN_STATUSES,
        ).delete()
        if replaced:
            self.stdout.write("Replaced the session an earlier run of the demo left open.")
        session = TutoringSession.objects.create(
            course_key=course_key,
            learner=users["learner"],
            tutor=users["tutor"],
            scheduled_start=start,
            scheduled_end=start + timedelta(minutes=options["duration"]),
            provider=options["provider"],
            recording_enabled=options["record"],
        )
        base = options["base_url"].rstrip("/")
        scenario = f"{base}/scenario/sessionroom.0/?session={session.pk}"
        self.stdout.write(f"Session {session.pk} starts at {start:%H:%M} UTC ({options['minutes']} minutes from now).")
        self.stdout.write("Open the learner and the tutor in two windows (?student= picks who you are):")
        self.stdout.write(f"Learner (Ana García):  {scenario}&student=learner")
        self.stdout.write(f"Tutor (Tomás Okafor):  {scenario}&student=tutor")
        self.stdout.write("The same session on its own page, as the reminder emails link to it:")
        self.stdout.write(f"Direct page, learner:  {base}/sessionroom/session/{session.pk}/?student=learner")
        self.stdout.write("Scheduling and every session of the course, as course staff see them:")
        self.stdout.write(f"Course staff view:     {base}/scenario/sessionroom.0/?student=staff")
