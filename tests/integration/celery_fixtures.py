"""Real Celery workers on Redis against a file database the test process can read (no eager mode, no mocks).

``workers`` gives a ``WorkerHarness``: a fresh database (a SQLite file in tmp, or a MariaDB database of its
own when ``SESSIONROOM_DB=mysql``), migrated and seeded by subprocesses with the workers' settings; worker
subprocesses (``celery -A devhost.celery worker``) consuming a queue named for this test module only; a Celery
client that sends tasks by name; readers of the database and of the file email backend's output. Teardown
kills every worker it started (by process group) and removes the Redis keys and the database it created.
"""

from __future__ import annotations

import contextlib
import email
import os
import pickle
import signal
import sqlite3
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
REDIS_URL = os.environ.get("SESSIONROOM_TEST_REDIS", "redis://127.0.0.1:6379/5")
SEPARATOR = b"\n" + b"-" * 79 + b"\n"
REMINDER_TABLE = "sessionroom_xblock_reminderdelivery"


def redis_client():
    """A client of the test Redis database, or a skip with the reason when Redis is not there."""
    import redis  # noqa: PLC0415

    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1)
    try:
        client.ping()
    except redis.RedisError as exc:
        pytest.skip(f"Redis is not reachable at {REDIS_URL} ({exc}); `.ci/run` starts it")
    return client


#: Tables the tests fill, children first: emptied between tests that share the migrated database.
FILLED_TABLES = (REMINDER_TABLE, "sessionroom_xblock_tutoringsession", "auth_user")


class WorkerHarness:
    """Workers, database, queue and mail output of one test module (``reset`` between tests)."""

    def __init__(self, tmp_path: Path, redis):
        self.redis = redis
        self.tmp_path = tmp_path
        self.queue = f"sessionroom-test-{uuid.uuid4().hex[:12]}"
        self.mysql = os.environ.get("SESSIONROOM_DB") == "mysql"
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tests.integration.worker_settings",
            "SESSIONROOM_CELERY_EAGER": "0",
            "SESSIONROOM_VAR": str(tmp_path / "setup"),
            "SESSIONROOM_BROKER_URL": REDIS_URL,
            "SESSIONROOM_TEST_QUEUE": self.queue,
            "SESSIONROOM_EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
            "PYTHONPATH": str(REPO),
        }
        if self.mysql:
            self.db_name = "sr_" + self.queue.rsplit("-", 1)[1]
            self._mysql_admin(f"CREATE DATABASE `{self.db_name}` CHARACTER SET utf8mb4")
            self.env["SESSIONROOM_DB_NAME"] = self.db_name
        else:
            self.sqlite_path = tmp_path / "worker.sqlite3"
            self.env["SESSIONROOM_SQLITE"] = str(self.sqlite_path)
        self.processes: dict[str, subprocess.Popen] = {}
        from celery import Celery  # noqa: PLC0415

        self.client = Celery("sessionroom-test-client", broker=REDIS_URL)
        self.client.conf.task_default_queue = self.queue

    # -- setup ------------------------------------------------------------------------------------------------

    def run(self, *args: str) -> str:
        """A Python subprocess with the workers' settings (migrate, seed); its output."""
        done = subprocess.run(
            [sys.executable, *args], cwd=REPO, env=self.env, capture_output=True, text=True, timeout=120
        )
        assert done.returncode == 0, done.stderr[-3000:]
        return done.stdout

    def reset(self, name: str) -> None:
        """A clean slate for the next test: no workers, empty tables, a fresh mail folder."""
        for worker in list(self.processes):
            self.kill(worker)
        for table in FILLED_TABLES:
            self.sql(f"DELETE FROM {table}")  # noqa: S608 - our table names
        for key in self.redis.scan_iter(match=f"{self.queue}*"):  # queued tasks and cache entries (sweep lock)
            self.redis.delete(key)
        self.var = self.tmp_path / name
        self.var.mkdir()
        self.env["SESSIONROOM_VAR"] = str(self.var)

    def migrate(self) -> None:
        self.run("-m", "django", "migrate", "-v0")
        if not self.mysql:
            # WAL lets the test read while a stopped worker holds a write transaction.
            with contextlib.closing(sqlite3.connect(self.sqlite_path)) as db:
                db.execute("PRAGMA journal_mode=WAL")

    def seed(self, count: int) -> None:
        self.run("-m", "tests.integration.worker_seed", str(count))

    # -- workers ----------------------------------------------------------------------------------------------

    def start_worker(self, name: str, queue: str = "", **env: str) -> subprocess.Popen:
        """
        A solo-pool worker named ``name`` (one process: SIGKILL kills the task it runs), consuming the run's
        queue, or ``queue`` (also its default queue: the LMS's and Studio's workers each have their own).
        """
        if queue:
            env["SESSIONROOM_TEST_DEFAULT_QUEUE"] = queue
        log = open(self.var / f"{name}.log", "ab")  # noqa: SIM115 - closed with the process
        process = subprocess.Popen(
            [
                sys.executable, "-m", "celery", "-A", "devhost.celery", "worker", "--pool=solo",
                "-n", f"{name}.{self.queue}@%h", "-Q", queue or self.queue, "-l", "info",
                "--without-gossip", "--without-mingle", "--without-heartbeat",
            ],
            cwd=REPO,
            env={**self.env, **env},
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
        log.close()
        self.processes[name] = process
        return process

    def log_of(self, name: str) -> str:
        return (self.var / f"{name}.log").read_text(errors="replace")

    def wait_ready(self, *names: str, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        for name in names:
            while " ready." not in self.log_of(name):
                assert self.processes[name].poll() is None, self.log_of(name)[-3000:]
                assert time.monotonic() < deadline, f"worker {name} not ready: {self.log_of(name)[-2000:]}"
                time.sleep(0.1)

    def kill(self, name: str) -> None:
        """SIGKILL the worker's whole process group (only processes this harness started)."""
        process = self.processes.pop(name)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)

    def pause(self, name: str, paused: bool) -> None:
        os.killpg(self.processes[name].pid, signal.SIGSTOP if paused else signal.SIGCONT)

    def send(self, task: str, *args) -> None:
        self.client.send_task(f"sessionroom_xblock.tasks.{task}", args=list(args), queue=self.queue)

    # -- what happened ----------------------------------------------------------------------------------------

    def sql(self, query: str) -> list[tuple]:
        if self.mysql:
            import MySQLdb  # noqa: PLC0415

            connection = MySQLdb.connect(host="127.0.0.1", user="root", passwd="", db=self.db_name, autocommit=True)
            try:
                cursor = connection.cursor()
                cursor.execute(query)
                return list(cursor.fetchall())
            finally:
                connection.close()
        with contextlib.closing(sqlite3.connect(self.sqlite_path, timeout=20, isolation_level=None)) as db:
            return db.execute(query).fetchall()

    def claims(self) -> tuple[int, int]:
        """(sent, claimed but unsent) reminder rows."""
        sent, pending = self.sql(
            f"SELECT SUM(sent_at IS NOT NULL), SUM(sent_at IS NULL) FROM {REMINDER_TABLE}"  # noqa: S608
        )[0]
        return int(sent or 0), int(pending or 0)

    def messages(self) -> tuple[list[str], int]:
        """Message-IDs of every complete email the file backend wrote, and how many bytes trail unfinished."""
        ids, partial = [], 0
        folder = self.var / "emails"
        for path in sorted(folder.glob("*.log")) if folder.is_dir() else []:
            *complete, rest = path.read_bytes().split(SEPARATOR)
            partial += len(rest)
            ids += [email.message_from_bytes(chunk)["Message-ID"].strip() for chunk in complete]
        return ids, partial

    def cache_value(self, key: str):
        """A value the workers' Django cache (RedisCache, KEY_PREFIX = queue) holds, or None."""
        raw = self.redis.get(f"{self.queue}:1:{key}")
        if raw is None:
            return None
        return int(raw) if raw.isdigit() else pickle.loads(raw)  # noqa: S301 - our own workers wrote it

    def wait_for(self, condition, timeout: float, message: str, interval: float = 0.1):
        deadline = time.monotonic() + timeout
        while True:
            value = condition()
            if value:
                return value
            if time.monotonic() > deadline:
                logs = "\n".join(f"--- {name}\n{self.log_of(name)[-1500:]}" for name in self.processes)
                raise AssertionError(f"{message} (after {timeout}s)\n{logs}")
            time.sleep(interval)

    # -- teardown ---------------------------------------------------------------------------------------------

    def close(self) -> None:
        for name in list(self.processes):
            self.kill(name)
        self.client.close()
        self._clean_redis()
        if self.mysql:
            self._mysql_admin(f"DROP DATABASE IF EXISTS `{self.db_name}`")

    def _clean_redis(self) -> None:
        """Delete the keys this test created: its queue, its cache entries, its unacked messages, bindings."""
        mine = self.queue.encode()
        for key in self.redis.scan_iter(match=f"*{self.queue}*"):
            self.redis.delete(key)
        for field, payload in self.redis.hgetall("unacked").items():
            if mine in payload:
                self.redis.hdel("unacked", field)
                self.redis.zrem("unacked_index", field)
        for key in self.redis.scan_iter(match="_kombu.binding.*"):
            for member in self.redis.smembers(key):
                if mine in member:
                    self.redis.srem(key, member)
        if not self.redis.exists("_kombu.binding.celery.pidbox"):  # no other worker left on this database
            self.redis.zrem("_kombu.binding_deadlines", "celery.pidbox")

    @staticmethod
    def _mysql_admin(statement: str) -> None:
        import MySQLdb  # noqa: PLC0415

        connection = MySQLdb.connect(host="127.0.0.1", user="root", passwd="")
        try:
            connection.cursor().execute(statement)
        finally:
            connection.close()


@pytest.fixture(scope="module")
def worker_harness(tmp_path_factory):
    """One migrated database per test module (migrating takes seconds); workers and rows are per test."""
    harness = WorkerHarness(tmp_path_factory.mktemp("workers"), redis_client())
    try:
        harness.migrate()
        yield harness
    finally:
        harness.close()


@pytest.fixture
def workers(worker_harness, request):
    worker_harness.reset(request.node.name[:60])
    yield worker_harness
    for name in list(worker_harness.processes):
        worker_harness.kill(name)
