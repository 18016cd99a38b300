"""Property: whatever JSON (or bytes) anyone sends, no door answers 5xx (issue 10 item 5).

Every room action through both doors (the XBlock handler and the direct page's action URLs), every staff
action, every verb of the REST API, and correctly signed provider callbacks whose content is arbitrary.
The bodies mix arbitrary JSON with the values that broke things before: numbers past every range, dates at
the calendar's ends, non-names where names belong, NaN and Infinity (Python's JSON reader accepts them),
lone surrogates, markup. Each example starts from the same joinable session, so actions that end or cancel
it do not hide the others.

Bounded for CI (``SESSIONROOM_FUZZ_EXAMPLES`` examples per action and door, default 20; no deadline);
raise it locally to search harder.
"""

from __future__ import annotations

import json
import os
import time
from urllib.parse import urlencode

import jwt
import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rest_framework.test import APIClient

from sessionroom_xblock.actions import dispatch, staff
from sessionroom_xblock.models import Attendance, TutoringSession
from sessionroom_xblock.providers.plugnmeet import EVENT_KINDS, body_sha256_claim
from sessionroom_xblock.signing import callback_token
from tests.factories import call_handler, make_block
from tests.fakes_fixtures import BBB_SECRET
from tests.plugnmeet_fixtures import API_KEY, API_SECRET, provider_config

pytestmark = pytest.mark.django_db
EXAMPLES = int(os.environ.get("SESSIONROOM_FUZZ_EXAMPLES", "20"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)
API = "/sessionroom/api/v1/sessions"

#: Values that broke a door before, or sit on a boundary.
NASTY = st.sampled_from(
    [
        10**12,
        -(10**12),
        2**63,
        2**64 + 1,
        10**400,
        1e308,
        -1e308,
        float("inf"),
        float("nan"),
        -1,
        0,
        1,
        "",
        " ",
        "9999-12-31",
        "0001-01-01",
        "23:59",
        "24:00",
        "9999-12-31T23:59:59Z",
        "0001-01-01T00:00:00+14:00",
        "2026-13-45T99:99:99Z",
        "UTC",
        "Pacific/Kiritimati",
        "../../etc/passwd",
        "Europe/Madrid\x00",
        "\ud800",
        "\x00",
        "<script>alert(1)</script>",
        "javascript:alert(1)",
        "https://example.org/",
        "hello",
        "offer",
        "candidate",
        "reschedule",
        "next_session",
        "learner",
        "tutor",
        "tutor@example.org",
        "course-v1:SessionRoom+Algebra101+2026",
        "x" * 5000,
    ]
)
#: Text with lone surrogates among other characters (JSON can escape them; no database stores them).
BROKEN_TEXT = st.text(st.characters(categories=["Cs", "Ll", "Zs"]), min_size=1, max_size=6)
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=20),
    BROKEN_TEXT,
    NASTY,
)
JSON = st.recursive(
    SCALARS,
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3),
    max_leaves=8,
)
#: The names the actions, the staff forms and the API read.
KEYS = [
    "session",
    "text",
    "version",
    "cursor",
    "kind",
    "rating",
    "comment",
    "title",
    "url",
    "messages",
    "data",
    "closing",
    "error_type",
    "time_zone",
    "date",
    "time",
    "duration",
    "learner",
    "tutor",
    "course_id",
    "usage_id",
    "scheduled_start",
    "scheduled_end",
    "recording_enabled",
    "status",
]
OBJECTS = st.dictionaries(st.sampled_from(KEYS), JSON, max_size=7)
BODIES = st.one_of(OBJECTS, OBJECTS, JSON, st.binary(max_size=40))


def encode(body) -> bytes:
    """The request body as a client would send it (Python writes NaN and Infinity as JSON extensions)."""
    return body if isinstance(body, bytes) else json.dumps(body).encode()


@pytest.fixture
def world(session, staff, settings):
    """The joinable session, plugNmeet and BBB configured, and a way back to the session as it was."""
    settings.SESSIONROOM = {
        **settings.SESSIONROOM,
        "LMS_ROOT_URL": "http://testserver",
        "PROVIDERS": {
            **settings.SESSIONROOM["PROVIDERS"],
            "plugnmeet": provider_config("http://127.0.0.1:9"),
            "bbb": {"URL": "http://127.0.0.1:9/bigbluebutton/", "SECRET": BBB_SECRET},
        },
    }
    fields = {name: getattr(session, name) for name in ("status", "scheduled_start", "scheduled_end", "provider")}

    def reset():
        TutoringSession.objects.filter(pk=session.pk).update(
            started_at=None, ended_at=None, notes="", notes_version=0, **fields
        )
        Attendance.objects.filter(session=session).delete()
        cache.clear()

    return session, reset


def signed_in(username) -> Client:
    client = Client()
    client.get("/", {"student": username})
    return client


def assert_no_server_error(status: int, what) -> None:
    assert status < 500, what


# Room actions, both doors -------------------------------------------------------------------------------


@pytest.mark.parametrize("action", sorted(dispatch.ACTIONS))
def test_no_room_action_answers_5xx_through_the_block(world, action):
    session, reset = world
    blocks = {name: make_block(name) for name in ("learner", "tutor", "staff")}

    @FUZZ
    @given(who=st.sampled_from(sorted(blocks)), body=BODIES, aim=st.sampled_from(["session", "keep"]))
    def check(who, body, aim):
        reset()
        if isinstance(body, dict) and aim == "session":
            body = {**body, "session": str(session.pk)}
        status, _answer = call_handler(blocks[who], action, encode(body))
        assert_no_server_error(status, (who, action, body))

    check()


@pytest.mark.parametrize("action", sorted(dispatch.ACTIONS))
def test_no_room_action_answers_5xx_through_the_direct_page(world, action):
    session, reset = world
    clients = {name: signed_in(name) for name in ("learner", "tutor", "staff")}
    url = reverse("sessionroom:session-action", args=[session.pk, action])

    @FUZZ
    @given(who=st.sampled_from(sorted(clients)), body=BODIES)
    def check(who, body):
        reset()
        response = clients[who].post(url, encode(body), content_type="application/json")
        assert_no_server_error(response.status_code, (who, action, body, response.content[:300]))

    check()


@pytest.mark.parametrize("action", sorted(staff.STAFF_ACTIONS))
def test_no_staff_action_answers_5xx(world, action):
    session, reset = world
    block = make_block("staff")

    @FUZZ
    @given(body=BODIES, aim=st.sampled_from(["session", "keep"]))
    def check(body, aim):
        reset()
        if isinstance(body, dict) and aim == "session":
            body = {**body, "session": str(session.pk)}
        status, _answer = call_handler(block, action, encode(body), handler="staff")
        assert_no_server_error(status, (action, body))

    check()


# The REST API, every verb ----------------------------------------------------------------------------


def url_text(text: str) -> str:
    """What a URL can carry: no NUL, no lone surrogate (a browser cannot send them in a query string)."""
    return text.replace("\x00", "").encode("utf-8", "replace").decode("utf-8")


QUERY = st.dictionaries(
    st.sampled_from(["course_id", "username", "learner", "tutor", "status", "start_after", "start_before", "page"]),
    st.one_of(st.text(max_size=30), NASTY.map(str)).map(url_text),
    max_size=4,
)


@pytest.mark.parametrize("verb", ["list", "create", "read", "patch", "cancel", "delete", "options"])
def test_no_api_verb_answers_5xx(world, staff, verb):
    session, reset = world
    api = APIClient()
    api.force_login(staff)
    one = f"{API}/{session.pk}"

    def send(body, query):
        data = encode(body)
        if verb == "list":
            return api.get(API, query)
        if verb == "create":
            return api.post(API, data, content_type="application/json")
        if verb == "read":
            return api.get(one)
        if verb == "patch":
            return api.patch(one, data, content_type="application/json")
        if verb == "cancel":
            return api.post(f"{one}/cancel", data, content_type="application/json")
        if verb == "delete":
            return api.delete(one, data, content_type="application/json")
        return api.options(one)

    @FUZZ
    @given(body=BODIES, query=QUERY)
    def check(body, query):
        reset()
        response = send(body, query)
        assert_no_server_error(response.status_code, (verb, body, query, response.content[:300]))

    check()


# Provider callbacks, correctly signed ----------------------------------------------------------------

PART = st.one_of(JSON, st.fixed_dictionaries({"identity": JSON, "user_id": JSON, "record_id": JSON, "room_id": JSON}))


@st.composite
def plugnmeet_bodies(draw, session_id):
    """A webhook body plugNmeet could have signed: known events, our room or not, anything inside."""
    room = draw(st.one_of(st.just({"room_id": f"sessionroom-{session_id}"}), PART))
    body = {"event": draw(st.one_of(st.sampled_from(sorted(EVENT_KINDS)), JSON)), "room": room}
    for name in ("participant", "recording_info", "created_at"):
        if draw(st.booleans()):
            body[name] = draw(PART)
    return draw(st.one_of(st.just(body), JSON))


def test_no_signed_plugnmeet_webhook_answers_5xx(world):
    session, reset = world
    client = Client()

    @FUZZ
    @given(body=plugnmeet_bodies(session.pk))
    def check(body):
        reset()
        raw = encode(body)
        now = int(time.time())
        claims = {"iss": API_KEY, "nbf": now, "exp": now + 300, "sha256": body_sha256_claim(raw)}
        token = jwt.encode(claims, API_SECRET, algorithm="HS256")
        response = client.post(
            "/sessionroom/webhooks/plugnmeet/", raw, content_type="application/json", headers={"Authorization": token}
        )
        assert_no_server_error(response.status_code, (body, response.content[:300]))

    check()


def test_no_bbb_callback_answers_5xx(world):
    session, reset = world
    client = Client()
    words = st.one_of(st.text(max_size=30), NASTY.map(str)).map(url_text)
    ours = st.just(f"sessionroom-{session.pk}")

    @FUZZ
    @given(
        meeting=st.one_of(ours, words),
        extra=st.dictionaries(words, words, max_size=3),
        claims=st.dictionaries(st.sampled_from(["meeting_id", "record_id", "exp"]), st.one_of(ours, JSON), max_size=3),
    )
    def check(meeting, extra, claims):
        reset()
        query = urlencode({**extra, "token": callback_token(str(session.pk)), "meetingID": meeting})
        response = client.get(f"/sessionroom/webhooks/bbb/end?{query}")
        assert_no_server_error(response.status_code, ("end", query, response.content[:300]))
        signed = jwt.encode({"meeting_id": meeting, **claims}, BBB_SECRET, algorithm="HS256")
        response = client.post(
            f"/sessionroom/webhooks/bbb/recording-ready?token={callback_token(str(session.pk))}",
            {"signed_parameters": signed},
        )
        assert_no_server_error(response.status_code, ("recording-ready", claims, response.content[:300]))

    check()
