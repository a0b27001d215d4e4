from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("treatments", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    # Staff roles are granted by staff/roles.py after every migrate; this once granted some here.
    operations = []
