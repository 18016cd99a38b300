"""Profile images reach the media servers as absolute URLs, even when the platform answers relative ones.

Outside the platform there is no profile image service, so the one function the plugin calls
(``get_profile_image_urls_for_user``) is provided here as edx-platform answers it without a request:
site-relative URLs under ``/media/``.
"""

import sys
import types

import jwt
import pytest
import requests

from sessionroom_xblock import compat
from sessionroom_xblock.providers.base import Participant, ProviderError
from tests.factories import call_handler, make_block, make_session
from tests.fakes_fixtures import bbb_config
from tests.plugnmeet_fixtures import API_SECRET, provider_config, room_spec

pytest_plugins = ("tests.fakes_fixtures", "tests.plugnmeet_fixtures")
pytestmark = pytest.mark.django_db

LMS = "https://lms.example.org"
RELATIVE = "/media/profile-images/0f1e2d_50.jpg?v=1700000000"


@pytest.fixture
def relative_profile_images(monkeypatch, settings):
    """The platform's image helper, answering the site-relative URLs it gives when called without a request."""
    module = types.ModuleType("openedx.core.djangoapps.user_api.accounts.image_helpers")
    module.get_profile_image_urls_for_user = lambda user: {"medium": RELATIVE, "small": RELATIVE}
    monkeypatch.setitem(sys.modules, module.__name__, module)
    settings.SESSIONROOM = {**settings.SESSIONROOM, "LMS_ROOT_URL": LMS}


def test_relative_and_odd_profile_image_urls_are_made_absolute_or_dropped(settings):
    settings.SESSIONROOM = {**settings.SESSIONROOM, "LMS_ROOT_URL": LMS + "/"}
    assert compat.absolute_http_url(RELATIVE) == LMS + RELATIVE
    assert compat.absolute_http_url("https://cdn.example.net/a.png") == "https://cdn.example.net/a.png"
    assert compat.absolute_http_url("//cdn.example.net/a.png") == "https://cdn.example.net/a.png"
    assert compat.absolute_http_url("javascript:alert(1)") == ""
    assert compat.absolute_http_url("") == ""


def test_the_fake_plugnmeet_refuses_a_relative_profile_pic_as_the_server_does(fake, provider):
    spec = room_spec()
    room = provider.ensure_room(spec)
    with pytest.raises(ProviderError):
        provider.join_ticket(room, spec, Participant(user_id="42", full_name="Lee", avatar_url=RELATIVE))
    assert provider.join_ticket(room, spec, Participant(user_id="42", full_name="Lee", avatar_url=LMS + RELATIVE))


def test_plugnmeet_join_sends_an_absolute_profile_pic(relative_profile_images, settings, fake, learner, tutor):
    settings.SESSIONROOM = {
        **settings.SESSIONROOM,
        "PROVIDERS": {**settings.SESSIONROOM["PROVIDERS"], "plugnmeet": provider_config(fake.base_url)},
    }
    session = make_session(learner, tutor, provider="plugnmeet")
    status, body = call_handler(make_block("learner"), "join", {"session": str(session.pk)})
    assert status == 200, body
    token = body["ticket"]["url"].split("access_token=")[1]
    claims = jwt.decode(token, API_SECRET, algorithms=["HS256"], options={"verify_iss": False})
    assert claims["profile_pic"] == LMS + RELATIVE


def test_bbb_join_sends_an_absolute_avatar_url(relative_profile_images, settings, fake_bbb, learner, tutor):
    settings.SESSIONROOM = {
        **settings.SESSIONROOM,
        "PROVIDERS": {**settings.SESSIONROOM["PROVIDERS"], "bbb": bbb_config(fake_bbb)},
    }
    session = make_session(learner, tutor, provider="bbb")
    status, body = call_handler(make_block("tutor"), "join", {"session": str(session.pk)})
    assert status == 200, body
    assert requests.get(body["ticket"]["url"], allow_redirects=False, timeout=5).status_code < 400
    (attendee,) = fake_bbb.meetings[f"sessionroom-{session.pk}"].sessions.values()
    assert attendee.avatar_url == LMS + RELATIVE
