import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.CreateModel(
            name="Email",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("kind", models.CharField(max_length=40)),
                ("to", models.EmailField(blank=True, help_text="Erased with the patient's details.", max_length=254)),
                ("object_id", models.PositiveBigIntegerField(blank=True, null=True)),
                (
                    "data",
                    models.JSONField(
                        blank=True, default=dict, help_text="What the renderer needs besides `about` (ids, times)."
                    ),
                ),
                ("key", models.CharField(blank=True, max_length=150, null=True, unique=True)),
                (
                    "state",
                    models.CharField(
                        choices=[
                            ("queued", "queued"),
                            ("sending", "sending"),
                            ("sent", "sent"),
                            ("failed", "failed"),
                            ("cancelled", "not sent (no longer needed)"),
                        ],
                        default="queued",
                        max_length=10,
                    ),
                ),
                ("attempts", models.PositiveSmallIntegerField(default=0)),
                (
                    "next_attempt_at",
                    models.DateTimeField(
                        default=django.utils.timezone.now, help_text="When a worker may try it (next)."
                    ),
                ),
                (
                    "claimed_at",
                    models.DateTimeField(blank=True, help_text="When the current attempt started.", null=True),
                ),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("sent_at", models.DateTimeField(blank=True, null=True)),
                ("failed_at", models.DateTimeField(blank=True, help_text="When the last attempt failed.", null=True)),
                (
                    "error",
                    models.CharField(
                        blank=True, help_text="The kind of the last failure, without addresses.", max_length=100
                    ),
                ),
                (
                    "content_type",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        to="contenttypes.contenttype",
                    ),
                ),
            ],
            options={
                "verbose_name": "email",
                "verbose_name_plural": "emails",
                "ordering": ["created_at", "id"],
                "indexes": [
                    models.Index(fields=["state", "next_attempt_at"], name="notificatio_state_ab7119_idx"),
                    models.Index(fields=["content_type", "object_id"], name="notificatio_content_f32088_idx"),
                ],
            },
        ),
    ]
