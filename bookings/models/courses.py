"""A patient's course of sessions of one treatment, started by a completed consultation."""

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils.formats import date_format

from clinic.personal_data import KEPT, PersonalData


class CourseQuerySet(models.QuerySet):
    def active(self):
        return self.filter(ended_at__isnull=True)


class Course(models.Model):
    """Sessions of a treatment given `weeks_between` weeks apart, `sessions_min` to
    `sessions_max` in all (copied from the treatment when the course starts, so later
    edits of the treatment's page do not change a course under way). Each session is
    a consultation request of its own, linked here; completing one advances the course."""

    treatment = models.ForeignKey("treatments.Treatment", on_delete=models.PROTECT, related_name="+")
    sessions_done = models.PositiveSmallIntegerField(default=1)
    sessions_min = models.PositiveSmallIntegerField()
    sessions_max = models.PositiveSmallIntegerField()
    weeks_between = models.PositiveSmallIntegerField()
    last_session_on = models.DateField(help_text="The day of the latest completed session.")
    due_notice_for = models.PositiveSmallIntegerField(
        default=0, help_text="The session whose 'next session due' email has gone to the patient."
    )
    started_at = models.DateTimeField(auto_now_add=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="Empty when the patient ended it, or when every session was done.",
    )
    end_reason = models.CharField(max_length=300, blank=True)

    objects = CourseQuerySet.as_manager()

    personal_data = PersonalData(
        internal={"id": KEPT},
        not_personal=[
            "treatment",
            "sessions_done",
            "sessions_min",
            "sessions_max",
            "weeks_between",
            "last_session_on",
            "due_notice_for",
            "started_at",
            "ended_at",
            "ended_by",
            "end_reason",  # one of three fixed sentences (bookings.services.end_course)
        ],
    )

    class Meta:
        ordering = ["-started_at"]
        indexes = [models.Index(fields=["ended_at", "last_session_on"])]

    def __str__(self):
        return f"{self.treatment.title}: {self.sessions_done} of {self.sessions_range} done"

    @property
    def sessions_range(self):
        """ "3–4", or "3" when the treatment says exactly how many."""
        if self.sessions_min == self.sessions_max:
            return str(self.sessions_max)
        return f"{self.sessions_min}–{self.sessions_max}"

    @property
    def next_session(self):
        return self.sessions_done + 1

    @property
    def next_due(self):
        """The day the next session falls due: the interval after the last one."""
        return self.last_session_on + timedelta(weeks=self.weeks_between)

    @property
    def is_active(self):
        return self.ended_at is None

    def summary(self):
        """ "session 2 of 3–4, due around 12 January" """
        return f"session {self.next_session} of {self.sessions_range}, due around {date_format(self.next_due, 'j F')}"
