from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("bookings", "0003_consultation_requests"),
    ]

    # Staff roles are granted by staff/roles.py after every migrate; this once granted some here.
    operations = []
