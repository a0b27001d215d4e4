from django.core.management import call_command
from django.core.management.base import BaseCommand

from accounts import services
from accounts.management.commands.enrolment_link import SITE_URL_HELP, account, checked_site_url


class Command(BaseCommand):
    help = (
        "Remove a staff member's authenticator app and backup codes (a lost or replaced phone), sign out "
        "their sessions, and print a new set-up link for them. Check who is asking before you run this."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--site-url", help=SITE_URL_HELP)

    def handle(self, *args, username, site_url=None, **options):
        if site_url is not None:
            checked_site_url(site_url)  # before the app is removed
        user = account(username)
        if services.reset_authenticator(user=user):
            self.stdout.write(self.style.SUCCESS(f"Removed {username}'s authenticator app and backup codes."))
        else:
            self.stdout.write(f"{username} had no authenticator app.")
        call_command("enrolment_link", username, site_url=site_url, stdout=self.stdout)
