"""The package as the platform sees it: plugin app discovery, URLs, settings defaults, the Studio editor."""

import json
import sys
import types

import pytest
from edx_django_utils.plugins import add_plugins, get_plugin_apps, get_plugin_url_patterns
from webob import Request
from xblock.core import XBlock

from sessionroom_xblock.block import SessionRoomXBlock
from tests.factories import make_block

PROJECTS = ["lms.djangoapp", "cms.djangoapp"]


@pytest.mark.parametrize("project", PROJECTS)
def test_lms_and_studio_discover_the_plugin_app(project):
    assert "sessionroom_xblock.apps.SessionRoomConfig" in get_plugin_apps(project)


@pytest.mark.parametrize("project", PROJECTS)
def test_urls_mount_under_sessionroom(project):
    patterns = [p for p in get_plugin_url_patterns(project) if "sessionroom" in str(p.pattern)]
    assert len(patterns) == 1 and str(patterns[0].pattern) == "^sessionroom/"
    assert patterns[0].namespace == "sessionroom"


@pytest.mark.parametrize("settings_type", ["common", "production", "test"])
def test_plugin_settings_fill_defaults_and_keep_the_operators(settings_type):
    module = types.ModuleType("fake_lms_settings")
    module.SESSIONROOM = {"DEFAULT_PROVIDER": "bbb", "BOOKING_URL": "https://book.example.org/"}
    sys.modules[module.__name__] = module
    try:
        add_plugins(module.__name__, "lms.djangoapp", settings_type)
    finally:
        del sys.modules[module.__name__]
    assert module.SESSIONROOM["DEFAULT_PROVIDER"] == "bbb"
    assert module.SESSIONROOM["BOOKING_URL"] == "https://book.example.org/"
    assert module.SESSIONROOM["JOIN_WINDOW_MINUTES"] == 15 and module.SESSIONROOM["REMINDERS"] == ["24h", "1h", "15m"]


def test_entry_point_loads_the_block():
    assert XBlock.load_class("sessionroom") is SessionRoomXBlock


@pytest.mark.django_db
def test_studio_editor_offers_only_configured_providers(staff):
    html = make_block("staff").render("studio_view").body_html()
    assert "Video provider" in html and "Site default" in html and "Resource links" in html
    assert "bbb" not in html.split("Video provider", 1)[1].split("</select>", 1)[0]


def submit(block, values):
    body = json.dumps({"values": values, "defaults": []}).encode()
    request = Request.blank("/", method="POST", body=body)
    response = block.runtime.handle(block, "submit_studio_edits", request)
    return response.status_code, json.loads(response.body)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "values",
    [
        {"resource_links": "no separator here"},
        {"resource_links": "Notes | javascript:alert(1)"},
        {"booking_url": "ftp://book.example.org"},
        {"join_window_minutes": 999},
        {"provider": "bbb"},
    ],
)
def test_studio_refuses_bad_settings(staff, values):
    block = make_block("staff")
    status, body = submit(block, values)
    assert status == 400 and body["error"]


@pytest.mark.django_db
def test_studio_saves_good_settings(staff):
    block = make_block("staff")
    status, _ = submit(block, {"resource_links": "Worksheet | https://example.org/w.pdf", "join_window_minutes": 30})
    assert status == 200
    assert block.room_settings().resource_links == ({"title": "Worksheet", "url": "https://example.org/w.pdf"},)
    assert block.policy().join_window.total_seconds() == 1800
