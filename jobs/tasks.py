"""The worker's own housekeeping, as scheduled jobs (see jobs.registry)."""

from django.conf import settings
from django.core.management import call_command
from django_tasks import task, task_backends
from django_tasks_db.backend import DatabaseBackend

from jobs.registry import scheduled


@scheduled("15 4 * * *")
@task()
def prune_task_results():
    """Daily at 04:15: delete the records of tasks that finished (sent an email, ran a
    job) more than TASK_RESULTS_KEEP_DAYS days ago, failed ones after
    TASK_RESULTS_FAILED_KEEP_DAYS, in every queue of every database task backend,
    with django-tasks-db's `prune_db_task_results` (which logs how many). Queued and
    running tasks are never touched; the outbox keeps every email's own record.
    Returns the names of the backends pruned."""
    pruned = []
    for backend in task_backends.all():
        if isinstance(backend, DatabaseBackend):
            call_command(
                "prune_db_task_results",
                backend=backend,
                queue_name="*",
                min_age_days=settings.TASK_RESULTS_KEEP_DAYS,
                failed_min_age_days=settings.TASK_RESULTS_FAILED_KEEP_DAYS,
                verbosity=1,
            )
            pruned.append(backend.alias)
    return pruned
