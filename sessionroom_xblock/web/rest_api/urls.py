"""``/sessionroom/api/v1/``: sessions, and the OpenAPI schema that describes them."""

from django.urls import include, path
from rest_framework.permissions import AllowAny
from rest_framework.renderers import JSONOpenAPIRenderer, OpenAPIRenderer
from rest_framework.routers import SimpleRouter
from rest_framework.schemas import get_schema_view

from sessionroom_xblock.web.rest_api.views import SessionViewSet

router = SimpleRouter(trailing_slash=False)
router.trailing_slash = "/?"  # both /sessions and /sessions/ (booking systems differ)
router.register("sessions", SessionViewSet, basename="session")

schema_view = get_schema_view(
    title="Session Room API",
    description="Schedule, reschedule and cancel 1-on-1 tutoring sessions; read attendance-ready session data.",
    version="1.0.0",
    # Described as mounted in the LMS: the schema lists only this API, not the platform's URLs.
    patterns=[path("sessionroom/api/v1/", include(router.urls))],
    public=True,
    permission_classes=[AllowAny],
    renderer_classes=[JSONOpenAPIRenderer, OpenAPIRenderer],
)

urlpatterns = [
    path("schema/", schema_view, name="api-schema"),
    *router.urls,
]
