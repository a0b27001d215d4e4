from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import CommandError

from privacy import services


def add_common_arguments(parser):
    parser.add_argument("email", help="The patient's email address (capitals do not matter).")
    parser.add_argument("--by", metavar="USERNAME", help="The staff member who asked for this, for the record.")


def staff_member(username):
    if not username:
        return None
    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        raise CommandError(f"There is no account with the username {username!r}.")
    return user


def checked_email(email):
    try:
        return services.normalised(email)
    except ValidationError:
        raise CommandError(f"{email!r} is not an email address.") from None
