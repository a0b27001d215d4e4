from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django_otp.plugins.otp_totp.models import TOTPDevice


class Command(BaseCommand):
    help = (
        "Remove a staff member's authenticator app (for a lost or replaced phone). At their next "
        "sign-in, after the password, they set up a new one. Check who is asking before you run this."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")

    def handle(self, *args, username, **options):
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"There is no account with the username {username!r}.")
        deleted, _ = TOTPDevice.objects.filter(user=user).delete()
        if not deleted:
            self.stdout.write(f"{username} had no authenticator app; nothing to reset.")
            return
        self.stdout.write(
            self.style.SUCCESS(
                f"Removed {username}'s authenticator app. They set up a new one at their next sign-in: "
                "ask them to sign in now, so no one else can."
            )
        )
