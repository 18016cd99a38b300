"""The BBB provider against a misbehaving fake: each fault is a ProviderUnavailable with its error_type, fast,
and neither the secret nor any checksum shows up in exception messages or log records."""

import logging
import time
from dataclasses import dataclass, field

import pytest

from sessionroom_xblock.providers.base import ProviderUnavailable, RoomSpec
from sessionroom_xblock.providers.bbb import BigBlueButtonProvider
from tests.fakes_fixtures import BBB_SECRET, bbb_config

pytest_plugins = ("tests.fakes_fixtures",)

ROOM = "fault-room"
WRONG_SECRET = "wrong-secret-0123456789abcdefghijklmnopqr"


@dataclass(frozen=True)
class Fault:
    """One way the server can fail: what to set on the fake, provider setting overrides, what we expect."""

    name: str
    fake: dict
    error_type: str
    config: dict = field(default_factory=dict)
    attempts: int = 1


FAULTS = [
    Fault("timeout", {"delay": 1.5}, "timeout", {"READ_TIMEOUT": 0.3, "RETRIES": 1}, attempts=2),
    Fault("refused", {"down": True}, "connection", attempts=0),
    Fault("http-500", {"fail_status": 500}, "http_status"),
    Fault("http-503-retried", {"fail_status": 503}, "http_status", attempts=3),
    Fault("garbled-xml", {"garbage": True}, "malformed"),
    Fault("wrong-secret", {}, "checksum", {"SECRET": WRONG_SECRET}),
]


def provoke(fake, fault: Fault) -> tuple[ProviderUnavailable, float, BigBlueButtonProvider]:
    """Apply ``fault``, call presence (getMeetingInfo), clear the fault; the error, its time and the provider."""
    provider = BigBlueButtonProvider(bbb_config(fake, **fault.config))
    for attribute, value in fault.fake.items():
        setattr(fake, attribute, value)
    fake.calls.clear()
    started = time.monotonic()
    with pytest.raises(ProviderUnavailable) as caught:
        provider.presence(ROOM)
    elapsed = time.monotonic() - started
    fake.delay, fake.fail_status, fake.garbage, fake.down = 0.0, None, False, False
    return caught.value, elapsed, provider


@pytest.mark.parametrize("fault", FAULTS, ids=lambda fault: fault.name)
def test_fault_is_provider_unavailable(fake_bbb, fault):
    error, elapsed, _ = provoke(fake_bbb, fault)
    assert error.error_type == fault.error_type
    assert fake_bbb.calls["getMeetingInfo"] == fault.attempts
    assert elapsed < 3.0
    assert BBB_SECRET not in str(error) and WRONG_SECRET not in str(error)


def test_503_retries_are_bounded_in_time(fake_bbb):
    """RETRIES=3 with backoff 0.05: 4 attempts, the waits 0 + 0.1 + 0.2 s, well under a second in all."""
    fake_bbb.fail_status = 503
    provider = BigBlueButtonProvider(bbb_config(fake_bbb, RETRIES=3))
    started = time.monotonic()
    with pytest.raises(ProviderUnavailable) as caught:
        provider.ensure_room(RoomSpec(room_id=ROOM, title="Faults"))
    assert caught.value.error_type == "http_status"
    assert fake_bbb.calls["create"] == 4
    assert time.monotonic() - started < 1.5


def test_a_transient_503_is_absorbed(fake_bbb, bbb):
    fake_bbb.fail_status, fake_bbb.fail_remaining = 503, 1
    assert bbb.ensure_room(RoomSpec(room_id=ROOM, title="Faults")).created
    assert fake_bbb.calls["create"] == 2


def test_server_back_up_after_refusal(fake_bbb, bbb):
    fake_bbb.down = True
    with pytest.raises(ProviderUnavailable):
        bbb.presence(ROOM)
    fake_bbb.down = False
    assert not bbb.presence(ROOM).running


def _chain(error: BaseException):
    """The exception and everything chained to it, as a traceback printer would walk it."""
    seen = []
    while error is not None and error not in seen:
        seen.append(error)
        error = error.__cause__ or error.__context__
    return seen


def test_no_secret_or_checksum_in_errors_or_logs(fake_bbb, caplog):
    caplog.set_level(logging.DEBUG)
    errors, checksums = [], set()
    for fault in FAULTS:
        error, _, provider = provoke(fake_bbb, fault)
        errors.append(error)
        sent = provider.url("getMeetingInfo", {"meetingID": ROOM})
        checksums.add(sent.rsplit("checksum=", 1)[1])
    checksums.update(value for value in fake_bbb.checksums_seen if value)
    secrets = {BBB_SECRET, WRONG_SECRET}
    assert caplog.records, "the faults are expected to be logged"
    texts = [record.getMessage() for record in caplog.records] + [caplog.text]
    texts += [text for error in errors for chained in _chain(error) for text in (str(chained), repr(chained))]
    assert any("checksum=[redacted]" in text for text in texts), "urllib3's URL logging was exercised"
    for needle in secrets | checksums:
        leaks = [text for text in texts if needle in text]
        assert not leaks, f"leaked {needle[:6]}...: {leaks[:1]}"
