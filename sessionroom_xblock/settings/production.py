"""Production settings: the operator's YAML is already in the settings namespace; only fill gaps."""

from sessionroom_xblock.settings.common import plugin_settings as common_plugin_settings


def plugin_settings(settings):
    """Same defaults as common; production reads nothing extra today."""
    common_plugin_settings(settings)
