"""A consultation request remembers the page the patient came from with one key to
treatments' Page, like everything else that belongs to a page, instead of a key to
the condition and another to the treatment. Carried over both ways: a request that
had both keeps the treatment's page, as admin showed it."""

import django.db.models.deletion
from django.db import migrations, models


def keys_to_page(apps, schema_editor):
    ConsultationRequest = apps.get_model("bookings", "ConsultationRequest")
    Condition = apps.get_model("treatments", "Condition")
    Treatment = apps.get_model("treatments", "Treatment")
    pages = {
        "treatment": dict(Treatment.objects.values_list("pk", "page_id")),
        "condition": dict(Condition.objects.values_list("pk", "page_id")),
    }
    rows = ConsultationRequest.objects.filter(
        models.Q(source_treatment__isnull=False) | models.Q(source_condition__isnull=False)
    ).only("pk", "source_treatment_id", "source_condition_id")
    for row in rows.iterator():
        if row.source_treatment_id is not None:
            row.source_page_id = pages["treatment"][row.source_treatment_id]
        else:
            row.source_page_id = pages["condition"][row.source_condition_id]
        row.save(update_fields=["source_page"])


def page_to_keys(apps, schema_editor):
    ConsultationRequest = apps.get_model("bookings", "ConsultationRequest")
    Condition = apps.get_model("treatments", "Condition")
    Treatment = apps.get_model("treatments", "Treatment")
    treatments = dict(Treatment.objects.values_list("page_id", "pk"))
    conditions = dict(Condition.objects.values_list("page_id", "pk"))
    for row in ConsultationRequest.objects.filter(source_page__isnull=False).only("pk", "source_page_id").iterator():
        row.source_treatment_id = treatments.get(row.source_page_id)
        row.source_condition_id = conditions.get(row.source_page_id)
        row.save(update_fields=["source_treatment", "source_condition"])


class Migration(migrations.Migration):
    dependencies = [
        ("bookings", "0018_consultation_field_names"),
        ("treatments", "0025_page_required"),
    ]

    operations = [
        migrations.AddField(
            model_name="consultationrequest",
            name="source_page",
            field=models.ForeignKey(
                blank=True,
                help_text="The condition or treatment page the patient came from.",
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="treatments.page",
            ),
        ),
        migrations.RunPython(keys_to_page, page_to_keys),
        migrations.RemoveField(model_name="consultationrequest", name="source_condition"),
        migrations.RemoveField(model_name="consultationrequest", name="source_treatment"),
    ]
