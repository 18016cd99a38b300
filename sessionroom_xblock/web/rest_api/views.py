"""``/sessionroom/api/v1/sessions``: the booking system's door to scheduling.

Every write goes through ``scheduling``, so the API refuses exactly what the staff view refuses. Reads
are open to the two participants (their own sessions only) and to staff and service users (all).
"""

from __future__ import annotations

from django.db.models import Q
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ParseError, ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.schemas.openapi import AutoSchema

from sessionroom_xblock import compat, errors, jsontext
from sessionroom_xblock.models import TutoringSession
from sessionroom_xblock.sessions import rooms, scheduling
from sessionroom_xblock.web.rest_api.permissions import SessionPermission, is_service_user
from sessionroom_xblock.web.rest_api.serializers import RescheduleSerializer, SessionFilterSerializer, SessionSerializer


class SessionPagination(PageNumberPagination):
    """Fifty sessions a page; a booking system may ask for up to two hundred."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


class TextJSONParser(JSONParser):
    """JSON whose strings are all text (see ``jsontext``): a lone surrogate or runaway nesting is a 400."""

    def parse(self, stream, media_type=None, parser_context=None):
        """DRF's JSON, then the text check."""
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError as exc:
            raise ParseError("JSON parse error - nested too deeply.") from exc
        if not jsontext.is_text(data):
            raise ParseError("JSON parse error - strings must be valid Unicode text.")
        return data


class SessionSchema(AutoSchema):
    """The generated schema, plus the list's filters and the reschedule body (not the create body)."""

    def get_filter_parameters(self, path, method):
        """The list's query parameters, from the serializer that validates them."""
        if getattr(self.view, "action", None) != "list":
            return []
        return [
            {
                "name": name,
                "in": "query",
                "required": False,
                "description": str(field.help_text or ""),
                "schema": self.map_field(field),
            }
            for name, field in SessionFilterSerializer().fields.items()
        ]

    def get_request_serializer(self, path, method):
        """PATCH takes new times only."""
        if method == "PATCH":
            return RescheduleSerializer()
        return super().get_request_serializer(path, method)


class SessionViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """
    Tutoring sessions.

    POST creates, GET lists (filters: course_id, username, learner, tutor, status, start_after,
    start_before) or reads one, PATCH reschedules (new scheduled_start and/or scheduled_end), and
    POST ``/cancel`` or DELETE cancels (the session is kept, with status ``cancelled``).
    """

    serializer_class = SessionSerializer
    permission_classes = [SessionPermission]
    parser_classes = [TextJSONParser, FormParser, MultiPartParser]
    pagination_class = SessionPagination
    schema = SessionSchema(tags=["sessions"])
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    lookup_value_regex = "[0-9a-f-]{36}"

    def get_authenticators(self):
        """JWT where edx-drf-extensions is installed (the platform), and the browser session always."""
        return [auth() for auth in compat.api_authentication_classes()]

    def get_queryset(self):
        """Everything for staff and service users; otherwise only the sessions the caller takes part in."""
        queryset = TutoringSession.objects.select_related("learner", "tutor").order_by("scheduled_start", "id")
        user = self.request.user
        if not is_service_user(user):
            queryset = queryset.filter(Q(learner=user) | Q(tutor=user))
        return queryset

    def filter_queryset(self, queryset):
        """Apply the list's query parameters (bad values are a 400 naming the parameter)."""
        if self.action != "list":
            return queryset
        filters = SessionFilterSerializer(data=self.request.query_params)
        filters.is_valid(raise_exception=True)
        data = filters.validated_data
        if "course_id" in data:
            queryset = queryset.filter(course_key=data["course_id"])
        if "username" in data:
            queryset = queryset.filter(Q(learner__username=data["username"]) | Q(tutor__username=data["username"]))
        if "learner" in data:
            queryset = queryset.filter(learner__username=data["learner"])
        if "tutor" in data:
            queryset = queryset.filter(tutor__username=data["tutor"])
        if data.get("status"):
            queryset = queryset.filter(status__in=data["status"])
        if "start_after" in data:
            queryset = queryset.filter(scheduled_start__gte=data["start_after"])
        if "start_before" in data:
            queryset = queryset.filter(scheduled_start__lt=data["start_before"])
        return queryset

    def handle_exception(self, exc):
        """Scheduling refusals: 400 with the field's message, 409 for a clash or a session that started."""
        if isinstance(exc, scheduling.SchedulingError) and exc.status == status.HTTP_400_BAD_REQUEST:
            exc = ValidationError({exc.field or "non_field_errors": [exc.text()]})
        elif isinstance(exc, errors.RoomError):
            body = exc.as_payload()
            return Response({"detail": body["message"], **body}, status=exc.status)
        return super().handle_exception(exc)

    def create(self, request, *args, **kwargs):
        """Book a session (staff and service users)."""
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        session = scheduling.create(serializer.booking(), rooms.now_utc())
        return Response(self.get_serializer(session).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        """Reschedule: new scheduled_start and/or scheduled_end."""
        session = self.get_object()
        times = RescheduleSerializer(data=request.data)
        times.is_valid(raise_exception=True)
        start, end = times.new_times(session)
        scheduling.reschedule(session, start, end, rooms.now_utc())
        return Response(self.get_serializer(session).data)

    @action(detail=True, methods=["post"])
    def cancel(self, request, *args, **kwargs):
        """Cancel a session that has not started (cancelling twice is fine)."""
        session = scheduling.cancel(self.get_object())
        return Response(self.get_serializer(session).data)

    def destroy(self, request, *args, **kwargs):
        """DELETE cancels: sessions are kept for attendance and reporting."""
        return self.cancel(request, *args, **kwargs)
