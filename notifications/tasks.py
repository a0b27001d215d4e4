"""The outbox's tasks, run by the worker (`python manage.py run_worker`)."""

from django_tasks import task

from jobs.registry import scheduled
from notifications import outbox


@task()
def send_email(email_id):
    """One attempt at one email (queued by outbox.record). Returns its state after."""
    return outbox.deliver(email_id)


@scheduled("* * * * *")
@task()
def deliver_due_emails():
    """Every minute: retries whose back-off has passed, and emails whose worker died
    mid-send. Returns how many were sent."""
    return outbox.deliver_due()
