"""Templates, static files and translations, wherever they are.

In a built wheel they sit inside the package (setup.py maps the repository's top-level folders in);
in a source checkout (tests, the dev host) they sit beside the package. Both resolve here, and the
wheel test proves the installed layout.
"""

from __future__ import annotations

from contextlib import contextmanager
from functools import cache
from pathlib import Path

from django.conf import settings
from django.template import Context, Engine, Template
from django.template.backends.django import get_installed_libraries
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
    return Engine(libraries=get_installed_libraries(), autoescape=True)


@cache
def _compiled(template: str) -> Template:
    """``templates/<template>`` compiled once per process: compiling costs more than rendering."""
    return Template(load_text(f"templates/{template}"), engine=_engine())


def render(template: str, context: dict, i18n_service) -> str:
    """Render ``templates/<template>``; ``{% trans %}`` asks the block's i18n service first (``_ServiceFirst``)."""
    with _translating_with(i18n_service):
        return _compiled(template).render(Context(context))


class _ServiceFirst:
    """
    Django's active translation with the block's i18n service in front of it: our messages come from our
    catalog, anything else from Django's (the platform's), which is read and never changed.

    XBlock's own ``{% trans %}`` tag instead merges the service's catalog into Django's catalog of the
    language and restores a copy afterwards; a compiled node rendering again left ours merged in, and the
    only clean-up was to drop Django's catalog, which the LMS then rebuilt (all its apps' catalogs) on the
    next render. Putting this object in front for one render changes nothing shared and builds nothing.
    """

    def __init__(self, service, django_translation):
        self._service = service
        self._django = django_translation
        self._asking = False

    def gettext(self, message):
        """Ours when the service knows ``message``, else Django's (``pgettext`` arrives here too)."""
        found = self._ask("gettext", message)
        return found if found not in (None, message) else self._django.gettext(message)

    def ngettext(self, singular, plural, number):
        """Plural forms, ours first (``npgettext`` arrives here too)."""
        found = self._ask("ngettext", singular, plural, number)
        untranslated = singular if number == 1 else plural
        return found if found not in (None, untranslated) else self._django.ngettext(singular, plural, number)

    def _ask(self, method, *args):
        """
        The service's answer, or None when the service asks Django back: the LMS's service for a language we
        ship no catalog for is ``django.utils.translation`` itself, which would land here again.
        """
        if self._asking:
            return None
        self._asking = True
        try:
            return getattr(self._service, method)(*args)
        finally:
            self._asking = False

    def __getattr__(self, name):
        """Everything else (``to_language``, ``language``…) is Django's."""
        return getattr(self._django, name)


@contextmanager
def _translating_with(service):
    """
    While rendering, Django's translation functions in this thread (or task) go through ``service`` first.

    Django keeps the active translation in ``trans_real._active`` (per thread and per asyncio task); this
    sets it for the render and puts back what was there.
    """
    if service is None:
        yield
        return
    active = trans_real._active
    had_one = hasattr(active, "value")
    previous = getattr(active, "value", None)
    active.value = _ServiceFirst(service, previous if had_one else trans_real.translation(settings.LANGUAGE_CODE))
    try:
        yield
    finally:
        if had_one:
            active.value = previous
        else:
            del active.value
