"""A rejoin within a provider room's lifetime costs no provider round trip (issue 10 item 6).

Real HTTP to the fake BBB, which counts the API calls it receives.
"""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone

from sessionroom_xblock.models import Attendance
from tests.factories import call_handler, make_block, make_session
from tests.fakes_fixtures import bbb_config

pytest_plugins = ("tests.fakes_fixtures",)
pytestmark = pytest.mark.django_db


@pytest.fixture
def bbb_site(settings, fake_bbb):
    cache.clear()
    settings.SESSIONROOM = {
        **settings.SESSIONROOM,
        "PROVIDERS": {**settings.SESSIONROOM["PROVIDERS"], "bbb": bbb_config(fake_bbb)},
    }
    return fake_bbb


def join(username, session):
    status, body = call_handler(make_block(username), "join", {"session": str(session.pk)})
    assert status == 200, body
    return body["ticket"]["url"]


def test_fifty_joins_make_one_create(bbb_site, learner, tutor):
    session = make_session(learner, tutor, provider="bbb")
    urls = {join("learner", session) for _ in range(50)}
    join("tutor", session)
    assert bbb_site.calls["create"] == 1
    assert len(urls) == 1 and "createTime=" in urls.pop()


def test_a_room_left_empty_is_created_again(bbb_site, learner, tutor):
    session = make_session(learner, tutor, provider="bbb")
    join("learner", session)
    # Nobody seen for longer than BBB keeps an empty meeting: it may be gone, so ask again.
    Attendance.objects.filter(session=session).update(last_seen=timezone.now() - timedelta(minutes=5))
    cache.delete(f"sessionroom:seen:{session.pk}:{learner.pk}")
    join("learner", session)
    assert bbb_site.calls["create"] == 2


def test_a_reported_failure_forgets_the_room(bbb_site, learner, tutor):
    session = make_session(learner, tutor, provider="bbb")
    join("learner", session)
    call_handler(make_block("learner"), "failure", {"session": str(session.pk), "error_type": "frame_timeout"})
    join("learner", session)
    assert bbb_site.calls["create"] == 2
