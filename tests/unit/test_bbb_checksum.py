"""The BBB checksum against published vectors, and the fake's verifier against what the client signs."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fakes.bbb import FakeBBB
from sessionroom_xblock.providers.bbb import checksum, signed_query

DOCS_SECRET = "639259d4-9dd8-4b25-bf01-95f9567eaf4b"
DOCS_QUERY = "name=Test+Meeting&meetingID=abc123&attendeePW=111222&moderatorPW=333444"


@pytest.mark.parametrize(
    ("algorithm", "expected"),
    [
        ("sha1", "1fcbb0c4fc1f039f73aa6d697d2db9ba7f803f17"),
        ("sha256", "da9185f7f333cfdfcd6eeac32dca3777510c4c436020d8b887ba5515bd1d189e"),
        (
            "sha384",
            "891ac633df39d0a1b4f8d597f3e190833216c4b29c4fb51ea3ca72757eeb958d6e7b49a845cf29f5c6019c7d29d029d1",
        ),
        (
            "sha512",
            (
                "de73ad61d11a5c801b68d4bd6ec5248546085cefb0b25c85f3c46249ea93a3a4"
                "b120f92c0a8a58d7512cb77821884951a3b01245f3435dbbef49fff3cc3988b4"
            ),
        ),
    ],
)
def test_api_docs_create_vector(algorithm, expected):
    assert checksum("create", DOCS_QUERY, DOCS_SECRET, algorithm) == expected


def test_bigbluebutton2_doctest_vector():
    assert checksum("isMeetingRunning", "meetingID=Foo", "MyTestSalt", "sha1") == (
        "f59b73c5cf1db387da4ca7d937049420d4c50a12"
    )


def test_signed_query_hashes_the_bytes_it_sends():
    query = signed_query("create", {"name": "Test Meeting", "meetingID": "abc123"}, DOCS_SECRET, "sha1")
    sent, _, value = query.rpartition("&checksum=")
    assert sent == "name=Test+Meeting&meetingID=abc123"
    assert value == checksum("create", sent, DOCS_SECRET, "sha1")


SECRET = "property-secret-0123456789abcdefghijklmnop"
FAKE = FakeBBB(secret=SECRET)
params_strategy = st.dictionaries(
    st.text(min_size=1, max_size=12).filter(lambda key: key != "checksum"), st.text(max_size=24), min_size=1, max_size=5
)
call_strategy = st.sampled_from(["create", "join", "getMeetingInfo", "end", "getRecordings"])
algorithm_strategy = st.sampled_from(["sha1", "sha256", "sha384", "sha512"])


@settings(max_examples=100, deadline=None)
@given(call=call_strategy, params=params_strategy, algorithm=algorithm_strategy)
def test_fake_accepts_exactly_what_the_client_signs(call, params, algorithm):
    assert FAKE.checksum_ok(call, signed_query(call, params, SECRET, algorithm))


def _swap(char: str) -> str:
    """A different character that stays different ignoring case (BBB compares checksums case-insensitively)."""
    return "0" if char.lower() != "0" else "1"


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(call=call_strategy, params=params_strategy, algorithm=algorithm_strategy, data=st.data())
def test_fake_rejects_any_one_character_tampering(call, params, algorithm, data):
    query = signed_query(call, params, SECRET, algorithm)
    position = data.draw(st.integers(min_value=0, max_value=len(query) - 1))
    tampered = query[:position] + _swap(query[position]) + query[position + 1 :]
    assert not FAKE.checksum_ok(call, tampered)


@pytest.mark.parametrize("algorithm", ["sha1", "sha256", "sha384", "sha512"])
def test_fake_refuses_algorithms_it_does_not_support(algorithm):
    scalelite_like = FakeBBB(secret=SECRET, checksum_algorithms=("sha1", "sha256", "sha512"))
    query = signed_query("end", {"meetingID": "m1"}, SECRET, algorithm)
    assert scalelite_like.checksum_ok("end", query) is (algorithm != "sha384")
