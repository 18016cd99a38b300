"""Test data and the two doors into the room (XBlock handler, direct page), shared by every test module."""

from __future__ import annotations

import itertools
import json
from datetime import datetime, timedelta

from django.contrib.auth import get_user_model
from django.utils import timezone
from opaque_keys.edx.keys import CourseKey
from webob import Request
from workbench.runtime import WorkbenchRuntime
from xblock.fields import ScopeIds

from sessionroom_xblock.actions import dispatch
from sessionroom_xblock.analytics import Analytics
from sessionroom_xblock.block import SessionRoomXBlock
from sessionroom_xblock.models import TutoringSession
from sessionroom_xblock.screens import presenters
from sessionroom_xblock.sessions import rooms
from sessionroom_xblock.sessions.links import room_links

COURSE = CourseKey.from_string("course-v1:SessionRoom+Algebra101+2026")
OTHER_COURSE = CourseKey.from_string("course-v1:SessionRoom+Physics+2026")
_counter = itertools.count()


def make_user(username: str | None = None, **fields):
    """A Django user (the LMS's user table in the platform)."""
    username = username or f"user{next(_counter)}"
    fields.setdefault("first_name", username.title())
    return get_user_model().objects.create(username=username, email=f"{username}@example.org", **fields)


def make_session(learner, tutor, *, start: datetime | None = None, minutes: int = 30, **fields) -> TutoringSession:
    """A session starting at ``start`` (default: in five minutes) lasting ``minutes``."""
    start = start or timezone.now() + timedelta(minutes=5)
    fields.setdefault("course_key", COURSE)
    return TutoringSession.objects.create(
        learner=learner, tutor=tutor, scheduled_start=start, scheduled_end=start + timedelta(minutes=minutes), **fields
    )


class RecordingRuntime(WorkbenchRuntime):
    """The dev host's runtime, keeping what the block publishes (the LMS forwards it to the tracking log)."""

    def __init__(self, user_id):
        super().__init__(user_id)
        self.published = []

    def publish(self, block, event_type, event_data):
        """Keep the event, then log it as the workbench does."""
        self.published.append((event_type, event_data))
        super().publish(block, event_type, event_data)


def seed_other_sessions(count: int, people: int = 20) -> None:
    """``count`` sessions between ``people`` other users, one after another from tomorrow: a busy site."""
    others = [make_user(f"seed{next(_counter)}") for _ in range(people)]
    start = timezone.now() + timedelta(days=1)
    TutoringSession.objects.bulk_create(
        (
            TutoringSession(
                course_key=COURSE,
                learner=others[i % people],
                tutor=others[(i + 1) % people],
                scheduled_start=start + timedelta(minutes=40 * i),
                scheduled_end=start + timedelta(minutes=40 * i + 30),
            )
            for i in range(count)
        ),
        batch_size=2000,
    )


def make_block(username: str, **field_values) -> SessionRoomXBlock:
    """A Session Room block as ``username`` sees it, in the dev host's runtime (its user service)."""
    runtime = RecordingRuntime(username)
    scope_ids = ScopeIds(username, "sessionroom", "tests.sessionroom.d0", "tests.sessionroom.d0.u0")
    block = runtime.construct_xblock_from_class(SessionRoomXBlock, scope_ids)
    for name, value in field_values.items():
        setattr(block, name, value)
    return block


def events(block: SessionRoomXBlock, name: str) -> list[dict]:
    """The data of every ``edx.sessionroom.<name>`` event the block published."""
    return [data for event, data in block.runtime.published if event == f"edx.sessionroom.{name}"]


def call_handler(
    block: SessionRoomXBlock, action: str, payload, handler: str = "room", method: str = "POST"
) -> tuple[int, dict]:
    """Send ``payload`` to one of the block's JSON handlers (``room`` or ``staff``); (status, JSON body)."""
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    request = Request.blank(f"/handler/{handler}/{action}", method=method, body=body)
    request.content_type = "application/json"
    response = block.runtime.handle(block, handler, request, action)
    return response.status_code, json.loads(response.body)


def action_context(user) -> dispatch.ActionContext:
    """What the handler would hand the action table for ``user``, without an XBlock runtime around it."""
    return dispatch.ActionContext(
        viewer=rooms.Viewer(user_id=user.pk),
        now=rooms.now_utc(),
        settings=presenters.RoomSettings(),
        analytics=Analytics(lambda name, data: None),
        links_for=room_links,
        gettext=str,
    )
