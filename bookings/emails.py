"""Emails about consultation requests, sent through the outbox (notifications app).

`queue` records an email inside the caller's transaction; a worker sends it once
that transaction has committed, so no email goes out for a change that was rolled
back, a request is never lost because the mail server failed, and the patient's
request is answered without waiting for the mail server. `build` renders one
outbox email from the request as it is when it is sent (registered for each kind
in `register_kinds`, called from BookingsConfig.ready).

Each kind has three templates under templates/emails/bookings/:
`<kind>_subject.txt`, `<kind>.txt` and `<kind>.html`.
"""

from email.mime.text import MIMEText

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string

from bookings import reminders
from bookings.ics import consultation_invite
from bookings.models import NotificationKind
from clinic.context_processors import clinic_details
from notifications import kinds, outbox
from notifications.kinds import NotToBeSent

# Who each kind of email goes to: the patient, or the clinic inbox.
TO_CLINIC = {
    NotificationKind.NEW_REQUEST_NOTICE,
    NotificationKind.CANCELLATION_NOTICE,
    NotificationKind.TIME_ACCEPTED_NOTICE,
    NotificationKind.CONTACT_REQUESTED_NOTICE,
    NotificationKind.RESCHEDULE_NOTICE,
}
# Emails that carry a calendar invite: the booking (or its move) adds or updates the event.
WITH_INVITE = {NotificationKind.CONFIRMATION, NotificationKind.RESCHEDULED, NotificationKind.REMINDER}


def recipient(request, kind):
    return settings.CLINIC_STAFF_EMAIL if kind in TO_CLINIC else request.email


def queue(request, kind, *, data=None, key=None):
    """Record an email of `kind` about `request` in the outbox, in the current
    transaction; a worker sends it after the transaction commits. `data` and `key`
    go to notifications.outbox.record. Returns the outbox Email."""
    return outbox.record(kind, about=request, to=recipient(request, kind), data=data, key=key)


def queue_all(request, kinds_of_email):
    """Record an email of each kind in `kinds_of_email` about `request`, as `queue`
    does, in one write. Returns the outbox Emails."""
    return outbox.record_all(
        [{"kind": kind, "about": request, "to": recipient(request, kind)} for kind in kinds_of_email]
    )


def render(notification):
    """The subject, text and HTML of an outbox email about a request, from the
    request's current state."""
    request = notification.about
    context = {
        "request": request,
        "email": notification,
        "clinic": clinic_details(),
        "status_url": request.status_url(),
        "admin_url": request.admin_url(),
        "proposed_times": list(request.proposed_times.select_related("clinician"))
        if notification.kind == NotificationKind.TIME_PROPOSAL
        else [],
    }
    if notification.kind == NotificationKind.TIME_PROPOSAL:
        from bookings.services import offered_on_a_day_asked_for

        context["offered_on_a_day_asked_for"] = offered_on_a_day_asked_for(request, context["proposed_times"])
    if notification.kind == NotificationKind.SESSION_DUE and request.course is not None:
        from bookings.services import next_session_window

        context["window"] = next_session_window(request.course)
    base = f"emails/bookings/{notification.kind}"
    subject = " ".join(render_to_string(f"{base}_subject.txt", context).split())
    return subject, render_to_string(f"{base}.txt", context), render_to_string(f"{base}.html", context)


def invite_attachment(notification):
    """The calendar invite an email carries, as a MIME part, or None.

    Confirmations carry METHOD:REQUEST, so mail programs offer to add the event;
    the cancellation of a booked consultation carries METHOD:CANCEL, which removes it."""
    request = notification.about
    if notification.kind in WITH_INVITE and request.status == "confirmed":
        method = "REQUEST"
    elif notification.kind == NotificationKind.CANCELLATION and request.confirmed_start and request.clinician_id:
        method = "CANCEL"
    else:
        return None
    return invite_part(request, method)


def invite_part(request, method):
    """`request`'s calendar invite (bookings.ics) as an attachable MIME part."""
    part = MIMEText(consultation_invite(request, method=method), "calendar", "utf-8")
    part.set_param("method", method)
    part.add_header("Content-Disposition", "attachment", filename="invite.ics")
    return part


def build(notification):
    """The message for an outbox email about a request (notifications.kinds renderer).
    Raises NotToBeSent when the request is gone or its details were anonymised."""
    if notification.about is None:
        raise NotToBeSent("request deleted")
    to = notification.to
    if not to:
        raise NotToBeSent("no address: details erased")
    if notification.kind == NotificationKind.REMINDER:
        reminders.check_still_due(notification)
    subject, text, html = render(notification)
    message = EmailMultiAlternatives(subject, text, settings.DEFAULT_FROM_EMAIL, [to])
    message.attach_alternative(html, "text/html")
    if (invite := invite_attachment(notification)) is not None:
        message.attach(invite)
    return message


def register_kinds():
    """Register every kind of email about a request with the outbox."""
    for kind in NotificationKind:
        kinds.register(kind.value, kind.label, render=build)
