"""The consultation requests' scheduled jobs (see jobs.registry)."""

from django.conf import settings
from django_tasks import task

from bookings import reminders, services
from jobs.registry import scheduled


@scheduled("*/10 * * * *")
@task()
def send_appointment_reminders():
    """Every 10 minutes: record the appointment reminders that are due. Returns how many."""
    return reminders.queue_due_reminders()


@scheduled("30 3 * * *")
@task()
def purge_consultations():
    """Daily at 03:30: anonymise closed requests past CONSULTATION_RETENTION_DAYS
    (as `manage.py purge_consultations`). Returns how many were anonymised."""
    return len(services.anonymise_closed_requests(older_than_days=settings.CONSULTATION_RETENTION_DAYS))


@scheduled("0 7 * * *")
@task()
def send_course_session_reminders():
    """Every morning at 07:00: email patients whose course's next session falls due
    within a week (once per session). Returns how many emails were recorded."""
    return services.send_session_due_emails()
