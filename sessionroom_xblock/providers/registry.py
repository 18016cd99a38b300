"""Which providers exist, which the operator configured, and how to get one.

Provider modules register themselves by name; the registry imports them lazily so that a site that
never configures plugNmeet never imports its module.
"""

from __future__ import annotations

import importlib
import json
from functools import lru_cache

from sessionroom_xblock.conf import setting
from sessionroom_xblock.providers.base import ProviderNotConfigured, VideoProvider

PROVIDER_MODULES = {
    "p2p": "sessionroom_xblock.providers.p2p",
    "bbb": "sessionroom_xblock.providers.bbb",
    "plugnmeet": "sessionroom_xblock.providers.plugnmeet",
}


def provider_class(name: str) -> type[VideoProvider]:
    """The class of provider ``name``; ``ProviderNotConfigured`` for an unknown name."""
    module_path = PROVIDER_MODULES.get(name)
    if module_path is None:
        raise ProviderNotConfigured(f"Unknown video provider {name!r}.")
    module = importlib.import_module(module_path)
    return module.PROVIDER


def configured_provider_names() -> list[str]:
    """Providers whose settings are complete, in a stable order: only these are offered to authors."""
    providers = setting("PROVIDERS") or {}
    names = []
    for name in PROVIDER_MODULES:
        if name not in providers:
            continue
        try:
            if provider_class(name).is_configured(providers[name]):
                names.append(name)
        except ImportError:
            continue
    return names


def resolve_provider_name(block_choice: str) -> str:
    """The provider a block uses: its own choice, or the site default when it chose none."""
    return block_choice or setting("DEFAULT_PROVIDER")


def get_provider(name: str) -> VideoProvider:
    """
    The provider ``name`` built from ``SESSIONROOM["PROVIDERS"][name]``.

    Instances are kept per configuration, so their HTTP connection pools (keep-alive) serve every join
    instead of opening and tearing down a connection each time; a changed configuration gets a new one.
    """
    config = (setting("PROVIDERS") or {}).get(name)
    cls = provider_class(name)
    if not cls.is_configured(config):
        raise ProviderNotConfigured(f"The video provider {name!r} is not configured on this site.")
    return _provider_for(name, json.dumps(config, sort_keys=True, default=str))


@lru_cache(maxsize=16)
def _provider_for(name: str, config_json: str) -> VideoProvider:
    return provider_class(name)(json.loads(config_json))
