"""The outbox: one row for every email the site sends."""

from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone

from clinic.personal_data import KEPT, PersonalData
from notifications import kinds


class EmailState(models.TextChoices):
    QUEUED = "queued", "queued"
    SENDING = "sending", "sending"
    SENT = "sent", "sent"
    FAILED = "failed", "failed"
    CANCELLED = "cancelled", "not sent (no longer needed)"


class EmailQuerySet(models.QuerySet):
    def failed(self):
        """Emails that gave up: every attempt failed, or the mail server refused them for good."""
        return self.filter(state=EmailState.FAILED)

    def waiting(self):
        """Emails not sent yet that will be tried again (queued or being sent)."""
        return self.filter(state__in=[EmailState.QUEUED, EmailState.SENDING])

    def in_trouble(self):
        """Failed, or waiting after a failed attempt: what staff should look at."""
        return self.filter(models.Q(state=EmailState.FAILED) | models.Q(state=EmailState.QUEUED, attempts__gt=0))


class Email(models.Model):
    """One email: recorded in the transaction of the change it reports, sent by a
    worker afterwards (notifications.tasks.deliver), retried with back-off.

    `about` is what the email is about (a consultation request, a comment, a
    reviewer); the email is rendered from it when sent (see notifications.kinds).
    `to` is kept for staff to see and is erased with the patient's data; `error`
    holds the kind of the last failure only, never the mail server's text (which
    can quote addresses). `key`, when set, makes recording idempotent: a job run
    twice (or by two schedulers) records one email.
    """

    kind = models.CharField(max_length=40)
    to = models.EmailField(blank=True, help_text="Erased with the patient's details.")
    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, null=True, blank=True)
    object_id = models.PositiveBigIntegerField(null=True, blank=True)
    about = GenericForeignKey("content_type", "object_id")
    data = models.JSONField(
        default=dict, blank=True, help_text="What the renderer needs besides `about` (ids, times)."
    )
    key = models.CharField(max_length=150, unique=True, null=True, blank=True)
    state = models.CharField(max_length=10, choices=EmailState, default=EmailState.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now, help_text="When a worker may try it (next).")
    claimed_at = models.DateTimeField(null=True, blank=True, help_text="When the current attempt started.")
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    failed_at = models.DateTimeField(null=True, blank=True, help_text="When the last attempt failed.")
    error = models.CharField(max_length=100, blank=True, help_text="The kind of the last failure, without addresses.")

    objects = EmailQuerySet.as_manager()

    personal_data = PersonalData(
        # The patient's address, and what went wrong sending to it.
        personal={"to": "", "error": ""},
        internal={"id": KEPT, "key": KEPT, "data": KEPT},
        not_personal=[
            "kind",
            "content_type",
            "object_id",
            "state",
            "attempts",
            "next_attempt_at",
            "claimed_at",
            "created_at",
            "sent_at",
            "failed_at",
        ],
    )

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = "email"
        verbose_name_plural = "emails"
        indexes = [
            models.Index(fields=["state", "next_attempt_at"]),
            models.Index(fields=["content_type", "object_id"]),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} ({self.state})"

    def get_kind_display(self):
        """The kind's label, as registered by its app."""
        return kinds.label(self.kind)
