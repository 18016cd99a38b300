"""Benchmark of the reminder sweep: 100k future sessions, 1k of them due now.

    python benchmarks/bench_reminder_sweep.py                     # temporary SQLite file
    SESSIONROOM_DB=mysql python benchmarks/bench_reminder_sweep.py   # MariaDB on 127.0.0.1 (database sr_bench)

Prints the EXPLAIN of the due query (it must use ``sr_reminder_due`` and read only due rows), the time and
query count of the sweep that sends the 2,000 reminders (two participants per session), and reminders per
minute for one process with Django's dummy email backend (it discards messages), which is what one Celery
worker running ``send_due_reminders`` achieves before the mail server's own speed counts. Options:
``--sessions``, ``--due``, ``--sqlite-journal``.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))


def configure(workdir: Path) -> None:
    """Settings before Django starts: the dev host, a throwaway database, an email backend that discards."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "devhost.settings")
    os.environ["SESSIONROOM_VAR"] = str(workdir)
    os.environ["SESSIONROOM_EMAIL_BACKEND"] = "django.core.mail.backends.dummy.EmailBackend"
    if os.environ.get("SESSIONROOM_DB") == "mysql":
        import MySQLdb  # noqa: PLC0415

        os.environ["SESSIONROOM_DB_NAME"] = "sr_bench"
        admin = MySQLdb.connect(host="127.0.0.1", user="root", passwd="")
        admin.cursor().execute("DROP DATABASE IF EXISTS sr_bench")
        admin.cursor().execute("CREATE DATABASE sr_bench CHARACTER SET utf8mb4")
        admin.close()
    else:
        os.environ["SESSIONROOM_SQLITE"] = str(workdir / "bench.sqlite3")


def seed(total: int, due: int, now) -> None:
    """``total`` future sessions (bulk_create); ``due`` have their 24-hour reminder due at ``now``."""
    from django.contrib.auth import get_user_model  # noqa: PLC0415

    from sessionroom_xblock.models import TutoringSession  # noqa: PLC0415
    from sessionroom_xblock.sessions import reminder_plan  # noqa: PLC0415
    from tests.factories import COURSE  # noqa: PLC0415

    users = get_user_model().objects.bulk_create(
        get_user_model()(username=f"user{n}", email=f"user{n}@example.org", first_name=f"User {n}") for n in range(2000)
    )
    booked = now - timedelta(days=3)
    rows = []
    for n in range(total):
        if n < due:
            start = now + timedelta(hours=24) - timedelta(seconds=n % 3000)
        else:  # spread over the coming two months, all more than 24 hours ahead: nothing due
            start = now + timedelta(hours=25) + timedelta(minutes=(n * 37) % (60 * 24 * 60))
        rows.append(
            TutoringSession(
                course_key=COURSE,
                learner=users[(2 * n) % len(users)],
                tutor=users[(2 * n + 1) % len(users)],
                scheduled_start=start,
                scheduled_end=start + timedelta(minutes=30),
                schedule_set_at=booked,
                next_reminder_at=reminder_plan.plan(start, booked)[0][1],
            )
        )
    TutoringSession.objects.bulk_create(rows, batch_size=2000)


def explain(now) -> str:
    from django.db import connection  # noqa: PLC0415

    from sessionroom_xblock.background.reminders import due_sessions  # noqa: PLC0415

    batch = due_sessions(now)[:500]
    if connection.vendor == "mysql":
        return batch.explain() + "\n\nANALYZE (rows actually read):\n" + batch.explain(analyze=True)
    return batch.explain()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=100_000)
    parser.add_argument("--due", type=int, default=1_000)
    parser.add_argument(
        "--sqlite-journal", default="wal", choices=["wal", "delete"], help="SQLite journal mode (default wal)"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="sessionroom-bench-") as workdir:
        configure(Path(workdir))
        import django  # noqa: PLC0415

        django.setup()
        from django.core.management import call_command  # noqa: PLC0415
        from django.db import connection  # noqa: PLC0415
        from django.test.utils import CaptureQueriesContext  # noqa: PLC0415
        from django.utils import timezone  # noqa: PLC0415

        from sessionroom_xblock.background import reminders  # noqa: PLC0415
        from sessionroom_xblock.models import ReminderDelivery, TutoringSession  # noqa: PLC0415

        call_command("migrate", verbosity=0)
        if connection.vendor == "sqlite":
            with connection.cursor() as cursor:  # every sent reminder is one commit: the journal decides its cost
                cursor.execute(f"PRAGMA journal_mode={args.sqlite_journal}")
        now = timezone.now()
        started = time.perf_counter()
        seed(args.sessions, args.due, now)
        journal = f" (journal {args.sqlite_journal})" if connection.vendor == "sqlite" else ""
        print(f"database: {connection.vendor} {connection.settings_dict['NAME']}{journal}")
        print(f"seeded {TutoringSession.objects.count():,} future sessions in {time.perf_counter() - started:.1f}s")
        due_rows = reminders.due_sessions(now).count()
        print(f"due now: {due_rows:,} sessions ({2 * due_rows:,} reminders)\n")
        print("EXPLAIN of the due query (one batch):")
        print(explain(now))

        with CaptureQueriesContext(connection) as queries:
            started, cpu_started = time.perf_counter(), time.process_time()
            result = reminders.send_due_reminders(now)
            elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
        sent = ReminderDelivery.objects.filter(sent_at__isnull=False).count()
        print(f"\nsweep: {result.sent:,} reminders sent ({sent:,} rows marked) in {elapsed:.2f}s")
        count = len(queries)
        print(f"queries: {count:,} ({count / max(result.sent, 1):.2f} per reminder: one UPDATE each, plus ~6 a batch)")
        print(f"throughput: {result.sent / elapsed * 60:,.0f} reminders/minute in one process (goal ≥ 10,000)")
        print(
            f"CPU: {cpu:.2f}s of this process ({result.sent / cpu * 60:,.0f} reminders per CPU-minute; the rest of"
            f" the wall time is waiting for the disk's commits and for a CPU on a busy machine)"
        )
        print(f"load average during the run: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
        started = time.perf_counter()
        again = reminders.send_due_reminders(now)
        print(f"second sweep at the same time: {again.sent} sent in {time.perf_counter() - started:.3f}s")
        if connection.vendor == "mysql":
            connection.close()
            import MySQLdb  # noqa: PLC0415

            admin = MySQLdb.connect(host="127.0.0.1", user="root", passwd="")
            admin.cursor().execute("DROP DATABASE IF EXISTS sr_bench")
            admin.close()


if __name__ == "__main__":
    main()
