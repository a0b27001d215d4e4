"""Clinicians move to the staff app; their table, rows and permissions stay as they are."""

import django.db.models.deletion
from django.db import migrations, models


def relabel_content_type(apps, old_label, new_label):
    # Permissions (and the groups holding them), admin history and page revisions point at
    # the content type row: relabelling it keeps all of them attached to clinicians.
    ContentType = apps.get_model("contenttypes", "ContentType")
    if not ContentType.objects.filter(app_label=new_label, model="clinician").exists():
        ContentType.objects.filter(app_label=old_label, model="clinician").update(app_label=new_label)


def to_staff(apps, schema_editor):
    relabel_content_type(apps, "treatments", "staff")


def back_to_treatments(apps, schema_editor):
    relabel_content_type(apps, "staff", "treatments")


class Migration(migrations.Migration):
    dependencies = [
        ("staff", "0001_initial"),
        ("treatments", "0021_reference_doi_pmid"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    # Same table and columns: the foreign keys already point at it in the database.
    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="pagereview",
                    name="approved_by",
                    field=models.ForeignKey(
                        blank=True,
                        help_text="The clinician.",
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="staff.clinician",
                    ),
                ),
                migrations.AlterField(
                    model_name="treatment",
                    name="medical_reviewer",
                    field=models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="staff.clinician",
                    ),
                ),
                migrations.AlterField(
                    model_name="treatment",
                    name="author",
                    field=models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="staff.clinician",
                    ),
                ),
                migrations.AlterField(
                    model_name="condition",
                    name="medical_reviewer",
                    field=models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="staff.clinician",
                    ),
                ),
                migrations.AlterField(
                    model_name="comment",
                    name="clinician",
                    field=models.ForeignKey(
                        blank=True,
                        help_text="Set on clinic answers: shown with the clinician's name and credentials.",
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="answers",
                        to="staff.clinician",
                    ),
                ),
                migrations.AlterField(
                    model_name="condition",
                    name="author",
                    field=models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="staff.clinician",
                    ),
                ),
                migrations.DeleteModel(
                    name="Clinician",
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(to_staff, back_to_treatments),
    ]
