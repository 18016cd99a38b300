"""Run inside a clean venv where only the built wheel (and its dependencies) is installed.

Renders every screen through the installed package, far from the source tree, and prints a JSON report.
The wheel test (tests/integration/test_wheel.py) runs this script and checks the report.
"""

import json
import os
import sys
import tempfile
from datetime import timedelta
from pathlib import Path

HERE = Path(tempfile.mkdtemp())
(HERE / "wheel_settings.py").write_text(
    "from workbench.settings import *\n"
    "INSTALLED_APPS = [app for app in INSTALLED_APPS if app != 'djpyfs'] + ['sessionroom_xblock']\n"
    f"DATABASES = {{'default': {{'ENGINE': 'django.db.backends.sqlite3', 'NAME': {str(HERE / 'db.sqlite3')!r}}}}}\n"
    "ROOT_URLCONF = 'wheel_urls'\n"
    "SESSIONROOM = {'COURSE_TITLES': {'course-v1:Wheel+Check+2026': 'Wheel Check Course'}}\n"
    "LOGGING = {'version': 1}\n"
)
(HERE / "wheel_urls.py").write_text(
    "from django.urls import include, path\n"
    "urlpatterns = [path('sessionroom/',"
    " include(('sessionroom_xblock.web.urls', 'sessionroom'), namespace='sessionroom')),"
    " path('', include('workbench.urls'))]\n"
)
sys.path.insert(0, str(HERE))
os.chdir(HERE)
(HERE / "var").mkdir()
os.environ["DJANGO_SETTINGS_MODULE"] = "wheel_settings"

import django  # noqa: E402

django.setup()
from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402
from opaque_keys.edx.keys import CourseKey  # noqa: E402

import sessionroom_xblock  # noqa: E402
from sessionroom_xblock.models import TutoringSession  # noqa: E402
from sessionroom_xblock.screens import resources  # noqa: E402

call_command("migrate", run_syncdb=True, verbosity=0)
users = get_user_model()
learner = users.objects.create(username="learner", first_name="Ana", last_name="García")
tutor = users.objects.create(username="tutor", first_name="Tomás", last_name="Okafor")
course = CourseKey.from_string("course-v1:Wheel+Check+2026")
now = timezone.now()


def session(start_offset, **fields):
    start = now + start_offset
    return TutoringSession.objects.create(
        course_key=course,
        learner=learner,
        tutor=tutor,
        scheduled_start=start,
        scheduled_end=start + timedelta(minutes=30),
        **fields,
    )


client = Client()
client.force_login(learner)
pages = {
    "prejoin": session(timedelta(minutes=5)),
    "early": session(timedelta(hours=3)),
    "post": session(-timedelta(hours=2), status="completed"),
}
report = {
    "package": sessionroom_xblock.__file__,
    "templates": str(resources.resource_root("templates")),
    "translations": str(resources.resource_root("translations")),
    "pages": {},
}
for name, item in pages.items():
    response = client.get(f"/sessionroom/session/{item.pk}/")
    report["pages"][name] = {"status": response.status_code, "html": response.content.decode()}
json.dump(report, sys.stdout)
