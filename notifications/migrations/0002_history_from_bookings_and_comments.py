"""Once copied the two old outboxes' history into this one. Bookings 0013 and
treatments 0020 copy their own now, each before removing its old outbox, so this
app's migrations need not know theirs.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("notifications", "0001_initial")]

    operations = []
