"""Property: whatever the bookings, reschedules, cancellations and sweep times, every due reminder is sent
exactly once and nothing else is sent.

The oracle below restates the rules of ``reminders`` (brief §8, issue 4) independently: at a sweep time
``t`` the reminder due for a session is the kind whose moment (start − lead) came last, if that moment is
not before the booking or reschedule, not more than half the lead late, and ``t`` is before the start. A
cancellation sends a cancel notice, at the first sweep after it, to each participant who got a reminder,
if the session has not started.
"""

from __future__ import annotations

from datetime import timedelta

from django.core import mail
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sessionroom_xblock.background import reminders
from sessionroom_xblock.models import ReminderDelivery, TutoringSession
from tests.factories import make_session, make_user

LEADS = {"24h": 1440, "1h": 60, "15m": 15}  # minutes
HORIZON = 3200  # minutes


#: Lead times (booking to start) around the reminder boundaries, where off-by-one mistakes live.
LEAD = st.one_of(st.integers(1, 1600), st.sampled_from([14, 15, 16, 30, 59, 60, 61, 1439, 1440, 1441, 1500]))


@st.composite
def schedules(draw):
    """A session: booked at ``b`` for ``b + lead``; maybe rescheduled at ``r``; maybe cancelled at ``c``."""
    booked = draw(st.integers(0, HORIZON // 2))
    start = booked + draw(LEAD)
    story = {"booked": booked, "start": start, "reschedule": None, "cancel": None}
    if draw(st.booleans()):
        # A reschedule comes at least a minute after the booking: the model reads an unchanged
        # schedule_set_at as "the caller did not say when" and stamps the real clock, which this
        # simulated timeline cannot follow (in the product every change carries the current time).
        at = draw(st.integers(booked + 1, booked + 1600))
        new_start = at + draw(LEAD)
        if new_start != start:
            story["reschedule"] = (at, new_start)
    if draw(st.booleans()):
        story["cancel"] = draw(st.integers(booked, HORIZON))
    return story


@st.composite
def sweep_times(draw, stories):
    """Sweep times: anywhere, and close to the moments of the sessions' plans (and past half the lead)."""
    moments = [
        start - lead + shift
        for story in stories
        for start in (story["start"], *(story["reschedule"][1:] if story["reschedule"] else ()))
        for lead in LEADS.values()
        for shift in (-1, 0, 1, lead // 2, lead // 2 + 1)
    ]
    near = st.sampled_from(moments).map(lambda minute: min(max(minute, 0), HORIZON))
    return draw(st.lists(st.one_of(st.integers(0, HORIZON), near), min_size=1, max_size=14))


def oracle_due(start: int, set_at: int, t: int) -> str | None:
    """The kind due at ``t`` (all in minutes) by the rules stated in the module docstring."""
    if t >= start:
        return None
    came = [(start - lead, kind) for kind, lead in LEADS.items() if set_at <= start - lead <= t]
    if not came:
        return None
    moment, kind = max(came)
    return kind if t - moment <= LEADS[kind] / 2 else None


def timeline(stories, sweeps):
    """Every event in time order; at equal times bookings, reschedules and cancellations come before sweeps."""
    events = []
    for index, story in enumerate(stories):
        events.append((story["booked"], 0, "book", index))
        if story["reschedule"]:
            events.append((story["reschedule"][0], 1, "reschedule", index))
        if story["cancel"] is not None:
            events.append((story["cancel"], 2, "cancel", index))
    events += [(t, 3, "sweep", None) for t in sweeps]
    return sorted(events, key=lambda event: event[:2])


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_every_due_reminder_is_sent_exactly_once_and_no_other(db, data):
    stories = data.draw(st.lists(schedules(), min_size=1, max_size=4), label="stories")
    sweeps = data.draw(sweep_times(stories), label="sweeps")
    origin = timezone.now().replace(second=0, microsecond=0) + timedelta(minutes=5)

    def when(minutes):
        return origin + timedelta(minutes=minutes)

    mail.outbox = []
    with transaction.atomic():
        learner, tutor = make_user(), make_user()
        sessions, state, expected = {}, {}, set()
        for t, _, action, index in timeline(stories, sweeps):
            story = stories[index] if index is not None else None
            if action == "book":
                sessions[index] = make_session(
                    learner, tutor, start=when(story["start"]), schedule_set_at=when(t), notes=str(index)
                )
                state[index] = {"start": story["start"], "set_at": t, "cancelled": False, "notice_due": False}
            elif action == "reschedule" and not state[index]["cancelled"]:
                new_start = story["reschedule"][1]
                session = TutoringSession.objects.get(pk=sessions[index].pk)
                session.scheduled_start, session.scheduled_end = when(new_start), when(new_start + 30)
                session.schedule_set_at = when(t)
                session.save()
                state[index].update(start=new_start, set_at=t)
            elif action == "cancel" and not state[index]["cancelled"]:
                session = TutoringSession.objects.get(pk=sessions[index].pk)
                session.status = TutoringSession.Status.CANCELLED
                session.save()
                state[index].update(cancelled=True, notice_due=True)
            elif action == "sweep":
                for index, facts in state.items():
                    if facts["cancelled"]:
                        if facts["notice_due"] and facts["start"] > t:
                            invited = {user for (i, user, kind, _) in expected if i == index and kind != "cancel"}
                            expected |= {(index, user, "cancel", facts["start"]) for user in invited}
                        facts["notice_due"] = False
                        continue
                    kind = oracle_due(facts["start"], facts["set_at"], t)
                    if kind is not None:
                        expected |= {(index, user.pk, kind, facts["start"]) for user in (learner, tutor)}
                reminders.send_due_reminders(when(t))

        by_pk = {session.pk: index for index, session in sessions.items()}
        sent = [
            (by_pk[row.session_id], row.user_id, row.kind, int((row.scheduled_start - origin).total_seconds() // 60))
            for row in ReminderDelivery.objects.filter(sent_at__isnull=False)
        ]
        unsent = ReminderDelivery.objects.filter(sent_at__isnull=True).count()
        transaction.set_rollback(True)

    assert unsent == 0
    assert sorted(sent) == sorted(expected)
    message_ids = [message.extra_headers["Message-ID"] for message in mail.outbox]
    assert len(message_ids) == len(expected) == len(set(message_ids))
