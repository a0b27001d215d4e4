from django.core.management import call_command
from django.core.management.base import BaseCommand

from accounts import services
from accounts.management.commands.enrolment_link import account


class Command(BaseCommand):
    help = (
        "Remove a staff member's authenticator app and backup codes (a lost or replaced phone), sign out "
        "their sessions, and print a new set-up link for them. Check who is asking before you run this."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")

    def handle(self, *args, username, **options):
        user = account(username)
        if services.reset_authenticator(user=user):
            self.stdout.write(self.style.SUCCESS(f"Removed {username}'s authenticator app and backup codes."))
        else:
            self.stdout.write(f"{username} had no authenticator app.")
        call_command("enrolment_link", username, stdout=self.stdout)
