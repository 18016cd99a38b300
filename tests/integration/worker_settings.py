"""Settings of the Celery workers the integration tests start: the dev host, plus what the test asks for.

The test process passes everything through the environment: the database (SQLite file or MariaDB), the
Redis broker and a queue name of its own (so a run never sees another run's messages), and the sweep's
numbers, shortened so crash recovery and chain takeover happen within seconds.
"""

import os

from devhost.settings import *  # noqa: F403
from devhost.settings import SESSIONROOM

_REDIS = os.environ["SESSIONROOM_BROKER_URL"]
_QUEUE = os.environ["SESSIONROOM_TEST_QUEUE"]

# A worker may stand for Studio's next to the LMS's: its own default queue, the same cache (as in Tutor).
CELERY_TASK_DEFAULT_QUEUE = os.environ.get("SESSIONROOM_TEST_DEFAULT_QUEUE", _QUEUE)
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": _REDIS, "KEY_PREFIX": _QUEUE}
}
SESSIONROOM = {
    **SESSIONROOM,
    "REMINDER_LEASE_SECONDS": int(os.environ.get("SESSIONROOM_TEST_LEASE", "3")),
    "REMINDER_BATCH_SIZE": int(os.environ.get("SESSIONROOM_TEST_BATCH", "500")),
    "SWEEP_ENABLED": os.environ.get("SESSIONROOM_TEST_SWEEP", "0") == "1",
    "SWEEP_INTERVAL_SECONDS": 1,
    "SWEEP_HEARTBEAT_SECONDS": 4,
}
