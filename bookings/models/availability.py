"""When each clinician works: a weekly pattern with breaks, and leave.

Together with the clinic's opening hours and closures (bookings.models.hours),
these are what `bookings.availability` reads to say which slots exist; nothing
else decides when a clinician can be booked. A change that would leave a confirmed
consultation outside bookable time is refused where availability is edited, by
`bookings.availability.refuse_stranding_change` (admin's forms call it), not here:
these models know nothing of consultations.
"""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils.formats import date_format

from bookings.models.hours import Weekday
from staff.models import Clinician


class ClinicianAvailability(Clinician):
    """A clinician seen from reception's side: whether they take consultations,
    their working week and their leave (admin edits these on one page)."""

    class Meta:
        proxy = True
        verbose_name = "clinician's availability"
        verbose_name_plural = "clinicians' availability"


def _starts_before_ends(instance, field="ends"):
    if instance.starts and instance.ends and instance.starts >= instance.ends:
        raise ValidationError({field: "The end must be after the start."})


class WorkingHours(models.Model):
    """The hours one clinician works on one weekday. A clinician with no rows at all
    works whenever the clinic is open; once any row exists, only the days listed."""

    clinician = models.ForeignKey(Clinician, on_delete=models.CASCADE, related_name="working_hours")
    weekday = models.PositiveSmallIntegerField(choices=Weekday)
    starts = models.TimeField()
    ends = models.TimeField()

    class Meta:
        ordering = ["clinician", "weekday"]
        verbose_name = "working day"
        verbose_name_plural = "working week"
        constraints = [
            models.UniqueConstraint(
                fields=["clinician", "weekday"],
                name="one_working_day_per_clinician_weekday",
                violation_error_message="This clinician already has working hours on that day.",
            ),
            models.CheckConstraint(condition=Q(starts__lt=F("ends")), name="working_hours_start_before_end"),
        ]

    def __str__(self):
        return f"{self.get_weekday_display()} {self.starts:%H:%M}–{self.ends:%H:%M}"

    def clean(self):
        _starts_before_ends(self)


class Break(models.Model):
    """A regular break in a clinician's working day (lunch, admin time): never booked."""

    clinician = models.ForeignKey(Clinician, on_delete=models.CASCADE, related_name="breaks")
    weekday = models.PositiveSmallIntegerField(choices=Weekday)
    starts = models.TimeField()
    ends = models.TimeField()
    label = models.CharField(max_length=60, default="Lunch")

    class Meta:
        ordering = ["clinician", "weekday", "starts"]
        constraints = [
            models.CheckConstraint(condition=Q(starts__lt=F("ends")), name="break_start_before_end"),
        ]

    def __str__(self):
        return f"{self.label}, {self.get_weekday_display()} {self.starts:%H:%M}–{self.ends:%H:%M}"

    def clean(self):
        _starts_before_ends(self)


class Leave(models.Model):
    """Days a clinician is away (holiday, course, illness), first and last day included."""

    clinician = models.ForeignKey(Clinician, on_delete=models.CASCADE, related_name="leave")
    first_day = models.DateField()
    last_day = models.DateField()
    reason = models.CharField(max_length=100, default="Leave", help_text="Staff see it in the diary.")

    class Meta:
        ordering = ["first_day"]
        verbose_name = "leave or absence"
        verbose_name_plural = "leave and absence"
        constraints = [
            models.CheckConstraint(condition=Q(first_day__lte=F("last_day")), name="leave_first_day_not_after_last"),
        ]
        indexes = [models.Index(fields=["clinician", "last_day"])]

    def __str__(self):
        return f"{self.reason}: {date_format(self.first_day)}–{date_format(self.last_day)}"

    def clean(self):
        if self.first_day and self.last_day and self.first_day > self.last_day:
            raise ValidationError({"last_day": "The last day cannot be before the first."})
