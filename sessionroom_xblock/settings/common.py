"""Settings every environment gets (edx-django-utils calls ``plugin_settings`` with the settings module)."""

import copy

from sessionroom_xblock.conf import DEFAULTS


def plugin_settings(settings):
    """Fill ``SESSIONROOM`` with the defaults of brief §11, keeping whatever the operator already set."""
    configured = getattr(settings, "SESSIONROOM", None) or {}
    merged = copy.deepcopy(DEFAULTS)
    merged.update(configured)
    settings.SESSIONROOM = merged
