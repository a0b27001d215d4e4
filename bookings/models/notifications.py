"""The emails sent about consultation requests."""

from django.db import models


class NotificationKind(models.TextChoices):
    ACKNOWLEDGEMENT = "acknowledgement", "Request received (to patient)"
    NEW_REQUEST_NOTICE = "new_request_notice", "New request (to clinic)"
    CANCELLATION = "cancellation", "Cancellation (to patient)"
    CANCELLATION_NOTICE = "cancellation_notice", "Cancellation (to clinic)"
    CONFIRMATION = "confirmation", "Consultation confirmed, with invite (to patient)"
    RESCHEDULED = "rescheduled", "Consultation moved, with invite (to patient)"
    RESCHEDULE_NOTICE = "reschedule_notice", "Consultation moved by the patient (to clinic)"
    TIME_PROPOSAL = "time_proposal", "Times proposed (to patient)"
    DECLINE = "decline", "Request declined (to patient)"
    TIME_ACCEPTED_NOTICE = "time_accepted_notice", "Proposed time accepted (to clinic)"
    CONTACT_REQUESTED_NOTICE = "contact_requested_notice", "Patient asks to be contacted (to clinic)"


class NotificationQuerySet(models.QuerySet):
    def failed(self):
        return self.filter(failed_at__isnull=False, sent_at__isnull=True)

    def pending(self):
        return self.filter(failed_at__isnull=True, sent_at__isnull=True)


class Notification(models.Model):
    """One email about a request: queued in the request's transaction, sent after
    it commits. A failure is recorded here (never in the logs with personal data),
    and the row is what a resend from admin works from."""

    request = models.ForeignKey("bookings.ConsultationRequest", on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=30, choices=NotificationKind)
    to = models.EmailField(blank=True, help_text="Erased when the request is anonymised.")
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    failed_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.CharField(max_length=500, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = "email"
        verbose_name_plural = "emails"
        indexes = [models.Index(fields=["sent_at", "failed_at"])]

    def __str__(self):
        return f"{self.get_kind_display()} for {self.request}"

    @property
    def state(self):
        if self.sent_at:
            return "sent"
        if self.failed_at:
            return "failed"
        return "pending"
