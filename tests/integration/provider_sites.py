"""A site configured with the fake BBB server, and sessions whose rooms live there (``pytest_plugins``)."""

from __future__ import annotations

import pytest

from tests.factories import make_session
from tests.fakes_fixtures import bbb_config


@pytest.fixture
def bbb_site(fake_bbb, settings):
    """``SESSIONROOM["PROVIDERS"]`` pointing at the fake BBB server; the fake itself."""
    settings.SESSIONROOM = {**settings.SESSIONROOM, "PROVIDERS": {"bbb": bbb_config(fake_bbb)}}
    return fake_bbb


def bbb_session(learner, tutor, **fields):
    """A session on the BBB provider with its room id, as ``rooms.join`` leaves it."""
    session = make_session(learner, tutor, provider="bbb", **fields)
    session.provider_room_id = f"sessionroom-{session.pk}"
    session.save()
    return session
