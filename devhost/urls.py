"""Dev-host URLs: the plugin under /sessionroom/ (as the LMS mounts it) and the workbench at the root."""

from pathlib import Path

from django.http import HttpResponse
from django.urls import include, path
from django.views.decorators.cache import cache_control

FAVICON = (Path(__file__).parent / "favicon.svg").read_bytes()


@cache_control(max_age=86400, public=True)
def favicon(request):
    """The browser asks every page for /favicon.ico; an icon instead of a 404 on each of them."""
    return HttpResponse(FAVICON, content_type="image/svg+xml")


urlpatterns = [
    path("favicon.ico", favicon),
    path("sessionroom/", include(("sessionroom_xblock.web.urls", "sessionroom"), namespace="sessionroom")),
    path("", include("workbench.urls")),
]
