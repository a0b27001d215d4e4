from django.db import migrations

# A first set of reasons reception can pick when declining; staff edit them in admin.
DECLINE_REASONS = [
    (
        "Treatment not offered",
        "We do not offer the treatment you asked about at our clinic, so we cannot arrange this consultation. "
        "Your GP can tell you where it is available.",
    ),
    (
        "Not suitable at the moment",
        "From the answers in your request, the treatment you asked about is not one we can safely start at the "
        "moment. You are welcome to send a new request when your circumstances change, or call us to talk it over.",
    ),
    (
        "GP or specialist first",
        "We would like you to see your GP or a specialist about this first. Once you have, please send us a new "
        "request and mention what they advised.",
    ),
    (
        "Could not reach you",
        "We tried to contact you several times to arrange a time but could not reach you. If you would still like a "
        "consultation, please call us or send a new request.",
    ),
]


def set_up(apps, schema_editor):
    DeclineReason = apps.get_model("bookings", "DeclineReason")
    for order, (title, text) in enumerate(DECLINE_REASONS):
        DeclineReason.objects.get_or_create(title=title, defaults={"text": text, "order": order})


# It once also granted staff groups permissions: staff/roles.py does that now, after every migrate.
class Migration(migrations.Migration):
    dependencies = [
        ("bookings", "0005_staff_workflow"),
    ]

    operations = [migrations.RunPython(set_up, migrations.RunPython.noop)]
