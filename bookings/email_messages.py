"""The messages of emails about consultation requests: what the worker sends for each
outbox email that `bookings.emails` recorded.

`build` renders one outbox email from the consultation as it is when it is sent
(registered for each kind in `register_kinds`, called from BookingsConfig.ready).
Each kind has three templates under templates/emails/bookings/:
`<kind>_subject.txt`, `<kind>.txt` and `<kind>.html`.
"""

from email.mime.text import MIMEText

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string

from bookings import reminders
from bookings.ics import consultation_invite
from bookings.models import NotificationKind, Status
from bookings.services import next_session_window, offered_on_a_day_asked_for
from clinic.context_processors import clinic_details
from notifications import kinds
from notifications.kinds import NotToBeSent

# Emails that carry a calendar invite: the booking (or its move) adds or updates the event.
WITH_INVITE = {NotificationKind.CONFIRMATION, NotificationKind.RESCHEDULED, NotificationKind.REMINDER}


def render(notification):
    """The subject, text and HTML of an outbox email about a consultation, from the
    consultation's current state."""
    consultation = notification.about
    context = {
        "consultation": consultation,
        "email": notification,
        "clinic": clinic_details(),
        "status_url": consultation.status_url(),
        "admin_url": consultation.admin_url(),
        "proposed_times": list(consultation.proposed_times.select_related("clinician"))
        if notification.kind == NotificationKind.TIME_PROPOSAL
        else [],
    }
    if notification.kind == NotificationKind.TIME_PROPOSAL:
        context["offered_on_a_day_asked_for"] = offered_on_a_day_asked_for(consultation, context["proposed_times"])
    if notification.kind == NotificationKind.SESSION_DUE and consultation.course is not None:
        context["window"] = next_session_window(consultation.course)
    base = f"emails/bookings/{notification.kind}"
    subject = " ".join(render_to_string(f"{base}_subject.txt", context).split())
    return subject, render_to_string(f"{base}.txt", context), render_to_string(f"{base}.html", context)


def invite_attachment(notification):
    """The calendar invite an email carries, as a MIME part, or None.

    Confirmations carry METHOD:REQUEST, so mail programs offer to add the event;
    the cancellation of a booked consultation carries METHOD:CANCEL, which removes it."""
    consultation = notification.about
    if notification.kind in WITH_INVITE and consultation.status == Status.CONFIRMED:
        method = "REQUEST"
    elif (
        notification.kind == NotificationKind.CANCELLATION
        and consultation.confirmed_start
        and consultation.clinician_id
    ):
        method = "CANCEL"
    else:
        return None
    return invite_part(consultation, method)


def invite_part(consultation, method):
    """`consultation`'s calendar invite (bookings.ics) as an attachable MIME part."""
    part = MIMEText(consultation_invite(consultation, method=method), "calendar", "utf-8")
    part.set_param("method", method)
    part.add_header("Content-Disposition", "attachment", filename="invite.ics")
    return part


def build(notification):
    """The message for an outbox email about a consultation (notifications.kinds renderer).
    Raises NotToBeSent when the consultation is gone or its details were anonymised."""
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
    """Register every kind of email about a consultation with the outbox."""
    for kind in NotificationKind:
        kinds.register(kind.value, kind.label, render=build)
