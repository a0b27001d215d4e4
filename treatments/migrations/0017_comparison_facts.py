import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    """Facts clinicians enter so a comparison can say which treatment hurts less, works
    sooner and suits the condition: discomfort, when results show (a range of weeks after
    the first session) and, per condition, how well each treatment works."""

    dependencies = [
        ("treatments", "0016_clinician_takes_consultations"),
    ]

    operations = [
        migrations.RenameField(model_name="treatment", old_name="results_weeks", new_name="results_weeks_min"),
        migrations.AlterField(
            model_name="treatment",
            name="results_weeks_min",
            field=models.PositiveSmallIntegerField(
                blank=True, null=True, verbose_name="results usually show from (weeks after the first session)"
            ),
        ),
        migrations.AddField(
            model_name="treatment",
            name="results_weeks_max",
            field=models.PositiveSmallIntegerField(
                blank=True, null=True, verbose_name="results usually show by (weeks after the first session)"
            ),
        ),
        migrations.AddField(
            model_name="treatment",
            name="discomfort",
            field=models.CharField(
                blank=True,
                choices=[("mild", "Mild"), ("moderate", "Moderate"), ("marked", "Marked")],
                help_text="How much a session usually hurts with the usual numbing, as our clinicians judge it.",
                max_length=10,
            ),
        ),
        migrations.AddField(
            model_name="treatment",
            name="discomfort_note",
            field=models.CharField(
                blank=True,
                help_text='In plain words, for example "pressure and prickling, like sandpaper".',
                max_length=200,
            ),
        ),
        migrations.AddField(
            model_name="conditiontreatment",
            name="suitability",
            field=models.CharField(
                blank=True,
                choices=[
                    ("well_suited", "Well suited"),
                    ("sometimes_used", "Sometimes used"),
                    ("limited_effect", "Limited effect"),
                ],
                help_text="A clinician's judgement from the evidence; comparisons for this condition rank only "
                "treatments that are well suited or sometimes used.",
                max_length=20,
                verbose_name="how well it works for this condition",
            ),
        ),
        migrations.AddField(
            model_name="conditiontreatment",
            name="suitability_reference",
            field=models.ForeignKey(
                blank=True,
                help_text="The condition's reference that supports this judgement.",
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="treatments.reference",
                verbose_name="evidence",
            ),
        ),
    ]
