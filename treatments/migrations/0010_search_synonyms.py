from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations, models

# The synonym groups every site starts with; editors add and change them in admin.
FIRST_SYNONYMS = [
    "microneedling, needling, skin needling, micro-needling, dermaroller, derma roller, dermapen, "
    "collagen induction therapy",
    "accutane, roaccutane, isotretinoin",
    "rf, radiofrequency, radio frequency",
    "makeup, make-up, make up, foundation",
    "hurt, hurts, painful, pain, sore, discomfort",
    "numbing, numb, anaesthetic, anesthetic",
    "downtime, recovery, time off work",
    "tca, trichloroacetic acid",
    "co2, carbon dioxide",
    "sunscreen, sun cream, spf, sunblock",
    "retinoid, retinol, tretinoin",
    "icepick, ice pick",
    "spots, pimples, breakouts",
]


def add_first_synonyms(apps, schema_editor):
    SearchSynonym = apps.get_model("treatments", "SearchSynonym")
    for terms in FIRST_SYNONYMS:
        SearchSynonym.objects.get_or_create(terms=terms)


# It once also granted staff groups permissions: staff/roles.py does that now, after every migrate.
class Migration(migrations.Migration):
    dependencies = [
        ("treatments", "0009_published_pages_need_review"),
    ]

    operations = [
        # pg_trgm's similarity() forgives typos in searches on PostgreSQL; nothing happens on SQLite.
        TrigramExtension(),
        migrations.CreateModel(
            name="SearchSynonym",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "terms",
                    models.CharField(
                        help_text='Comma-separated words or short phrases that mean the same, for example "accutane, '
                        'isotretinoin".',
                        max_length=300,
                        unique=True,
                    ),
                ),
            ],
            options={
                "verbose_name": "search synonym group",
                "ordering": ["terms"],
            },
        ),
        migrations.RunPython(add_first_synonyms, migrations.RunPython.noop),
    ]
