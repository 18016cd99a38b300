"""The live room's actions: signaling, chat, notes, links: who may call them, their bounds and cursors."""

from __future__ import annotations

import time
import uuid
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.test import override_settings
from django.utils import timezone

from sessionroom_xblock.actions import dispatch, live
from sessionroom_xblock.actions.live import RATE_LIMITS, SIGNAL_MAX_BYTES
from sessionroom_xblock.analytics import tracker_analytics
from sessionroom_xblock.models import TutoringSession
from sessionroom_xblock.providers.base import RoomInfo
from sessionroom_xblock.providers.bbb import BigBlueButtonProvider
from sessionroom_xblock.screens import presenters
from sessionroom_xblock.sessions import mailbox, rooms
from sessionroom_xblock.sessions.rooms import RoomLinks
from tests.factories import call_handler, make_block, make_session

FALLBACK_SETTINGS = {
    "DEFAULT_PROVIDER": "p2p",
    "PROVIDERS": {
        "p2p": {"ICE_SERVERS": [], "FALLBACK": "bbb", "CONNECT_TIMEOUT_SECONDS": 7},
        "bbb": {"URL": "https://bbb.example.org/bigbluebutton/", "SECRET": "s" * 40, "CHECKSUM": "sha256"},
    },
}


@pytest.fixture(autouse=True)
def fresh_cache():
    """Rate-limit windows live in the cache; each test starts with none."""
    cache.clear()


def act(user, session, name, payload=None, *, now=None, staff=False):
    """Run action ``name`` as ``user`` (None: anonymous) the way both doors do; (status, body)."""
    ctx = dispatch.ActionContext(
        viewer=rooms.Viewer(user_id=user.pk if user else None, is_course_staff=staff),
        now=now or timezone.now(),
        settings=presenters.RoomSettings(),
        analytics=tracker_analytics(),
        links_for=lambda _session: RoomLinks(logout_url="https://lms.example.org/left"),
        gettext=lambda text: text,
    )
    return dispatch.dispatch(name, ctx, {"session": str(session.pk), **(payload or {})})


def offer(sdp="v=0"):
    return {"kind": "offer", "data": {"type": "offer", "sdp": sdp}}


def queued(session, recipient):
    """How many signaling messages wait unread for ``recipient`` in the cache mailbox."""
    return cache.get(f"sessionroom:sig:{session.pk}:{recipient.pk}:count") or 0


# Signaling --------------------------------------------------------------------------------------------


def test_signals_reach_only_the_other_participant_in_order(session, learner, tutor):
    for payload in (offer(), {"kind": "candidate", "data": {"candidate": "c1"}}):
        assert act(learner, session, "signal_send", payload)[0] == 200
    status, body = act(tutor, session, "signal_poll", {"cursor": 0})
    assert status == 200
    assert [m["kind"] for m in body["messages"]] == ["offer", "candidate"]
    assert body["messages"][0]["data"] == {"type": "offer", "sdp": "v=0"}
    assert body["cursor"] == body["messages"][-1]["id"]
    # The sender never reads its own messages back.
    assert act(learner, session, "signal_poll", {"cursor": 0})[1]["messages"] == []


def test_signal_batches_keep_their_order_and_count_against_the_rate(session, learner, tutor):
    now = timezone.now()
    batch = [offer()] + [{"kind": "candidate", "data": {"candidate": f"c{index}"}} for index in range(14)]
    status, body = act(learner, session, "signal_send", {"messages": batch}, now=now)
    assert status == 200 and body == {"sent": 15}
    received = act(tutor, session, "signal_poll", {"cursor": 0})[1]["messages"]
    assert [m["kind"] for m in received] == ["offer"] + ["candidate"] * 14
    assert [m["data"] for m in received[1:]] == [{"candidate": f"c{index}"} for index in range(14)]
    status, _ = act(learner, session, "signal_send", {"messages": batch[:6]}, now=now)
    assert status == 429


@pytest.mark.parametrize(
    "messages,field",
    [
        ([], "messages"),
        ([offer()] * 21, "messages"),
        ("offer", "messages"),
        ([offer(), {"kind": "shout"}], "kind"),
        ([offer(), "candidate"], "kind"),
    ],
)
def test_a_bad_batch_stores_nothing(session, learner, messages, field):
    status, body = act(learner, session, "signal_send", {"messages": messages})
    assert status == 400 and body["field"] == field
    assert queued(session, session.tutor) == 0


def test_signal_poll_after_cursor_prunes_what_was_read(session, learner, tutor):
    act(learner, session, "signal_send", offer())
    first = act(tutor, session, "signal_poll", {"cursor": 0})[1]
    act(learner, session, "signal_send", {"kind": "candidate", "data": {"candidate": "c2"}})
    second = act(tutor, session, "signal_poll", {"cursor": first["cursor"]})[1]
    assert [m["kind"] for m in second["messages"]] == ["candidate"]
    # The offer was acknowledged by the second poll's cursor, so it is gone; the candidate is not, yet.
    assert queued(session, tutor) == 1
    act(tutor, session, "signal_poll", {"cursor": second["cursor"]})
    assert queued(session, tutor) == 0


def test_unread_signals_expire(session, learner, tutor, monkeypatch):
    monkeypatch.setattr(mailbox, "TTL", 1)
    act(learner, session, "signal_send", offer("stale"))
    time.sleep(1.2)
    act(learner, session, "signal_send", offer("new"))
    assert [m["data"]["sdp"] for m in act(tutor, session, "signal_poll", {"cursor": 0})[1]["messages"]] == ["new"]


def test_a_poll_touches_no_table_but_the_session(session, learner, tutor, django_assert_num_queries):
    act(learner, session, "signal_send", offer())
    cursor = act(tutor, session, "signal_poll", {"cursor": 0})[1]["cursor"]
    with django_assert_num_queries(1):  # the session (access); the mailbox is in the cache
        assert act(tutor, session, "signal_poll", {"cursor": cursor})[1]["messages"] == []


def test_hello_starts_the_call_over(session, learner, tutor):
    act(learner, session, "signal_send", offer("old"))
    act(tutor, session, "signal_send", offer("tutor-old"))
    act(tutor, session, "signal_send", {"kind": "hello", "data": None})
    assert act(tutor, session, "signal_poll", {"cursor": 0})[1]["messages"] == []
    assert [m["kind"] for m in act(learner, session, "signal_poll", {"cursor": 0})[1]["messages"]] == ["hello"]


def test_signal_poll_query_count(session, learner, tutor, django_assert_max_num_queries):
    for index in range(5):
        act(learner, session, "signal_send", {"kind": "candidate", "data": {"candidate": f"c{index}"}})
    with django_assert_max_num_queries(1):
        status, body = act(tutor, session, "signal_poll", {"cursor": 0})
    assert status == 200 and len(body["messages"]) == 5


@pytest.mark.parametrize(
    "payload,field",
    [
        ({"kind": "shout", "data": {}}, "kind"),
        ({"kind": "offer", "data": {"sdp": "x" * SIGNAL_MAX_BYTES}}, "data"),
    ],
)
def test_signal_send_bounds(session, learner, payload, field):
    status, body = act(learner, session, "signal_send", payload)
    assert status == 400 and body["field"] == field
    assert queued(session, session.tutor) == 0


@pytest.mark.parametrize("cursor", [-1, "3", True, None])
def test_cursor_must_be_a_message_id(session, tutor, cursor):
    status, body = act(tutor, session, "signal_poll", {"cursor": cursor})
    assert status == 400 and body["field"] == "cursor"


def test_signal_rate_limit(session, learner, tutor):
    now = timezone.now()
    for index in range(RATE_LIMITS["signal"]):
        assert act(learner, session, "signal_send", {"kind": "candidate", "data": index}, now=now)[0] == 200
    status, body = act(learner, session, "signal_send", {"kind": "candidate", "data": "x"}, now=now)
    assert status == 429 and body["error"] == "rate_limited" and body["retry_after"] == 1
    # The limit is per sender and per second.
    assert act(tutor, session, "signal_send", offer(), now=now)[0] == 200
    assert act(learner, session, "signal_send", offer(), now=now + timedelta(seconds=1))[0] == 200


@pytest.mark.parametrize("name", ["signal_send", "signal_poll", "chat_send", "notes_save", "link_add", "fallback"])
def test_writes_refuse_strangers_staff_and_anonymous(session, stranger, staff, name):
    assert act(stranger, session, name, offer())[0] == 403
    assert act(staff, session, name, offer(), staff=True)[0] == 403
    assert act(None, session, name, offer())[0] == 403


@pytest.mark.parametrize("name", ["chat_poll", "notes_get", "links_get"])
def test_reads_are_for_participants_and_staff(session, learner, stranger, staff, name):
    assert act(learner, session, name)[0] == 200
    assert act(staff, session, name, staff=True)[0] == 200
    assert act(stranger, session, name)[0] == 403


def test_closed_session_refuses_signaling_and_chat(session, learner):
    TutoringSession.objects.filter(pk=session.pk).update(status=TutoringSession.Status.COMPLETED)
    assert act(learner, session, "signal_send", offer())[1]["error"] == "ended"
    assert act(learner, session, "chat_send", {"text": "hi"})[1]["error"] == "ended"
    # What was said stays readable afterwards.
    assert act(learner, session, "chat_poll")[0] == 200


# Chat -------------------------------------------------------------------------------------------------


def test_chat_both_ways_with_cursor(session, learner, tutor):
    act(learner, session, "chat_send", {"text": "  Hello!  "})
    act(tutor, session, "chat_send", {"text": "Hi Ana"})
    status, body = act(learner, session, "chat_poll", {"cursor": 0})
    assert status == 200
    assert [(m["text"], m["mine"], m["sender"]) for m in body["messages"]] == [
        ("Hello!", True, "Ana García"),
        ("Hi Ana", False, "Tomás Okafor"),
    ]
    assert act(tutor, session, "chat_poll", {"cursor": body["cursor"]})[1]["messages"] == []


@pytest.mark.parametrize("text", ["", "   ", "x" * 2001, 42])
def test_chat_bounds(session, learner, text):
    status, body = act(learner, session, "chat_send", {"text": text})
    assert status == 400 and body["field"] == "text"


def test_chat_accepts_2000_characters_and_rate_limits(session, learner):
    now = timezone.now()
    assert act(learner, session, "chat_send", {"text": "x" * 2000}, now=now)[0] == 200
    for _ in range(RATE_LIMITS["chat"] - 1):
        act(learner, session, "chat_send", {"text": "again"}, now=now)
    assert act(learner, session, "chat_send", {"text": "one too many"}, now=now)[0] == 429


def test_chat_poll_query_count(session, learner, tutor, django_assert_max_num_queries):
    act(learner, session, "chat_send", {"text": "one"})
    act(tutor, session, "chat_send", {"text": "two"})
    with django_assert_max_num_queries(3):
        assert len(act(learner, session, "chat_poll")[1]["messages"]) == 2


# Notes ------------------------------------------------------------------------------------------------


def test_notes_versioned_save_and_conflict(session, learner, tutor):
    assert act(learner, session, "notes_get")[1] == {"text": "", "version": 0}
    status, body = act(tutor, session, "notes_save", {"text": "Factor first.", "version": 0})
    assert status == 200 and body == {"text": "Factor first.", "version": 1}
    # The learner edited from version 0 and has not seen version 1: refused, with the current text.
    status, body = act(learner, session, "notes_save", {"text": "Mine", "version": 0})
    assert status == 409 and body["error"] == "conflict"
    assert body["text"] == "Factor first." and body["version"] == 1
    assert act(learner, session, "notes_save", {"text": "Factor first. Then x=2.", "version": 1})[1]["version"] == 2
    assert act(tutor, session, "chat_poll")[1]["notes_version"] == 2
    assert act(tutor, session, "notes_get")[1]["text"] == "Factor first. Then x=2."


@pytest.mark.parametrize(
    "payload,field",
    [
        ({"text": "x" * 20_001, "version": 0}, "text"),
        ({"text": "ok"}, "version"),
        ({"text": "ok", "version": -1}, "version"),
    ],
)
def test_notes_bounds(session, tutor, payload, field):
    status, body = act(tutor, session, "notes_save", payload)
    assert status == 400 and body["field"] == field


# Links ------------------------------------------------------------------------------------------------


def test_tutor_adds_links_learner_reads_them(session, learner, tutor):
    status, body = act(tutor, session, "link_add", {"title": "Worksheet", "url": "https://example.org/w.pdf"})
    assert status == 200 and body["title"] == "Worksheet"
    assert act(learner, session, "links_get")[1]["links"] == [
        {"id": body["id"], "title": "Worksheet", "url": "https://example.org/w.pdf"}
    ]
    assert act(learner, session, "chat_poll")[1]["links"] == 1


def test_learner_cannot_add_links(session, learner):
    status, body = act(learner, session, "link_add", {"title": "Mine", "url": "https://example.org/"})
    assert status == 403 and body["error"] == "tutor_only"


@pytest.mark.parametrize(
    "payload,field",
    [
        ({"title": "", "url": "https://example.org/"}, "title"),
        ({"title": "JS", "url": "javascript:alert(1)"}, "url"),
        ({"title": "No host", "url": "https:///path"}, "url"),
        ({"title": "Relative", "url": "/courses/"}, "url"),
        ({"title": "Long", "url": "https://example.org/" + "a" * 1000}, "url"),
    ],
)
def test_link_validation(session, tutor, payload, field):
    status, body = act(tutor, session, "link_add", payload)
    assert status == 400 and body["field"] == field


# Fallback ---------------------------------------------------------------------------------------------


def test_p2p_ticket_carries_timeout_and_fallback(session, learner, tutor):
    with override_settings(SESSIONROOM=FALLBACK_SETTINGS):
        learner_ticket = act(learner, session, "join")[1]["ticket"]
        tutor_ticket = act(tutor, session, "join")[1]["ticket"]
    assert learner_ticket["kind"] == "p2p"
    assert learner_ticket["config"]["fallback"] == "bbb" and learner_ticket["config"]["connectTimeoutSeconds"] == 7
    assert learner_ticket["config"]["polite"] is True and tutor_ticket["config"]["polite"] is False


def test_fallback_without_one_configured_is_unable_to_connect(session, learner):
    act(learner, session, "join")
    status, body = act(learner, session, "fallback")
    assert status == 409 and body["message"] == "Unable to connect."


def test_fallback_moves_both_into_the_media_server_room(session, learner, tutor, monkeypatch):
    monkeypatch.setattr(
        BigBlueButtonProvider, "ensure_room", lambda self, spec: RoomInfo(spec.room_id, "1700000000000")
    )
    with override_settings(SESSIONROOM=FALLBACK_SETTINGS):
        act(learner, session, "join")
        act(tutor, session, "join")
        status, body = act(learner, session, "fallback")
        assert status == 200 and body["ticket"]["kind"] == "iframe"
        session.refresh_from_db()
        assert session.provider == "bbb"
        # The tutor follows into the same room; a later rejoin lands there too.
        assert act(tutor, session, "fallback")[1]["ticket"]["kind"] == "iframe"
        assert act(tutor, session, "join")[1]["ticket"]["kind"] == "iframe"


def test_actions_work_through_the_xblock_handler(session):
    status, _ = call_handler(make_block("learner"), "chat_send", {"session": str(session.pk), "text": "via block"})
    assert status == 200
    status, body = call_handler(make_block("tutor"), "chat_poll", {"session": str(session.pk), "cursor": 0})
    assert status == 200 and body["messages"][0]["text"] == "via block"


# Caps and the window (issue 10 item 3) ----------------------------------------------------------------


def candidate(size):
    return {"kind": "candidate", "data": "x" * size}


def test_unread_signaling_is_capped_per_sender_and_reading_frees_it(session, learner, tutor, monkeypatch):
    monkeypatch.setattr(mailbox, "MAX_QUEUED_BYTES", 10_000)
    now = timezone.now()
    for second in range(3):
        status, _ = act(learner, session, "signal_send", candidate(3_000), now=now + timedelta(seconds=second))
        assert status == 200
    status, body = act(learner, session, "signal_send", candidate(3_000), now=now + timedelta(seconds=3))
    assert status == 429 and body["error"] == "signaling_full" and body["retry_after"] == 2
    # The other direction has its own allowance.
    assert act(tutor, session, "signal_send", candidate(3_000), now=now)[0] == 200
    cursor = act(tutor, session, "signal_poll", {"cursor": 0})[1]["cursor"]
    act(tutor, session, "signal_poll", {"cursor": cursor})  # acknowledges all three
    assert act(learner, session, "signal_send", candidate(3_000), now=now + timedelta(seconds=4))[0] == 200


def test_unread_signaling_is_capped_in_messages(session, learner, monkeypatch):
    monkeypatch.setattr(mailbox, "MAX_QUEUED_MESSAGES", 30)
    now = timezone.now()
    batch = {"messages": [candidate(10)] * 20}
    assert act(learner, session, "signal_send", batch, now=now)[0] == 200
    assert act(learner, session, "signal_send", batch, now=now + timedelta(seconds=1))[0] == 429
    assert queued(session, session.tutor) == 20


def test_signaling_has_a_total_per_session(session, learner, tutor, monkeypatch):
    monkeypatch.setattr(mailbox, "MAX_SESSION_BYTES", 20_000)
    now = timezone.now()
    for second in range(3):
        act(learner, session, "signal_send", candidate(6_000), now=now + timedelta(seconds=second))
        cursor = act(tutor, session, "signal_poll", {"cursor": 0})[1]["cursor"]
        act(tutor, session, "signal_poll", {"cursor": cursor})
    status, body = act(tutor, session, "signal_send", candidate(6_000), now=now + timedelta(seconds=4))
    assert status == 413 and body["error"] == "signaling_exhausted"


def test_signaling_and_chat_open_only_around_the_session(learner, tutor):
    now = timezone.now()
    early = make_session(learner, tutor, start=now + timedelta(days=14))
    for name, payload in (("signal_send", offer()), ("chat_send", {"text": "hi"})):
        status, body = act(learner, early, name, payload)
        assert status == 409 and body["error"] == "early" and body["message"] == "This session is not open yet."
    over = make_session(learner, tutor, start=now - timedelta(minutes=41))  # ended 11 minutes ago, grace 10
    for name, payload in (("signal_send", offer()), ("chat_send", {"text": "hi"})):
        status, body = act(learner, over, name, payload)
        assert status == 409 and body["message"] == "This session has ended."
    # A session still in progress after its grace keeps its chat until the sweep closes it.
    TutoringSession.objects.filter(pk=over.pk).update(status=TutoringSession.Status.IN_PROGRESS)
    over.refresh_from_db()
    assert act(learner, over, "chat_send", {"text": "one more thing"})[0] == 200


def test_the_window_follows_the_authors_numbers(learner, tutor):
    session = make_session(learner, tutor, start=timezone.now() + timedelta(minutes=5), join_window_minutes=0)
    assert act(learner, session, "chat_send", {"text": "hi"})[1]["error"] == "early"


def test_chat_has_a_total_per_session(session, learner, tutor, monkeypatch):
    monkeypatch.setattr(live, "CHAT_PER_SESSION", 2)
    now = timezone.now()
    assert act(learner, session, "chat_send", {"text": "one"}, now=now)[0] == 200
    assert act(tutor, session, "chat_send", {"text": "two"}, now=now)[0] == 200
    status, body = act(learner, session, "chat_send", {"text": "three"}, now=now + timedelta(seconds=1))
    assert status == 409 and body["error"] == "chat_full"
    batch = {"messages": [{"client_id": str(uuid.uuid4()), "text": "four"}]}
    assert act(learner, session, "chat_send", batch, now=now + timedelta(seconds=2))[1]["error"] == "chat_full"


# Batched chat (the data channel's persistence writes) ------------------------------------------------


def test_a_chat_batch_is_stored_exactly_once(session, learner, tutor):
    lines = [{"client_id": str(uuid.uuid4()), "text": f"line {index}"} for index in range(3)]
    now = timezone.now()
    status, body = act(learner, session, "chat_send", {"messages": lines}, now=now)
    assert status == 200 and body["stored"] == [line["client_id"] for line in lines]
    # The answer was lost; the browser sends the batch again, with one more line.
    extra = {"client_id": str(uuid.uuid4()), "text": "line 3"}
    status, again = act(learner, session, "chat_send", {"messages": [*lines, extra]}, now=now + timedelta(seconds=1))
    assert status == 200 and again["stored"] == [line["client_id"] for line in [*lines, extra]]
    received = act(tutor, session, "chat_poll", {"cursor": 0})[1]
    assert [m["text"] for m in received["messages"]] == ["line 0", "line 1", "line 2", "line 3"]
    assert again["cursor"] == received["cursor"]
    assert [m["mine"] for m in act(learner, session, "chat_poll")[1]["messages"]] == [True] * 4


@pytest.mark.parametrize(
    "messages,field",
    [
        ([], "messages"),
        ([{"client_id": str(uuid.uuid4()), "text": "x"}] * 51, "messages"),
        ([{"client_id": "not-a-uuid", "text": "x"}], "client_id"),
        ([{"text": "no id"}], "client_id"),
        ([{"client_id": str(uuid.uuid4()), "text": ""}], "text"),
        (["just text"], "client_id"),
    ],
)
def test_bad_chat_batches_store_nothing(session, learner, messages, field):
    status, body = act(learner, session, "chat_send", {"messages": messages})
    assert status == 400 and body["field"] == field
    assert act(learner, session, "chat_poll")[1]["messages"] == []
