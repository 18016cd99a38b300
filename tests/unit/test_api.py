"""The REST API: every verb, every refusal, and the schema."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone
from rest_framework.test import APIClient

from sessionroom_xblock.models import TutoringSession
from tests.factories import COURSE, OTHER_COURSE, make_session, make_user

API = "/sessionroom/api/v1/sessions"
STATUS = TutoringSession.Status


def client_for(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_login(user)
    return client


def iso(moment) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def later(hours=24):
    return (timezone.now() + timedelta(hours=hours)).replace(second=0, microsecond=0)


def new_session(**changes) -> dict:
    start = later()
    body = {
        "course_id": str(COURSE),
        "learner": "learner",
        "tutor": "tutor@example.org",
        "scheduled_start": iso(start),
        "scheduled_end": iso(start + timedelta(minutes=45)),
    }
    body.update(changes)
    return body


@pytest.fixture
def api(staff):
    return client_for(staff)


# Create -----------------------------------------------------------------------------------------


def test_staff_create_a_session(api, learner, tutor):
    response = api.post(API, new_session(recording_enabled=True), format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["learner"], body["tutor"], body["status"], body["course_id"]) == (
        "learner",
        "tutor",
        "scheduled",
        str(COURSE),
    )
    assert body["url"].endswith(f"/sessionroom/session/{body['id']}/")
    session = TutoringSession.objects.get(pk=body["id"])
    assert session.recording_enabled and session.scheduled_end - session.scheduled_start == timedelta(minutes=45)


def test_a_service_user_named_in_settings_may_write(learner, tutor, settings):
    booking = make_user("sbok")
    settings.SESSIONROOM = {**settings.SESSIONROOM, "API_SERVICE_USERS": ["sbok"]}
    assert client_for(booking).post(API, new_session(), format="json").status_code == 201


def test_members_of_the_service_group_may_write(learner, tutor, settings):
    booking = make_user("sbok")
    booking.groups.add(Group.objects.create(name="booking-systems"))
    settings.SESSIONROOM = {**settings.SESSIONROOM, "API_SERVICE_GROUP": "booking-systems"}
    assert client_for(booking).post(API, new_session(), format="json").status_code == 201


def test_anonymous_callers_are_refused(db):
    response = client_for().post(API, new_session(), format="json")
    assert response.status_code in (401, 403)
    assert client_for().get(API).status_code in (401, 403)


def test_participants_cannot_write(learner, tutor, session):
    response = client_for(learner).post(API, new_session(), format="json")
    assert response.status_code == 403
    assert "Only staff and booking-system accounts" in response.json()["detail"]
    assert client_for(tutor).post(f"{API}/{session.pk}/cancel").status_code == 403
    assert (
        client_for(tutor).patch(f"{API}/{session.pk}", {"scheduled_start": iso(later(48))}, format="json").status_code
        == 403
    )
    assert client_for(learner).delete(f"{API}/{session.pk}").status_code == 403
    session.refresh_from_db()
    assert session.status == STATUS.SCHEDULED


@pytest.mark.parametrize(
    "changes,field,message",
    [
        ({"scheduled_end": "START-5"}, "scheduled_end", "The end must be after the start."),
        ({"scheduled_start": "PAST", "scheduled_end": "PAST+30"}, "scheduled_start", "The start is in the past."),
        ({"scheduled_end": "START+300"}, "scheduled_end", "A session lasts from 15 to 240 minutes."),
        ({"scheduled_start": "2030-01-01T10:00:00"}, "scheduled_start", "Include a UTC offset"),
        ({"scheduled_start": "next tuesday"}, "scheduled_start", "Datetime has wrong format"),
        ({"learner": "ghost"}, "learner", "No user matches “ghost”."),
        ({"tutor": "nobody@example.org"}, "tutor", "No user matches “nobody@example.org”."),
        ({"tutor": "learner"}, "tutor", "must be two different people"),
        ({"course_id": "not a course"}, "course_id", "is not a valid id"),
        ({"course_id": None}, "course_id", "This field may not be null."),
    ],
)
def test_bad_bookings_are_400_with_the_fields_message(api, learner, tutor, changes, field, message):
    start = later()
    offsets = {"START-5": start - timedelta(minutes=5), "START+300": start + timedelta(minutes=300)}
    past = timezone.now() - timedelta(hours=1)
    offsets.update({"PAST": past, "PAST+30": past + timedelta(minutes=30)})
    body = new_session(scheduled_start=iso(start))
    body.update({key: iso(offsets[value]) if value in offsets else value for key, value in changes.items()})
    response = api.post(API, body, format="json")
    assert response.status_code == 400, response.json()
    assert message in response.json()[field][0]
    assert not TutoringSession.objects.exists()


def test_missing_fields_are_named(api):
    response = api.post(API, {}, format="json")
    assert response.status_code == 400
    assert set(response.json()) >= {"course_id", "learner", "tutor", "scheduled_start", "scheduled_end"}


def test_double_booking_is_a_409_naming_the_conflict(api, session, learner):
    other = make_user("bo")
    body = new_session(
        learner="bo",
        tutor="tutor",
        scheduled_start=iso(session.scheduled_start + timedelta(minutes=10)),
        scheduled_end=iso(session.scheduled_end + timedelta(minutes=10)),
    )
    response = api.post(API, body, format="json")
    assert response.status_code == 409
    answer = response.json()
    assert answer["error"] == "conflict" and answer["conflict"] == str(session.pk)
    assert answer["detail"].startswith("Tomás Okafor already has a session from")
    assert not TutoringSession.objects.filter(learner=other).exists()


# Read -------------------------------------------------------------------------------------------


def test_retrieve_for_staff_and_for_each_participant(api, session, learner, tutor):
    for client in (api, client_for(learner), client_for(tutor)):
        response = client.get(f"{API}/{session.pk}")
        assert response.status_code == 200 and response.json()["id"] == str(session.pk)


def test_a_participant_cannot_read_someone_elses_session(session, stranger, learner):
    others = make_session(make_user("bo"), make_user("cy"), start=later())
    assert client_for(stranger).get(f"{API}/{session.pk}").status_code == 404
    assert client_for(learner).get(f"{API}/{others.pk}").status_code == 404
    assert client_for(learner).get(API).json()["count"] == 1


def test_unknown_and_malformed_ids_are_404(api, db):
    assert api.get(f"{API}/00000000-0000-0000-0000-000000000000").status_code == 404
    assert api.get(f"{API}/not-a-uuid").status_code == 404


def test_list_filters(api, learner, tutor):
    bo = make_user("bo")
    first = make_session(learner, tutor, start=later(2))
    second = make_session(bo, tutor, start=later(30), course_key=OTHER_COURSE)
    third = make_session(learner, tutor, start=later(60), status=STATUS.CANCELLED)

    def ids(**query):
        response = api.get(API, query)
        assert response.status_code == 200, response.json()
        return [row["id"] for row in response.json()["results"]]

    assert ids() == [str(first.pk), str(second.pk), str(third.pk)]
    assert ids(course_id=str(OTHER_COURSE)) == [str(second.pk)]
    assert ids(username="bo") == [str(second.pk)]
    assert ids(learner="learner") == [str(first.pk), str(third.pk)]
    assert ids(tutor="tutor", status="scheduled") == [str(first.pk), str(second.pk)]
    assert ids(status="cancelled,completed") == [str(third.pk)]
    assert ids(start_after=iso(later(10)), start_before=iso(later(40))) == [str(second.pk)]


@pytest.mark.parametrize(
    "query,field",
    [
        ({"course_id": "nope"}, "course_id"),
        ({"status": "maybe"}, "status"),
        ({"start_after": "2030-01-01T10:00"}, "start_after"),
    ],
)
def test_bad_filters_are_400(api, db, query, field):
    response = api.get(API, query)
    assert response.status_code == 400 and field in response.json()


def test_list_queries_do_not_grow_with_the_page(api, learner, tutor, django_assert_max_num_queries):
    for hours in range(2, 42):
        make_session(learner, tutor, start=later(hours))
    with django_assert_max_num_queries(6):
        response = api.get(API, {"page_size": 40})
    assert response.status_code == 200 and len(response.json()["results"]) == 40


# Reschedule and cancel --------------------------------------------------------------------------


def test_reschedule_with_patch(api, session):
    start = later(72)
    response = api.patch(f"{API}/{session.pk}", {"scheduled_start": iso(start)}, format="json")
    assert response.status_code == 200, response.json()
    session.refresh_from_db()
    assert session.scheduled_start == start and session.scheduled_end == start + timedelta(minutes=30)
    response = api.patch(f"{API}/{session.pk}/", {"scheduled_end": iso(start + timedelta(minutes=60))}, format="json")
    assert response.status_code == 200 and response.json()["scheduled_end"].startswith(
        iso(start + timedelta(hours=1))[:16]
    )


@pytest.mark.parametrize(
    "body,field",
    [
        ({}, "scheduled_start"),
        ({"tutor": "stranger"}, "tutor"),
        ({"scheduled_start": "PAST"}, "scheduled_start"),
        ({"scheduled_end": "BEFORE"}, "scheduled_end"),
    ],
)
def test_bad_reschedules_are_400(api, session, body, field):
    values = {"PAST": iso(timezone.now() - timedelta(hours=2)), "BEFORE": iso(session.scheduled_start)}
    response = api.patch(
        f"{API}/{session.pk}", {key: values.get(value, value) for key, value in body.items()}, format="json"
    )
    assert response.status_code == 400 and field in response.json(), response.json()


def test_rescheduling_into_a_clash_is_409(api, session, learner, tutor):
    later_one = make_session(learner, tutor, start=later(5))
    response = api.patch(
        f"{API}/{later_one.pk}",
        {"scheduled_start": iso(session.scheduled_start), "scheduled_end": iso(session.scheduled_end)},
        format="json",
    )
    assert response.status_code == 409 and response.json()["conflict"] == str(session.pk)


def test_cancel_with_post_and_delete(api, session, learner, tutor):
    response = api.post(f"{API}/{session.pk}/cancel")
    assert response.status_code == 200 and response.json()["status"] == "cancelled"
    assert api.post(f"{API}/{session.pk}/cancel").status_code == 200
    other = make_session(learner, tutor, start=later(5))
    response = api.delete(f"{API}/{other.pk}")
    assert response.status_code == 200 and response.json()["status"] == "cancelled"
    assert TutoringSession.objects.filter(status=STATUS.CANCELLED).count() == 2


def test_a_started_session_cannot_be_cancelled_or_moved(api, session):
    TutoringSession.objects.filter(pk=session.pk).update(status=STATUS.IN_PROGRESS)
    assert api.post(f"{API}/{session.pk}/cancel").status_code == 409
    assert api.patch(f"{API}/{session.pk}", {"scheduled_start": iso(later(5))}, format="json").status_code == 409


def test_put_is_not_offered(api, session):
    assert api.put(f"{API}/{session.pk}", new_session(), format="json").status_code == 405


# Schema -----------------------------------------------------------------------------------------


def test_openapi_schema_describes_every_operation(client, db):
    response = client.get("/sessionroom/api/v1/schema/")
    assert response.status_code == 200
    schema = response.json()
    paths = schema["paths"]
    assert set(paths["/sessionroom/api/v1/sessions/"]) == {"get", "post"}
    assert set(paths["/sessionroom/api/v1/sessions/{id}/"]) == {"get", "patch", "delete"}
    assert set(paths["/sessionroom/api/v1/sessions/{id}/cancel/"]) == {"post"}
    names = {param["name"] for param in paths["/sessionroom/api/v1/sessions/"]["get"]["parameters"]}
    assert {"course_id", "username", "status", "start_after", "start_before"} <= names
    assert set(schema["components"]["schemas"]["Reschedule"]["properties"]) == {"scheduled_start", "scheduled_end"}


def test_schema_in_yaml(client, db):
    response = client.get("/sessionroom/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi")
    assert response.status_code == 200 and response.content.startswith(b"openapi:")
