"""The pre-join render and the state handler stay within 5 SQL queries, whether the site has 10 or 10,000 sessions."""

from datetime import timedelta

import pytest
from django.utils import timezone

from sessionroom_xblock.models import TutoringSession
from tests.factories import COURSE, call_handler, make_block, seed_other_sessions

pytestmark = pytest.mark.django_db


def seed(count, learner, tutor):
    """``count`` sessions of other people, plus the one we look at."""
    seed_other_sessions(count)
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
