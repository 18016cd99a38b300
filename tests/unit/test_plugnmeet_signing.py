"""plugNmeet request signing and webhook tokens, checked against the reference's test vectors and the fake."""

from __future__ import annotations

import jwt
import pytest
import requests
from hypothesis import given, settings
from hypothesis import strategies as st

from fakes.plugnmeet import FakePlugNmeet
from sessionroom_xblock.providers.base import CallbackRejected, CallbackRequest
from sessionroom_xblock.providers.plugnmeet import PlugNmeetProvider, body_sha256_claim, encode_body, sign_body
from tests.plugnmeet_fixtures import API_KEY, API_SECRET, provider_config

# Public demo credentials from plugNmeet-docs intro.md, used by providers-reference.md B9/B11.
DEMO_KEY = "plugnmeet"
DEMO_SECRET = "zumyyYWqv7KR2kUqvYdq4z4sXg7XTBD2ljT6"
WEBHOOK_BODY = (
    b'{"event":"room_finished","room":{"sid":"RM_abc","room_id":"room01"},'
    b'"id":"7d3c2d6e-0000-4000-8000-000000000000","created_at":"1700000000"}'
)
WEBHOOK_TOKEN = (
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJwbHVnbm1lZXQiLCJuYmYiOjE3MDAwMDAwMDAsImV4cCI6MTcwMDAwMDMwMCwic2hh"
    "MjU2IjoiOWdOTW9ueUVnSnJnSGR1dFc5TFFiQVgxVG9CSEVVSmtvRG5yV3E2VElVOD0ifQ.yuSJpkaABD0eIPF5uDGM960BZwfapa-W24KFfHHpJdg"
)


def test_hash_signature_matches_reference_vectors():
    assert sign_body(b'{"room_id":"room01"}', DEMO_SECRET) == (
        "4b60a468df680c0739f6c7255626b31c8934efc1293b9e40667575b964bf24b5"
    )
    assert sign_body(b'{"room_id": "room01"}', DEMO_SECRET) == (
        "0f8a4dde76d8122326b17ca55d45f1252535c2b3717b1c82fbeacc0a81bfac93"
    )


def test_body_is_serialized_compactly_so_the_vector_applies():
    assert encode_body({"room_id": "room01"}) == b'{"room_id":"room01"}'


def test_webhook_sha256_claim_matches_reference_vector():
    assert body_sha256_claim(WEBHOOK_BODY) == "9gNMonyEgJrgHdutW9LQbAX1ToBHEUJkoDnrWq6TIU8="


def test_reference_webhook_token_verifies_except_for_its_age():
    claims = jwt.decode(
        WEBHOOK_TOKEN, DEMO_SECRET, algorithms=["HS256"], issuer=DEMO_KEY, options={"verify_exp": False}
    )
    assert claims["sha256"] == body_sha256_claim(WEBHOOK_BODY)
    provider = PlugNmeetProvider({"URL": "http://127.0.0.1:9", "API_KEY": DEMO_KEY, "API_SECRET": DEMO_SECRET})
    request = CallbackRequest("POST", "/hook", {}, {"Authorization": WEBHOOK_TOKEN}, WEBHOOK_BODY)
    with pytest.raises(CallbackRejected) as caught:
        provider.parse_callback(request)
    assert caught.value.status == 401
    assert "Expired" in str(caught.value)


@pytest.fixture(scope="module")
def module_fake():
    server = FakePlugNmeet(API_KEY, API_SECRET)
    server.start()
    yield server
    server.stop()


room_ids = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=40)


@settings(max_examples=25, deadline=None)
@given(room_id=room_ids, position=st.integers(min_value=0), flip=st.integers(min_value=1, max_value=255))
def test_fake_accepts_exactly_what_the_client_signs(module_fake, room_id, position, flip):
    provider = PlugNmeetProvider(provider_config(module_fake.base_url))
    assert provider.call("room/isRoomActive", {"room_id": room_id})["status"] is True

    body = encode_body({"room_id": room_id})
    tampered = bytearray(body)
    tampered[position % len(body)] ^= flip
    headers = {"API-KEY": API_KEY, "HASH-SIGNATURE": sign_body(body, API_SECRET), "Content-Type": "application/json"}
    answer = requests.post(f"{module_fake.base_url}/auth/room/isRoomActive", data=bytes(tampered), headers=headers)
    assert answer.status_code == 401
    assert answer.json() == {
        "status": False,
        "msg": "Failed to verify provided authentication details.",
        "status_code": "INVALID_TOKEN_OR_SIGNATURE",
    }
