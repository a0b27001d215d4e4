from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.formats import date_format


class EnrolmentLinkQuerySet(models.QuerySet):
    def usable(self, now=None):
        """Links that can still set up an authenticator app: not used, not
        withdrawn, not expired."""
        now = now or timezone.now()
        return self.filter(used_at__isnull=True, withdrawn_at__isnull=True, expires_at__gt=now)


class EnrolmentLink(models.Model):
    """A single-use, expiring link a superuser issues so that one staff member can
    set up an authenticator app (accounts/services.py).

    Only a hash of the link's secret is kept: the link itself is shown once, to
    the superuser who issued it. Issuing a new link for the same account
    withdraws the earlier ones.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="enrolment_links", verbose_name="for"
    )
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", editable=False
    )
    issued_at = models.DateTimeField(default=timezone.now, editable=False)
    expires_at = models.DateTimeField(editable=False)
    used_at = models.DateTimeField(null=True, blank=True, editable=False)
    withdrawn_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = EnrolmentLinkQuerySet.as_manager()

    class Meta:
        ordering = ["-issued_at"]
        verbose_name = "authenticator set-up link"

    def __str__(self):
        issued = date_format(timezone.localtime(self.issued_at), "DATETIME_FORMAT")
        return f"Set-up link for {self.user} issued {issued}"

    @property
    def status(self):
        """'used', 'withdrawn', 'expired' or 'waiting' (not used yet, still valid)."""
        if self.used_at:
            return "used"
        if self.withdrawn_at:
            return "withdrawn"
        if self.expires_at <= timezone.now():
            return "expired"
        return "waiting"
