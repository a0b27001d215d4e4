"""django-tasks-db's `db_worker`, kept running through a database outage.

The stock worker exits when the database stops answering; this one waits and
carries on, so a brief outage needs no one to restart it. A task whose run was
cut short is not lost: an email it was sending is claimed again after its lease
(notifications.tasks.deliver_due).
"""

import logging
import time

from django.db import InterfaceError, OperationalError, connections
from django_tasks_db.management.commands import db_worker

logger = logging.getLogger("jobs")


class ResilientWorker(db_worker.Worker):
    def run(self):
        delay = 1
        while self.running:
            try:
                return super().run()
            except (OperationalError, InterfaceError) as exc:
                logger.warning("The database is unavailable (%s); trying again in %s s.", type(exc).__name__, delay)
                connections.close_all()
                time.sleep(delay)
                delay = min(delay * 2, 30)
        return None


class Command(db_worker.Command):
    help = "Run the background worker: sends the outbox's emails and runs scheduled jobs."

    def handle(self, *args, **options):
        stock = db_worker.Worker
        db_worker.Worker = ResilientWorker
        try:
            return super().handle(*args, **options)
        finally:
            db_worker.Worker = stock
