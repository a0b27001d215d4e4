from django.db import migrations

from clinic.staff_groups import RECEPTION, grant, model_permissions


def grant_permissions(apps, schema_editor):
    # Reception keeps the clinicians' working weeks and leave up to date, and enters
    # bookings taken by phone or at the desk (the add permission of requests).
    grant(
        apps,
        RECEPTION,
        "bookings",
        [
            "add_consultationrequest",
            "view_clinicianavailability",
            "change_clinicianavailability",
            *model_permissions(["workinghours", "break", "leave"]),
        ],
    )


class Migration(migrations.Migration):
    dependencies = [
        ("bookings", "0009_no_overlapping_consultations"),
    ]

    operations = [migrations.RunPython(grant_permissions, migrations.RunPython.noop)]
