"""``manage.py lms sessionroom_sync_recordings``: sync recordings still processing, for cron."""

from django.core.management.base import BaseCommand

from sessionroom_xblock.background import recordings
from sessionroom_xblock.models import TutoringSession
from sessionroom_xblock.providers.base import ProviderError


class Command(BaseCommand):
    help = "Ask the providers about sessions whose recordings are still processing (or only --session)."

    def add_arguments(self, parser):
        parser.add_argument("--session", action="append", default=[], help="A session id (repeatable).")

    def handle(self, *args, **options):
        session_ids = options["session"] or recordings.sessions_to_poll()
        created = updated = failed = 0
        for session in TutoringSession.objects.filter(pk__in=session_ids):
            try:
                result = recordings.sync_session(session)
            except ProviderError as exc:
                failed += 1
                self.stderr.write(f"session {session.pk}: {exc}")
                continue
            created += result.created
            updated += result.updated
        self.stdout.write(f"sessions={len(session_ids)} created={created} updated={updated} failed={failed}")
