import logging

from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger
from django.conf import settings
from django.core.management.base import BaseCommand

from jobs.registry import discover

logger = logging.getLogger("jobs")


def enqueue(job):
    """Queue one run of `job` for the workers; a database hiccup skips this run only."""
    try:
        job.task.enqueue()
        logger.info("Queued %s", job.name)
    except Exception as exc:  # the database is down: the next run catches up (jobs are idempotent)
        logger.warning("Could not queue %s: %s", job.name, exc.__class__.__name__)


class Command(BaseCommand):
    help = (
        "Queue each scheduled job (jobs.registry) at its times, for the workers to run. "
        "Two schedulers may run: every job is idempotent."
    )

    def handle(self, *args, **options):
        scheduler = BlockingScheduler(timezone=settings.TIME_ZONE)
        for job in discover().values():
            scheduler.add_job(
                enqueue,
                CronTrigger.from_crontab(job.cron, timezone=settings.TIME_ZONE),
                args=[job],
                id=job.name,
                coalesce=True,  # after a pause (a laptop asleep), one run, not one per missed time
                misfire_grace_time=300,
            )
            self.stdout.write(f"Scheduled {job.name} at {job.cron!r}")
        try:
            scheduler.start()
        except (KeyboardInterrupt, SystemExit):
            pass
