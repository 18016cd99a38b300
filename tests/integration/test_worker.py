"""Real Celery workers on Redis: reminders exactly once through crashes and overlapping sweeps; one sweep chain.

Each test starts its own worker subprocesses against a fresh file database (SQLite, or MariaDB with
``SESSIONROOM_DB=mysql``) and counts the emails Django's file backend wrote, by Message-ID.
"""

from __future__ import annotations

import re
import time

import pytest

pytest_plugins = ("tests.integration.celery_fixtures",)
pytestmark = [pytest.mark.worker, pytest.mark.slow]

MESSAGE_ID = re.compile(r"^<sessionroom\.[0-9a-f-]{36}\.\d+\.24h\.\d+@")
SWEEP_RUN = re.compile(r"Sweep chain ([0-9a-f]{32}) runs on (\S+)")
HEARTBEAT_SECONDS, INTERVAL_SECONDS, WATCHDOG_SECONDS = 4, 1, 1


def assert_each_once(workers, expected: int) -> None:
    ids, partial = workers.messages()
    assert partial == 0
    assert len(ids) == expected, f"{len(ids)} emails for {expected} reminders"
    assert len(set(ids)) == expected, "a reminder was sent twice"
    assert all(MESSAGE_ID.match(value) for value in ids)
    assert workers.claims() == (expected, 0)


def all_sent(workers, expected: int):
    return workers.claims() == (expected, 0) and len(workers.messages()[0]) == expected


def test_two_sweeps_at_once_send_each_reminder_once(workers):
    workers.seed(40)
    for name in ("a", "b"):
        workers.start_worker(name, SESSIONROOM_TEST_BATCH="10")
    workers.wait_ready("a", "b")
    workers.send("send_due_reminders")
    workers.send("send_due_reminders")
    workers.wait_for(lambda: all_sent(workers, 80), 30, "reminders not all sent")
    assert all("send_due_reminders" in workers.log_of(name) for name in ("a", "b")), "both sweeps ran"
    workers.send("send_due_reminders")  # a later sweep finds nothing more to send
    workers.wait_for(lambda: workers.log_of("a").count("succeeded") + workers.log_of("b").count("succeeded") >= 3, 15,
                     "third sweep did not finish")  # fmt: skip
    assert_each_once(workers, 80)


def test_a_worker_killed_mid_batch_is_recovered_without_sending_twice(workers):
    """
    SIGKILL while the batch is being sent, at a moment when every email on disk is marked sent (the one
    window no database can close, between the mail server's acceptance and the UPDATE, is avoided by
    checking the paused worker first); the restarted worker sends the rest after the lease, each once.
    """
    workers.seed(40)
    workers.start_worker("first")
    workers.wait_ready("first")
    workers.send("send_due_reminders")
    workers.wait_for(lambda: workers.claims()[0] >= 10, 30, "sending never started")
    for _ in range(500):
        workers.pause("first", True)
        (sent, pending), (ids, partial) = workers.claims(), workers.messages()
        if len(ids) == sent and partial == 0:
            break
        workers.pause("first", False)
        time.sleep(0.002)
    else:
        pytest.fail("never caught the worker between two emails")
    workers.kill("first")
    killed_at = time.monotonic()
    assert pending > 0 and sent < 80, "the kill came after the batch"

    workers.start_worker("second")
    workers.wait_ready("second")
    workers.send("send_due_reminders")  # within the lease: the dead sweep's claims are not touched yet
    time.sleep(max(0.0, killed_at + 3.5 - time.monotonic()))
    workers.send("send_due_reminders")
    workers.wait_for(lambda: all_sent(workers, 80), 30, "the restarted worker did not finish the batch")
    assert_each_once(workers, 80)


def sweep_runs(workers, name: str) -> list[tuple[str, str]]:
    return SWEEP_RUN.findall(workers.log_of(name))


@pytest.mark.parametrize("own_queues", [False, True], ids=["one-queue", "lms-studio"])
def test_one_sweep_chain_across_workers_and_takeover(workers, own_queues):
    """Also as Tutor runs them: an LMS and a Studio worker, each on its own queue, one cache between them."""
    for name in ("a", "b"):
        queue = f"{workers.queue}.{name}" if own_queues else ""
        workers.start_worker(name, queue=queue, SESSIONROOM_TEST_SWEEP="1")
    workers.wait_ready("a", "b")
    workers.wait_for(lambda: sum(len(sweep_runs(workers, n)) for n in ("a", "b")) >= 2, 15, "no sweep chain ran")
    observed = 3
    time.sleep(observed)
    runs = sweep_runs(workers, "a") + sweep_runs(workers, "b")
    assert len({token for token, _ in runs}) == 1, f"more than one chain: {runs}"
    assert len(runs) <= observed / INTERVAL_SECONDS + 4, f"too many links for one chain: {len(runs)}"

    holder_host = workers.cache_value("sessionroom:sweep:heartbeat")["hostname"]
    holder = "a" if holder_host.startswith("a.") else "b"
    survivor = "b" if holder == "a" else "a"
    before = len(sweep_runs(workers, survivor))
    workers.kill(holder)
    killed_at = time.monotonic()
    workers.wait_for(lambda: len(sweep_runs(workers, survivor)) >= before + 2, 15, "the survivor never took over")
    took = time.monotonic() - killed_at
    assert took <= HEARTBEAT_SECONDS + WATCHDOG_SECONDS + 2 * INTERVAL_SECONDS + 1, f"takeover took {took:.1f}s"
    time.sleep(2)
    recent = sweep_runs(workers, survivor)[before:]
    assert len({token for token, _ in recent[-3:]}) == 1, f"two chains after the takeover: {recent}"
