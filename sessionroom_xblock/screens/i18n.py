"""Translations bundled with the package (``translations/<lang>/LC_MESSAGES/text.mo``, domain ``text``).

The LMS's XBlock i18n service already falls back to this file for third-party blocks. The direct page and
the dev host have no such service, so ``BundledI18nService`` provides the same interface from the same
catalog, in Django's active language.
"""

from __future__ import annotations

import gettext as gettext_module
import json
from functools import cache

from django.utils import translation

from sessionroom_xblock.screens.resources import resource_root

DOMAIN = "text"


@cache
def catalog(language: str) -> gettext_module.NullTranslations:
    """The compiled catalog for ``language`` (``es``, ``es-419``…), or a pass-through."""
    candidates = [translation.to_locale(language), language.split("-")[0]]
    try:
        return gettext_module.translation(DOMAIN, localedir=str(resource_root("translations")), languages=candidates)
    except (FileNotFoundError, OSError):
        return gettext_module.NullTranslations()


@cache
def javascript_catalog(language: str) -> str:
    """
    ``window.SessionRoomI18N`` for ``language``: the scripts' messages only, inlined with the fragment.

    Plurals use the "one / other" rule, right for English, Spanish and the languages we ship.
    """
    candidates = [translation.to_locale(language), language.split("-")[0]]
    try:
        catalog = gettext_module.translation(
            "textjs", localedir=str(resource_root("translations")), languages=candidates
        )._catalog
    except (FileNotFoundError, OSError):
        catalog = {}
    messages: dict[str, object] = {}
    for key, value in catalog.items():
        if isinstance(key, tuple):
            messages.setdefault(key[0], []).append(value)
        elif key:
            messages[key] = value
    return _JS_CATALOG.replace("__MESSAGES__", json.dumps(messages, ensure_ascii=False, sort_keys=True))


_JS_CATALOG = """window.SessionRoomI18N = (function (messages) {
  "use strict";
  return {
    gettext: function (text) { var found = messages[text]; return typeof found === "string" ? found : text; },
    ngettext: function (one, other, count) {
      var found = messages[one];
      if (Array.isArray(found)) { return found[count === 1 ? 0 : 1] || (count === 1 ? one : other); }
      return count === 1 ? one : other;
    }
  };
}(__MESSAGES__));"""


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

    def __getattr__(self, name):
        """Like the LMS's service: anything else (``_catalog``, ``_fallback``…) is the active catalog's.

        XBlock's ``{% trans %}`` merges ``service._catalog`` into Django's catalog while it renders.
        """
        return getattr(active_catalog(), name)

    @property
    def translation(self):
        """Some callers read ``service.translation`` as a gettext object."""
        return active_catalog()

    def strftime(self, value, fmt):
        """Date formatting, as the LMS service offers it."""
        return value.strftime(fmt)
