"""Render time and SQL queries of each screen and each room action, on a database with 10,000 sessions.

Run: python benchmarks/bench_room.py   (SESSIONROOM_DB=mysql to measure on MariaDB)
"""

from datetime import timedelta

from harness import measure, row, setup_django

setup_django()

from django.utils import timezone  # noqa: E402

from sessionroom_xblock.models import TutoringSession  # noqa: E402
from tests.factories import COURSE, call_handler, make_block, make_user, seed_other_sessions  # noqa: E402

SEEDED = 10_000


def seed():
    seed_other_sessions(SEEDED, people=200)
    learner, tutor = make_user("learner", first_name="Ana"), make_user("tutor", first_name="Tomás")
    now = timezone.now()

    def session(offset, **fields):
        return TutoringSession.objects.create(
            course_key=COURSE,
            learner=learner,
            tutor=tutor,
            scheduled_start=now + offset,
            scheduled_end=now + offset + timedelta(minutes=30),
            **fields,
        )

    return session(timedelta(minutes=5)), session(-timedelta(hours=3), status="completed")


def main():
    live, past = seed()
    learner, tutor = make_block("learner"), make_block("tutor")
    payload = {"session": str(live.pk)}
    print(f"Session Room on {SEEDED:,} sessions (median of 30, queries of one call)")
    print("Screens (student_view itself; the runtime's own aside lookup is not ours and not counted):")
    row("pre-join", *measure(learner.student_view))
    call_handler(learner, "join", payload)
    call_handler(tutor, "join", payload)
    row("room (in progress)", *measure(learner.student_view))
    from crum import set_current_request
    from django.test import RequestFactory

    set_current_request(RequestFactory().get("/", {"session": str(past.pk)}))
    row("post-session", *measure(learner.student_view))
    set_current_request(None)
    print("Actions (XBlock handler):")
    for action, extra in (("state", {}), ("heartbeat", {}), ("join", {}), ("failure", {"error_type": "bench"})):
        row(action, *measure(lambda a=action, e=extra: call_handler(learner, a, {**payload, **e})))
    row("feedback", *measure(lambda: call_handler(learner, "feedback", {"session": str(past.pk), "rating": 5})))
    row("leave (learner)", *measure(lambda: call_handler(learner, "leave", payload)))


main()
