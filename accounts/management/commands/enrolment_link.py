import os
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.validators import URLValidator

from accounts import services

SITE_URL_HELP = (
    "The site's public address the link starts with, e.g. https://clinic.example (default: SITE_URL, "
    "or http://127.0.0.1:8000 when SITE_URL is not set)."
)


class Command(BaseCommand):
    help = (
        "Print a single-use set-up link with which a staff member sets up their authenticator app (the first "
        "superuser, say, before anyone can issue links in admin). Earlier unused links for them stop working. "
        "Says which site address the link uses; --site-url gives another."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--site-url", help=SITE_URL_HELP)

    def handle(self, *args, username, site_url=None, **options):
        site_url = checked_site_url(site_url) if site_url is not None else None
        user = account(username)
        try:
            _link, token = services.issue_enrolment_link(user=user, by=None)
        except services.EnrolmentError as error:
            raise CommandError(str(error)) from None
        url = services.enrolment_url(token, site_url=site_url)
        self.stdout.write(describe_site_address(site_url, style=self.style))
        self.stdout.write(
            f"Set-up link for {username} (works once, for {settings.STAFF_ENROLMENT_LINK_HOURS} hours; "
            f"give it only to them):\n{url}"
        )


def checked_site_url(value):
    """`value` without a trailing slash, if it is an http(s) address with no query or
    fragment; CommandError saying what is wrong otherwise."""
    value = value.strip().rstrip("/")
    try:
        URLValidator(schemes=["http", "https"])(value)
    except ValidationError:
        raise CommandError(f"--site-url {value!r} is not a web address such as https://clinic.example.") from None
    parts = urlsplit(value)
    if parts.query or parts.fragment:
        raise CommandError(f"--site-url {value!r} has a query or fragment: give only the site's address.")
    return value


def describe_site_address(site_url, *, style):
    """One line naming the address the link starts with and where it came from."""
    if site_url is not None:
        return f"Site address: {site_url} (from --site-url)."
    if os.environ.get("SITE_URL", "").strip():
        return f"Site address: {settings.SITE_URL} (from SITE_URL)."
    return style.WARNING(
        f"Site address: {settings.SITE_URL} (SITE_URL is not set in this shell, so this is the default). "
        "If the site is served at another address, run this again with --site-url <address>, "
        "e.g. --site-url https://clinic.example: the new link withdraws this one."
    )


def account(username):
    """The user called `username`; CommandError naming it if there is none."""
    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        raise CommandError(f"There is no account with the username {username!r}.")
    return user
