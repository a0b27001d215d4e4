from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("bookings", "0001_initial"),
        ("treatments", "0002_staff_groups"),
    ]

    # Staff roles are granted by staff/roles.py after every migrate; this once granted some here.
    operations = []
