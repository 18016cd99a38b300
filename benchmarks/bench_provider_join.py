"""Provider round trips per join and join-handler latency against fakes answering in 50 ms.

Run: python benchmarks/bench_provider_join.py
Goal (issue 3): BBB ≤ 1 round trip per join (create; the join URL is signed locally), plugNmeet ≤ 2.
The fakes run in this process, so their own request handling shares the GIL and is part of the latency.
"""

import statistics
import time

from harness import setup_django

setup_django()

from django.conf import settings  # noqa: E402

from fakes.bbb import FakeBBB  # noqa: E402
from fakes.plugnmeet import FakePlugNmeet  # noqa: E402
from sessionroom_xblock.actions import dispatch  # noqa: E402
from tests.factories import action_context, call_handler, make_block, make_session, make_user  # noqa: E402

DELAY = 0.05
JOINS = 20


def configure(name, config):
    settings.SESSIONROOM = {**settings.SESSIONROOM, "PROVIDERS": {**settings.SESSIONROOM["PROVIDERS"], name: config}}


def timed_joins(name, fake, learner, tutor, join):
    """(median ms, p95 ms, mean round trips) of ``JOINS`` first joins of new sessions."""
    timings, round_trips = [], []
    for _ in range(JOINS):
        session = make_session(learner, tutor, provider=name)
        call = join(session)
        before = sum(fake.calls.values())
        started = time.perf_counter()
        status = call()
        timings.append((time.perf_counter() - started) * 1000)
        round_trips.append(sum(fake.calls.values()) - before)
        assert status == 200
    ordered = sorted(timings)
    return statistics.median(timings), ordered[int(len(ordered) * 0.95) - 1], statistics.mean(round_trips)


def bench(name, fake, learner, tutor):
    fake.delay = DELAY

    def via_handler(session):
        block = make_block("learner")
        return lambda: call_handler(block, "join", {"session": str(session.pk)})[0]

    def via_actions(session):
        ctx = action_context(learner)
        return lambda: dispatch.dispatch("join", ctx, {"session": str(session.pk)})[0]

    for label, join in (("XBlock handler (dev host runtime)", via_handler), ("room action (our code)", via_actions)):
        median, p95, trips = timed_joins(name, fake, learner, tutor, join)
        print(
            f"  {name:<10} {label:<34} round trips {trips:.1f}   median {median:6.1f} ms   p95 {p95:6.1f} ms"
            f"   (fake answers in {DELAY * 1000:.0f} ms)"
        )


def main():
    learner, tutor = make_user("learner"), make_user("tutor")
    bbb = FakeBBB(secret="bench-secret-0123456789abcdefghijklmnop")
    bbb.start()
    configure("bbb", {"URL": bbb.base_url, "SECRET": "bench-secret-0123456789abcdefghijklmnop"})
    pnm = FakePlugNmeet("bench-key", "bench-secret-0123456789abcdefghijklmnop")
    url = pnm.start()
    configure(
        "plugnmeet", {"URL": url, "API_KEY": "bench-key", "API_SECRET": "bench-secret-0123456789abcdefghijklmnop"}
    )
    print(f"Joins per provider: {JOINS} (first join of a new session: room creation included)")
    try:
        bench("bbb", bbb, learner, tutor)
        bench("plugnmeet", pnm, learner, tutor)
    finally:
        bbb.stop()
        pnm.stop()


main()
