"""``manage.py lms sessionroom_send_reminders``: the reminder sweep, for cron (Tutor runs no beat)."""

from django.core.management.base import BaseCommand

from sessionroom_xblock.tasks import run_reminders


class Command(BaseCommand):
    help = "Send the session reminders that are due now, each once. Safe to run from cron every minute."

    def handle(self, *args, **options):
        self.stdout.write(" ".join(f"{key}={value}" for key, value in run_reminders().items()))
