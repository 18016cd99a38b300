"""Browser fixtures: the dev host on a live server, Debian's Chromium through Playwright, axe-core.

Chromium is never downloaded: Playwright drives ``/usr/bin/chromium`` (or ``$CHROMIUM_PATH``). Media
comes from Chromium's fake devices. WebRTC tests additionally need a private network namespace with only
``lo`` (``make test`` and ``.ci/run`` run the browser suite under ``unshare -n``); elsewhere they skip.
"""

from __future__ import annotations

import os
import shutil
import socket
import time
from pathlib import Path

import pytest

# Playwright's sync API keeps an asyncio loop on the test thread; Django's ORM calls from that thread
# (fixtures, assertions on the DB) are still synchronous, which is what this flag tells Django.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
ARTIFACTS = Path(os.environ.get("SESSIONROOM_ARTIFACTS", Path(__file__).resolve().parents[2] / "artifacts"))
CHROMIUM_ARGS = [
    "--use-fake-device-for-media-stream",
    "--use-fake-ui-for-media-stream",
    "--allow-loopback-in-peer-connection",
    # A page without camera permission gets its host candidates as mDNS names, which nothing resolves in a
    # namespace with only lo (no multicast); real networks resolve them or pair through STUN.
    "--disable-features=WebRtcHideLocalIpsWithMdns",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--autoplay-policy=no-user-gesture-required",
]
DESKTOP = {"width": 1280, "height": 900}
#: The microphone meter hears something; it draws inside a shadow root (see devices.js), with its role and value.
MIC_HEARD = """() => {
  const host = document.querySelector('.sr-meter');
  const meter = host && host.shadowRoot && host.shadowRoot.querySelector('[role=meter]');
  return Boolean(meter) && Number(meter.getAttribute('aria-valuenow')) > 0;
}"""
PHONE = {"width": 390, "height": 844}


def only_loopback() -> bool:
    """
    True inside a network namespace whose only interface is ``lo`` (WebRTC then stays on loopback).

    Asks the kernel for this process's interfaces: ``/sys/class/net`` shows the namespace sysfs was
    mounted in, which under a plain ``unshare -n`` is still the host's.
    """
    try:
        return [name for _index, name in socket.if_nameindex()] == ["lo"]
    except OSError:
        return False


requires_private_network = pytest.mark.skipif(
    not only_loopback(),
    reason="WebRTC tests run inside a private network namespace with only lo (make test runs them under unshare -n)",
)


@pytest.fixture(scope="session")
def browser():
    """One headless Debian Chromium for the whole run (skips with the reason when it is not installed)."""
    if not shutil.which(CHROMIUM) and not os.path.exists(CHROMIUM):
        pytest.skip(f"Chromium not found at {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(autouse=True)
def _scenarios_for_every_browser_test(transactional_db, workbench_scenarios):
    """Every browser test opens workbench pages."""


@pytest.fixture
def new_page(browser, live_server):
    """Open pages in fresh contexts (one per person); ``new_page(viewport=PHONE, permissions=[...])``."""
    contexts = []

    def open_page(viewport=DESKTOP, permissions=("camera", "microphone"), locale="en-US"):
        context = browser.new_context(
            viewport=viewport, permissions=list(permissions), locale=locale, base_url=live_server.url
        )
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        return page

    yield open_page
    for context in contexts:
        # Closing a page fires its pagehide "leave" beacon; it would reach the live server after this
        # test's database flush and corrupt the next test, so the browser drops whatever it sends now.
        context.route("**/*", lambda route: route.abort())
        for page in context.pages:
            page.goto("about:blank")
        context.close()


def assert_accessible(page, name: str, context: str | None = ".sessionroom") -> None:
    """
    axe-core (bundled, offline) finds no violations; saves a screenshot under artifacts/screens/.

    In the workbench, ``context`` limits the check to our block (the workbench's own page chrome is not
    ours); on the direct page pass ``context=None`` to check the whole document we serve.
    """
    from axe_playwright_python.sync_playwright import Axe

    screens = ARTIFACTS / "screens"
    screens.mkdir(parents=True, exist_ok=True)
    target = page.locator(context).first if context else page
    target.screenshot(path=str(screens / f"{name}.png"), **({} if context else {"full_page": True}))
    results = Axe().run(page, context=context)
    assert results.violations_count == 0, results.generate_report()


# The LMS-like host (devhost/settings_lms.py): the Learning MFE's frame around the LMS's unit page. ------

LMS_HOST = "lms.test"
MFE_HOST = "apps.lms.test"

requires_lms_host = pytest.mark.skipif(
    os.environ.get("DJANGO_SETTINGS_MODULE") != "devhost.settings_lms",
    reason="runs in the LMS-like host: DJANGO_SETTINGS_MODULE=devhost.settings_lms (make test-lms-host)",
)


class LmsHost:
    """The live server under the two hostnames, and the ways in: the MFE's unit page, the LMS's pages."""

    def __init__(self, port: int):
        self.lms = f"http://{LMS_HOST}:{port}"
        self.mfe = f"http://{MFE_HOST}:{port}"

    def unit(self, course_key: str, scenario: str = "sessionroom.0") -> str:
        return f"{self.mfe}/course/{course_key}/{scenario}"


@pytest.fixture(scope="session")
def lms_host(live_server) -> LmsHost:
    return LmsHost(int(live_server.url.rsplit(":", 1)[1]))


@pytest.fixture(scope="session")
def lms_browser(lms_host):
    """
    Chromium that resolves both hostnames to loopback and treats them as secure contexts (camera and
    microphone need one; Tutor serves them over HTTPS).
    """
    if not shutil.which(CHROMIUM) and not os.path.exists(CHROMIUM):
        pytest.skip(f"Chromium not found at {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    args = [
        *CHROMIUM_ARGS,
        f"--host-resolver-rules=MAP {LMS_HOST} 127.0.0.1, MAP {MFE_HOST} 127.0.0.1",
        f"--unsafely-treat-insecure-origin-as-secure={lms_host.lms},{lms_host.mfe}",
    ]
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=args)
        yield chromium
        chromium.close()


@pytest.fixture
def fast_polls(settings):
    """Poll every 2 s (state) and beat every second, so live changes show within a test's patience."""
    settings.SESSIONROOM = {**settings.SESSIONROOM, "HEARTBEAT_SECONDS": 1}


@pytest.fixture
def launch(browser):
    """Another Chromium with the suite's flags changed: ``launch(drop=[...], add=[...])``."""
    launched = []

    def start(drop=(), add=()):
        args = [arg for arg in CHROMIUM_ARGS if arg not in drop] + list(add)
        launched.append(browser.browser_type.launch(executable_path=CHROMIUM, headless=True, args=args))
        return launched[-1]

    yield start
    for chromium in launched:
        chromium.close()


@pytest.fixture
def lms_settings(settings, lms_host):
    """The per-run parts of the LMS's settings: the MFE's origin, and links that leave the browser."""
    settings.LEARNING_MICROFRONTEND_URL = lms_host.mfe
    settings.CSRF_TRUSTED_ORIGINS = [lms_host.mfe]
    settings.SESSIONROOM = {**settings.SESSIONROOM, "LMS_ROOT_URL": lms_host.lms}
    return settings


@pytest.fixture
def lms_page(lms_browser, lms_host, lms_settings):
    """``lms_page(user=None, viewport=DESKTOP)``: a fresh context, signed in to the LMS as ``user`` if given."""
    from django.conf import settings
    from django.test import Client

    contexts = []

    def open_page(user=None, viewport=DESKTOP):
        context = lms_browser.new_context(viewport=viewport, permissions=["camera", "microphone"], locale="en-US")
        contexts.append(context)
        if user is not None:
            client = Client()
            client.force_login(user)
            cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
            context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": lms_host.lms}])
        page = context.new_page()
        page.set_default_timeout(15_000)
        return page

    yield open_page
    # The unit is a cross-origin frame: its pagehide "leave" beacons get past the context's routes, so
    # they are let through here and given time to finish before the test's database flush.
    for context in contexts:
        context.close()
    time.sleep(1)


def unit_frame(page):
    """The unit's frame inside the MFE page (the LMS's chromeless page)."""
    return page.wait_for_selector("#unit-iframe").content_frame()


def assert_accessible_in_unit(page, name: str) -> None:
    """axe-core on our block inside the unit's frame; the screenshot shows the whole MFE page."""
    from axe_playwright_python.sync_playwright import Axe

    screens = ARTIFACTS / "screens"
    screens.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(screens / f"{name}.png"), full_page=True)
    results = Axe().run(unit_frame(page), context=".sessionroom")
    assert results.violations_count == 0, results.generate_report()


@pytest.fixture
def denying_browser(launch):
    """Fake devices but without the fake permission UI: headless Chromium refuses the prompt."""
    return launch(drop=["--use-fake-ui-for-media-stream"])


@pytest.fixture
def cameraless_browser(launch):
    """Fake microphones and speakers, no camera."""
    return launch(
        drop=["--use-fake-device-for-media-stream"], add=["--use-fake-device-for-media-stream=device-count=0"]
    )
