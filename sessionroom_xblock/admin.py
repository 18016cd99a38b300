"""Django admin for support staff: find a session by person or course, see who came, what they said, what was recorded.

People are raw-id fields: the LMS has millions of users, and a drop-down would load them all.
"""

from django.contrib import admin

from sessionroom_xblock.models import Attendance, Feedback, Recording, ReminderDelivery, TutoringSession

PEOPLE_SEARCH = ("learner__username", "learner__email", "tutor__username", "tutor__email")


class AttendanceInline(admin.TabularInline):
    """Who joined, when, for how long."""

    model = Attendance
    extra = 0
    raw_id_fields = ("user",)
    fields = ("user", "joined_at", "last_seen", "left_at", "seconds_present", "last_failure_at", "via")


class FeedbackInline(admin.TabularInline):
    """Ratings and comments."""

    model = Feedback
    extra = 0
    raw_id_fields = ("author",)
    fields = ("author", "rating", "comment", "created")
    readonly_fields = ("created",)


class RecordingInline(admin.TabularInline):
    """The provider's recordings of the session."""

    model = Recording
    extra = 0
    fields = ("provider_recording_id", "state", "playback_url", "duration_seconds", "size_bytes")


@admin.register(TutoringSession)
class TutoringSessionAdmin(admin.ModelAdmin):
    """Sessions, newest first, filtered by status, provider and course; searched by person or course."""

    list_display = ("id", "course_key", "learner", "tutor", "scheduled_start", "scheduled_end", "status", "provider")
    list_filter = ("status", "provider", "recording_enabled", "course_key")
    list_select_related = ("learner", "tutor")
    search_fields = (*PEOPLE_SEARCH, "course_key", "=id")
    date_hierarchy = "scheduled_start"
    ordering = ("-scheduled_start",)
    raw_id_fields = ("learner", "tutor")
    readonly_fields = ("id", "provider_room_id", "started_at", "ended_at", "created", "modified")
    inlines = (AttendanceInline, FeedbackInline, RecordingInline)


class SessionChildAdmin(admin.ModelAdmin):
    """Rows that belong to a session: searched by the session's people and course."""

    list_select_related = ("session", "session__learner", "session__tutor")
    search_fields = tuple(f"session__{name}" for name in (*PEOPLE_SEARCH, "course_key"))
    raw_id_fields = ("session",)


@admin.register(Attendance)
class AttendanceAdmin(SessionChildAdmin):
    """Presence per participant."""

    list_display = ("session", "user", "joined_at", "left_at", "seconds_present", "via")
    list_filter = ("via",)
    raw_id_fields = ("session", "user")
    list_select_related = (*SessionChildAdmin.list_select_related, "user")


@admin.register(Feedback)
class FeedbackAdmin(SessionChildAdmin):
    """Ratings."""

    list_display = ("session", "author", "rating", "created")
    list_filter = ("rating",)
    raw_id_fields = ("session", "author")
    list_select_related = (*SessionChildAdmin.list_select_related, "author")


@admin.register(Recording)
class RecordingAdmin(SessionChildAdmin):
    """Recordings and their processing state."""

    list_display = ("provider_recording_id", "session", "state", "duration_seconds", "updated")
    list_filter = ("state",)
    search_fields = (*SessionChildAdmin.search_fields, "provider_recording_id")


@admin.register(ReminderDelivery)
class ReminderDeliveryAdmin(SessionChildAdmin):
    """Reminder claims: sent, or claimed and not sent yet (a worker may have crashed)."""

    list_display = ("session", "user", "kind", "scheduled_start", "claimed_at", "sent_at")
    list_filter = ("kind", ("sent_at", admin.EmptyFieldListFilter))
    raw_id_fields = ("session", "user")
    list_select_related = (*SessionChildAdmin.list_select_related, "user")
