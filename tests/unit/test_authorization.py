"""Who may use each door into a session: the two participants act, course staff look, nobody else.

One matrix over every XBlock action, the block's view, the direct page and its actions: a stranger, an
anonymous visitor and the learner of another session each get the spec's refusal, word for word.
"""

import json

import pytest
from django.test import Client
from django.urls import reverse

from sessionroom_xblock.actions import dispatch
from sessionroom_xblock.models import Attendance, Feedback, TutoringSession
from tests.factories import call_handler, make_block, make_session, make_user

pytestmark = pytest.mark.django_db
NOT_YOURS = "You're not part of this session."
NOT_FOUND = "Session not found. Check your dashboard."
INTRUDERS = ["stranger", "anonymous", "other_learner"]
ACTIONS = sorted(dispatch.ACTIONS)


@pytest.fixture
def world(session, stranger):
    """The session, a stranger, and a learner who has a session of their own with another tutor."""
    other_learner = make_user("other_learner")
    make_session(other_learner, make_user("other_tutor"))
    return session


def client_for(username):
    client = Client()
    if username != "anonymous":
        client.get("/", {"student": username})
    return client


def assert_unchanged(session):
    session.refresh_from_db()
    assert session.status == TutoringSession.Status.SCHEDULED and session.provider == ""
    assert not Attendance.objects.filter(session=session).exists()
    assert not Feedback.objects.filter(session=session).exists()


@pytest.mark.parametrize("intruder", INTRUDERS)
@pytest.mark.parametrize("action", ACTIONS)
def test_xblock_actions_refuse_intruders(world, intruder, action):
    status, body = call_handler(make_block(intruder), action, {"session": str(world.pk), "rating": 5})
    assert (status, body["message"]) == (403, NOT_YOURS)
    assert_unchanged(world)


@pytest.mark.parametrize("intruder", INTRUDERS)
@pytest.mark.parametrize("action", ACTIONS)
def test_direct_page_actions_refuse_intruders(world, intruder, action):
    url = reverse("sessionroom:session-action", args=[world.pk, action])
    response = client_for(intruder).post(url, json.dumps({"rating": 5}), content_type="application/json")
    assert (response.status_code, response.json()["message"]) == (403, NOT_YOURS)
    assert_unchanged(world)


@pytest.mark.parametrize("intruder", ["stranger", "other_learner"])
def test_direct_page_refuses_intruders(world, intruder):
    response = client_for(intruder).get(reverse("sessionroom:session-page", args=[world.pk]))
    assert response.status_code == 403
    assert NOT_YOURS.replace("'", "&#x27;") in response.content.decode() or NOT_YOURS in response.content.decode()
    assert "Join Session" not in response.content.decode()


@pytest.mark.parametrize("intruder", INTRUDERS)
def test_block_view_refuses_intruders_asking_for_the_session(world, intruder, rf):
    from crum import impersonate, set_current_request

    set_current_request(rf.get("/", {"session": str(world.pk)}))
    try:
        with impersonate(None):
            html = make_block(intruder).render("student_view").body_html()
    finally:
        set_current_request(None)
    assert "You&#x27;re not part of this session." in html or NOT_YOURS in html
    assert "Join Session" not in html


@pytest.mark.parametrize("action", ACTIONS)
def test_unknown_or_malformed_session_is_not_found(session, action):
    for session_id in ("00000000-0000-0000-0000-000000000000", "not-a-uuid", None):
        status, body = call_handler(make_block("learner"), action, {"session": session_id})
        assert (status, body["message"]) == (404, NOT_FOUND)


def test_direct_page_of_an_unknown_session_is_not_found(learner):
    response = client_for("learner").get("/sessionroom/session/00000000-0000-0000-0000-000000000000/")
    assert response.status_code == 404 and "Session not found. Check your dashboard." in response.content.decode()


@pytest.mark.parametrize("action", [name for name in ACTIONS if dispatch.ACTIONS[name].writes])
def test_course_staff_may_look_but_not_act(session, staff, action):
    assert call_handler(make_block("staff"), "state", {"session": str(session.pk)})[0] == 200
    status, body = call_handler(make_block("staff"), action, {"session": str(session.pk), "rating": 5})
    assert (status, body["message"]) == (403, NOT_YOURS)
    assert_unchanged(session)


def test_participants_are_let_in_through_both_doors(session):
    for username in ("learner", "tutor"):
        assert call_handler(make_block(username), "state", {"session": str(session.pk)})[0] == 200
        assert client_for(username).get(reverse("sessionroom:session-page", args=[session.pk])).status_code == 200
