from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from accounts import services


class Command(BaseCommand):
    help = (
        "Print a single-use set-up link with which a staff member sets up their authenticator app (the first "
        "superuser, say, before anyone can issue links in admin). Earlier unused links for them stop working."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")

    def handle(self, *args, username, **options):
        user = account(username)
        try:
            _link, token = services.issue_enrolment_link(user=user, by=None)
        except services.EnrolmentError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(
            f"Set-up link for {username} (works once, for {settings.STAFF_ENROLMENT_LINK_HOURS} hours; "
            f"give it only to them):\n{services.enrolment_url(token)}"
        )


def account(username):
    """The user called `username`; CommandError naming it if there is none."""
    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        raise CommandError(f"There is no account with the username {username!r}.")
    return user
