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

from sessionroom_xblock.block import SessionRoomXBlock
from sessionroom_xblock.models import TutoringSession

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


def make_block(username: str, **field_values) -> SessionRoomXBlock:
    """A Session Room block as ``username`` sees it, in the dev host's runtime (its user service)."""
    runtime = WorkbenchRuntime(username)
    scope_ids = ScopeIds(username, "sessionroom", "tests.sessionroom.d0", "tests.sessionroom.d0.u0")
    block = runtime.construct_xblock_from_class(SessionRoomXBlock, scope_ids)
    for name, value in field_values.items():
        setattr(block, name, value)
    return block


def call_handler(block: SessionRoomXBlock, action: str, payload, handler: str = "room") -> tuple[int, dict]:
    """POST ``payload`` to one of the block's JSON handlers (``room`` or ``staff``); (status, JSON body)."""
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    request = Request.blank(f"/handler/{handler}/{action}", method="POST", body=body)
    request.content_type = "application/json"
    response = block.runtime.handle(block, handler, request, action)
    return response.status_code, json.loads(response.body)
