from django.db import migrations

from clinic.staff_groups import RECEPTION, grant


def grant_permissions(apps, schema_editor):
    # Reception reads and works on requests; history and email records are written
    # only by the workflow, and nobody in the group can delete anything here.
    grant(
        apps,
        RECEPTION,
        "bookings",
        ["view_consultationrequest", "change_consultationrequest", "view_statuschange", "view_notification"],
    )


class Migration(migrations.Migration):
    dependencies = [
        ("bookings", "0003_consultation_requests"),
    ]

    operations = [migrations.RunPython(grant_permissions, migrations.RunPython.noop)]
