"""What an author, an operator or a participant typed cannot run script in the room's page (real Chromium)."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HOSTILE_NAME = 'Tom</script><img src=x onerror="window.__pwned=1">\u2028\u2029&amp;'
SCRIPT_LINK = "javascript:void(window.__pwned=1)"


def pwned(page) -> bool:
    return page.evaluate("window.__pwned === 1")


@pytest.fixture
def olx_scenario():
    """A unit imported from OLX: its fields never went through the Studio editor's checks."""
    from workbench.scenarios import add_xml_scenario, remove_scenario

    add_xml_scenario(
        "sessionroom.olx",
        "Session Room from OLX",
        f'<vertical_demo><sessionroom booking_url="{SCRIPT_LINK}" dashboard_url="{SCRIPT_LINK}"'
        f' resource_links="Notes | {SCRIPT_LINK}"/></vertical_demo>',
    )
    yield "/scenario/sessionroom.olx/"
    remove_scenario("sessionroom.olx")


def test_javascript_links_from_olx_render_no_such_href_and_clicking_runs_nothing(
    new_page, session, olx_scenario, mailoutbox
):
    page = new_page()
    page.goto(f"{olx_scenario}?student=learner&session={session.pk}")
    reschedule = page.locator(".sessionroom .sr-prejoin .sr-reschedule")
    expect(reschedule).to_be_visible()
    reschedule.click()
    assert not pwned(page), "the author's javascript: link ran"
    assert page.locator('a[href*="javascript:" i]').count() == 0
    # No safe booking page (the site has none): the in-app request instead.
    expect(page.get_by_text("Your request was sent.")).to_be_visible()
    assert_accessible(page, "olx-links")


def test_a_name_that_closes_the_script_element_is_only_text(new_page, session, tutor):
    tutor.first_name = HOSTILE_NAME
    tutor.save()
    page = new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"/scenario/sessionroom.0/?student=learner&session={session.pk}")
    join = page.get_by_role("button", name="Join Session")
    expect(join).to_be_enabled()
    expect(page.locator(".sessionroom").get_by_text("</script>", exact=False).first).to_be_visible()
    assert page.locator('img[src="x"]').count() == 0
    assert not pwned(page)
    assert errors == []
    assert page.evaluate("window.__pwned") is None
    assert_accessible(page, "hostile-name")
