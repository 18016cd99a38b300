"""How sessions look on the wire: course and usage ids as strings, people as usernames, times with offsets."""

from __future__ import annotations

from django.utils.dateparse import parse_datetime
from opaque_keys import InvalidKeyError
from opaque_keys.edx.keys import CourseKey, UsageKey
from rest_framework import serializers

from sessionroom_xblock.models import TutoringSession
from sessionroom_xblock.sessions import scheduling
from sessionroom_xblock.sessions.links import session_page_url


class OpaqueKeyField(serializers.Field):
    """An opaque key (course or usage id) given and shown as its string."""

    default_error_messages = {"invalid": "“{value}” is not a valid id."}

    def __init__(self, key_class, **kwargs):
        self.key_class = key_class
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        """Parse the id, or refuse it by name."""
        try:
            return self.key_class.from_string(str(data))
        except InvalidKeyError:
            self.fail("invalid", value=data)

    def to_representation(self, value):
        """The id's string."""
        return str(value)


class UserField(serializers.Field):
    """A person by username, email or id (as booking systems know them); shown as the username."""

    def to_internal_value(self, data):
        """The user, or the scheduling service's message for an unknown one."""
        try:
            return scheduling.resolve_user(data, self.field_name)
        except scheduling.SchedulingError as exc:
            raise serializers.ValidationError(exc.text()) from exc

    def to_representation(self, value):
        """The username."""
        return value.username


class OffsetDateTimeField(serializers.DateTimeField):
    """An ISO 8601 time that must say which offset it is in: a booking system's "10:00" is ambiguous."""

    default_error_messages = {"naive": "Include a UTC offset, for example 2026-11-26T14:00:00Z."}

    def to_internal_value(self, value):
        """Refuse naive times instead of guessing the server's zone; DRF parses the rest."""
        if isinstance(value, str):
            try:
                raw = parse_datetime(value)
            except ValueError:
                raw = None
            if raw is not None and raw.tzinfo is None:
                self.fail("naive")
        return super().to_internal_value(value)


class SessionSerializer(serializers.ModelSerializer):
    """A tutoring session as the API shows it and takes it on create."""

    course_id = OpaqueKeyField(CourseKey, source="course_key")
    usage_id = OpaqueKeyField(UsageKey, source="usage_key", required=False, allow_null=True)
    learner = UserField()
    tutor = UserField()
    scheduled_start = OffsetDateTimeField()
    scheduled_end = OffsetDateTimeField()
    url = serializers.SerializerMethodField(help_text="The session's own page, for links in the booking system.")

    class Meta:
        model = TutoringSession
        fields = (
            "id",
            "course_id",
            "usage_id",
            "learner",
            "tutor",
            "scheduled_start",
            "scheduled_end",
            "status",
            "provider",
            "recording_enabled",
            "started_at",
            "ended_at",
            "created",
            "modified",
            "url",
        )
        read_only_fields = ("id", "status", "provider", "started_at", "ended_at", "created", "modified", "url")

    def get_url(self, session) -> str:
        """Absolute URL of ``/sessionroom/session/<id>/``."""
        request = self.context.get("request")
        return session_page_url(session, request.build_absolute_uri("/") if request else "")

    def booking(self) -> scheduling.Booking:
        """The validated data as a booking for the scheduling service."""
        data = self.validated_data
        return scheduling.Booking(
            course_key=data["course_key"],
            usage_key=data.get("usage_key"),
            learner=data["learner"],
            tutor=data["tutor"],
            start=data["scheduled_start"],
            end=data["scheduled_end"],
            recording_enabled=data.get("recording_enabled", False),
        )


class RescheduleSerializer(serializers.Serializer):
    """A new time: start, end, or both (a new start alone keeps the session's length)."""

    scheduled_start = OffsetDateTimeField(required=False)
    scheduled_end = OffsetDateTimeField(required=False)

    def validate(self, attrs):
        """Only times can change here, and at least one must be given."""
        unknown = sorted(set(self.initial_data) - set(self.fields))
        if unknown:
            raise serializers.ValidationError(
                {name: ["Only scheduled_start and scheduled_end can be changed here."] for name in unknown}
            )
        if not attrs:
            raise serializers.ValidationError({"scheduled_start": ["Give a new scheduled_start or scheduled_end."]})
        return attrs

    def new_times(self, session: TutoringSession):
        """(start, end) after the change."""
        start = self.validated_data.get("scheduled_start", session.scheduled_start)
        if "scheduled_end" in self.validated_data:
            return start, self.validated_data["scheduled_end"]
        try:
            return start, start + (session.scheduled_end - session.scheduled_start)
        except OverflowError as exc:  # a start in the calendar's last hours
            raise scheduling.too_far_ahead() from exc


class SessionFilterSerializer(serializers.Serializer):
    """The list's query parameters."""

    course_id = OpaqueKeyField(CourseKey, required=False)
    username = serializers.CharField(required=False, help_text="Sessions where this user is learner or tutor.")
    learner = serializers.CharField(required=False)
    tutor = serializers.CharField(required=False)
    status = serializers.CharField(required=False, help_text="One status or several, comma-separated.")
    start_after = OffsetDateTimeField(required=False, help_text="Sessions starting at or after this time.")
    start_before = OffsetDateTimeField(required=False, help_text="Sessions starting before this time.")

    def validate_status(self, value):
        """Known statuses only."""
        statuses = [item.strip() for item in value.split(",") if item.strip()]
        unknown = sorted(set(statuses) - set(TutoringSession.Status.values))
        if unknown:
            raise serializers.ValidationError(
                f"Unknown status {', '.join(unknown)}; use {', '.join(TutoringSession.Status.values)}."
            )
        return statuses
