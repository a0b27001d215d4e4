"""Recording emails about consultation requests in the outbox (notifications app).

`queue` records an email inside the caller's transaction; a worker sends it once
that transaction has committed, so no email goes out for a change that was rolled
back, a request is never lost because the mail server failed, and the patient's
request is answered without waiting for the mail server. What the worker sends is
built by `bookings.email_messages`, from the consultation as it is then.
"""

from django.conf import settings

from bookings.models import NotificationKind
from notifications import outbox

# Who each kind of email goes to: the patient, or the clinic inbox.
TO_CLINIC = {
    NotificationKind.NEW_REQUEST_NOTICE,
    NotificationKind.CANCELLATION_NOTICE,
    NotificationKind.TIME_ACCEPTED_NOTICE,
    NotificationKind.CONTACT_REQUESTED_NOTICE,
    NotificationKind.RESCHEDULE_NOTICE,
}


def recipient(consultation, kind):
    """Who an email of `kind` about `consultation` goes to: the clinic inbox or the patient."""
    return settings.CLINIC_STAFF_EMAIL if kind in TO_CLINIC else consultation.email


def queue(consultation, kind, *, data=None, key=None):
    """Record an email of `kind` about `consultation` in the outbox, in the current
    transaction; a worker sends it after the transaction commits. `data` and `key`
    go to notifications.outbox.record. Returns the outbox Email."""
    return outbox.record(kind, about=consultation, to=recipient(consultation, kind), data=data, key=key)


def queue_all(consultation, kinds_of_email):
    """Record an email of each kind in `kinds_of_email` about `consultation`, as `queue`
    does, in one write. Returns the outbox Emails."""
    return outbox.record_all(
        [{"kind": kind, "about": consultation, "to": recipient(consultation, kind)} for kind in kinds_of_email]
    )
