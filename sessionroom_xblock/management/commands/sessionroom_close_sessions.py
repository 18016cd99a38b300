"""``manage.py lms sessionroom_close_sessions``: the closing sweep, for cron."""

from django.core.management.base import BaseCommand

from sessionroom_xblock.tasks import run_closing


class Command(BaseCommand):
    help = "Mark no-shows and completed sessions whose windows closed; end provider rooms left running."

    def handle(self, *args, **options):
        self.stdout.write(" ".join(f"{key}={value}" for key, value in run_closing().items()))
