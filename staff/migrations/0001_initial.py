"""Clinicians, moved here from treatments (treatments 0022); their table keeps its name."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    # treatments' migrations made this table (treatments 0001 to 0016) and keep it: this
    # migration only tells Django that the model now lives here. Treatments 0016 runs
    # before it, so the table is complete before any later staff migration changes it.
    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="Clinician",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("name", models.CharField(max_length=120)),
                        (
                            "slug",
                            models.SlugField(
                                blank=True,
                                help_text="The profile's address: /clinicians/<slug>/. Made from the name when left blank.",
                                max_length=140,
                                unique=True,
                            ),
                        ),
                        (
                            "credentials",
                            models.CharField(blank=True, help_text='For example "MBBS, MD".', max_length=120),
                        ),
                        (
                            "role",
                            models.CharField(
                                blank=True, help_text='For example "Consultant dermatologist".', max_length=120
                            ),
                        ),
                        ("bio", models.TextField(blank=True)),
                        (
                            "registration_body",
                            models.CharField(
                                blank=True,
                                choices=[
                                    ("gmc", "General Medical Council (GMC)"),
                                    ("nmc", "Nursing and Midwifery Council (NMC)"),
                                    ("hcpc", "Health and Care Professions Council (HCPC)"),
                                ],
                                help_text="Their regulator.",
                                max_length=10,
                                verbose_name="registered with",
                            ),
                        ),
                        (
                            "registration_number",
                            models.CharField(
                                blank=True,
                                help_text="As on the regulator's public register, e.g. a GMC number or NMC PIN.",
                                max_length=20,
                            ),
                        ),
                        (
                            "special_interests",
                            models.CharField(
                                blank=True,
                                help_text='Comma-separated, for example "acne scars, laser treatments".',
                                max_length=300,
                            ),
                        ),
                        (
                            "is_sample",
                            models.BooleanField(
                                default=False,
                                help_text="Demo clinicians are fictional and marked as such.",
                                verbose_name="fictional sample data",
                            ),
                        ),
                        (
                            "takes_consultations",
                            models.BooleanField(
                                default=True,
                                help_text="Untick for clinicians who write or review pages but see no patients here.",
                            ),
                        ),
                        (
                            "user",
                            models.OneToOneField(
                                blank=True,
                                help_text="The account this clinician signs in with; put it in the Clinicians group too.",
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="clinician",
                                to=settings.AUTH_USER_MODEL,
                                verbose_name="staff account",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "treatments_clinician",
                        "ordering": ["name"],
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
