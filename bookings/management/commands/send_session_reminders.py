"""Email patients whose course's next session falls due soon."""

from django.core.management.base import BaseCommand

from bookings import services


class Command(BaseCommand):
    help = (
        "Email each patient whose course of treatment has its next session due within "
        f"{services.SESSION_DUE_NOTICE_DAYS} days, once per session, with the link to choose a time. "
        "Run it daily (the scheduler, or cron)."
    )

    def handle(self, *args, **options):
        sent = services.send_session_due_emails()
        self.stdout.write(f"{sent} 'next session due' email{'' if sent == 1 else 's'} queued.")
