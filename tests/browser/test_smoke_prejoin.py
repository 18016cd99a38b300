"""The pre-join screen in a real browser: the other participant's name, an enabled Join, no axe violations."""

import pytest

from tests.browser.conftest import PHONE, assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("viewport,suffix", [(None, "desktop"), (PHONE, "phone")])
def test_prejoin_screen(new_page, session, viewport, suffix):
    page = new_page(**({"viewport": viewport} if viewport else {}))
    page.goto(f"/scenario/sessionroom.0/?student=learner&session={session.pk}")
    page.get_by_role("button", name="Join Session").wait_for()
    assert page.get_by_text("Tomás Okafor").first.is_visible()
    assert page.get_by_role("button", name="Join Session").is_enabled()
    assert_accessible(page, f"prejoin-{suffix}")


def test_direct_page_is_accessible(new_page, session):
    page = new_page()
    page.goto(f"/sessionroom/session/{session.pk}/?student=tutor")
    page.get_by_role("button", name="Join Session").wait_for()
    assert page.get_by_text("Ana García").first.is_visible()
    assert_accessible(page, "prejoin-direct", context=None)
