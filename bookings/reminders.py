"""Appointment reminders: an email 48 hours before each confirmed consultation (or
as soon as it is confirmed, when that is sooner), and another on the day before,
from 09:00. Recorded by the scheduled job `send_appointment_reminders`
(bookings/tasks.py) every 10 minutes, and for one consultation as it is
confirmed or moved (bookings.services), so that one less than 48 hours ahead has
its first reminder at once, not at the job's next run. Each is recorded under a
key naming the request, its start time and which reminder it is, so a second
run, or a second scheduler, records nothing new. A consultation that moves gets reminders for its new time;
a reminder recorded for the old time, or for a consultation cancelled since, is
not sent (`check_still_due`, when the worker sends it).
"""

from datetime import UTC, datetime, time, timedelta

from django.utils import timezone

from bookings import emails
from bookings.models import ConsultationRequest, NotificationKind, Status
from notifications.kinds import NotToBeSent
from notifications.models import Email

FIRST_REMINDER = timedelta(hours=48)
DAY_BEFORE_FROM = time(9)
# A day-before reminder this soon after the first one would only repeat it.
MIN_GAP = timedelta(hours=12)


def reminder_key(consultation, which):
    """The outbox key of a reminder: consultation, start time (UTC) and which reminder."""
    return f"reminder:{consultation.pk}:{consultation.confirmed_start.astimezone(UTC):%Y%m%dT%H%MZ}:{which}"


def queue_due_reminders(*, now=None, consultation=None):
    """Record every reminder that is due at `now` and not recorded yet, or only
    `consultation`'s (in the transaction that confirms or moves it); returns how
    many were recorded. Idempotent."""
    now = now or timezone.now()
    recorded = 0
    upcoming = ConsultationRequest.objects.filter(
        status=Status.CONFIRMED, confirmed_start__gt=now, confirmed_start__lte=now + FIRST_REMINDER
    ).exclude(email="")
    if consultation is not None:
        upcoming = upcoming.filter(pk=consultation.pk)
    for booked in upcoming.select_related("clinician"):
        data = {"start": booked.confirmed_start.isoformat()}
        first_key = reminder_key(booked, "48h")
        first = Email.objects.filter(key=first_key).first()
        if first is None:
            first_data = {**data, "which": "48h", "recorded_for": now.isoformat()}
            emails.queue(booked, NotificationKind.REMINDER, data=first_data, key=first_key)
            recorded += 1
            continue
        local_start = timezone.localtime(booked.confirmed_start)
        day_before = timezone.make_aware(datetime.combine(local_start.date() - timedelta(days=1), DAY_BEFORE_FROM))
        second_key = reminder_key(booked, "day-before")
        if (
            now >= day_before
            and now - datetime.fromisoformat(first.data.get("recorded_for", first.created_at.isoformat())) >= MIN_GAP
            and not Email.objects.filter(key=second_key).exists()
        ):
            emails.queue(booked, NotificationKind.REMINDER, data={**data, "which": "day-before"}, key=second_key)
            recorded += 1
    return recorded


def check_still_due(email):
    """Raise NotToBeSent when the reminder `email` is stale: its consultation was
    cancelled, or moved from the time the reminder was recorded for, or is past."""
    consultation = email.about
    if consultation.status != Status.CONFIRMED or not consultation.confirmed_start:
        raise NotToBeSent("consultation no longer booked")
    if consultation.confirmed_start.isoformat() != email.data.get("start"):
        raise NotToBeSent("consultation moved")
    if consultation.confirmed_start <= timezone.now():
        raise NotToBeSent("consultation already started")
