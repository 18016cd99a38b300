"""Install Session Room into the Open edX images Tutor builds, and write its ``SESSIONROOM`` setting.

Every value is a Tutor setting prefixed ``SESSIONROOM_``: ``tutor config save --set SESSIONROOM_...=...``.
Secrets are the video providers' own (the operator copies them in), so nothing is generated here.
"""

from tutor import hooks
from tutorsessionroom import __version__

hooks.Filters.CONFIG_DEFAULTS.add_items(
    [
        # What pip installs into the openedx image: a version pin (the default: the package released with
        # this plugin), a wheel URL or a git URL (docs/install.md).
        ("SESSIONROOM_PIP_REQUIREMENT", f"sessionroom-xblock=={__version__}"),
        # Tutor runs Celery workers but no beat: the self-re-chaining sweep on the LMS and Studio workers
        # sends reminders, closes sessions and syncs recordings (one chain across all workers, held by a
        # lock in the shared Redis cache). Turn it off only when cron runs the sweeps instead.
        ("SESSIONROOM_SWEEP_ENABLED", True),
        ("SESSIONROOM_DEFAULT_PROVIDER", "p2p"),
        ("SESSIONROOM_ICE_SERVERS", []),  # your STUN/TURN servers: [{"urls": "stun:stun.example.org:3478"}]
        ("SESSIONROOM_P2P_FALLBACK", ""),
        ("SESSIONROOM_BBB_URL", ""),
        ("SESSIONROOM_BBB_SECRET", ""),
        ("SESSIONROOM_BBB_CHECKSUM", "sha256"),
        ("SESSIONROOM_PLUGNMEET_URL", ""),
        ("SESSIONROOM_PLUGNMEET_API_KEY", ""),
        ("SESSIONROOM_PLUGNMEET_API_SECRET", ""),
        ("SESSIONROOM_BOOKING_URL", ""),
        ("SESSIONROOM_DASHBOARD_URL", "/dashboard"),
        ("SESSIONROOM_API_SERVICE_USERS", []),
        ("SESSIONROOM_API_SERVICE_GROUP", ""),
    ]
)

# Installed after the platform's requirements, the way Tutor installs OPENEDX_EXTRA_PIP_REQUIREMENTS.
hooks.Filters.ENV_PATCHES.add_item(
    (
        "openedx-dockerfile-post-python-requirements",
        "RUN --mount=type=cache,target=/openedx/.cache/pip,sharing=shared \\\n"
        "    $PIP_COMMAND install '{{ SESSIONROOM_PIP_REQUIREMENT }}'",
    )
)

# LMS and Studio alike (the plugin app runs in both). tojson writes strings, lists and dicts of
# strings as valid Python literals, quoted safely; providers without their keys are left out.
hooks.Filters.ENV_PATCHES.add_item(
    (
        "openedx-common-settings",
        """
# Session Room (tutor-contrib-sessionroom)
SESSIONROOM = {
    "DEFAULT_PROVIDER": {{ SESSIONROOM_DEFAULT_PROVIDER|tojson }},
    "PROVIDERS": {
        "p2p": {"ICE_SERVERS": {{ SESSIONROOM_ICE_SERVERS|tojson }}, "FALLBACK": {{ SESSIONROOM_P2P_FALLBACK|tojson }}},
        {% if SESSIONROOM_BBB_URL %}"bbb": {
            "URL": {{ SESSIONROOM_BBB_URL|tojson }},
            "SECRET": {{ SESSIONROOM_BBB_SECRET|tojson }},
            "CHECKSUM": {{ SESSIONROOM_BBB_CHECKSUM|tojson }},
        },{% endif %}
        {% if SESSIONROOM_PLUGNMEET_URL %}"plugnmeet": {
            "URL": {{ SESSIONROOM_PLUGNMEET_URL|tojson }},
            "API_KEY": {{ SESSIONROOM_PLUGNMEET_API_KEY|tojson }},
            "API_SECRET": {{ SESSIONROOM_PLUGNMEET_API_SECRET|tojson }},
        },{% endif %}
    },
    "BOOKING_URL": {{ SESSIONROOM_BOOKING_URL|tojson }},
    "DASHBOARD_URL": {{ SESSIONROOM_DASHBOARD_URL|tojson }},
    "LMS_ROOT_URL": "{% if ENABLE_HTTPS %}https{% else %}http{% endif %}://{{ LMS_HOST }}",
    "API_SERVICE_USERS": {{ SESSIONROOM_API_SERVICE_USERS|tojson }},
    "API_SERVICE_GROUP": {{ SESSIONROOM_API_SERVICE_GROUP|tojson }},
    "SWEEP_ENABLED": {% if SESSIONROOM_SWEEP_ENABLED %}True{% else %}False{% endif %},
}
""",
    )
)
