"""Clinicians' public profiles: an address (slug), their regulator and number, special interests.

Existing clinicians get a slug made from their name here; the next migration
makes slugs unique (kept apart so that PostgreSQL never alters a table with
pending updates in the same transaction).
"""

from django.db import migrations, models
from django.utils.text import slugify


def give_clinicians_slugs(apps, schema_editor):
    Clinician = apps.get_model("treatments", "Clinician")
    taken = set()
    for clinician in Clinician.objects.order_by("pk"):
        base = slugify(clinician.name)[:130] or "clinician"
        slug, number = base, 1
        while slug in taken:
            number += 1
            slug = f"{base}-{number}"
        taken.add(slug)
        clinician.slug = slug
        clinician.save(update_fields=["slug"])


class Migration(migrations.Migration):
    dependencies = [
        ("treatments", "0012_old_slugs_redirect"),
    ]

    operations = [
        migrations.AddField(
            model_name="clinician",
            name="slug",
            field=models.SlugField(blank=True, default="", max_length=140),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="clinician",
            name="registration_body",
            field=models.CharField(
                blank=True,
                choices=[
                    ("gmc", "General Medical Council (GMC)"),
                    ("nmc", "Nursing and Midwifery Council (NMC)"),
                    ("hcpc", "Health and Care Professions Council (HCPC)"),
                ],
                help_text="Their regulator.",
                max_length=10,
                verbose_name="registered with",
            ),
        ),
        migrations.AddField(
            model_name="clinician",
            name="registration_number",
            field=models.CharField(
                blank=True,
                help_text="As on the regulator's public register, e.g. a GMC number or NMC PIN.",
                max_length=20,
            ),
        ),
        migrations.AddField(
            model_name="clinician",
            name="special_interests",
            field=models.CharField(
                blank=True, help_text='Comma-separated, for example "acne scars, laser treatments".', max_length=300
            ),
        ),
        migrations.RunPython(give_clinicians_slugs, migrations.RunPython.noop),
    ]
