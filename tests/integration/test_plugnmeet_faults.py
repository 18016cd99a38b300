"""How the plugNmeet provider fails: typed ProviderUnavailable, bounded retries and time, and no secret anywhere."""

# Fixtures are imported explicitly (no shared conftest), so test parameters necessarily shadow them.
# ruff: noqa: F811

from __future__ import annotations

import logging
import socket
import time

import pytest
import requests

from sessionroom_xblock.providers.base import ProviderUnavailable
from sessionroom_xblock.providers.plugnmeet import PlugNmeetProvider
from tests.plugnmeet_fixtures import (  # noqa: F401 - fixtures are used by name
    API_SECRET,
    LEARNER,
    fake,
    provider_config,
    room_spec,
)

RETRIES = 2


def provider_for(url: str, **overrides) -> PlugNmeetProvider:
    return PlugNmeetProvider(provider_config(url, RETRIES=RETRIES, RETRY_BACKOFF=0.01, **overrides))


def closed_port_url() -> str:
    """A local URL nobody listens on: connecting is refused at once."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def fail(provider: PlugNmeetProvider) -> ProviderUnavailable:
    """Run one ordinary call and return the ProviderUnavailable it must raise."""
    with pytest.raises(ProviderUnavailable) as caught:
        provider.ensure_room(room_spec())
    return caught.value


# Each scenario: how to break the fake, provider overrides, expected error_type, expected attempts (None: no fake).
SCENARIOS = {
    "timeout": ({"delay": 1.0}, {"READ_TIMEOUT": 0.2}, "timeout", RETRIES + 1),
    "refused": ({}, {}, "connection", None),
    "dropped": ({"down": True}, {}, "connection", RETRIES + 1),
    "http-500": ({"fail_status": 500}, {}, "http_status", 1),
    "http-503": ({"fail_status": 503}, {}, "http_status", RETRIES + 1),
    "non-json": ({"garbage": True}, {}, "malformed", 1),
    "wrong-secret": ({}, {"API_SECRET": "not-" + API_SECRET[::-1]}, "auth", 1),
    "wrong-key": ({}, {"API_KEY": "nobody"}, "auth", 1),
}


def run_scenario(fake, name: str) -> ProviderUnavailable:
    faults, overrides, _error_type, _attempts = SCENARIOS[name]
    fake.reset_faults()
    for attribute, value in faults.items():
        setattr(fake, attribute, value)
    url = closed_port_url() if name == "refused" else fake.base_url
    return fail(provider_for(url, **overrides))


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_faults_become_typed_and_bounded(fake, name):
    _faults, _overrides, error_type, attempts = SCENARIOS[name]
    started = time.monotonic()
    error = run_scenario(fake, name)
    elapsed = time.monotonic() - started
    assert error.error_type == error_type
    assert "room/create" in str(error)
    if attempts is not None:
        assert fake.calls["room/create"] == attempts
    assert elapsed < 2.5


def test_recovery_after_a_transient_outage(fake):
    fake.fail_status = 503
    fail(provider_for(fake.base_url))
    fake.reset_faults()
    assert provider_for(fake.base_url).ensure_room(room_spec()).instance


def test_a_hanging_client_page_does_not_block_the_api(fake):
    provider = provider_for(fake.base_url)
    spec = room_spec()
    fake.client_hangs = True
    ticket = provider.join_ticket(provider.ensure_room(spec), spec, LEARNER)
    with pytest.raises(requests.exceptions.RequestException):
        requests.get(ticket.url, timeout=0.3).raise_for_status()
    assert provider.presence(spec.room_id).running


def test_no_secret_in_messages_reprs_or_logs(fake, caplog):
    caplog.set_level(logging.DEBUG)
    errors = [run_scenario(fake, name) for name in SCENARIOS]
    for error in errors:
        for text in (str(error), repr(error), repr(error.args), repr(error.__cause__), repr(error.__context__)):
            assert API_SECRET not in text
    assert caplog.records, "the failures should have been logged"
    for record in caplog.records:
        assert API_SECRET not in record.getMessage()
        assert API_SECRET not in repr(record.args)
    assert API_SECRET not in caplog.text
