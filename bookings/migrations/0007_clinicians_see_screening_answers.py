from django.db import migrations


# It once also granted staff groups permissions: staff/roles.py does that now, after every migrate.
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
    ]
