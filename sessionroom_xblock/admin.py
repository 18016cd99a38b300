"""Django admin for support staff: find a session by person or course, see who came, what they said, what was recorded.

People are raw-id fields: the LMS has millions of users, and a drop-down would load them all.
"""

from django.contrib import admin, messages
from django.utils import timezone
from django.utils.timesince import timesince
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from sessionroom_xblock.background import sweep_runs
from sessionroom_xblock.models import Attendance, Feedback, Recording, ReminderDelivery, SweepRun, TutoringSession

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


def periodic_work_messages(request) -> None:
    """
    Put the sweeps' last runs and the overdue reminders at the top of the page, as warnings when late: a
    site where nothing periodic runs sees it here instead of through learners who got no reminder.
    """
    now = timezone.now()
    state = sweep_runs.status(now)
    for name, run in state.runs.items():
        if run is None or run.last_finished_at is None:
            messages.warning(request, _("The %(sweep)s sweep has never run.") % {"sweep": name})
            continue
        text = _("The %(sweep)s sweep last ran %(ago)s ago.") % {
            "sweep": name,
            "ago": timesince(run.last_finished_at, now),
        }
        if run.last_error:
            text += " " + _("Its last error: %(error)s") % {"error": run.last_error}
        late = run.last_finished_at < now - sweep_runs.OVERDUE_AFTER or run.last_error
        (messages.warning if late else messages.info)(request, text)
    overdue = state.overdue_sessions + state.stuck_claims
    text = ngettext("%(count)d reminder is overdue.", "%(count)d reminders are overdue.", overdue) % {"count": overdue}
    (messages.warning if overdue else messages.info)(request, text)


class PeriodicWorkStatusMixin:
    """Admin pages that show the periodic work's status above their list."""

    def changelist_view(self, request, extra_context=None):
        """The list, with the sweeps' status as messages."""
        if request.method == "GET":
            periodic_work_messages(request)
        return super().changelist_view(request, extra_context)


@admin.register(SweepRun)
class SweepRunAdmin(PeriodicWorkStatusMixin, admin.ModelAdmin):
    """When each sweep last ran, where, with what result (written by the sweeps; read-only here)."""

    list_display = ("name", "last_started_at", "last_finished_at", "last_result", "last_error", "host")

    def has_add_permission(self, request):
        """Rows are written by the sweeps."""
        return False

    def has_change_permission(self, request, obj=None):
        """Rows are written by the sweeps."""
        return False


@admin.register(TutoringSession)
class TutoringSessionAdmin(PeriodicWorkStatusMixin, admin.ModelAdmin):
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
