"""Emails about consultation requests.

`queue` records a Notification inside the caller's transaction and sends it
once that transaction commits, so no email goes out for a change that was
rolled back, and a request is never lost because the mail server failed.
`deliver` renders and sends one Notification, recording the outcome on it; a
resend from admin calls it again on the same row.

Each kind has three templates under templates/emails/bookings/:
`<kind>_subject.txt`, `<kind>.txt` and `<kind>.html`.
"""

import logging
from email.mime.text import MIMEText

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from bookings.ics import consultation_invite
from bookings.models import Notification, NotificationKind

logger = logging.getLogger(__name__)

# Who each kind of email goes to: the patient, or the clinic inbox.
TO_CLINIC = {
    NotificationKind.NEW_REQUEST_NOTICE,
    NotificationKind.CANCELLATION_NOTICE,
    NotificationKind.TIME_ACCEPTED_NOTICE,
    NotificationKind.CONTACT_REQUESTED_NOTICE,
    NotificationKind.RESCHEDULE_NOTICE,
}
# Emails that carry a calendar invite: the booking (or its move) adds or updates the event.
WITH_INVITE = {NotificationKind.CONFIRMATION, NotificationKind.RESCHEDULED}


def recipient(request, kind):
    return settings.CLINIC_STAFF_EMAIL if kind in TO_CLINIC else request.email


def queue(request, kind):
    """Record an email about `request` and send it after the current transaction commits."""
    notification = Notification.objects.create(request=request, kind=kind, to=recipient(request, kind))
    # robust: the request is already stored; a failure here must not turn its thanks page into an error.
    transaction.on_commit(lambda: deliver(notification), robust=True)
    return notification


def render(notification):
    """The subject, text and HTML of a notification, from the request's current state."""
    request = notification.request
    context = {
        "request": request,
        "clinic": {
            "name": settings.CLINIC_NAME,
            "address": settings.CLINIC_ADDRESS,
            "phone": settings.CLINIC_PHONE,
            "email": settings.CLINIC_EMAIL,
            "site_url": settings.SITE_URL,
        },
        "status_url": request.status_url(),
        "admin_url": request.admin_url(),
        "proposed_times": list(request.proposed_times.select_related("clinician"))
        if notification.kind == NotificationKind.TIME_PROPOSAL
        else [],
    }
    base = f"emails/bookings/{notification.kind}"
    subject = " ".join(render_to_string(f"{base}_subject.txt", context).split())
    return subject, render_to_string(f"{base}.txt", context), render_to_string(f"{base}.html", context)


def invite_attachment(notification):
    """The calendar invite an email carries, as a MIME part, or None.

    Confirmations carry METHOD:REQUEST, so mail programs offer to add the event;
    the cancellation of a booked consultation carries METHOD:CANCEL, which removes it."""
    request = notification.request
    if notification.kind in WITH_INVITE and request.status == "confirmed":
        method = "REQUEST"
    elif notification.kind == NotificationKind.CANCELLATION and request.confirmed_start and request.clinician_id:
        method = "CANCEL"
    else:
        return None
    part = MIMEText(consultation_invite(request, method=method), "calendar", "utf-8")
    part.set_param("method", method)
    part.add_header("Content-Disposition", "attachment", filename="invite.ics")
    return part


def deliver(notification):
    """Send one notification now and record the outcome on it. Never raises:
    a failure is recorded for staff and logged without personal data."""
    notification.attempts += 1
    try:
        subject, text, html = render(notification)
        message = EmailMultiAlternatives(subject, text, settings.DEFAULT_FROM_EMAIL, [notification.to])
        message.attach_alternative(html, "text/html")
        if (invite := invite_attachment(notification)) is not None:
            message.attach(invite)
        message.send(fail_silently=False)
    except Exception as exc:  # any mail server or template failure: the request itself is safe
        notification.failed_at = timezone.now()
        notification.error = f"{exc.__class__.__name__}: {exc}"[:500]
        # Only ids and the error's type: messages from mail servers can quote addresses.
        logger.warning(
            "Email %s (notification %s, consultation request %s) failed: %s",
            notification.kind,
            notification.pk,
            notification.request_id,
            exc.__class__.__name__,
        )
    else:
        notification.sent_at = timezone.now()
        notification.failed_at = None
        notification.error = ""
    notification.save(update_fields=["attempts", "sent_at", "failed_at", "error"])
    return notification.sent_at is not None
