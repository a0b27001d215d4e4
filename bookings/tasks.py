"""Bookings' scheduled jobs, run by a worker when the scheduler queues them (jobs.registry)."""

from django_tasks import task

from bookings import services
from jobs.registry import scheduled


@scheduled("0 7 * * *")
@task()
def send_course_session_reminders():
    """Every morning at 07:00: email patients whose course's next session falls due
    within a week (once per session). Returns how many emails were recorded."""
    return services.send_session_due_emails()
