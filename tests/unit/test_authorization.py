"""Who may use each door into a session: the two participants act, course staff look, nobody else.

One matrix over every XBlock action, the block's view, the direct page and its actions: a stranger, an
anonymous visitor, the learner of another session and the staff of another course (an instructor of the
block's course asking for a session of another course) each get the spec's refusal, word for word, and
read nothing of the session's chat, notes or links.
"""

import json
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from sessionroom_xblock.actions import dispatch
from sessionroom_xblock.actions.staff import STAFF_ACTIONS
from sessionroom_xblock.models import Attendance, ChatMessage, Feedback, ResourceLink, TutoringSession
from tests.factories import COURSE, OTHER_COURSE, call_handler, make_block, make_session, make_user

pytestmark = pytest.mark.django_db
NOT_YOURS = "You're not part of this session."
NOT_FOUND = "Session not found. Check your dashboard."
INTRUDERS = ["stranger", "anonymous", "other_learner", "other_course_staff"]
ACTIONS = sorted(dispatch.ACTIONS)
PRIVATE = "PRIVATE-B-7c1e"


@pytest.fixture
def other_course_staff(settings):
    """An instructor of the block's course (the dev host's one course), and of no other course."""
    settings.SESSIONROOM = {**settings.SESSIONROOM, "DEV_COURSE_STAFF": {"other_course_staff": [str(COURSE)]}}
    return make_user("other_course_staff")


@pytest.fixture
def world(learner, tutor, stranger, other_course_staff):
    """
    A session of another course than the block's, with private chat, notes and links; a stranger, a learner
    who has a session of their own with another tutor, and the block's course's instructor.
    """
    other_learner = make_user("other_learner")
    make_session(other_learner, make_user("other_tutor"))
    session = make_session(learner, tutor, course_key=OTHER_COURSE, notes=f"notes {PRIVATE}")
    ChatMessage.objects.create(session=session, sender=learner, text=f"chat {PRIVATE}")
    ResourceLink.objects.create(session=session, added_by=tutor, title=f"link {PRIVATE}", url="https://example.org/")
    return session


def client_for(username):
    client = Client()
    if username != "anonymous":
        client.get("/", {"student": username})
    return client


def assert_unchanged(session, shared=1):
    """Nothing written: no status, provider, notes, attendance or feedback change; ``shared`` chat lines and links."""
    notes = session.notes
    session.refresh_from_db()
    assert session.status == TutoringSession.Status.SCHEDULED and session.provider == ""
    assert (session.notes, session.notes_version) == (notes, 0)
    assert not Attendance.objects.filter(session=session).exists()
    assert not Feedback.objects.filter(session=session).exists()
    assert ChatMessage.objects.filter(session=session).count() == shared
    assert ResourceLink.objects.filter(session=session).count() == shared


#: A body every action accepts as far as its own checks go, so only the door's check can refuse it.
PAYLOAD = {"rating": 5, "text": "hi", "version": 0, "title": "t", "url": "https://example.org/", "cursor": 0}


@pytest.mark.parametrize("intruder", INTRUDERS)
@pytest.mark.parametrize("action", ACTIONS)
def test_xblock_actions_refuse_intruders(world, intruder, action):
    status, body = call_handler(make_block(intruder), action, {**PAYLOAD, "session": str(world.pk)})
    assert (status, body["message"]) == (403, NOT_YOURS)
    assert PRIVATE not in json.dumps(body)
    assert_unchanged(world)


@pytest.mark.parametrize("intruder", INTRUDERS)
@pytest.mark.parametrize("action", ACTIONS)
def test_direct_page_actions_refuse_intruders(world, intruder, action):
    url = reverse("sessionroom:session-action", args=[world.pk, action])
    response = client_for(intruder).post(url, json.dumps(PAYLOAD), content_type="application/json")
    assert (response.status_code, response.json()["message"]) == (403, NOT_YOURS)
    assert PRIVATE not in response.content.decode()
    assert_unchanged(world)


@pytest.mark.parametrize("intruder", ["stranger", "other_learner"])
def test_direct_page_refuses_intruders(world, intruder):
    response = client_for(intruder).get(reverse("sessionroom:session-page", args=[world.pk]))
    assert response.status_code == 403
    assert NOT_YOURS.replace("'", "&#x27;") in response.content.decode() or NOT_YOURS in response.content.decode()
    assert "Join Session" not in response.content.decode()
    assert PRIVATE not in response.content.decode()


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
    assert PRIVATE not in html


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
    assert_unchanged(session, shared=0)


def test_participants_are_let_in_through_both_doors(session):
    for username in ("learner", "tutor"):
        assert call_handler(make_block(username), "state", {"session": str(session.pk)})[0] == 200
        assert client_for(username).get(reverse("sessionroom:session-page", args=[session.pk])).status_code == 200


def test_course_staff_look_at_their_own_course_through_both_doors(session, other_course_staff):
    """The instructor refused above is staff of the block's course: its sessions are theirs to look at."""
    assert call_handler(make_block("other_course_staff"), "state", {"session": str(session.pk)})[0] == 200
    page = client_for("other_course_staff").get(reverse("sessionroom:session-page", args=[session.pk]))
    assert page.status_code == 200


def test_staff_of_both_courses_look_at_the_other_course_through_the_block(world, staff):
    """Rights on the session's own course count: global staff (staff of every course) may look at it."""
    status, body = call_handler(make_block("staff"), "notes_get", {"session": str(world.pk)})
    assert status == 200 and PRIVATE in body["text"]


@pytest.mark.parametrize("action", sorted(STAFF_ACTIONS))
def test_staff_actions_of_the_block_never_reach_another_course(world, action):
    """The staff screen's door: the other course's session is neither listed nor moved nor cancelled."""
    tomorrow = (timezone.now() + timedelta(days=1)).date().isoformat()
    payload = {"session": str(world.pk), "date": tomorrow, "time": "10:00", "duration": 30, "time_zone": "UTC"}
    status, body = call_handler(make_block("other_course_staff"), action, payload, handler="staff")
    expected = {"list": 200, "create": 400, "reschedule": 404, "cancel": 404}[action]
    assert status == expected and PRIVATE not in json.dumps(body)
    assert str(world.pk) not in body.get("html", "")
    assert_unchanged(world)
