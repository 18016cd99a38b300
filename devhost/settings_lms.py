"""
The dev host as the Learning MFE and the LMS serve a unit: what the browser tests trust.

Two hostnames under one registrable domain (``apps.lms.test`` for the MFE, ``lms.test`` for the LMS, as
Tutor's ``apps.local.openedx.io`` and ``local.openedx.io``), mapped to loopback by Chromium's
``--host-resolver-rules``. The LMS's settings that matter to us, as Tutor sets them: every request in one
transaction, X-Frame-Options SAMEORIGIN (``SESSIONROOM_X_FRAME_OPTIONS=DENY`` for edx-platform's default),
sign-in at ``LOGIN_URL`` with ``next``, CSRF checks on handler calls, and no ``?student=`` sign-in: people
sign in with a password, as in the LMS. The workbench (``devhost.settings``) stays the quick demo.
"""

import os

from devhost.settings import *  # noqa: F403
from devhost.settings import ALLOWED_HOSTS, DATABASES, MIDDLEWARE

LMS_HOST = "lms.test"
MFE_HOST = "apps.lms.test"
ALLOWED_HOSTS = [*ALLOWED_HOSTS, LMS_HOST, MFE_HOST]

DATABASES["default"]["ATOMIC_REQUESTS"] = True

MIDDLEWARE = [name for name in MIDDLEWARE if name != "devhost.middleware.DevLoginMiddleware"] + [
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]
X_FRAME_OPTIONS = os.environ.get("SESSIONROOM_X_FRAME_OPTIONS", "SAMEORIGIN")
LOGIN_URL = "/login"
ROOT_URLCONF = "devhost.mfe.urls"

# Set per run by the test fixture, which knows the live server's port (Tutor: http(s)://apps.<LMS_HOST>).
LEARNING_MICROFRONTEND_URL = os.environ.get("SESSIONROOM_MFE_URL", "")
CSRF_TRUSTED_ORIGINS = [LEARNING_MICROFRONTEND_URL] if LEARNING_MICROFRONTEND_URL else []
