"""Load benchmark: N concurrent live sessions against a real app server, MariaDB and Redis, on loopback.

gunicorn serves the dev host (several gthread workers, ``ATOMIC_REQUESTS``, the cache in Redis); simulated
participants (threads with ``requests``, not browsers) replay the request pattern of the block's scripts
for N sessions at once, for ``--duration`` seconds per state and N. It prints, per state and N:

    load: <state> sessions=<N> requests_per_session_minute=<x> db_writes_per_session_minute=<y>
          p50_ms=<a> p99_ms=<b> cpu_s_per_session_minute=<c>

(one line), then ``connected p2p: <x> requests per session-minute``. The same states are also run through
today's path for comparison: the XBlock handler (through the workbench) with the old polling pattern
(``handler-<state>``). Database writes are counted in the app server (devhost.middleware.WriteCounterMiddleware);
CPU is the app server's (gunicorn master and workers, from /proc).

Run (heavy, minutes):  python benchmarks/bench_load.py
Smoke test (seconds):  python benchmarks/bench_load.py --quick
Needs MariaDB (SESSIONROOM_DB_* as for the test suite; ``--sqlite`` for a file database) and Redis
(``SESSIONROOM_REDIS_URL``, default redis://127.0.0.1:6379/0; keys get a prefix of their own and expire).
"""

from __future__ import annotations

import argparse
import heapq
import itertools
import json
import os
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

# Request patterns: (action, seconds between calls) per participant role, per state and path. "new" is what
# the scripts do now (static/js): once a p2p call is connected, the peers talk over a data channel, so the
# server sees heartbeats every 30 s and the panel's batched saves (chat lines in a batch about once a
# minute, the notes about every two minutes, from either side); no signaling or chat polling. Waiting: the
# participant in the room beats every 15 s and polls signaling at the backed-off 3 s and chat at the
# backed-off 10 s (static/js/panel.js doubles its 2 s while nothing changes); the other one is on the pre-join
# screen (state every 15 s). Provider room: both beat every 30 s (HEARTBEAT_CONNECTED_SECONDS) and poll chat
# at the backed-off 10 s (the panel beside the media server's frame).
# "handler" is the pattern before issue 11, through the XBlock handler: signal_poll every 1.5 s connected
# and 0.5 s alone, chat_poll every 2 s, heartbeat every 15 s, state every 30 s before joining.
PATTERNS = {
    "new": {
        "connected_p2p": {
            "learner": [("heartbeat", 30), ("chat_send", 120)],
            "tutor": [("heartbeat", 30), ("chat_send", 120), ("notes_save", 120)],
        },
        "waiting": {
            "learner": [("heartbeat", 15), ("signal_poll", 3), ("chat_poll", 10)],
            "tutor": [("state", 15)],
        },
        "provider_room": {
            "learner": [("heartbeat", 30), ("chat_poll", 10)],
            "tutor": [("heartbeat", 30), ("chat_poll", 10)],
        },
    },
    "handler": {
        "connected_p2p": {
            "learner": [("heartbeat", 15), ("signal_poll", 1.5), ("chat_poll", 2)],
            "tutor": [("heartbeat", 15), ("signal_poll", 1.5), ("chat_poll", 2)],
        },
        "waiting": {
            "learner": [("heartbeat", 15), ("signal_poll", 0.5), ("chat_poll", 2)],
            "tutor": [("state", 30)],
        },
        "provider_room": {
            "learner": [("heartbeat", 15), ("chat_poll", 2)],
            "tutor": [("heartbeat", 15), ("chat_poll", 2)],
        },
    },
}
STATES = ("connected_p2p", "waiting", "provider_room")
LABELS = {"connected_p2p": "connected p2p", "waiting": "waiting", "provider_room": "provider room"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def configure(args) -> None:
    """Environment for this process and the app server: one database, Redis with a prefix of our own."""
    os.environ.setdefault("SESSIONROOM_DB", "sqlite" if args.sqlite else "mysql")
    os.environ.setdefault("SESSIONROOM_DB_NAME", "sr_bench_load")
    os.environ.setdefault("SESSIONROOM_REDIS_URL", "redis://127.0.0.1:6379/0")
    os.environ["SESSIONROOM_CACHE_PREFIX"] = f"srbench-{secrets.token_hex(4)}"
    os.environ["SESSIONROOM_ATOMIC_REQUESTS"] = "1"
    os.environ["SESSIONROOM_COUNT_WRITES"] = "1"
    os.environ["SESSIONROOM_DEBUG"] = "0"
    sys.path.insert(0, str(REPO / "benchmarks"))
    from harness import setup_django  # noqa: PLC0415

    setup_django()
    from django.db import connection  # noqa: PLC0415

    # The test database the harness created (its name differs from the configured one on MariaDB).
    os.environ["SESSIONROOM_DB_NAME"] = connection.settings_dict["NAME"]
    if os.environ["SESSIONROOM_DB"] == "sqlite":
        os.environ["SESSIONROOM_SQLITE"] = connection.settings_dict["NAME"]


# The world: users, their signed-in sessions, the live sessions -------------------------------------------


@dataclass
class Person:
    username: str
    cookie: str
    csrf: str


@dataclass
class World:
    people: list[tuple[Person, Person]]
    usage_id: str


def make_people(count: int) -> list[tuple[Person, Person]]:
    """``count`` learner/tutor pairs, each signed in (a Django session row, as the LMS login makes)."""
    from django.contrib.auth import (  # noqa: PLC0415
        BACKEND_SESSION_KEY,
        HASH_SESSION_KEY,
        SESSION_KEY,
        get_user_model,  # noqa: PLC0415
    )
    from django.contrib.sessions.backends.db import SessionStore  # noqa: PLC0415

    user_model = get_user_model()
    users = user_model.objects.bulk_create(
        [
            user_model(username=f"{role}{index}", first_name=role.title())
            for index in range(count)
            for role in ("l", "t")
        ]
    )
    users = list(user_model.objects.filter(username__in=[user.username for user in users]).order_by("id"))
    by_name = {user.username: user for user in users}
    people = []
    for index in range(count):
        pair = []
        for role in ("l", "t"):
            user = by_name[f"{role}{index}"]
            store = SessionStore()
            store[SESSION_KEY] = str(user.pk)
            store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
            store[HASH_SESSION_KEY] = user.get_session_auth_hash()
            store.create()
            csrf = secrets.token_hex(16)
            pair.append(Person(user.username, f"sessionid={store.session_key}; csrftoken={csrf}", csrf))
        people.append(tuple(pair))
    return people


def seed_sessions(world: World, count: int, state: str) -> list[str]:
    """``count`` sessions between the first ``count`` pairs, in ``state`` (attendance rows as joining left them)."""
    from django.contrib.auth import get_user_model  # noqa: PLC0415
    from django.utils import timezone  # noqa: PLC0415

    from sessionroom_xblock.models import Attendance, TutoringSession  # noqa: PLC0415
    from tests.factories import COURSE  # noqa: PLC0415

    TutoringSession.objects.all().delete()
    now = timezone.now()
    ids = {user.username: user.pk for user in get_user_model().objects.all()}
    started = state != "waiting"
    sessions = TutoringSession.objects.bulk_create(
        [
            TutoringSession(
                course_key=COURSE,
                learner_id=ids[learner.username],
                tutor_id=ids[tutor.username],
                scheduled_start=now - timedelta(minutes=5) if started else now + timedelta(minutes=5),
                scheduled_end=now + timedelta(minutes=55),
                status="in_progress" if started else "scheduled",
                started_at=now - timedelta(minutes=5) if started else None,
                provider="bbb" if state == "provider_room" else "p2p",
                provider_room_id="",
            )
            for learner, tutor in world.people[:count]
        ]
    )
    rows = []
    for session in sessions:
        rows.append(Attendance(session=session, user_id=session.learner_id, joined_at=now, last_seen=now))
        if started:
            rows.append(Attendance(session=session, user_id=session.tutor_id, joined_at=now, last_seen=now))
    Attendance.objects.bulk_create(rows)
    return [str(session.pk) for session in sessions]


# The app server ------------------------------------------------------------------------------------------


def start_server(workers: int, threads: int) -> tuple[subprocess.Popen, str]:
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--worker-class",
        "gthread",
        "--threads",
        str(threads),
        "--backlog",
        "4096",
        # Idle connections stay open as behind a proxy; gunicorn's 2 s default races the clients' reuse.
        "--keep-alive",
        "75",
        "--graceful-timeout",
        "5",
        "--chdir",
        str(REPO),
        "--log-level",
        "warning",
        "devhost.wsgi:application",
    ]
    server = subprocess.Popen(command, env=os.environ.copy(), cwd=REPO)
    base = f"http://127.0.0.1:{port}"
    import requests  # noqa: PLC0415

    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            # Each worker loads Django on its first request: warm them all before measuring.
            for _ in range(workers * 2):
                requests.get(base + "/sessionroom/api/v1/", timeout=30)
            return server, base
        except requests.RequestException:
            time.sleep(0.5)
    server.terminate()
    raise SystemExit("gunicorn did not start")


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process and its children that are still running (the gunicorn workers)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    pids = [pid]
    try:
        pids += [int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        pass
    for each in pids:
        try:
            fields = Path(f"/proc/{each}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / ticks
    return total


# The simulated browsers ---------------------------------------------------------------------------------


@dataclass
class Results:
    latencies: list[float] = field(default_factory=list)
    late: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, millis: float, status: int) -> None:
        with self.lock:
            self.latencies.append(millis)
            self.statuses[status] = self.statuses.get(status, 0) + 1


class Participant:
    """One browser tab: its cookies, its session, and what it remembers between calls (cursors, versions)."""

    def __init__(self, person: Person, session_id: str, path: str, base: str, usage_id: str):
        self.person, self.session_id, self.path, self.base, self.usage_id = person, session_id, path, base, usage_id
        self.cursors = {"signal_poll": 0, "chat_poll": 0}
        self.notes_version = 0

    def url(self, action: str) -> str:
        if self.path == "handler":
            return f"{self.base}/handler/{self.usage_id}/room/{action}?student={self.person.username}"
        return f"{self.base}/sessionroom/session/{self.session_id}/action/{action}/"

    def payload(self, action: str) -> dict:
        body = {"session": self.session_id}
        if action in self.cursors:
            body["cursor"] = self.cursors[action]
        elif action == "heartbeat" and self.path == "new":
            body["connected"] = True
        elif action == "chat_send":
            body["messages"] = [{"client_id": str(uuid.uuid4()), "text": f"line {n}"} for n in range(3)]
        elif action == "notes_save":
            body.update(text=f"notes {uuid.uuid4()}", version=self.notes_version)
        return body

    def absorb(self, action: str, status: int, data: dict) -> None:
        if action in self.cursors and status == 200:
            self.cursors[action] = data.get("cursor", self.cursors[action])
        elif action == "notes_save" and "version" in data:
            self.notes_version = data["version"]


_local = threading.local()


def call(participant: Participant, action: str, results: Results) -> None:
    import requests  # noqa: PLC0415

    http = getattr(_local, "http", None)
    if http is None:
        http = _local.http = requests.Session()
    headers = {
        "Cookie": participant.person.cookie,
        "X-CSRFToken": participant.person.csrf,
        "Content-Type": "application/json",
        "Referer": participant.base + "/",
    }
    started = time.perf_counter()
    try:
        response = http.post(participant.url(action), data=json.dumps(participant.payload(action)), headers=headers)
        status = response.status_code
        data = response.json() if response.headers.get("Content-Type", "").startswith("application/json") else {}
    except (requests.RequestException, ValueError):
        status, data = 0, {}
    http.cookies.clear()
    results.add((time.perf_counter() - started) * 1000, status)
    participant.absorb(action, status, data)


def drive(participants: list[tuple[Participant, str, float]], duration: float, concurrency: int) -> Results:
    """
    Fire every (participant, action, period) on its period for ``duration`` seconds of wall time: what the
    clients could not send by then is dropped, so a saturated run shows a lower rate (and its client lag says
    by how much the clients fell behind) instead of running on. The participants' phases are spread evenly
    over each period, as many independent browsers are, so a short run counts what a long one would.
    """
    results = Results()
    begin = time.monotonic()
    end = begin + duration
    counter = itertools.count()
    alike = Counter((action, period) for _who, action, period in participants)
    seen = Counter()
    heap = []
    for who, action, period in participants:
        phase = period * (seen[(action, period)] + 0.5) / alike[(action, period)]
        seen[(action, period)] += 1
        heap.append((begin + phase, next(counter), who, action, period))
    heapq.heapify(heap)
    pool = ThreadPoolExecutor(max_workers=concurrency)
    while heap and time.monotonic() < end:
        due, _n, who, action, period = heapq.heappop(heap)
        if due >= end:
            break
        delay = due - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        pool.submit(timed_call, who, action, results, due)
        heapq.heappush(heap, (due + period, next(counter), who, action, period))
    pool.shutdown(wait=True, cancel_futures=True)
    return results


def timed_call(who: Participant, action: str, results: Results, due: float) -> None:
    """One call, noting how late the client sends it (a client that falls behind would hide server load)."""
    results.late.append((time.monotonic() - due) * 1000)
    call(who, action, results)


def warm_up(work: list[tuple[Participant, str, float]], base: str, workers: int) -> None:
    """
    Load what each worker loads on first use (the workbench's scenarios, the URL resolvers, a database
    connection) with read-only calls, so the figures are the steady state's.
    """
    import requests  # noqa: PLC0415

    for _ in range(workers * 3):
        requests.get(f"{base}/scenario/sessionroom.0/", params={"student": "bench"}, timeout=60)
    for who, _action, _period in work[: workers * 6]:
        call(who, "state", Results())


def run(world: World, base: str, server: subprocess.Popen, state: str, count: int, path: str, args) -> dict:
    from django.core.cache import cache  # noqa: PLC0415

    from devhost.middleware import WriteCounterMiddleware  # noqa: PLC0415

    ids = seed_sessions(world, count, state)
    pattern = PATTERNS[path][state]
    work = []
    for (learner, tutor), session_id in zip(world.people[:count], ids, strict=True):
        for person, role in ((learner, "learner"), (tutor, "tutor")):
            who = Participant(person, session_id, path, base, world.usage_id)
            work += [(who, action, period) for action, period in pattern[role]]
    warm_up(work, base, args.workers)
    cache.set(WriteCounterMiddleware.KEY, 0, timeout=None)
    cpu_before = cpu_seconds(server.pid)
    results = drive(work, args.duration, args.concurrency)
    cpu = cpu_seconds(server.pid) - cpu_before
    writes = cache.get(WriteCounterMiddleware.KEY) or 0
    session_minutes = count * args.duration / 60
    latencies = sorted(results.latencies)
    figures = {
        "state": state if path == "new" else f"handler-{state}",
        "sessions": count,
        "requests_per_session_minute": len(latencies) / session_minutes,
        "db_writes_per_session_minute": writes / session_minutes,
        "p50_ms": statistics.median(latencies) if latencies else 0.0,
        "p99_ms": latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] if latencies else 0.0,
        "cpu_s_per_session_minute": cpu / session_minutes,
        "statuses": dict(sorted(results.statuses.items())),
    }
    print(
        f"load: {figures['state']} sessions={count} "
        f"requests_per_session_minute={figures['requests_per_session_minute']:.1f} "
        f"db_writes_per_session_minute={figures['db_writes_per_session_minute']:.2f} "
        f"p50_ms={figures['p50_ms']:.1f} p99_ms={figures['p99_ms']:.1f} "
        f"cpu_s_per_session_minute={figures['cpu_s_per_session_minute']:.3f}",
        flush=True,
    )
    late = sorted(results.late) or [0.0]
    planned = sum(60 / period for role in pattern.values() for _action, period in role)
    print(f"  pattern: {planned:.1f} requests per session-minute (what the scripts send)", flush=True)
    print(
        f"  statuses: {figures['statuses']}  client lag p99_ms={late[int(len(late) * 0.99)]:.0f}"
        f"  load average {os.getloadavg()[0]:.1f}",
        flush=True,
    )
    return figures


def main(argv=None) -> list[dict]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a smoke test: 5 sessions, 6 s per state")
    parser.add_argument("--sizes", default="100,500,1000", help="session counts for the light endpoints")
    parser.add_argument("--handler-sizes", default="100", help="session counts for today's handler path")
    parser.add_argument("--duration", type=float, default=60.0, help="seconds per state and size")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--concurrency", type=int, default=64, help="client threads sending requests")
    parser.add_argument("--sqlite", action="store_true", help="a SQLite file instead of MariaDB")
    parser.add_argument("--states", default=",".join(STATES), help="which states to run")
    args = parser.parse_args(argv)
    if args.quick:
        args.sizes, args.handler_sizes, args.duration, args.workers, args.threads = "5", "5", 6.0, 2, 4
    sizes = [int(size) for size in args.sizes.split(",") if size]
    handler_sizes = [int(size) for size in args.handler_sizes.split(",") if size]
    # A SIGTERM (a timeout, Ctrl-C's sibling) still stops the app server: the ``finally`` below runs.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    configure(args)
    from workbench.runtime import WorkbenchRuntime  # noqa: PLC0415
    from workbench.scenarios import get_scenarios, init_scenarios  # noqa: PLC0415

    init_scenarios()
    unit = WorkbenchRuntime("bench").get_block(get_scenarios()["sessionroom.0"].usage_id)
    world = World(make_people(max(sizes + handler_sizes)), str(unit.children[0]))
    server, base = start_server(args.workers, args.threads)
    figures = []
    try:
        states = [state for state in STATES if state in args.states.split(",")]
        for state in states:
            for count in sizes:
                figures.append(run(world, base, server, state, count, "new", args))
        for state in states:
            for count in handler_sizes:
                figures.append(run(world, base, server, state, count, "handler", args))
    finally:
        server.terminate()
        try:
            server.wait(30)
        except subprocess.TimeoutExpired:
            server.kill()
    connected = [row for row in figures if row["state"] == "connected_p2p"]
    if connected:
        print(f"connected p2p: {connected[-1]['requests_per_session_minute']:.1f} requests per session-minute")
    return figures


if __name__ == "__main__":
    main()
