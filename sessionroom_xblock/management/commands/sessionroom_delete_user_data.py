"""``manage.py lms sessionroom_delete_user_data <username|email|id>``: a person's data request, in one command."""

from django.core.management.base import BaseCommand, CommandError

from sessionroom_xblock.background.retirement import UserNotFound, delete_user_data, find_user


class Command(BaseCommand):
    """Delete one user's ratings, comments, chat, attendance, reminders and recording access; cancel their
    upcoming sessions. See docs/data-retention.md for what is kept and why."""

    help = "Delete a user's Session Room personal data (feedback, chat, attendance, reminders, recordings access)."

    def add_arguments(self, parser):
        parser.add_argument("user", help="Username, email or numeric id.")
        parser.add_argument("--dry-run", action="store_true", help="Count what would be deleted; change nothing.")

    def handle(self, *args, **options):
        try:
            user = find_user(options["user"])
        except UserNotFound as exc:
            raise CommandError(str(exc)) from exc
        counts = delete_user_data(user, dry_run=options["dry_run"])
        verb = "Would delete" if options["dry_run"] else "Deleted"
        self.stdout.write(f"{verb} Session Room data of user {user.pk} ({user.username}):")
        for name, count in counts.items():
            self.stdout.write(f"  {name}: {count}")
