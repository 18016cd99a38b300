"""Translations: the Spanish catalog is complete and compiled, and the screens and scripts use it."""

import gettext
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.utils import translation

from sessionroom_xblock.screens.i18n import javascript_catalog
from tests.factories import make_block

REPO = Path(__file__).resolve().parents[2]
LOCALES = REPO / "translations"
needs_gettext = pytest.mark.skipif(not shutil.which("msgfmt"), reason="GNU gettext (msgfmt) is not installed")


@pytest.mark.django_db
def test_the_block_speaks_spanish(session):
    with translation.override("es"):
        html = make_block("learner").render("student_view").body_html()
    assert "Unirse a la sesión" in html and "Comprobación de dispositivos" in html
    assert "Asegúrate de tener buena iluminación" in html
    assert "Join Session" not in html


def test_scripts_get_their_messages_in_spanish():
    catalog = javascript_catalog("es")
    assert catalog.startswith("window.SessionRoomI18N")
    assert '"Unable to connect.": "No se pudo conectar."' in catalog
    assert "Camera preview" not in catalog, "only the scripts' own messages are inlined"
    assert '"Unable to connect."' not in javascript_catalog("en").split("}(", 1)[1].replace(
        '"Unable to connect.": "Unable to connect."', ""
    )


@needs_gettext
def test_spanish_is_complete():
    result = subprocess.run(
        [sys.executable, str(REPO / "scripts" / "i18n.py"), "check"], capture_output=True, text=True, cwd=REPO
    )
    assert result.returncode == 0, result.stdout + result.stderr


@needs_gettext
@pytest.mark.parametrize("language", ["en", "es"])
def test_compiled_catalogs_match_their_sources(tmp_path, language):
    po = LOCALES / language / "LC_MESSAGES" / "text.po"
    fresh = tmp_path / "text.mo"
    subprocess.run(["msgfmt", "-o", str(fresh), str(po)], check=True)
    shipped = gettext.GNUTranslations((po.with_suffix(".mo")).open("rb"))._catalog
    rebuilt = gettext.GNUTranslations(fresh.open("rb"))._catalog
    assert {k: v for k, v in shipped.items() if k} == {k: v for k, v in rebuilt.items() if k}, (
        "run make compile_translations"
    )


@pytest.mark.django_db
def test_the_staff_screen_scripts_speak_spanish_too(staff):
    with translation.override("es"):
        fragment = make_block("staff").render("student_view")
    scripts = "".join(resource.data for resource in fragment.resources if resource.kind == "text")
    assert "window.SessionRoomI18N" in scripts and '"Unable to connect.": "No se pudo conectar."' in scripts
    assert "window.SessionRoomCommon" in scripts
