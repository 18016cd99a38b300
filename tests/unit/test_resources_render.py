"""Rendering a compiled template again must not leave our catalog inside Django's."""

import gettext

from django.utils import translation

from sessionroom_xblock.screens.resources import render, rendering_together


class Catalog(gettext.NullTranslations):
    """A catalog as the LMS's i18n service exposes it (``_catalog``, ``plural``), with one message."""

    def __init__(self, messages):
        super().__init__()
        self._catalog = messages
        self.plural = lambda n: int(n != 1)


def test_our_catalog_does_not_stay_merged_into_djangos():
    service = Catalog({"This session has ended.": "Esta sesión terminó (nuestra)."})
    with translation.override("es"):
        for _ in range(3):
            html = render("message.html", {"message": "This session has ended."}, service)
            assert "Esta sesión terminó (nuestra)." in html
        assert translation.gettext("This session has ended.") == "This session has ended."


def test_templates_rendered_together_clean_up_once_at_the_end():
    service = Catalog({"This session has ended.": "Esta sesión terminó (nuestra)."})
    with translation.override("es"):
        with rendering_together():
            for _ in range(3):
                assert "(nuestra)" in render("message.html", {"message": "This session has ended."}, service)
        assert translation.gettext("This session has ended.") == "This session has ended."
