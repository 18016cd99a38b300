"""The LMS-like test host (devhost/settings_lms.py, devhost/mfe/) does what the LMS and the MFE do."""

import pytest
from django.test import Client

from devhost.mfe.views import IFRAME_FEATURE_POLICY
from tests.factories import COURSE

pytestmark = pytest.mark.django_db


@pytest.fixture
def lms(settings, workbench_scenarios):
    settings.ROOT_URLCONF = "devhost.mfe.urls"
    settings.MIDDLEWARE = [
        *[name for name in settings.MIDDLEWARE if name != "devhost.middleware.DevLoginMiddleware"],
        "django.middleware.clickjacking.XFrameOptionsMiddleware",
    ]
    settings.X_FRAME_OPTIONS = "SAMEORIGIN"
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "lms.test", "apps.lms.test"]
    settings.MFE_HOST, settings.LMS_HOST = "apps.lms.test", "lms.test"
    return Client()


def test_chromeless_page_is_exempt_other_lms_pages_are_not(lms, learner):
    lms.force_login(learner)
    unit = lms.get("/xblock/sessionroom.0", HTTP_HOST="lms.test")
    assert unit.status_code == 200 and "X-Frame-Options" not in unit
    html = unit.content.decode()
    assert '<base target="_parent">' in html and "plugin.resize" in html
    assert "csrftoken" in unit.cookies
    assert lms.get("/login", HTTP_HOST="lms.test")["X-Frame-Options"] == "SAMEORIGIN"


def test_mfe_unit_frames_the_lms_page_without_the_query(lms):
    page = lms.get(f"/course/{COURSE}/sessionroom.0", {"session": "x"}, HTTP_HOST="apps.lms.test:8000")
    html = page.content.decode()
    assert 'src="http://lms.test:8000/xblock/sessionroom.0"' in html
    assert f'allow="{IFRAME_FEATURE_POLICY}" allowfullscreen' in html
