"""The old outbox goes: its history is copied into notifications.Email first.

Each email keeps its time and attempts; the clinic's copy goes to today's clinic
inbox, and a patient's address is read from the comment when it is sent.
"""

from django.conf import settings
from django.db import migrations

from notifications.migrations._history import copied, keep_times


def copy_history(apps, schema_editor):
    Email = apps.get_model("notifications", "Email")
    ContentType = apps.get_model("contenttypes", "ContentType")
    CommentEmail = apps.get_model("treatments", "CommentEmail")
    db = schema_editor.connection.alias
    comment_type, _ = ContentType.objects.db_manager(db).get_or_create(app_label="treatments", model="comment")
    if Email.objects.using(db).filter(content_type=comment_type).exists():
        return  # copied already, by notifications 0002 as it was before this copy moved here
    pairs = []
    for old in CommentEmail.objects.using(db).order_by("pk").iterator():
        email = copied(
            old,
            Email,
            kind=old.kind,
            to=settings.CLINIC_STAFF_EMAIL if old.kind == "comment_received" else "",
            content_type=comment_type,
            object_id=old.comment_id,
            data={"answered": old.answered_id} if old.answered_id else {},
        )
        pairs.append((email, old.created_at))
    keep_times(Email, db, pairs)


def copy_back(apps, schema_editor):
    """Going back: the old table comes back empty; the outbox rows that came from it go."""
    Email = apps.get_model("notifications", "Email")
    Email.objects.using(schema_editor.connection.alias).filter(
        content_type__app_label="treatments", content_type__model="comment"
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("treatments", "0019_urgent_comments"),
        ("notifications", "0002_history_from_bookings_and_comments"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.RunPython(copy_history, copy_back),
        migrations.DeleteModel(
            name="CommentEmail",
        ),
    ]
