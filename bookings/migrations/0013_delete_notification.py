"""The old outbox goes: its history is copied into notifications.Email first.

Each email keeps its time, attempts and recipient.
"""

from django.db import migrations

from notifications.migrations._history import copied, keep_times


def copy_history(apps, schema_editor):
    Email = apps.get_model("notifications", "Email")
    ContentType = apps.get_model("contenttypes", "ContentType")
    Notification = apps.get_model("bookings", "Notification")
    db = schema_editor.connection.alias
    request_type, _ = ContentType.objects.db_manager(db).get_or_create(
        app_label="bookings", model="consultationrequest"
    )
    if Email.objects.using(db).filter(content_type=request_type).exists():
        return  # copied already, by notifications 0002 as it was before this copy moved here
    pairs = [
        (
            copied(old, Email, kind=old.kind, to=old.to, content_type=request_type, object_id=old.request_id),
            old.created_at,
        )
        for old in Notification.objects.using(db).order_by("pk").iterator()
    ]
    keep_times(Email, db, pairs)


def copy_back(apps, schema_editor):
    """Going back: the old table comes back empty; the outbox rows that came from it go."""
    Email = apps.get_model("notifications", "Email")
    Email.objects.using(schema_editor.connection.alias).filter(
        content_type__app_label="bookings", content_type__model="consultationrequest"
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("bookings", "0012_reschedule_notice"),
        ("notifications", "0002_history_from_bookings_and_comments"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.RunPython(copy_history, copy_back),
        migrations.DeleteModel(
            name="Notification",
        ),
    ]
