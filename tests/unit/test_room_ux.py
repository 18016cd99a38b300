"""Issue 12 on the server: what the screens say and link to, the kept rating, staff's No Show, the demo."""

import socket
import subprocess
import sys
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import timezone

from sessionroom_xblock.models import Attendance, Feedback, TutoringSession
from sessionroom_xblock.screens import staff_view
from sessionroom_xblock.sessions import lifecycle
from sessionroom_xblock.zones import zone
from tests.factories import make_session

pytestmark = pytest.mark.django_db
REPO = Path(__file__).resolve().parents[2]


def direct(client, session, username="learner"):
    return client.get(f"/sessionroom/session/{session.pk}/?student={username}")


def test_direct_page_names_the_session_and_leads_back_to_the_course(client, session):
    html = direct(client, session).content.decode()
    assert "<title>Tutoring session with Tomás Okafor: " in html
    assert '<h1 class="sr-visually-hidden">Tutoring session with Tomás Okafor: ' in html
    assert 'class="sr-back" href="/courses/course-v1:SessionRoom+Algebra101+2026/">Back to Course</a>' in html
    assert 'rel="icon"' in html


@pytest.mark.parametrize("who", ["unknown", "stranger"])
def test_error_pages_link_to_the_dashboard(client, session, stranger, who):
    if who == "unknown":
        response = client.get(f"/sessionroom/session/{uuid.uuid4()}/?student=learner")
        message = "Session not found. Check your dashboard."
    else:
        response = direct(client, session, "stranger")
        message = "You&#x27;re not part of this session."
    html = response.content.decode()
    assert response.status_code in (403, 404)
    assert message in html
    assert '<a class="sr-primary-link" href="/">Back to Dashboard</a>' in html
    assert "Session Room: Session Room" not in html


def test_favicon_instead_of_a_404(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200 and response["Content-Type"] == "image/svg+xml"


def ended(learner, tutor):
    start = timezone.now() - timedelta(minutes=50)
    session = make_session(
        learner,
        tutor,
        start=start,
        status="completed",
        started_at=start + timedelta(minutes=2),
        ended_at=start + timedelta(minutes=27),
    )
    Attendance.objects.create(session=session, user=learner, joined_at=start, last_seen=start, left_at=start)
    return session


def test_reopened_rated_session_shows_the_rating_given(client, learner, tutor):
    session = ended(learner, tutor)
    Feedback.objects.create(session=session, author=learner, rating=4, comment="Clear <b>explanations</b>")
    html = direct(client, session).content.decode()
    assert f'id="sr-star-{session.pk}-4" name="rating" value="4" checked>' in html
    assert html.count(" checked>") == 1
    assert ">Clear &lt;b&gt;explanations&lt;/b&gt;</textarea>" in html
    assert "Update rating" in html


def test_post_session_summary_and_heading(client, learner, tutor):
    html = direct(client, ended(learner, tutor)).content.decode()
    assert '<h2 class="sr-ended-title sr-screen-title" tabindex="-1">Session Ended</h2>' in html
    assert "How long" in html and "25 minutes" in html


def test_no_show_offers_another_time_and_no_rating(client, learner, tutor):
    session = make_session(learner, tutor, start=timezone.now() - timedelta(minutes=20))
    now = timezone.now()
    Attendance.objects.create(session=session, user=learner, joined_at=now, last_seen=now)
    html = direct(client, session).content.decode()
    assert '<h2 class="sr-noshow-title sr-screen-title" tabindex="-1">No Show</h2>' in html
    assert '<form class="sr-feedback" novalidate hidden>' in html
    assert 'data-request="reschedule">Reschedule</button>' in html


def test_staff_see_a_no_show_before_the_closing_sweep(learner, tutor):
    session = make_session(learner, tutor, start=timezone.now() - timedelta(minutes=20))
    Attendance.objects.create(session=session, user=learner, joined_at=timezone.now(), last_seen=timezone.now())
    session = TutoringSession.objects.prefetch_related("attendances", "feedback").get(pk=session.pk)
    row = staff_view.session_row(session, timezone.now(), zone("UTC"), str, lifecycle.Policy())
    assert (row["status"], row["status_code"], row["no_show"]) == ("No Show", "no_show", "Tomás Okafor")
    early = staff_view.session_row(session, session.scheduled_start, zone("UTC"), str, lifecycle.Policy())
    assert early["status"] == "Scheduled"  # within the grace, nobody is a no-show yet


def test_state_names_are_the_specs(client, session):
    from sessionroom_xblock.screens.presenters import STATUS_LABELS

    assert {STATUS_LABELS[state] for state in lifecycle.State if state != lifecycle.State.CANCELLED} == {
        "Early",
        "Joinable",
        "Waiting",
        "In Progress",
        "Ended",
        "No Show",
        "Technical Issues",
    }


def test_seeding_the_demo_again_replaces_its_open_session(learner, tutor, capsys):
    call_command("seed_demo")
    call_command("seed_demo")
    call_command("seed_demo", provider="bbb")
    open_sessions = TutoringSession.objects.filter(status__in=TutoringSession.OPEN_STATUSES)
    assert sorted(open_sessions.values_list("provider", flat=True)) == ["", "bbb"]
    assert "Replaced the session an earlier run of the demo left open." in capsys.readouterr().out


def test_a_busy_port_is_reported_with_the_fix_before_anything_runs():
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        port = server.getsockname()[1]
        result = subprocess.run(
            [sys.executable, str(REPO / "scripts/check-port"), str(port)], capture_output=True, text=True, check=False
        )
    assert result.returncode == 1
    assert f"Port {port} is already in use" in result.stdout and "make demo PORT=" in result.stdout
    free = subprocess.run([sys.executable, str(REPO / "scripts/check-port"), str(port)], check=False)
    assert free.returncode == 0
