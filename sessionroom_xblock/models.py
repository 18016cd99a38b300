"""Sessions, attendance, feedback, recordings, reminder deliveries and callback receipts (brief §3).

Users are the platform's Django users. Course and usage keys are stored with opaque-keys fields so the
LMS can query them the way it queries its own tables.
"""

import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from opaque_keys.edx.django.models import CourseKeyField, UsageKeyField

from sessionroom_xblock.sessions import reminder_plan

FEEDBACK_COMMENT_MAX_LENGTH = 2000


class TutoringSession(models.Model):
    """
    One scheduled 1-on-1 meeting between a learner and a tutor in a course.

    .. no_pii: references users by foreign key only.
    """

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", "Scheduled"
        IN_PROGRESS = "in_progress", "In progress"
        COMPLETED = "completed", "Completed"
        NO_SHOW = "no_show", "No show"
        CANCELLED = "cancelled", "Cancelled"

    OPEN_STATUSES = (Status.SCHEDULED, Status.IN_PROGRESS)

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    course_key = CourseKeyField(max_length=255, db_index=True)
    usage_key = UsageKeyField(max_length=255, blank=True, null=True)
    learner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    tutor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    scheduled_start = models.DateTimeField()
    scheduled_end = models.DateTimeField()
    provider = models.CharField(max_length=32, blank=True, default="")
    provider_room_id = models.CharField(max_length=128, blank=True, default="")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.SCHEDULED)
    started_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    recording_enabled = models.BooleanField(default=False)
    # When the current start was set (booking or last reschedule): reminders whose moment came before it
    # are not sent, so a session booked 30 minutes ahead gets only the 15-minute reminder.
    schedule_set_at = models.DateTimeField(default=timezone.now)
    # The iCalendar SEQUENCE of the invitation: bumped on every reschedule and on cancellation.
    schedule_sequence = models.PositiveIntegerField(default=0)
    # The next moment the reminder sweep must look at this session (ORA2's ``next_reminder_at``): the sweep
    # reads only rows whose moment has come, through ``sr_reminder_due``. None: nothing left to remind.
    next_reminder_at = models.DateTimeField(null=True, blank=True)
    notes = models.TextField(blank=True, default="")
    # Bumped on every save of ``notes``: a save names the version it edited, so neither participant
    # silently overwrites a change they have not seen.
    notes_version = models.PositiveIntegerField(default=0)
    # The room's policy as the block's author set it (Studio), copied here when the block shows, joins or
    # schedules the session, so the plugin's light endpoints and the closing sweep use the author's numbers
    # without loading the block. None: not known yet, the site's SESSIONROOM numbers apply. 0 is a number.
    join_window_minutes = models.PositiveSmallIntegerField(null=True, blank=True)
    no_show_minutes = models.PositiveSmallIntegerField(null=True, blank=True)
    end_grace_minutes = models.PositiveSmallIntegerField(null=True, blank=True)
    created = models.DateTimeField(auto_now_add=True)
    modified = models.DateTimeField(auto_now=True)

    #: The policy fields above, by the names the block and ``lifecycle.Policy`` use.
    POLICY_FIELDS = ("join_window_minutes", "no_show_minutes", "end_grace_minutes")

    class Meta:
        app_label = "sessionroom_xblock"
        ordering = ("scheduled_start",)
        indexes = [
            # "My next or current session in this course": one range scan per participant column.
            models.Index(fields=["learner", "course_key", "scheduled_end"], name="sr_learner_course_end"),
            models.Index(fields=["tutor", "course_key", "scheduled_end"], name="sr_tutor_course_end"),
            # Sweeps (reminders, closing) scan open sessions by start time.
            models.Index(fields=["status", "scheduled_start"], name="sr_status_start"),
            models.Index(fields=["course_key", "scheduled_start"], name="sr_course_start"),
            # The reminder sweep: open sessions whose next reminder moment has come, and nothing else.
            models.Index(fields=["status", "next_reminder_at"], name="sr_reminder_due"),
        ]

    def __str__(self):
        return f"{self.course_key} {self.scheduled_start:%Y-%m-%d %H:%M} ({self.status})"

    def save(self, *args, **kwargs):
        """
        Keep the reminder fields right whoever changes the schedule (API, admin, seed command).

        A new start bumps the invitation's SEQUENCE, restarts the reminder plan from now, and a cancellation
        bumps SEQUENCE and makes the cancel notice due. ``QuerySet.update`` bypasses this: code that moves or
        cancels with an update writes ``reminder_plan.reschedule_fields`` / ``reminder_plan.cancel_fields`` with it.
        """
        loaded_start, loaded_status, loaded_set_at = getattr(self, "_loaded_schedule", (None, None, None))
        update_fields = kwargs.get("update_fields")
        changed = set()
        if loaded_start is not None and loaded_start != self.scheduled_start:
            self.schedule_sequence += 1
            if self.schedule_set_at == loaded_set_at:  # the caller may say when the change was made
                self.schedule_set_at = timezone.now()
            changed |= {"schedule_sequence", "schedule_set_at"}
        if self.status == self.Status.CANCELLED and loaded_status not in (None, self.Status.CANCELLED):
            self.schedule_sequence += 1
            changed.add("schedule_sequence")
        if self._state.adding or changed or (loaded_status is not None and loaded_status != self.status):
            self.next_reminder_at = reminder_plan.first_moment(
                self.status, self.scheduled_start, self.schedule_set_at, timezone.now()
            )
            changed.add("next_reminder_at")
        if update_fields is not None:
            kwargs["update_fields"] = set(update_fields) | changed
        super().save(*args, **kwargs)
        self._loaded_schedule = (self.scheduled_start, self.status, self.schedule_set_at)

    @classmethod
    def from_db(cls, db, field_names, values):
        """Remember the loaded schedule and status, so ``save`` can tell a reschedule or a cancellation."""
        instance = super().from_db(db, field_names, values)
        loaded = instance.__dict__
        instance._loaded_schedule = (loaded.get("scheduled_start"), loaded.get("status"), loaded.get("schedule_set_at"))
        return instance

    def participant_ids(self):
        """The two users who may enter this session."""
        return (self.learner_id, self.tutor_id)

    def other_participant_id(self, user_id):
        """The id of the participant who is not ``user_id``."""
        return self.tutor_id if user_id == self.learner_id else self.learner_id


class Attendance(models.Model):
    """
    One participant's presence in a session: first join, last heartbeat, last leave, last reported failure.

    .. no_pii:
    """

    class Via(models.TextChoices):
        CLIENT = "client", "Client"
        WEBHOOK = "webhook", "Provider webhook"

    session = models.ForeignKey(TutoringSession, on_delete=models.CASCADE, related_name="attendances")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    joined_at = models.DateTimeField(null=True, blank=True)
    last_seen = models.DateTimeField(null=True, blank=True)
    left_at = models.DateTimeField(null=True, blank=True)
    last_failure_at = models.DateTimeField(null=True, blank=True)
    seconds_present = models.PositiveIntegerField(default=0)
    via = models.CharField(max_length=8, choices=Via.choices, default=Via.CLIENT)

    class Meta:
        app_label = "sessionroom_xblock"
        constraints = [models.UniqueConstraint(fields=["session", "user"], name="sr_attendance_once")]

    def __str__(self):
        return f"{self.user_id} in {self.session_id}"


class Feedback(models.Model):
    """
    A participant's rating of a session; one per author per session (a second submit updates it).

    .. pii: the free-text comment. Deleted with the user's data (``sessionroom_delete_user_data``).
    """

    session = models.ForeignKey(TutoringSession, on_delete=models.CASCADE, related_name="feedback")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    rating = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(5)])
    comment = models.TextField(blank=True, default="", max_length=FEEDBACK_COMMENT_MAX_LENGTH)
    created = models.DateTimeField(auto_now_add=True)
    modified = models.DateTimeField(auto_now=True)

    class Meta:
        app_label = "sessionroom_xblock"
        constraints = [models.UniqueConstraint(fields=["session", "author"], name="sr_feedback_once")]

    def __str__(self):
        return f"{self.rating}/5 by {self.author_id}"


class Recording(models.Model):
    """
    A provider recording of a session, and where it can be watched once ready.

    .. no_pii:
    """

    class State(models.TextChoices):
        PROCESSING = "processing", "Processing"
        READY = "ready", "Ready"
        FAILED = "failed", "Failed"
        DELETED = "deleted", "Deleted"

    session = models.ForeignKey(TutoringSession, on_delete=models.CASCADE, related_name="recordings")
    provider_recording_id = models.CharField(max_length=191)
    state = models.CharField(max_length=16, choices=State.choices, default=State.PROCESSING)
    playback_url = models.URLField(max_length=1000, blank=True, default="")
    storage_path = models.CharField(max_length=500, blank=True, default="")
    duration_seconds = models.PositiveIntegerField(null=True, blank=True)
    size_bytes = models.BigIntegerField(null=True, blank=True)
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        app_label = "sessionroom_xblock"
        constraints = [
            models.UniqueConstraint(fields=["session", "provider_recording_id"], name="sr_recording_once"),
        ]
        indexes = [models.Index(fields=["state", "updated"], name="sr_recording_state")]

    def __str__(self):
        return f"{self.provider_recording_id} ({self.state})"


class ReminderDelivery(models.Model):
    """
    The claim that one reminder for one user of one session is (being) sent: the exactly-once guarantee.

    ``scheduled_start`` is the start the reminder was claimed for, so a rescheduled session earns fresh
    reminders while the old claims stay as history.

    .. no_pii:
    """

    class Kind(models.TextChoices):
        DAY = "24h", "24 hours before"
        HOUR = "1h", "1 hour before"
        QUARTER = "15m", "15 minutes before"

    session = models.ForeignKey(TutoringSession, on_delete=models.CASCADE, related_name="reminders")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=8)
    scheduled_start = models.DateTimeField()
    claimed_at = models.DateTimeField(default=timezone.now)
    # Which sweep holds the claim: the sweep that inserted (or re-leased) it sends it, nobody else.
    claim_token = models.CharField(max_length=32, blank=True, default="")
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        app_label = "sessionroom_xblock"
        constraints = [
            models.UniqueConstraint(fields=["session", "user", "kind", "scheduled_start"], name="sr_reminder_once"),
        ]
        indexes = [models.Index(fields=["sent_at", "claimed_at"], name="sr_reminder_pending")]

    def __str__(self):
        return f"{self.kind} reminder for {self.user_id}"


class CallbackReceipt(models.Model):
    """
    A provider callback already acted on, keyed by a digest of what it means (kind, meeting, recording,
    user; ``CallbackEvent.digest``), not of its bytes: a replay, however re-encoded, changes nothing.

    .. no_pii:
    """

    provider = models.CharField(max_length=32)
    digest = models.CharField(max_length=64)
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        app_label = "sessionroom_xblock"
        constraints = [models.UniqueConstraint(fields=["provider", "digest"], name="sr_callback_once")]

    def __str__(self):
        return f"{self.provider}:{self.digest[:12]}"


class ChatMessage(models.Model):
    """
    A text-chat line of the built-in room, kept so a participant who reloads sees the conversation.

    .. pii: chat text. Deleted with the user's data.
    """

    session = models.ForeignKey(TutoringSession, on_delete=models.CASCADE, related_name="chat")
    sender = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    text = models.TextField(max_length=2000)
    # The browser's id for a line sent in a batch (a UUID string): a batch retried after a lost answer
    # stores each line once. None for lines sent one at a time.
    # NULL, not "": NULLs never clash in the unique constraint below.
    client_id = models.CharField(max_length=36, null=True, blank=True)  # noqa: DJ001
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        app_label = "sessionroom_xblock"
        indexes = [models.Index(fields=["session", "id"], name="sr_chat_cursor")]
        constraints = [
            models.UniqueConstraint(fields=["session", "sender", "client_id"], name="sr_chat_once"),
        ]

    def __str__(self):
        return f"chat {self.id} in {self.session_id}"


class ResourceLink(models.Model):
    """
    A link the tutor shares during the session (the author's links live on the block).

    .. no_pii:
    """

    session = models.ForeignKey(TutoringSession, on_delete=models.CASCADE, related_name="links")
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    title = models.CharField(max_length=200)
    url = models.URLField(max_length=1000)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        app_label = "sessionroom_xblock"

    def __str__(self):
        return self.title


class SweepRun(models.Model):
    """
    When each periodic sweep last ran, whichever way runs it (cron, the self-re-chaining sweep, beat), so
    the admin can show that reminders go out (docs/background-work.md).

    .. no_pii:
    """

    name = models.CharField(max_length=32, primary_key=True)
    last_started_at = models.DateTimeField(null=True, blank=True)
    last_finished_at = models.DateTimeField(null=True, blank=True)
    last_result = models.JSONField(default=dict, blank=True)
    last_error = models.TextField(blank=True)
    host = models.CharField(max_length=255, blank=True)

    class Meta:
        app_label = "sessionroom_xblock"
        ordering = ("name",)

    def __str__(self):
        return self.name
