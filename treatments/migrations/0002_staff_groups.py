from django.db import migrations

from clinic.staff_groups import EDITORS, RECEPTION, grant, model_permissions

CONTENT_MODELS = ["clinician", "condition", "treatment", "conditiontreatment", "faq", "keytakeaway", "reference"]


def create_groups(apps, schema_editor):
    grant(apps, EDITORS, "treatments", model_permissions(CONTENT_MODELS))
    # Reception looks treatments and clinicians up when arranging consultations.
    grant(apps, RECEPTION, "treatments", model_permissions(["treatment", "clinician"], actions=("view",)))


class Migration(migrations.Migration):
    dependencies = [
        ("treatments", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_groups, migrations.RunPython.noop)]
