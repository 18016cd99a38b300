"""Rendering our templates translates with our catalog, leaves Django's catalog alone and builds none.

XBlock's ``{% trans %}`` merged our catalog into Django's and the only clean-up was to drop Django's catalog
after each render; in the LMS that rebuilt the whole platform's catalog on every render.
"""

import gettext

from django.utils import translation
from django.utils.translation import trans_real

from sessionroom_xblock.screens.resources import render

OURS = {"This session has ended.": "Esta sesión terminó (nuestra)."}


class Catalog(gettext.NullTranslations):
    """A catalog as the LMS's i18n service exposes it (``gettext``, ``ngettext``), with our messages."""

    def __init__(self, messages):
        super().__init__()
        self._catalog = messages

    def gettext(self, message):
        return self._catalog.get(message, message)


def count_catalog_builds(monkeypatch) -> list:
    """Every DjangoTranslation built from now on (the LMS builds one from all its apps' catalogs)."""
    built = []
    original = trans_real.DjangoTranslation.__init__

    def counting(self, *args, **kwargs):
        built.append(args[0] if args else kwargs.get("language"))
        original(self, *args, **kwargs)

    monkeypatch.setattr(trans_real.DjangoTranslation, "__init__", counting)
    return built


def test_renders_build_no_translation_catalog(monkeypatch):
    service = Catalog(OURS)
    with translation.override("es"):
        render("message.html", {"message": "This session has ended."}, service)  # Django's "es" exists now
        django_catalog = trans_real.translation("es")
        built = count_catalog_builds(monkeypatch)
        for _ in range(5):
            html = render("message.html", {"message": "This session has ended."}, service)
            assert "Esta sesión terminó (nuestra)." in html
        assert built == []
        assert trans_real.translation("es") is django_catalog


def test_our_catalog_never_enters_djangos():
    service = Catalog(OURS)
    with translation.override("es"):
        for _ in range(3):
            assert "(nuestra)" in render("message.html", {"message": "This session has ended."}, service)
        assert translation.gettext("This session has ended.") == "This session has ended."


def test_messages_we_do_not_translate_come_from_djangos_catalog():
    with translation.override("es"):
        djangos = translation.gettext("This field is required.")
        html = render("message.html", {"message": "This field is required."}, Catalog(OURS))
    assert djangos != "This field is required." and djangos in html


def test_the_active_language_is_kept_during_and_after_a_render():
    with translation.override("es"):
        render("message.html", {"message": "This session has ended."}, Catalog(OURS))
        assert translation.get_language() == "es"
    assert translation.get_language() != "es"


def test_a_service_that_is_djangos_own_translation_renders():
    """The LMS's i18n service, for a language we ship no catalog for, is ``django.utils.translation``."""
    with translation.override("es"):
        djangos = translation.gettext("This field is required.")
        html = render("message.html", {"message": "This field is required."}, translation)
    assert djangos in html
