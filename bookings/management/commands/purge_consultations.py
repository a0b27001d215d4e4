"""Anonymise closed consultation requests older than the retention period."""

from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.formats import date_format

from bookings import services


class Command(BaseCommand):
    help = (
        "Anonymise closed consultation requests (declined, cancelled, completed, no-show) untouched for more than "
        "--older-than-days days: personal details are erased; reference, status, dates and treatments stay for "
        "statistics. Run it daily, e.g. from cron."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--older-than-days",
            type=int,
            default=settings.CONSULTATION_RETENTION_DAYS,
            help=(
                "Anonymise requests closed and untouched for more than this many days "
                f"(default CONSULTATION_RETENTION_DAYS, now {settings.CONSULTATION_RETENTION_DAYS})."
            ),
        )
        parser.add_argument("--dry-run", action="store_true", help="Say what would be anonymised; change nothing.")

    def handle(self, *args, older_than_days, dry_run, **options):
        if older_than_days < 1:
            raise CommandError("--older-than-days must be at least 1.")
        now = timezone.now()
        cutoff = date_format(timezone.localtime(now - timedelta(days=older_than_days)), "j F Y")
        references = services.anonymise_closed_requests(older_than_days=older_than_days, now=now, dry_run=dry_run)
        count = len(references)
        plural = "" if count == 1 else "s"
        if dry_run:
            self.stdout.write(
                f"Dry run: would anonymise {count} closed consultation request{plural} untouched since before "
                f"{cutoff}. Nothing was changed."
            )
        else:
            self.stdout.write(
                f"Anonymised {count} closed consultation request{plural} untouched since before {cutoff}."
            )
        for reference in references:
            self.stdout.write(f"  {reference}")
