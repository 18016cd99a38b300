"""The dev host: the XBlock SDK workbench plus the plugin app, as the LMS would install it.

SQLite, eager Celery and the p2p provider by default. ``SESSIONROOM_DB=mysql`` (or ``postgresql``) points
the database at the local server, which is how the suite runs on MariaDB, Open edX's database.
"""

import os
from pathlib import Path

import django
from workbench.settings import *  # noqa: F403
from workbench.settings import INSTALLED_APPS, MIDDLEWARE, WORKBENCH

from sessionroom_xblock.settings.common import plugin_settings

REPO = Path(__file__).resolve().parent.parent
VAR = Path(os.environ.get("SESSIONROOM_VAR", REPO / "var"))
VAR.mkdir(parents=True, exist_ok=True)

SECRET_KEY = os.environ.get("SESSIONROOM_SECRET_KEY", "dev-host-only-not-secret")
DEBUG = os.environ.get("SESSIONROOM_DEBUG", "1") == "1"
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]", "testserver"]

_DB = os.environ.get("SESSIONROOM_DB", "sqlite")
if _DB == "mysql":
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.mysql",
            "NAME": os.environ.get("SESSIONROOM_DB_NAME", "test"),
            "USER": os.environ.get("SESSIONROOM_DB_USER", "root"),
            "PASSWORD": os.environ.get("SESSIONROOM_DB_PASSWORD", ""),
            "HOST": os.environ.get("SESSIONROOM_DB_HOST", "127.0.0.1"),
            "PORT": os.environ.get("SESSIONROOM_DB_PORT", "3306"),
            "OPTIONS": {"charset": "utf8mb4"},
            "TEST": {"CHARSET": "utf8mb4", "COLLATION": "utf8mb4_unicode_ci"},
        }
    }
elif _DB == "postgresql":
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": os.environ.get("SESSIONROOM_DB_NAME", "test"),
            "USER": os.environ.get("SESSIONROOM_DB_USER", "postgres"),
            "HOST": os.environ.get("SESSIONROOM_DB_HOST", "127.0.0.1"),
            "PORT": os.environ.get("SESSIONROOM_DB_PORT", "5432"),
        }
    }
else:
    # Two browsers write at once (signaling, heartbeats): a transaction that starts as a reader and then
    # writes fails at once with "database is locked"; taking the write lock up front makes it wait instead.
    # (WAL was tried: with the test server's many short-lived connections it raised "disk I/O error".)
    _SQLITE_CONCURRENCY = {"transaction_mode": "IMMEDIATE"} if django.VERSION >= (5, 1) else {}
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": os.environ.get("SESSIONROOM_SQLITE", str(VAR / "devhost.db")),
            "OPTIONS": {"timeout": 20, **_SQLITE_CONCURRENCY},
            # A file, not the in-memory default: the browser tests' live server answers two browsers'
            # parallel requests, and threads sharing one in-memory connection interleave transactions.
            "TEST": {"NAME": os.environ.get("SESSIONROOM_TEST_SQLITE", str(VAR / "test.db"))},
        }
    }

# xblock-sdk 0.14 (the Python 3.11 line) lists djpyfs, the workbench's file-system service, whose models
# no longer load on Django 5.1+; Session Room never asks for that service, so the dev host leaves it out.
INSTALLED_APPS = [app for app in INSTALLED_APPS if app != "djpyfs"] + [
    "rest_framework",
    "sessionroom_xblock",
    "devhost",
]
MIDDLEWARE = [
    *MIDDLEWARE,
    "crum.CurrentRequestUserMiddleware",
    "devhost.middleware.DevLoginMiddleware",
]
# A real app server runs several processes: they must share the cache (signaling mailbox, presence, rate
# limits), as the LMS's Redis is shared. SESSIONROOM_REDIS_URL points the cache at Redis; without it, the
# process-local default serves the test suite's single-process server.
if os.environ.get("SESSIONROOM_REDIS_URL"):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": os.environ["SESSIONROOM_REDIS_URL"],
            "KEY_PREFIX": os.environ.get("SESSIONROOM_CACHE_PREFIX", "sessionroom-devhost"),
        }
    }
# As the LMS runs: every request in one transaction.
if os.environ.get("SESSIONROOM_ATOMIC_REQUESTS") == "1":
    DATABASES["default"]["ATOMIC_REQUESTS"] = True
# The load benchmark counts the database writes of every request (devhost.middleware.WriteCounterMiddleware).
if os.environ.get("SESSIONROOM_COUNT_WRITES") == "1":
    MIDDLEWARE = ["devhost.middleware.WriteCounterMiddleware", *MIDDLEWARE]
ROOT_URLCONF = "devhost.urls"
LOGIN_URL = "/"
TIME_ZONE = "UTC"
LANGUAGES = [("en", "English"), ("es", "Español")]

WORKBENCH = {
    **WORKBENCH,
    "services": {
        **WORKBENCH.get("services", {}),
        "user": "devhost.services.DevUserService",
        "i18n": "sessionroom_xblock.screens.i18n.BundledI18nService",
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"file": {"class": "logging.FileHandler", "filename": str(VAR / "devhost.log")}},
    "root": {"handlers": ["file"], "level": "INFO"},
}

EMAIL_BACKEND = os.environ.get("SESSIONROOM_EMAIL_BACKEND", "django.core.mail.backends.filebased.EmailBackend")
EMAIL_FILE_PATH = str(VAR / "emails")
DEFAULT_FROM_EMAIL = "Session Room <sessions@example.org>"

CELERY_BROKER_URL = os.environ.get("SESSIONROOM_BROKER_URL", "memory://")
CELERY_TASK_ALWAYS_EAGER = os.environ.get("SESSIONROOM_CELERY_EAGER", "1") == "1"
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"

_PROVIDERS = {"p2p": {"ICE_SERVERS": [], "FALLBACK": os.environ.get("SESSIONROOM_P2P_FALLBACK", "")}}
if os.environ.get("SESSIONROOM_BBB_URL"):
    _PROVIDERS["bbb"] = {
        "URL": os.environ["SESSIONROOM_BBB_URL"],
        "SECRET": os.environ.get("SESSIONROOM_BBB_SECRET", ""),
    }
if os.environ.get("SESSIONROOM_PLUGNMEET_URL"):
    _PROVIDERS["plugnmeet"] = {
        "URL": os.environ["SESSIONROOM_PLUGNMEET_URL"],
        "API_KEY": os.environ.get("SESSIONROOM_PLUGNMEET_API_KEY", ""),
        "API_SECRET": os.environ.get("SESSIONROOM_PLUGNMEET_API_SECRET", ""),
    }

SESSIONROOM = {
    "DEFAULT_PROVIDER": os.environ.get("SESSIONROOM_DEFAULT_PROVIDER", "p2p"),
    "PROVIDERS": _PROVIDERS,
    # Empty: links follow the request's host, so the dev host works on any port; set it to pin one.
    "LMS_ROOT_URL": os.environ.get("SESSIONROOM_ROOT_URL", ""),
    "WORKBENCH_COURSE_KEY": "course-v1:SessionRoom+Algebra101+2026",
    "COURSE_TITLES": {"course-v1:SessionRoom+Algebra101+2026": "Algebra I: Linear Equations"},
    "DASHBOARD_URL": "/",
    # The demo's people live in different places, as their LMS time zone and language preferences would say.
    "DEV_USER_PREFERENCES": {
        "learner": {"time_zone": "America/Bogota", "language": "es"},
        "tutor": {"time_zone": "Europe/Madrid", "language": "en"},
    },
}
plugin_settings(__import__("sys").modules[__name__])

# The dev host runs no periodic work (no worker, no beat, no cron): `manage.py sessionroom_send_reminders`
# and the other sweep commands run when you call them. Its start-up warning would only repeat that.
SILENCED_SYSTEM_CHECKS = ["sessionroom_xblock.W001"]
