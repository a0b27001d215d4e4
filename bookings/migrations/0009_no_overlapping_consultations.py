"""No two confirmed consultations of one clinician may overlap in time, on PostgreSQL.

An exclusion constraint over each consultation's time range (its start plus the
consultation length, `settings.CONSULTATION_LENGTH_MINUTES` when this migration
ran), for the same clinician, needs `btree_gist` for the equality on the
clinician. The range is taken in UTC as a plain `tsrange`: index expressions must
be immutable, and adding an interval to a `timestamptz` is not. SQLite has no
such constraint: there the services' check and the unique start time stand.
A change of consultation length needs a migration re-creating this constraint.
"""

from django.conf import settings
from django.contrib.postgres.operations import BtreeGistExtension
from django.db import migrations

CONSTRAINT = "no_overlapping_consultations_per_clinician"


def add_constraint(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    minutes = int(settings.CONSULTATION_LENGTH_MINUTES)
    schema_editor.execute(
        f"ALTER TABLE bookings_consultationrequest ADD CONSTRAINT {CONSTRAINT} EXCLUDE USING gist ("
        "clinician_id WITH =, "
        "tsrange(confirmed_start AT TIME ZONE 'UTC', "
        f"(confirmed_start AT TIME ZONE 'UTC') + interval '{minutes} minutes') WITH &&"
        ") WHERE (status = 'confirmed')"
    )


def drop_constraint(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"ALTER TABLE bookings_consultationrequest DROP CONSTRAINT IF EXISTS {CONSTRAINT}")


class Migration(migrations.Migration):
    dependencies = [
        ("bookings", "0008_clinician_availability"),
    ]

    operations = [
        BtreeGistExtension(),
        migrations.RunPython(add_constraint, drop_constraint),
    ]
