"""Issue 10's findings, each as the attack that succeeded: now refused with a clear answer, and nothing changed.

Through both doors (the XBlock handler and the direct page's action URLs) where the finding is a room action.
"""

from __future__ import annotations

import json
import time

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from sessionroom_xblock.actions import dispatch
from sessionroom_xblock.models import Attendance, ChatMessage, Feedback, ResourceLink, TutoringSession
from tests.factories import call_handler, make_block, make_session

pytestmark = pytest.mark.django_db
ENDED = "This session has ended."
STATUS = TutoringSession.Status


@pytest.fixture(autouse=True)
def fresh_cache():
    """Rate-limit windows live in the cache; each test starts with none."""
    cache.clear()


def via_block(username, session, action, payload):
    """(status, body) of ``action`` through the XBlock handler."""
    return call_handler(make_block(username), action, {**payload, "session": str(session.pk)})


def via_page(username, session, action, payload):
    """(status, body) of ``action`` through the direct page's action URL (CSRF-checked, as browsers send it)."""
    client = Client()
    client.get("/", {"student": username})
    url = reverse("sessionroom:session-action", args=[session.pk, action])
    response = client.post(url, json.dumps(payload), content_type="application/json")
    return response.status_code, response.json()


DOORS = {"block": via_block, "page": via_page}


# Item 10: a cancelled session takes no more writes ------------------------------------------------------

#: Write actions that change the session's own content: all refuse a cancelled session with the spec's 409.
CONTENT_WRITES = {
    "notes_save": {"text": "after the cancel", "version": 0},
    "link_add": {"title": "Slides", "url": "https://example.org/slides"},
    "chat_send": {"text": "hello?"},
    "signal_send": {"kind": "hello", "data": {}},
    "signal_poll": {"cursor": 0},
    "failure": {"error_type": "frame_timeout"},
}


@pytest.mark.parametrize("door", DOORS)
@pytest.mark.parametrize("action", sorted(CONTENT_WRITES))
def test_a_cancelled_session_takes_no_notes_links_chat_signals_or_failures(session, door, action):
    session.status = STATUS.CANCELLED
    session.save()
    status, body = DOORS[door]("tutor", session, action, CONTENT_WRITES[action])
    assert (status, body["message"]) == (409, ENDED)
    session.refresh_from_db()
    assert (session.notes, session.notes_version) == ("", 0)
    assert not ResourceLink.objects.filter(session=session).exists()
    assert not ChatMessage.objects.filter(session=session).exists()
    assert not Attendance.objects.filter(session=session, last_failure_at__isnull=False).exists()


@pytest.mark.parametrize("action", sorted(name for name, entry in dispatch.ACTIONS.items() if entry.writes))
def test_no_write_action_changes_a_cancelled_session(session, action):
    """Every write action, whatever it answers, leaves a cancelled session as it was."""
    session.status = STATUS.CANCELLED
    session.save()
    payload = {**CONTENT_WRITES.get(action, {}), "rating": 5, "kind": "reschedule"}
    status, _body = via_block("tutor", session, action, payload)
    assert status != 200 or action in ("heartbeat", "leave", "propose_next")
    session.refresh_from_db()
    assert (session.status, session.notes, session.notes_version) == (STATUS.CANCELLED, "", 0)
    assert not ResourceLink.objects.filter(session=session).exists()
    assert not ChatMessage.objects.filter(session=session).exists()
    assert not Feedback.objects.filter(session=session).exists()
    assert not Attendance.objects.filter(session=session, joined_at__isnull=False).exists()
    assert not Attendance.objects.filter(session=session, last_failure_at__isnull=False).exists()


def test_notes_saved_as_the_room_shuts_after_the_tutors_leave_are_kept(session):
    """The room saves unsaved notes after the tutor's leave ended the session: they are not lost."""
    assert via_block("tutor", session, "join", {})[0] == 200
    assert via_block("tutor", session, "leave", {})[0] == 200
    session.refresh_from_db()
    assert session.status == STATUS.COMPLETED
    status, body = via_block("tutor", session, "notes_save", {"text": "last words", "version": 0})
    assert (status, body["version"]) == (200, 1)
    session.refresh_from_db()
    assert session.notes == "last words"


# Item 2: reschedule requests are limited, and only for sessions still to come --------------------------


@pytest.mark.parametrize("door", DOORS)
def test_a_second_request_within_the_interval_sends_nothing(session, staff, mailoutbox, door):
    status, _body = DOORS[door]("learner", session, "reschedule_request", {})
    assert status == 200 and len(mailoutbox) == 1
    for _ in range(5):
        status, body = DOORS[door]("learner", session, "reschedule_request", {"kind": "next_session"})
        assert (status, body["error"]) == (429, "rate_limited")
        assert body["message"] == "Your request was already sent. You can send another in a few minutes."
    assert len(mailoutbox) == 1


def test_the_limit_is_per_participant_and_per_session(learner, tutor, mailoutbox):
    first, second = make_session(learner, tutor), make_session(learner, tutor)
    assert via_block("learner", first, "reschedule_request", {})[0] == 200
    assert via_block("tutor", first, "reschedule_request", {})[0] == 200
    assert via_block("learner", second, "reschedule_request", {})[0] == 200
    assert len(mailoutbox) == 3


def test_the_limit_opens_again_after_the_interval(session, mailoutbox, monkeypatch):
    from sessionroom_xblock.actions import prejoin

    monkeypatch.setattr(prejoin, "REQUEST_INTERVAL_SECONDS", 1)
    assert via_block("learner", session, "reschedule_request", {})[0] == 200
    assert via_block("learner", session, "reschedule_request", {})[0] == 429
    time.sleep(1.1)
    assert via_block("learner", session, "reschedule_request", {})[0] == 200
    assert len(mailoutbox) == 2


@pytest.mark.parametrize("closed", [STATUS.COMPLETED, STATUS.CANCELLED, STATUS.NO_SHOW])
def test_no_reschedule_request_for_a_closed_session(session, mailoutbox, closed):
    session.status = closed
    session.save()
    status, body = via_block("learner", session, "reschedule_request", {"kind": "reschedule"})
    assert (status, body["message"]) == (409, ENDED)
    assert mailoutbox == []


def test_asking_for_a_next_session_after_one_still_works(session, mailoutbox):
    session.status = STATUS.COMPLETED
    session.save()
    status, _body = via_block("learner", session, "reschedule_request", {"kind": "next_session"})
    assert status == 200 and len(mailoutbox) == 1
