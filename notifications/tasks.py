"""Delivering the outbox's emails: the worker's tasks (`python manage.py run_worker`)
and what they do. Emails are recorded, and their `send_email` tasks queued, by
notifications.outbox.

- `deliver(email_id)` (the `send_email` task) claims the row (so two workers never
  send one email), renders and sends it outside any transaction, and records the
  outcome. A failed attempt is retried with back-off: another `send_email`, queued
  for when it is due.
- `deliver_due()` (the `deliver_due_emails` job, every minute) sends retries whose
  time has come, emails whose task was lost, and emails whose worker died mid-send,
  claimed again once their lease expires.

Settings: OUTBOX_MAX_ATTEMPTS (attempts before an email is marked failed),
OUTBOX_RETRY_SECONDS (the first back-off; each next one is 3 times longer, at
most 6 hours), OUTBOX_SENDING_LEASE_SECONDS (how long an attempt may take before
another worker may take the email over).
"""

import logging
import smtplib
import time
from datetime import timedelta

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.db.models import F, Q
from django.utils import timezone
from django_tasks import task

from jobs.registry import scheduled
from notifications import kinds
from notifications.kinds import NotToBeSent
from notifications.models import Email, EmailState

logger = logging.getLogger(__name__)

MAX_BACKOFF = timedelta(hours=6)
# How long the outcome of a sent email is retried when the database is briefly
# unreachable: giving up earlier would send the email again later.
OUTCOME_RETRY_SECONDS = 60


@task()
def send_email(email_id):
    """One attempt at one email (queued by outbox.record). Returns its state after."""
    return deliver(email_id)


@scheduled("* * * * *")
@task()
def deliver_due_emails():
    """Every minute: retries whose back-off has passed, and emails whose worker died
    mid-send. Returns how many were sent."""
    return deliver_due()


def claimable(now):
    """Emails a worker may take at `now`: queued and due, or stuck "sending" past the
    lease (their worker was killed or lost the database mid-send)."""
    lease = timedelta(seconds=settings.OUTBOX_SENDING_LEASE_SECONDS)
    return Q(state=EmailState.QUEUED, next_attempt_at__lte=now) | Q(
        state=EmailState.SENDING, claimed_at__lt=now - lease
    )


def backoff(attempts):
    """The wait after the `attempts`-th failed attempt: OUTBOX_RETRY_SECONDS, then 3
    times longer each time, at most 6 hours. Returns a timedelta."""
    seconds = settings.OUTBOX_RETRY_SECONDS * 3 ** max(attempts - 1, 0)
    return min(timedelta(seconds=seconds), MAX_BACKOFF)


def smtp_code(exc):
    """The SMTP reply code an exception carries, or None."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused) and exc.recipients:
        return min(code for code, _ in exc.recipients.values())
    return getattr(exc, "smtp_code", None)


def error_kind(exc):
    """What staff see of a failure: the exception's class and the SMTP code, never
    the server's text (it can quote addresses), e.g. "SMTPRecipientsRefused 550"."""
    code = smtp_code(exc)
    return f"{exc.__class__.__name__}{f' {code}' if code else ''}"[:100]


def is_permanent(exc):
    """True when trying again cannot help: the mail server refused for good (5xx),
    or the email cannot be rendered (a template or data error). Connection
    failures, timeouts and 4xx replies are temporary."""
    code = smtp_code(exc)
    if code:
        return 500 <= code < 600
    return not isinstance(exc, OSError)  # smtplib errors and timeouts are OSErrors


def _claim(email_id, now):
    """Take the email for one attempt. One UPDATE, conditional on the email being
    claimable: on PostgreSQL it waits for any row lock and re-checks, on SQLite
    writers are serialised, so of two workers exactly one gets it."""
    return bool(
        Email.objects.filter(claimable(now), pk=email_id).update(
            state=EmailState.SENDING, claimed_at=now, attempts=F("attempts") + 1
        )
    )


def _finish(email_id, claimed_at, **outcome):
    """Record the outcome of our attempt, retrying while the database is briefly
    unreachable (the email went: losing that fact would send it again)."""
    deadline = time.monotonic() + OUTCOME_RETRY_SECONDS
    delay = 0.2
    while True:
        try:
            mine = Email.objects.filter(pk=email_id, state=EmailState.SENDING, claimed_at=claimed_at)
            return bool(mine.update(**outcome))
        except (OperationalError, InterfaceError):
            if time.monotonic() > deadline:
                raise
            logger.warning("The database is unavailable to record email %s; trying again.", email_id)
            _close_broken_connection()
            time.sleep(delay)
            delay = min(delay * 2, 5)


def _close_broken_connection():
    from django.db import connection

    try:
        connection.close()
    except Exception:  # the connection is already gone: a new one is opened on the next query
        pass


def deliver(email_id, *, now=None):
    """Make one attempt at sending the email `email_id`, if it is due and no other
    worker has it. Returns the state it is left in ("sent", "queued" for a retry,
    "failed", "cancelled") or None when there was nothing to do (already sent,
    being sent elsewhere, not due, or no such email). Never raises for a mail or
    template failure: that is recorded on the email for staff."""
    now = now or timezone.now()
    if not _claim(email_id, now):
        return None
    email = Email.objects.select_related("content_type").get(pk=email_id)
    try:
        message = kinds.get(email.kind).render(email)
        message.send(fail_silently=False)
    except NotToBeSent as reason:
        outcome = {"state": EmailState.CANCELLED, "error": str(reason)[:100]}
    except Exception as exc:  # any mail server or template failure: recorded, never raised
        outcome = _failure(email, exc)
    else:
        outcome = {"state": EmailState.SENT, "sent_at": timezone.now(), "error": ""}
    if not _finish(email.pk, now, **outcome):
        logger.warning("Email %s was taken over by another worker before its outcome was recorded.", email.pk)
    if outcome["state"] == EmailState.QUEUED:
        _queue_retry(email.pk, outcome["next_attempt_at"])
    return outcome["state"]


def _failure(email, exc):
    failed_at = timezone.now()
    kind = error_kind(exc)
    logger.warning("Email %s (%s, attempt %s) failed: %s", email.pk, email.kind, email.attempts, kind)
    if is_permanent(exc) or email.attempts >= settings.OUTBOX_MAX_ATTEMPTS:
        return {"state": EmailState.FAILED, "failed_at": failed_at, "error": kind}
    return {
        "state": EmailState.QUEUED,
        "failed_at": failed_at,
        "error": kind,
        "next_attempt_at": failed_at + backoff(email.attempts),
    }


def deliver_due(*, now=None, limit=200):
    """Deliver up to `limit` emails that are due: retries whose back-off has passed,
    emails whose task was lost, emails whose worker died mid-send. Safe to run in
    several processes at once (each email is claimed). Returns how many were sent."""
    now = now or timezone.now()
    due = Email.objects.filter(claimable(now)).order_by("next_attempt_at", "pk")
    sent = 0
    for email_id in list(due.values_list("pk", flat=True)[:limit]):
        sent += deliver(email_id, now=now) == EmailState.SENT
    return sent


def _queue_retry(email_id, when):
    if send_email.get_backend().supports_defer:
        send_email.using(run_after=when).enqueue(email_id)
    # Otherwise the scheduled sweep (deliver_due) picks it up when it is due.
