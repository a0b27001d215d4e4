"""The signed time the comment form was shown: a comment sent too soon after (a bot)
or too long after (a stale page) is refused by forms.CommentForm.
"""

import time

from django.conf import settings
from django.core import signing

# Unchanged since it lived in treatments.comments, so forms shown before a deploy still post.
FORM_TIME_SALT = "treatments.comments.form-shown-at"
# Forms shown within the same tenth of a second share one token: it records only the
# time, so sharing it tells nobody anything, and a busy page is not signed on every hit.
SHARED_FOR_SECONDS = 0.1


def sign_form_time(when=None):
    """A token recording when the comment form was shown (`when`: Unix seconds, now by
    default); it cannot be forged or altered.

    Without `when`, the token made earlier in the same tenth of a second (with the
    same SECRET_KEY) is reused, so the recorded time is at most 0.1 s early.
    """
    global _shared
    if when is not None:
        return signing.dumps(when, salt=FORM_TIME_SALT)
    now = time.time()
    period = (int(now / SHARED_FOR_SECONDS), settings.SECRET_KEY)
    shared_period, token = _shared
    if shared_period != period:
        token = signing.dumps(now, salt=FORM_TIME_SALT)
        _shared = (period, token)
    return token


_shared = (None, "")  # ((tenth of a second, secret key), token)


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
