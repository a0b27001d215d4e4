from django.db import migrations

from clinic.staff_groups import CLINICIANS, grant, model_permissions


def grant_permissions(apps, schema_editor):
    # Clinicians read consultation requests, with the patient's details and, alone among
    # staff groups, the screening answers; they change nothing here (reception does).
    grant(
        apps,
        CLINICIANS,
        "bookings",
        [
            "view_patient_details",
            "view_screening_answers",
            *model_permissions(["consultationrequest", "statuschange", "notification"], actions=("view",)),
        ],
    )


class Migration(migrations.Migration):
    dependencies = [
        ("bookings", "0006_reception_staff_workflow"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="consultationrequest",
            options={
                "ordering": ["-created_at"],
                "permissions": [
                    ("view_patient_details", "Can see patients' names, contact details and answers"),
                    ("export_consultationrequest", "Can export consultation requests as CSV"),
                    (
                        "view_screening_answers",
                        "Can see patients' answers to the screening questions (clinicians)",
                    ),
                ],
            },
        ),
        migrations.RunPython(grant_permissions, migrations.RunPython.noop),
    ]
