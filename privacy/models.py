from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.crypto import salted_hmac

from clinic.personal_data import KEPT, PersonalData

SUBJECT_SALT = "privacy.subject"


def subject_hash(email):
    """A one-way, keyed hash of an email address: the audit trail can say "we handled
    a request about this address" without keeping the address it erased."""
    return salted_hmac(SUBJECT_SALT, email.strip().lower(), algorithm="sha256").hexdigest()


class PrivacyRequestQuerySet(models.QuerySet):
    def about(self, email):
        return self.filter(subject=subject_hash(email))


class PrivacyRequest(models.Model):
    """One export or erasure of a patient's data, done or refused: the audit trail."""

    class Kind(models.TextChoices):
        EXPORT = "export", "Export"
        ERASURE = "erasure", "Erasure"

    class Outcome(models.TextChoices):
        DONE = "done", "Done"
        REFUSED = "refused", "Refused"

    kind = models.CharField(max_length=10, choices=Kind)
    outcome = models.CharField(max_length=10, choices=Outcome, default=Outcome.DONE)
    subject = models.CharField(
        max_length=64, db_index=True, help_text="Keyed hash of the email address; the address itself is not kept."
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    via = models.CharField(max_length=20, help_text="Admin, or the management command.")
    at = models.DateTimeField(default=timezone.now)
    consultation_requests = models.JSONField(default=list, blank=True, help_text="References of the requests.")
    comments = models.JSONField(default=list, blank=True, help_text="Ids of the comments.")
    note = models.TextField(blank=True)

    objects = PrivacyRequestQuerySet.as_manager()

    # The audit trail outlives the erasure it records: it keeps no address, only its keyed hash.
    personal_data = PersonalData(
        internal={"id": KEPT, "subject": KEPT},
        not_personal=[
            "kind",
            "outcome",
            "requested_by",
            "via",
            "at",
            "consultation_requests",
            "comments",
            "note",
        ],
    )

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self):
        return f"{self.get_kind_display()} on {timezone.localtime(self.at):%d %b %Y %H:%M}"
