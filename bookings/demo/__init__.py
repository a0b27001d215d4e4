"""Demo opening hours, clinicians' weeks and closures for a fresh site.

The values are data, in `calendar.yaml` beside this module; the rules that place
closures ahead of today stay here. `manage.py load_demo_content` calls `load()`,
after staff's demo has created the clinicians.
"""

from datetime import date, time, timedelta
from pathlib import Path

import yaml
from django.utils import timezone

from bookings.models import Break, ClinicHours, Closure, Weekday, WorkingHours
from staff.models import Clinician

CALENDAR = yaml.safe_load((Path(__file__).parent / "calendar.yaml").read_text(encoding="utf-8"))


def _day(name):
    return Weekday[name.upper()]


# {Weekday: (opens, closes)}
DEMO_HOURS = {
    _day(day): (time.fromisoformat(opens), time.fromisoformat(closes))
    for day, (opens, closes) in CALENDAR["opening_hours"].items()
}
# The fictional clinicians' weeks: {name: {weekday: (starts, ends, lunch starts or None)}}; lunch lasts an hour.
DEMO_WORKING_WEEKS = {
    name: {
        _day(day): (
            time.fromisoformat(hours["starts"]),
            time.fromisoformat(hours["ends"]),
            time.fromisoformat(hours["lunch"]) if "lunch" in hours else None,
        )
        for day, hours in week.items()
    }
    for name, week in CALENDAR["working_weeks"].items()
}


def load_working_weeks():
    """Give each demo clinician without a working week their demo one, lunch included."""
    created = 0
    for clinician in Clinician.objects.filter(name__in=DEMO_WORKING_WEEKS, working_hours__isnull=True):
        for weekday, (starts, ends, lunch) in DEMO_WORKING_WEEKS[clinician.name].items():
            WorkingHours.objects.create(clinician=clinician, weekday=weekday, starts=starts, ends=ends)
            if lunch is not None:
                lunch_ends = time(lunch.hour + 1, lunch.minute)
                Break.objects.create(
                    clinician=clinician, weekday=weekday, starts=lunch, ends=lunch_ends, label="Lunch"
                )
            created += 1
    return created


def demo_closures(today):
    """The next bank holidays at year's end, and a staff training day three weeks on,
    so the demo always has closures ahead of whoever is looking: {date: reason}."""

    def next_on(month, day):
        this_year = date(today.year, month, day)
        return this_year if this_year > today else date(today.year + 1, month, day)

    closures = {
        next_on(*map(int, month_day.split("-"))): reason for month_day, reason in CALENDAR["yearly_closures"].items()
    }
    training_day = today + timedelta(days=21)
    while training_day.weekday() != Weekday.WEDNESDAY or training_day in closures:
        training_day += timedelta(days=1)
    closures[training_day] = CALENDAR["training_day"]
    return closures


def load():
    """Create the demo week and closures where missing; never overwrite staff's edits.

    Returns {what: how many were created}, for the command's summary."""
    created_hours = 0
    for weekday, (opens, closes) in DEMO_HOURS.items():
        _, was_created = ClinicHours.objects.get_or_create(
            weekday=weekday, defaults={"opens": opens, "closes": closes}
        )
        created_hours += was_created
    created_closures = 0
    if not Closure.objects.filter(date__gt=timezone.localdate()).exists():
        for day, reason in demo_closures(timezone.localdate()).items():
            _, was_created = Closure.objects.get_or_create(date=day, defaults={"reason": reason})
            created_closures += was_created
    return {"opening hours": created_hours, "closures": created_closures, "working days": load_working_weeks()}
