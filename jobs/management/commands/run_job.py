from django.core.management.base import BaseCommand, CommandError

from jobs.registry import discover


class Command(BaseCommand):
    help = "Run one scheduled job now, in this process (the same task the scheduler queues)."

    def add_arguments(self, parser):
        parser.add_argument("name", nargs="?", help="The job's name; without it, lists the jobs.")

    def handle(self, *args, name=None, **options):
        jobs = discover()
        if not name:
            for job in sorted(jobs.values(), key=lambda job: job.name):
                self.stdout.write(f"{job.name:40} {job.cron:15} {job.task.module_path}")
            return
        if name not in jobs:
            raise CommandError(f"No scheduled job is called {name!r}. Known: {', '.join(sorted(jobs))}.")
        result = jobs[name].task.call()
        self.stdout.write(f"{name}: {result}")
