"""
Security headers for the pages and JSON we serve ourselves, whatever the host's middleware adds.

The direct page is framed by our own room: inside the Learning MFE the chain is MFE (origin A) → LMS
``/xblock/`` (origin B) → provider → our page (after the provider's Leave). Browsers check
``X-Frame-Options: SAMEORIGIN`` against every ancestor, so the LMS's middleware value (DENY, or SAMEORIGIN
in Tutor) blocks that last frame. The page is therefore exempt from X-Frame-Options and says who may frame
it with a CSP ``frame-ancestors`` from settings instead.
"""

from __future__ import annotations

import functools
from urllib.parse import urlsplit

from django.conf import settings

from sessionroom_xblock.conf import setting


def frame_ancestors() -> list[str]:
    """
    ``SESSIONROOM["FRAME_ANCESTORS"]`` when set; otherwise ``'self'`` plus the Learning MFE's origin
    (``LEARNING_MICROFRONTEND_URL``), the two places our room's frame chain passes through.
    """
    configured = setting("FRAME_ANCESTORS")
    if configured:
        return list(configured)
    sources = ["'self'"]
    mfe = urlsplit(getattr(settings, "LEARNING_MICROFRONTEND_URL", "") or "")
    if mfe.scheme and mfe.netloc:
        sources.append(f"{mfe.scheme}://{mfe.netloc}")
    return sources


def with_security_headers(response):
    """Add our CSP ``frame-ancestors``, ``nosniff`` and a referrer policy; exempt from X-Frame-Options."""
    response["Content-Security-Policy"] = "frame-ancestors " + " ".join(frame_ancestors())
    response["X-Content-Type-Options"] = "nosniff"
    # Our URLs carry session ids: other sites (providers, linked resources) never see them.
    response["Referrer-Policy"] = "same-origin"
    response.xframe_options_exempt = True
    return response


def security_headers(view):
    """View decorator form of :func:`with_security_headers`."""

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        return with_security_headers(view(request, *args, **kwargs))

    return wrapped
