import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import SESSION_KEY, logout
from django_otp import DEVICE_ID_SESSION_KEY

SIGNED_IN_AT_SESSION_KEY = "staff_signed_in_at"
LAST_SEEN_SESSION_KEY = "staff_last_seen"
# The last-seen time is written at most this often (seconds): not a session save per request.
LAST_SEEN_RESOLUTION = 60


class StaffSessionMiddleware:
    """Signs a staff session out when it has been idle for STAFF_SESSION_IDLE_SECONDS,
    when it is STAFF_SESSION_MAX_SECONDS old, or when the authenticator app that
    verified it was reset or replaced (its device is gone). A password change signs
    out every other session already (Django checks the session's password hash).

    Times are seconds since the epoch in the session (server-side); the request
    goes on as anonymous, so admin shows its sign-in page with the reason.
    Goes after AuthenticationMiddleware, OTPMiddleware and MessageMiddleware.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        session = request.session
        if SESSION_KEY in session:
            self.check(request, session, time.time())
        return self.get_response(request)

    def check(self, request, session, now):
        signed_in_at = session.get(SIGNED_IN_AT_SESSION_KEY)
        last_seen = session.get(LAST_SEEN_SESSION_KEY, signed_in_at)
        reason = None
        if signed_in_at is not None and now - signed_in_at > settings.STAFF_SESSION_MAX_SECONDS:
            hours = settings.STAFF_SESSION_MAX_SECONDS // 3600
            reason = f"You were signed out: a staff session lasts at most {hours} hours. Please sign in again."
        elif last_seen is not None and now - last_seen > settings.STAFF_SESSION_IDLE_SECONDS:
            minutes = settings.STAFF_SESSION_IDLE_SECONDS // 60
            reason = f"You were signed out after {minutes} minutes without activity. Please sign in again."
        elif DEVICE_ID_SESSION_KEY in session and not request.user.is_verified():
            reason = "You were signed out: the authenticator app of this account was reset. Please sign in again."
        if reason:
            logout(request)
            messages.info(request, reason)
            return
        if signed_in_at is None:
            session[SIGNED_IN_AT_SESSION_KEY] = now
        if last_seen is None or now - last_seen >= LAST_SEEN_RESOLUTION:
            session[LAST_SEEN_SESSION_KEY] = now


def mark_signed_in(request):
    """Start the clocks of a staff session that has just passed both sign-in steps."""
    now = time.time()
    request.session[SIGNED_IN_AT_SESSION_KEY] = now
    request.session[LAST_SEEN_SESSION_KEY] = now
