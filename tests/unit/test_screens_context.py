"""What the screens get from the server: the direct page's address, the frame timeout, the logout bridge."""

import pytest
from django.utils.html import escapejs

pytestmark = pytest.mark.django_db


def test_direct_page_carries_the_new_tab_address_and_frame_timeout(client, session, settings):
    settings.SESSIONROOM = {**settings.SESSIONROOM, "FRAME_TIMEOUT_SECONDS": 7}
    html = client.get(f"/sessionroom/session/{session.pk}/?student=learner").content.decode()
    assert f'data-direct-url="/sessionroom/session/{session.pk}/"' in html
    assert 'data-frame-timeout="7"' in html
    assert 'data-direct="1"' in html
    assert "sr-left-bridge" not in html  # no logout bridge on an ordinary visit


def test_logout_page_bridges_to_the_room_even_without_a_sign_in(client, session):
    """BBB's logoutURL arrives in the frame without the session cookie: the bridge must still be there."""
    response = client.get(f"/sessionroom/session/{session.pk}/?left=1")
    html = response.content.decode()
    assert response.status_code == 403
    assert "sr-left-bridge" in html
    assert f'session: "{escapejs(str(session.pk))}"' in html
    assert "You left the session." in html


def test_workbench_block_is_not_the_direct_page(client, session, workbench_scenarios):
    html = client.get(f"/scenario/sessionroom.0/?student=learner&session={session.pk}").content.decode()
    assert 'data-direct="1"' not in html
    assert f'data-direct-url="/sessionroom/session/{session.pk}/"' in html
