"""The signed time the comment form was shown: a comment sent too soon after (a bot)
or too long after (a stale page) is refused by forms.CommentForm.
"""

import time

from django.conf import settings
from django.core import signing

# Unchanged since it lived in treatments.comments, so forms shown before a deploy still post.
FORM_TIME_SALT = "treatments.comments.form-shown-at"


def sign_form_time(when=None):
    """A token recording when the comment form was shown; it cannot be forged or altered."""
    return signing.dumps(time.time() if when is None else when, salt=FORM_TIME_SALT)


def seconds_since_shown(token):
    """Seconds since the form carrying `token` was shown.

    Raises `signing.SignatureExpired` for a form older than
    COMMENT_FORM_MAX_AGE_SECONDS and `signing.BadSignature` for a token that was
    altered, forged or is missing.
    """
    shown_at = signing.loads(token or "", salt=FORM_TIME_SALT)
    if not isinstance(shown_at, int | float) or isinstance(shown_at, bool):
        raise signing.BadSignature("Not a time.")
    waited = time.time() - shown_at
    if waited > settings.COMMENT_FORM_MAX_AGE_SECONDS:
        raise signing.SignatureExpired(f"The form was shown {waited:.0f} seconds ago.")
    return waited
