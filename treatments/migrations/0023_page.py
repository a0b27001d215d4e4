import django.db.models.deletion
from django.db import migrations, models

# One Page per condition and treatment, which everything that belongs to a page
# points at (step 1 of 3: the new table and nullable keys; 0024 fills them,
# 0025 drops the old condition/treatment keys and makes the new ones required).
# The "exactly one of condition and treatment" checks go here, before the data
# moves, so that reversing 0025 can add the old keys back empty and 0024 refill them.

ONE_PAGE_CHECKS = {
    "faq": "faq_on_one_page",
    "keytakeaway": "takeaway_on_one_page",
    "reference": "reference_on_one_page",
    "oldslug": "old_slug_of_one_page",
    "pagereview": "review_of_one_page",
    "helpfulvote": "vote_on_one_page",
    "comment": "comment_on_one_page",
}

DEPENDENTS = {
    "faq": "faqs",
    "keytakeaway": "takeaways",
    "reference": "references",
    "oldslug": "old_slugs",
    "pagereview": "reviews",
    "helpfulvote": "votes",
    "comment": "comments",
}


class Migration(migrations.Migration):
    dependencies = [
        ("treatments", "0022_clinicians_move_to_staff"),
    ]

    operations = [
        *[
            migrations.RemoveConstraint(model_name=model_name, name=name)
            for model_name, name in ONE_PAGE_CHECKS.items()
        ],
        migrations.CreateModel(
            name="Page",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "kind",
                    models.CharField(
                        choices=[("condition", "Condition"), ("treatment", "Treatment")], editable=False, max_length=10
                    ),
                ),
            ],
        ),
        *[
            migrations.AddField(
                model_name=model_name,
                name="page",
                field=models.OneToOneField(
                    editable=False,
                    null=True,
                    on_delete=django.db.models.deletion.CASCADE,
                    related_name="%(class)s",
                    to="treatments.page",
                ),
            )
            for model_name in ("condition", "treatment")
        ],
        *[
            migrations.AddField(
                model_name=model_name,
                name="page",
                field=models.ForeignKey(
                    null=True,
                    on_delete=django.db.models.deletion.CASCADE,
                    related_name=related_name,
                    to="treatments.page",
                ),
            )
            for model_name, related_name in DEPENDENTS.items()
        ],
    ]
