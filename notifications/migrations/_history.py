"""What bookings 0013 and treatments 0020 share when they copy their old outboxes into
notifications.Email. Used by those migrations only, so frozen like them; the
migration loader skips modules whose name starts with "_".
"""

import re

OLD_ERROR = re.compile(r"^\s*([A-Za-z_][\w.]*)")


def copied(old, Email, **fields):
    """The outbox row for `old`: sent stays sent, failed failed (staff can send it
    again), waiting is queued for the worker; of its error only the kind is kept
    (old rows could hold the mail server's text, which can quote addresses)."""
    match = OLD_ERROR.match(old.error or "")
    return Email(
        state="sent" if old.sent_at else "failed" if old.failed_at else "queued",
        attempts=old.attempts,
        next_attempt_at=old.created_at,
        sent_at=old.sent_at,
        failed_at=old.failed_at,
        error=match.group(1).split(".")[-1][:100] if match else "",
        **fields,
    )


def keep_times(Email, db, pairs):
    """Save the copies with their original times (created_at is auto_now_add)."""
    created = Email.objects.using(db).bulk_create([email for email, _ in pairs], batch_size=500)
    for email, (_, when) in zip(created, pairs, strict=True):
        email.created_at = when
    Email.objects.using(db).bulk_update(created, ["created_at"], batch_size=500)
