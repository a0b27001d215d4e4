from django.db import migrations

from clinic.staff_groups import EDITORS, grant, model_permissions


def grant_permissions(apps, schema_editor):
    grant(apps, EDITORS, "treatments", model_permissions(["comment"], actions=("add", "change", "view")))
    grant(apps, EDITORS, "treatments", model_permissions(["helpfulvote"], actions=("view",)))


class Migration(migrations.Migration):
    dependencies = [("treatments", "0003_votes_and_comments"), ("treatments", "0002_staff_groups")]

    operations = [migrations.RunPython(grant_permissions, migrations.RunPython.noop)]
