"""Scheduled jobs: tasks that the scheduler process queues on a cron schedule.

Registering a job is one line above its task, in any app's `tasks.py`:

    from django_tasks import task
    from jobs.registry import scheduled

    @scheduled("0 7 * * *")  # minute hour day-of-month month day-of-week, clinic time
    @task()
    def send_course_session_reminders():
        ...

The scheduler (`python manage.py run_scheduler`) queues the task at those times;
a worker runs it. The same job runs by hand, now and in this process, with
`python manage.py run_job send_course_session_reminders`.

Jobs must be idempotent: two schedulers may both queue a run, and a run may be
repeated after a crash. Record emails with a `key` (notifications.outbox.record)
so a second run records nothing new.
"""

from dataclasses import dataclass

from django.utils.module_loading import autodiscover_modules


@dataclass(frozen=True)
class Job:
    name: str
    cron: str
    task: object


JOBS: dict[str, Job] = {}


def scheduled(cron):
    """Decorate a django-tasks Task to run on `cron` (five crontab fields, in the
    clinic's time zone, settings.TIME_ZONE). Returns the task unchanged. Two jobs
    with the same function name raise ValueError (run_job finds jobs by name)."""
    fields = cron.split()
    if len(fields) != 5:
        raise ValueError(f"A cron schedule has five fields: {cron!r}")

    def register(task):
        name = task.name
        existing = JOBS.get(name)
        if existing is not None and existing.task.module_path != task.module_path:
            raise ValueError(f"Two scheduled jobs are called {name!r}.")
        JOBS[name] = Job(name=name, cron=cron, task=task)
        return task

    return register


def discover():
    """Import every installed app's `tasks` module, so their jobs are registered; returns JOBS."""
    autodiscover_modules("tasks")
    return JOBS
