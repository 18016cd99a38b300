"""Translations bundled with the package (``translations/<lang>/LC_MESSAGES/text.mo``, domain ``text``).

The LMS's XBlock i18n service already falls back to this file for third-party blocks. The direct page and
the dev host have no such service, so ``BundledI18nService`` provides the same interface from the same
catalog, in Django's active language.
"""

from __future__ import annotations

import gettext as gettext_module
from functools import cache

from django.utils import translation

from sessionroom_xblock.resources import resource_root

DOMAIN = "text"


@cache
def catalog(language: str) -> gettext_module.NullTranslations:
    """The compiled catalog for ``language`` (``es``, ``es-419``…), or a pass-through."""
    candidates = [translation.to_locale(language), language.split("-")[0]]
    try:
        return gettext_module.translation(DOMAIN, localedir=str(resource_root("translations")), languages=candidates)
    except (FileNotFoundError, OSError):
        return gettext_module.NullTranslations()


def active_catalog() -> gettext_module.NullTranslations:
    """The catalog of the language Django is rendering in."""
    return catalog(translation.get_language() or "en")


class BundledI18nService:
    """The XBlock i18n service interface over the bundled catalog."""

    runtime = None

    def gettext(self, message: str) -> str:
        """Translate ``message``."""
        return active_catalog().gettext(message)

    ugettext = gettext

    def ngettext(self, singular: str, plural: str, count: int) -> str:
        """Translate with plural forms."""
        return active_catalog().ngettext(singular, plural, count)

    ungettext = ngettext

    def pgettext(self, context: str, message: str) -> str:
        """Translate with a disambiguating context."""
        return active_catalog().pgettext(context, message)

    def npgettext(self, context: str, singular: str, plural: str, count: int) -> str:
        """Translate with context and plural forms."""
        return active_catalog().npgettext(context, singular, plural, count)

    @property
    def translation(self):
        """Some callers read ``service.translation`` as a gettext object."""
        return active_catalog()

    def strftime(self, value, fmt):
        """Date formatting, as the LMS service offers it."""
        return value.strftime(fmt)
