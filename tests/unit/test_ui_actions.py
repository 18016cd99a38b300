"""The reschedule request: who gets the email, what it says, and who may send it (through the XBlock handler)."""

import pytest

from tests.factories import call_handler, make_block

pytestmark = pytest.mark.django_db


def test_learner_request_reaches_tutor_and_staff_not_the_learner(session, staff, mailoutbox):
    status, body = call_handler(make_block("learner"), "reschedule_request", {"session": str(session.pk)})
    assert status == 200, body
    assert body["sent"] == 2
    (mail,) = mailoutbox
    assert sorted(mail.to) == ["staff@example.org", "tutor@example.org"]
    assert mail.subject.startswith("Reschedule request: ")
    assert "Ana García asks for another time for the tutoring session with Tomás Okafor" in mail.body


def test_tutor_asking_for_next_session_reaches_the_learner(session, mailoutbox):
    status, body = call_handler(
        make_block("tutor"), "reschedule_request", {"session": str(session.pk), "kind": "next_session"}
    )
    assert status == 200, body
    assert mailoutbox[0].to == ["learner@example.org"]
    assert "would like to book another tutoring session with Ana García" in mailoutbox[0].body


def test_unknown_kind_is_refused(session, mailoutbox):
    status, body = call_handler(make_block("learner"), "reschedule_request", {"session": str(session.pk), "kind": "x"})
    assert (status, body["field"]) == (400, "kind")
    assert mailoutbox == []


def test_a_stranger_cannot_send_requests(session, stranger, mailoutbox):
    status, _body = call_handler(make_block("stranger"), "reschedule_request", {"session": str(session.pk)})
    assert status == 403
    assert mailoutbox == []


def test_nobody_to_reach_is_a_clear_refusal(session, mailoutbox):
    session.tutor.email = ""
    session.tutor.save()
    status, body = call_handler(make_block("learner"), "reschedule_request", {"session": str(session.pk)})
    assert (status, body["error"]) == (409, "no_recipients")
    assert body["message"] == "Nobody could be reached. Contact course staff."
