"""Test settings: the common defaults."""

from sessionroom_xblock.settings.common import plugin_settings as common_plugin_settings


def plugin_settings(settings):
    """Same defaults as common."""
    common_plugin_settings(settings)
