from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("treatments", "0003_votes_and_comments"), ("treatments", "0002_staff_groups")]

    # Staff roles are granted by staff/roles.py after every migrate; this once granted some here.
    operations = []
