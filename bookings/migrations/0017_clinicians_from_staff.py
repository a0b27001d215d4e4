"""Bookings' clinicians are staff's now (treatments 0022 moves the model); nothing changes in the database."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("bookings", "0016_requests_list_order"),
        ("staff", "0001_initial"),
    ]

    # Before treatments forgets its Clinician, the bookings state must point at staff's.
    run_before = [("treatments", "0022_clinicians_move_to_staff")]

    # Same table, same columns, same constraints in the database: only Django's idea of
    # where Clinician lives changes.
    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="break",
                    name="clinician",
                    field=models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="breaks", to="staff.clinician"
                    ),
                ),
                migrations.AlterField(
                    model_name="consultationrequest",
                    name="clinician",
                    field=models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="consultations",
                        to="staff.clinician",
                    ),
                ),
                migrations.AlterField(
                    model_name="leave",
                    name="clinician",
                    field=models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="leave", to="staff.clinician"
                    ),
                ),
                migrations.AlterField(
                    model_name="proposedtime",
                    name="clinician",
                    field=models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT, related_name="+", to="staff.clinician"
                    ),
                ),
                migrations.AlterField(
                    model_name="workinghours",
                    name="clinician",
                    field=models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="working_hours", to="staff.clinician"
                    ),
                ),
                # The proxy's base changes app; proxies have no table of their own.
                migrations.DeleteModel(name="ClinicianAvailability"),
                migrations.CreateModel(
                    name="ClinicianAvailability",
                    fields=[],
                    options={
                        "verbose_name": "clinician's availability",
                        "verbose_name_plural": "clinicians' availability",
                        "proxy": True,
                        "indexes": [],
                        "constraints": [],
                    },
                    bases=("staff.clinician",),
                ),
            ],
            database_operations=[],
        ),
    ]
