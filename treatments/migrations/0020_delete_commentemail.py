"""The old outbox is gone: its history was copied into notifications.Email."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("treatments", "0019_urgent_comments"),
        ("notifications", "0002_history_from_bookings_and_comments"),
    ]

    operations = [
        migrations.DeleteModel(
            name="CommentEmail",
        ),
    ]
