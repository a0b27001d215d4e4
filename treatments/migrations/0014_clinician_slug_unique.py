from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("treatments", "0013_clinician_profile"),
    ]

    operations = [
        migrations.AlterField(
            model_name="clinician",
            name="slug",
            field=models.SlugField(
                blank=True,
                help_text="The profile's address: /clinicians/<slug>/. Made from the name when left blank.",
                max_length=140,
                unique=True,
            ),
        ),
    ]
