"""With the LMS's ``ATOMIC_REQUESTS=True``, a provider call that hangs holds no row the other participant needs.

The LMS (and Tutor) wrap every request in one transaction, including the XBlock handler requests. If a
service locked a row (an UPDATE, a ``select_for_update``) and then called the video provider, the lock would
last as long as the provider call. On MariaDB, with the fake BBB server answering slowly, these tests check,
while the provider call hangs: the other participant's heartbeat and state answer within a second, and
nobody holds a lock on the session's rows (``SELECT … FOR UPDATE NOWAIT`` gets them).

Both doors: the direct page's action view (``ATOMIC_REQUESTS`` on) and the block's handler inside a
transaction, as the LMS runs it.
"""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from django.db import DatabaseError, close_old_connections, connection, transaction
from django.test import Client
from django.utils import timezone

from sessionroom_xblock.models import Attendance, TutoringSession
from tests.factories import call_handler, make_block, make_session
from tests.fakes_fixtures import bbb_config

pytest_plugins = ("tests.fakes_fixtures",)
pytestmark = [pytest.mark.mysql, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

HANG = 3.0


@pytest.fixture(autouse=True)
def lms_like_site(settings, monkeypatch, fake_bbb):
    if connection.vendor != "mysql":
        pytest.skip("row locks: run with SESSIONROOM_DB=mysql")
    # The same dict every thread's connection is made from.
    monkeypatch.setitem(connection.settings_dict, "ATOMIC_REQUESTS", True)
    settings.SESSIONROOM = {
        **settings.SESSIONROOM,
        "PROVIDERS": {
            "p2p": {"ICE_SERVERS": [], "FALLBACK": "bbb"},
            "bbb": bbb_config(fake_bbb, READ_TIMEOUT=HANG + 2, RETRIES=0),
        },
    }
    return fake_bbb


class PageDoor:
    """The direct page's JSON actions, through Django's request handling (so ``ATOMIC_REQUESTS`` applies)."""

    def __init__(self, user):
        self.client = Client()
        self.client.force_login(user)

    def act(self, session, name):
        url = f"/sessionroom/session/{session.pk}/action/{name}/"
        response = self.client.post(url, "{}", content_type="application/json")
        return response.status_code


class HandlerDoor:
    """The block's handler inside one transaction, as the LMS's handler view runs it."""

    def __init__(self, user):
        self.username = user.username

    def act(self, session, name):
        with transaction.atomic():
            status, _body = call_handler(make_block(self.username), name, {"session": str(session.pk)})
        return status


DOORS = {"page": PageDoor, "handler": HandlerDoor}


def in_thread(function):
    """Run ``function`` in a thread with its own database connection; the thread and a box for its result."""
    box = {}

    def run():
        try:
            box["result"] = function()
        except Exception as exc:  # noqa: BLE001 - handed to the test
            box["error"] = exc
        finally:
            close_old_connections()
            connection.close()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, box


def result_of(thread, box):
    thread.join(HANG + 10)
    assert not thread.is_alive()
    if "error" in box:
        raise box["error"]
    return box["result"]


def wait_until_inside(fake, *calls):
    """Return once the provider has received one of ``calls`` (the request is now hanging in it)."""
    before = sum(fake.calls[call] for call in calls)
    deadline = time.monotonic() + 5

    def wait():
        while sum(fake.calls[call] for call in calls) <= before:
            assert time.monotonic() < deadline, f"the provider never got {calls}"
            time.sleep(0.01)
        time.sleep(0.2)

    return wait


def timed(function):
    started = time.monotonic()
    value = function()
    return value, time.monotonic() - started


def lock_rows(session):
    """Take the session's rows with NOWAIT: raises at once when someone holds one of them."""
    with transaction.atomic():
        list(TutoringSession.objects.select_for_update(nowait=True).filter(pk=session.pk))
        list(Attendance.objects.select_for_update(nowait=True).filter(session_id=session.pk))
    return True


def assert_nothing_waits_behind_the_provider(other, session):
    for name in ("heartbeat", "state"):
        status, seconds = result_of(*in_thread(lambda name=name: timed(lambda: other.act(session, name))))
        assert status == 200
        assert seconds < 1.0, f"{name} waited {seconds:.2f} s behind the provider call"
    try:
        result_of(*in_thread(lambda: lock_rows(session)))
    except DatabaseError as exc:
        pytest.fail(f"a row of the session is locked during the provider call: {exc}")


def live_session(learner, tutor, provider):
    return make_session(learner, tutor, start=timezone.now() - timedelta(minutes=1), provider=provider)


@pytest.mark.parametrize("door", sorted(DOORS))
def test_tutor_leaving_while_the_provider_hangs(lms_like_site, learner, tutor, door):
    session = live_session(learner, tutor, "bbb")
    other, leaver = DOORS[door](learner), DOORS[door](tutor)
    assert other.act(session, "join") == 200 and leaver.act(session, "join") == 200
    lms_like_site.delay = HANG
    inside = wait_until_inside(lms_like_site, "end")
    leaving = in_thread(lambda: leaver.act(session, "leave"))
    inside()
    assert_nothing_waits_behind_the_provider(other, session)
    assert result_of(*leaving) == 200
    session.refresh_from_db()
    assert session.status == TutoringSession.Status.COMPLETED
    assert lms_like_site.calls["end"] == 1


@pytest.mark.parametrize("door", sorted(DOORS))
def test_joining_while_the_provider_hangs(lms_like_site, learner, tutor, door):
    session = live_session(learner, tutor, "bbb")
    other, joiner = DOORS[door](learner), DOORS[door](tutor)
    assert other.act(session, "join") == 200
    lms_like_site.delay = HANG
    inside = wait_until_inside(lms_like_site, "create", "getMeetingInfo")
    joining = in_thread(lambda: joiner.act(session, "join"))
    inside()
    assert_nothing_waits_behind_the_provider(other, session)
    assert result_of(*joining) == 200


@pytest.mark.parametrize("door", sorted(DOORS))
def test_falling_back_while_the_provider_hangs(lms_like_site, learner, tutor, door):
    session = live_session(learner, tutor, "p2p")
    other, switcher = DOORS[door](learner), DOORS[door](tutor)
    assert other.act(session, "join") == 200 and switcher.act(session, "join") == 200
    lms_like_site.delay = HANG
    inside = wait_until_inside(lms_like_site, "create", "getMeetingInfo")
    falling = in_thread(lambda: switcher.act(session, "fallback"))
    inside()
    assert_nothing_waits_behind_the_provider(other, session)
    assert result_of(*falling) == 200
    session.refresh_from_db()
    assert (session.provider, session.provider_room_id) == ("bbb", f"sessionroom-{session.pk}")
