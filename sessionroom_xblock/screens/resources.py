"""Templates, static files and translations, wherever they are.

In a built wheel they sit inside the package (setup.py maps the repository's top-level folders in);
in a source checkout (tests, the dev host) they sit beside the package. Both resolve here, and the
wheel test proves the installed layout.
"""

from __future__ import annotations

import threading
from contextlib import contextmanager
from functools import cache
from pathlib import Path

from django.template import Context, Engine, Template
from django.template.backends.django import get_installed_libraries
from django.utils import translation
from django.utils.translation import trans_real

PACKAGE_DIR = Path(__file__).resolve().parents[1]


@cache
def resource_root(folder: str) -> Path:
    """The directory holding ``folder`` (static, templates or translations)."""
    inside = PACKAGE_DIR / folder
    if inside.is_dir():
        return inside
    beside = PACKAGE_DIR.parent / folder
    if beside.is_dir():
        return beside
    raise FileNotFoundError(f"sessionroom_xblock resource folder {folder!r} is missing")


def resource_path(relative: str) -> Path:
    """Path of a resource such as ``templates/prejoin.html``."""
    folder, _, rest = relative.partition("/")
    return resource_root(folder) / rest


def load_text(relative: str) -> str:
    """The text of a resource."""
    return resource_path(relative).read_text(encoding="utf-8")


@cache
def _engine() -> Engine:
    libraries = get_installed_libraries()
    libraries["i18n"] = "xblock.utils.templatetags.i18n"
    return Engine(libraries=libraries, autoescape=True)


@cache
def _compiled(template: str) -> Template:
    """
    ``templates/<template>`` compiled once per process: compiling costs more than rendering, and XBlock's
    ``{% trans %}`` node builds a Django translation catalog the first time each node renders (milliseconds
    per node), so a fresh compile per render made every email and fragment pay for it again.
    """
    return Template(load_text(f"templates/{template}"), engine=_engine())


def render(template: str, context: dict, i18n_service) -> str:
    """Render ``templates/<template>`` with ``{% trans %}`` going through the block's i18n service."""
    try:
        return _compiled(template).render(Context({**context, "_i18n_service": i18n_service}))
    finally:
        if not getattr(_batch, "depth", 0):
            _forget_merged_catalog()


_batch = threading.local()


@contextmanager
def rendering_together():
    """Several ``render`` calls in one language (an email's subject, text and HTML): clean up once, at the end."""
    _batch.depth = getattr(_batch, "depth", 0) + 1
    try:
        yield
    finally:
        _batch.depth -= 1
        if not _batch.depth:
            _forget_merged_catalog()


def _forget_merged_catalog() -> None:
    """
    XBlock's ``{% trans %}`` merges the service's catalog into Django's catalog of the active language while
    it renders, and a compiled node rendering a second time leaves that merged catalog installed: Django would
    then translate the platform's own strings with ours. Drop it, so Django builds a clean one (about 0.6 ms).
    """
    language = translation.get_language()
    if language and trans_real._translations.pop(language, None) is not None:
        trans_real.activate(language)
