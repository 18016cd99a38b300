"""Django app config, registered in the LMS and Studio through the edx-django-utils plugin entry points."""

from django.apps import AppConfig

_SETTINGS = {
    "common": {"relative_path": "settings.common"},
    "production": {"relative_path": "settings.production"},
    "test": {"relative_path": "settings.test"},
}


class SessionRoomConfig(AppConfig):
    """The plugin app: models, URLs under ``/sessionroom/``, settings defaults and Celery tasks."""

    name = "sessionroom_xblock"
    label = "sessionroom_xblock"
    verbose_name = "Session Room"
    default_auto_field = "django.db.models.BigAutoField"

    plugin_app = {
        "url_config": {
            project: {
                "namespace": "sessionroom",
                "regex": r"^sessionroom/",
                "relative_path": "web.urls",
            }
            for project in ("lms.djangoapp", "cms.djangoapp")
        },
        "settings_config": dict.fromkeys(("lms.djangoapp", "cms.djangoapp"), _SETTINGS),
    }

    def ready(self):
        """Register the system checks; join the LMS's account retirement (a no-op outside the platform)."""
        from sessionroom_xblock import checks  # noqa: F401, PLC0415 - importing registers the checks
        from sessionroom_xblock.background.retirement import connect_to_platform_retirement  # noqa: PLC0415 - models load first

        connect_to_platform_retirement()
