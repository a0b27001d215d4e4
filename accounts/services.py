"""Setting up staff members' authenticator apps and backup codes.

The design that keeps a password thief out: an authenticator app is set up only
through a single-use, expiring link that a superuser issues (`issue_enrolment_link`),
and only after the password step for the account the link is for. The key is new
each time the set-up page is shown (`new_pending_key`, which drops any earlier
unconfirmed key), and confirming one (`complete_enrolment`) uses up the link,
removes every other key of the account, confirmed or not, and replaces the backup
codes. So a key someone saw but did not confirm never works, and after the owner
enrols no key but theirs does.
"""

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import EnrolmentLink

DEVICE_NAME = "Authenticator app"
BACKUP_DEVICE_NAME = "Backup codes"


class EnrolmentError(Exception):
    """Setting up an authenticator app was refused; `str(error)` says why, for the staff member."""


def token_hash(token):
    """The SHA-256 hex digest stored for a link's secret (the secret itself is never stored)."""
    return hashlib.sha256(token.encode()).hexdigest()


def enrolment_url(token, *, site_url=None):
    """The full address of a set-up link, for the superuser to pass on: `site_url`
    (by default SITE_URL) and the link's path."""
    return (site_url or settings.SITE_URL).rstrip("/") + reverse("admin:signin_enrol", args=[token])


@transaction.atomic
def issue_enrolment_link(*, user, by):
    """Issue a set-up link for `user` (a staff account), withdrawing any earlier
    unused one. Returns (EnrolmentLink, secret); the secret is in no row, so the
    link can be shown only now. Valid for settings.STAFF_ENROLMENT_LINK_HOURS.

    Raises EnrolmentError for an account that is not active staff.
    """
    if not (user.is_active and user.is_staff):
        raise EnrolmentError("Set-up links are only for active staff accounts.")
    now = timezone.now()
    EnrolmentLink.objects.filter(user=user).usable(now).update(withdrawn_at=now)
    token = secrets.token_urlsafe(32)
    link = EnrolmentLink.objects.create(
        user=user,
        token_hash=token_hash(token),
        issued_by=by,
        issued_at=now,
        expires_at=now + timedelta(hours=settings.STAFF_ENROLMENT_LINK_HOURS),
    )
    return link, token


def usable_link(*, hashed, user=None):
    """The usable link whose secret hashes to `hashed` (for `user`, if given), or None."""
    if not hashed:
        return None
    links = EnrolmentLink.objects.usable().filter(token_hash=hashed)
    if user is not None:
        links = links.filter(user=user)
    return links.first()


@transaction.atomic
def new_pending_key(*, user):
    """A new, unconfirmed authenticator key for `user`, replacing any earlier
    unconfirmed one (whoever saw it): the set-up page calls this each time it is shown."""
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    return TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)


def complete_enrolment(*, link, device_id, code):
    """Confirm the key `device_id` with a first `code` from the app, through `link`.

    On success, in one transaction: the key counts, the link is used up, every
    other authenticator key of the account (an old phone, keys shown elsewhere)
    is removed, and new backup codes replace the old ones. Returns
    (the confirmed TOTPDevice, the backup-code StaticDevice, the list of new codes).

    Raises EnrolmentError when the link is no longer usable or the key was
    replaced, and returns None when the code is wrong (the caller counts it as a
    failed sign-in).
    """
    with transaction.atomic():
        link = EnrolmentLink.objects.select_for_update().filter(pk=link.pk).usable().first()
        if link is None:
            raise EnrolmentError(
                "This set-up link has been used, withdrawn or has expired. Ask a superuser for a new one."
            )
        device = TOTPDevice.objects.select_for_update().filter(pk=device_id, user=link.user, confirmed=False).first()
        if device is None:
            raise EnrolmentError(
                "That key was replaced by a newer one (the set-up page was opened again). Add the key shown now."
            )
        if not device.verify_token(code):
            return None
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        link.used_at = timezone.now()
        link.save(update_fields=["used_at"])
        TOTPDevice.objects.filter(user=link.user).exclude(pk=device.pk).delete()
        backup_device, codes = _replace_backup_codes(link.user)
    return device, backup_device, codes


@transaction.atomic
def renew_backup_codes(*, user):
    """Replace `user`'s backup codes with settings.STAFF_BACKUP_CODES new ones; the
    old ones stop working. Returns the new codes (shown once: they are kept only
    as django-otp stores them, to be used up one by one)."""
    _device, codes = _replace_backup_codes(user)
    return codes


def _replace_backup_codes(user):
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=BACKUP_DEVICE_NAME, confirmed=True)
    codes = [StaticToken.random_token() for _ in range(settings.STAFF_BACKUP_CODES)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return device, codes


@transaction.atomic
def reset_authenticator(*, user):
    """Remove `user`'s authenticator app(s) and backup codes (a lost phone).
    Every session they verified with them is signed out on its next request
    (clinic/sessions.py). Returns how many devices were removed."""
    removed = TOTPDevice.objects.filter(user=user).count() + StaticDevice.objects.filter(user=user).count()
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
    return removed
