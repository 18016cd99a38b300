"""Which configured links may become an ``href``: http(s) ones and paths on this site, nothing else.

Authors set links in Studio (checked there) but also in OLX, which skips that check, and operators set
them in ``SESSIONROOM``; a ``javascript:`` or ``data:`` link would run in the learner's page when clicked.
So the links are checked again where they are rendered, and a bad one is dropped for the default.
"""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

log = logging.getLogger(__name__)
_reported: set[tuple[str, str]] = set()
#: What the URL standard removes before parsing: tabs and newlines anywhere, C0 controls and spaces around.
_BROWSER_DROPS = str.maketrans("", "", "\t\n\r")
_C0_AND_SPACE = "".join(chr(code) for code in range(0x21))


def is_safe_link(url: str) -> bool:
    """
    An absolute http(s) URL with a host, or a path on this site (``/path``; not ``//host`` nor ``/\\host``,
    which browsers read as another host). Judged as a browser reads it: without tabs and newlines anywhere,
    nor spaces and control characters around it (``" java\\tscript:"`` is ``javascript:``).
    """
    if not isinstance(url, str):
        return False
    cleaned = url.translate(_BROWSER_DROPS).strip(_C0_AND_SPACE)
    try:
        parts = urlsplit(cleaned)
    except ValueError:
        return False
    if parts.scheme:
        return parts.scheme in ("http", "https") and bool(parts.hostname)
    return cleaned.startswith("/") and cleaned[1:2] not in ("/", "\\")


def safe_link(url: str, source: str) -> str:
    """``url`` when it is safe, else "" (logged once per link and ``source``, the setting or field it came from)."""
    if not url or is_safe_link(url):
        return url or ""
    if (source, url) not in _reported:
        _reported.add((source, url))
        log.warning("Ignored the link in %s: only http(s) links and paths on this site are allowed: %r", source, url)
    return ""
