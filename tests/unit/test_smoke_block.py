"""The block renders the pre-join screen for each participant, naming the other one."""

from tests.factories import call_handler, make_block


def test_prejoin_names_the_other_participant(session):
    learner_html = make_block("learner").render("student_view").body_html()
    tutor_html = make_block("tutor").render("student_view").body_html()
    assert "Tomás Okafor" in learner_html and "Join Session" in learner_html
    assert "Ana García" in tutor_html


def test_state_handler_answers_participants_only(session, stranger):
    status, body = call_handler(make_block("learner"), "state", {"session": str(session.pk)})
    assert status == 200 and body["state"] == "joinable"
    status, body = call_handler(make_block("stranger"), "state", {"session": str(session.pk)})
    assert status == 403 and body["message"] == "You're not part of this session."
