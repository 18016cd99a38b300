"""Dev-host URLs: the plugin under /sessionroom/ (as the LMS mounts it) and the workbench at the root."""

from django.urls import include, path

urlpatterns = [
    path("sessionroom/", include(("sessionroom_xblock.web.urls", "sessionroom"), namespace="sessionroom")),
    path("", include("workbench.urls")),
]
