"""Shared set-up for the benchmark scripts: a throw-away SQLite (or MariaDB) database, timing, query counts.

Benchmarks print figures; they are not tests and assert nothing about speed.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def setup_django() -> None:
    """Point the dev host at a fresh database (unless SESSIONROOM_DB says otherwise) and migrate it."""
    sys.path.insert(0, str(REPO))
    scratch = tempfile.mkdtemp(prefix="sessionroom-bench-")
    os.environ.setdefault("SESSIONROOM_VAR", scratch)
    os.environ.setdefault("SESSIONROOM_SQLITE", str(Path(scratch) / "bench.sqlite3"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "devhost.settings")
    import django
    from django.core.management import call_command

    django.setup()
    if os.environ.get("SESSIONROOM_DB", "sqlite") == "mysql":
        from django.db import connection

        connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    else:
        call_command("migrate", run_syncdb=True, verbosity=0)


def measure(func, repeat: int = 30) -> tuple[float, int]:
    """(median milliseconds, SQL queries of one call) of ``func()``."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    func()
    with CaptureQueriesContext(connection) as queries:
        func()
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        func()
        timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings), len(queries.captured_queries)


def row(label: str, millis: float, queries: int | str = "") -> None:
    """One printed line of figures."""
    print(f"  {label:<38} {millis:9.2f} ms   {queries!s:>4} queries")
