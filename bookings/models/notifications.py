"""The kinds of email sent about consultation requests (they are kept in the outbox,
notifications.Email; bookings.emails records them, bookings.email_messages registers
and renders them)."""

from django.db import models


class NotificationKind(models.TextChoices):
    ACKNOWLEDGEMENT = "acknowledgement", "Request received (to patient)"
    NEW_REQUEST_NOTICE = "new_request_notice", "New request (to clinic)"
    CANCELLATION = "cancellation", "Cancellation (to patient)"
    CANCELLATION_NOTICE = "cancellation_notice", "Cancellation (to clinic)"
    CONFIRMATION = "confirmation", "Consultation confirmed, with invite (to patient)"
    RESCHEDULED = "rescheduled", "Consultation moved, with invite (to patient)"
    RESCHEDULE_NOTICE = "reschedule_notice", "Consultation moved by the patient (to clinic)"
    SESSION_DUE = "session_due", "Next session of a course due (to patient)"
    TIME_PROPOSAL = "time_proposal", "Times proposed (to patient)"
    DECLINE = "decline", "Request declined (to patient)"
    TIME_ACCEPTED_NOTICE = "time_accepted_notice", "Proposed time accepted (to clinic)"
    CONTACT_REQUESTED_NOTICE = "contact_requested_notice", "Patient asks to be contacted (to clinic)"
    REMINDER = "appointment_reminder", "Appointment reminder, with invite (to patient)"
