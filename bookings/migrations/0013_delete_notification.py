"""The old outbox is gone: its history was copied into notifications.Email."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("bookings", "0012_reschedule_notice"),
        ("notifications", "0002_history_from_bookings_and_comments"),
    ]

    operations = [
        migrations.DeleteModel(
            name="Notification",
        ),
    ]
