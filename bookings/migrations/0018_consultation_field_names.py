"""A status change and a proposed time point at their `consultation`, as services and
admin call it (the column is renamed; every row keeps its consultation)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("bookings", "0017_clinicians_from_staff"),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="proposedtime",
            name="one_proposal_per_slot",
        ),
        migrations.RenameField(
            model_name="proposedtime",
            old_name="request",
            new_name="consultation",
        ),
        migrations.RenameField(
            model_name="statuschange",
            old_name="request",
            new_name="consultation",
        ),
        migrations.AddConstraint(
            model_name="proposedtime",
            constraint=models.UniqueConstraint(
                fields=("consultation", "start", "clinician"), name="one_proposal_per_slot"
            ),
        ),
    ]
