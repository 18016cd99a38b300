"""The closing sweep ends provider rooms left running, against the fake BBB server over real HTTP."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from sessionroom_xblock.analytics import Analytics
from sessionroom_xblock.background.closing import close_sessions
from sessionroom_xblock.models import TutoringSession
from sessionroom_xblock.providers.base import RoomSpec
from sessionroom_xblock.providers.registry import get_provider
from sessionroom_xblock.sessions import rooms
from tests.integration.provider_sites import bbb_session
from tests.integration.test_bbb_contract import LEARNER, TUTOR, enter

pytest_plugins = ("tests.fakes_fixtures", "tests.integration.provider_sites")


def room_with(session, *participants):
    """The session's BBB room, running with ``participants`` in it."""
    bbb = get_provider("bbb")
    spec = RoomSpec(room_id=session.provider_room_id, title="Algebra")
    room = bbb.ensure_room(spec)
    for participant in participants:
        enter(bbb, room, spec, participant)
    assert bbb.presence(spec.room_id).running
    return bbb


def test_a_room_still_running_after_its_session_closed_is_ended(bbb_site, learner, tutor):
    now = timezone.now()
    session = bbb_session(learner, tutor, start=now - timedelta(minutes=50))
    bbb = room_with(session, TUTOR, LEARNER)
    events = []
    # Closed on our side without ending the room (as after a callback, or when the end call failed).
    closed_at = now - timedelta(minutes=5)
    rooms.end_session(session, closed_at, Analytics(lambda *a: events.append(a)), end_provider_room=False)

    result = close_sessions(now, Analytics(lambda *a: events.append(a)))
    assert result.rooms_ended == 1
    assert not bbb.presence(session.provider_room_id).running
    assert close_sessions(now, Analytics(lambda *a: events.append(a))).rooms_ended == 0
    assert [name for name, _ in events] == ["edx.sessionroom.session_ended"]
    assert TutoringSession.objects.get(pk=session.pk).status == "completed"


def test_a_no_show_ends_the_room_of_the_one_who_came(bbb_site, learner, tutor):
    now = timezone.now()
    session = bbb_session(learner, tutor, start=now - timedelta(minutes=20))
    bbb = room_with(session, TUTOR)
    assert close_sessions(now, Analytics(lambda *a: None)).no_show == 1
    assert not bbb.presence(session.provider_room_id).running
