from django.db import migrations

from clinic.staff_groups import EDITORS, RECEPTION, grant, model_permissions


def grant_permissions(apps, schema_editor):
    grant(
        apps, RECEPTION, "bookings", model_permissions(["clinichours", "closure"], actions=("add", "change", "view"))
    )
    grant(apps, EDITORS, "bookings", model_permissions(["clinichours", "closure"], actions=("view",)))


class Migration(migrations.Migration):
    dependencies = [
        ("bookings", "0001_initial"),
        ("treatments", "0002_staff_groups"),
    ]

    operations = [migrations.RunPython(grant_permissions, migrations.RunPython.noop)]
