"""The treatments app's scheduled jobs (see jobs.registry)."""

from django_tasks import task

from jobs.registry import scheduled
from treatments import digest


@scheduled("0 7 * * 1")
@task()
def send_review_digests():
    """Mondays at 07:00: each medical reviewer's pages due for review. Returns how many were recorded."""
    return digest.queue_review_digests()
