"""Demo opening hours for a fresh site; loaded by `load_demo_content`."""

from datetime import time

from bookings.models import ClinicHours, Weekday

DEMO_HOURS = {
    Weekday.MONDAY: (time(9), time(18)),
    Weekday.TUESDAY: (time(9), time(18)),
    Weekday.WEDNESDAY: (time(9), time(18)),
    Weekday.THURSDAY: (time(10), time(20)),
    Weekday.FRIDAY: (time(9), time(17)),
    Weekday.SATURDAY: (time(9), time(13)),
}


def load():
    """Create the demo week where no hours exist yet; never overwrite staff's edits."""
    created = 0
    for weekday, (opens, closes) in DEMO_HOURS.items():
        _, was_created = ClinicHours.objects.get_or_create(
            weekday=weekday, defaults={"opens": opens, "closes": closes}
        )
        created += was_created
    return {"opening hours": created}
