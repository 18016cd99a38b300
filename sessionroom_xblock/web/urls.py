"""URLs under ``/sessionroom/`` (the plugin app mounts this module in the LMS and Studio)."""

from django.urls import include, path, re_path

from sessionroom_xblock.web import views

app_name = "sessionroom"

urlpatterns = [
    path("session/<uuid:session_id>/", views.session_page, name="session-page"),
    path("session/<uuid:session_id>/action/<slug:action>/", views.session_action, name="session-action"),
    path("session/<uuid:session_id>/session.ics", views.session_calendar, name="session-calendar"),
    path("api/v1/", include("sessionroom_xblock.web.rest_api.urls")),
    re_path(r"^webhooks/(?P<provider>[a-z0-9]+)/(?P<suffix>[a-z-]*)/?$", views.webhook, name="webhook"),
]
