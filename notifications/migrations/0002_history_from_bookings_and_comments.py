"""Copy the history of the two old outboxes (bookings.Notification and
treatments.CommentEmail) into the one outbox, before they are removed.

Sent emails stay sent, failed ones failed (staff can still send them again);
emails still waiting are queued for the worker. Each keeps its time, attempts
and recipient; only the kind of its error is kept (old rows could hold the mail
server's text, which can quote addresses).
"""

import re

from django.conf import settings
from django.db import migrations

OLD_ERROR = re.compile(r"^\s*([A-Za-z_][\w.]*)")


def error_kind(text):
    match = OLD_ERROR.match(text or "")
    return match.group(1).split(".")[-1][:100] if match else ""


def state_of(old):
    if old.sent_at:
        return "sent"
    if old.failed_at:
        return "failed"
    return "queued"


def copy_history(apps, schema_editor):
    Email = apps.get_model("notifications", "Email")
    ContentType = apps.get_model("contenttypes", "ContentType")
    Notification = apps.get_model("bookings", "Notification")
    CommentEmail = apps.get_model("treatments", "CommentEmail")
    db = schema_editor.connection.alias
    request_type, _ = ContentType.objects.db_manager(db).get_or_create(
        app_label="bookings", model="consultationrequest"
    )
    comment_type, _ = ContentType.objects.db_manager(db).get_or_create(app_label="treatments", model="comment")

    def copy(old, **fields):
        email = Email(
            state=state_of(old),
            attempts=old.attempts,
            next_attempt_at=old.created_at,
            sent_at=old.sent_at,
            failed_at=old.failed_at,
            error=error_kind(old.error),
            **fields,
        )
        return email, old.created_at

    batch = []
    for old in Notification.objects.using(db).order_by("pk").iterator():
        batch.append(copy(old, kind=old.kind, to=old.to, content_type=request_type, object_id=old.request_id))
    for old in CommentEmail.objects.using(db).order_by("pk").iterator():
        data = {"answered": old.answered_id} if old.answered_id else {}
        batch.append(
            copy(
                old,
                kind=old.kind,
                to=settings.CLINIC_STAFF_EMAIL if old.kind == "comment_received" else "",
                content_type=comment_type,
                object_id=old.comment_id,
                data=data,
            )
        )
    created = Email.objects.using(db).bulk_create([email for email, _ in batch], batch_size=500)
    # created_at is auto_now_add: put the original times back.
    for email, (_, when) in zip(created, batch, strict=True):
        email.created_at = when
    Email.objects.using(db).bulk_update(created, ["created_at"], batch_size=500)


def copy_back(apps, schema_editor):
    """Going back: the old tables are created again empty by their own migrations'
    reversal; the outbox rows that came from them are removed."""
    Email = apps.get_model("notifications", "Email")
    Email.objects.using(schema_editor.connection.alias).all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0001_initial"),
        ("bookings", "0012_reschedule_notice"),
        ("treatments", "0016_clinician_takes_consultations"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(copy_history, copy_back)]
