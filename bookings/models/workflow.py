"""What staff offer and say while working a request: proposed times and reusable decline reasons."""

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone

from clinic.personal_data import KEPT, PersonalData


class ProposedTime(models.Model):
    """A slot offered to the patient when their preferred dates do not work. The
    patient accepts one from their status page; a new proposal replaces the old."""

    consultation = models.ForeignKey(
        "bookings.ConsultationRequest", on_delete=models.CASCADE, related_name="proposed_times"
    )
    start = models.DateTimeField()
    clinician = models.ForeignKey("staff.Clinician", on_delete=models.PROTECT, related_name="+")
    proposed_at = models.DateTimeField(default=timezone.now)

    personal_data = PersonalData(
        internal={"id": KEPT}, not_personal=["consultation", "start", "clinician", "proposed_at"]
    )

    class Meta:
        ordering = ["start", "id"]
        constraints = [
            models.UniqueConstraint(fields=["consultation", "start", "clinician"], name="one_proposal_per_slot"),
        ]

    def __str__(self):
        return f"{timezone.localtime(self.start):%a %d %b %Y %H:%M} with {self.clinician}"

    @property
    def end(self):
        return self.start + timedelta(minutes=settings.CONSULTATION_LENGTH_MINUTES)


class DeclineReasonQuerySet(models.QuerySet):
    def active(self):
        return self.filter(is_active=True)


class DeclineReason(models.Model):
    """A reason reception often gives when declining, to pick instead of retyping.
    Its text is copied into the request (and the email) when used, so editing it
    later never rewrites what a patient was told."""

    title = models.CharField(max_length=80, unique=True, help_text="A short label for staff.")
    text = models.TextField(max_length=1000, help_text="What the patient reads. No personal or medical details.")
    is_active = models.BooleanField("offered", default=True, help_text="Untick to stop offering it.")
    order = models.PositiveSmallIntegerField(default=0)

    objects = DeclineReasonQuerySet.as_manager()

    class Meta:
        ordering = ["order", "title"]

    def __str__(self):
        return self.title
