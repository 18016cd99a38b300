"""The pre-join render and the state handler stay within 5 SQL queries, whether the site has 10 or 10,000 sessions."""

from datetime import timedelta

import pytest
from django.utils import timezone

from sessionroom_xblock.models import TutoringSession
from tests.factories import COURSE, call_handler, make_block, make_user

pytestmark = pytest.mark.django_db


def seed(count, learner, tutor):
    """``count`` sessions spread over other users and days, plus the one we look at."""
    others = [make_user(f"seed{i}") for i in range(20)]
    start = timezone.now() + timedelta(days=1)
    TutoringSession.objects.bulk_create(
        TutoringSession(
            course_key=COURSE,
            learner=others[i % 20],
            tutor=others[(i + 1) % 20],
            scheduled_start=start + timedelta(hours=i),
            scheduled_end=start + timedelta(hours=i, minutes=30),
        )
        for i in range(count)
    )
    now = timezone.now() + timedelta(minutes=5)
    return TutoringSession.objects.create(
        course_key=COURSE, learner=learner, tutor=tutor, scheduled_start=now, scheduled_end=now + timedelta(minutes=30)
    )


@pytest.mark.parametrize("count", [10, 10_000])
def test_prejoin_render_and_state_handler_query_budget(count, learner, tutor, django_assert_max_num_queries):
    session = seed(count, learner, tutor)
    block = make_block("learner")
    block.render("student_view")  # warm: the dev host's user service creates nothing further
    with django_assert_max_num_queries(5):
        html = block.render("student_view").body_html()
    assert "Tomás Okafor" in html
    with django_assert_max_num_queries(5):
        status, body = call_handler(block, "state", {"session": str(session.pk)})
    assert status == 200 and body["state"] == "joinable"
