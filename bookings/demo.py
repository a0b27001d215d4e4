"""Demo opening hours and closures for a fresh site; loaded by `load_demo_content`."""

from datetime import date, time, timedelta

from django.utils import timezone

from bookings.models import Break, ClinicHours, Closure, Weekday, WorkingHours
from staff.models import Clinician

DEMO_HOURS = {
    Weekday.MONDAY: (time(9), time(18)),
    Weekday.TUESDAY: (time(9), time(18)),
    Weekday.WEDNESDAY: (time(9), time(18)),
    Weekday.THURSDAY: (time(10), time(20)),
    Weekday.FRIDAY: (time(9), time(17)),
    Weekday.SATURDAY: (time(9), time(13)),
}


MON, TUE, WED, THU, FRI, SAT = (
    Weekday.MONDAY,
    Weekday.TUESDAY,
    Weekday.WEDNESDAY,
    Weekday.THURSDAY,
    Weekday.FRIDAY,
    Weekday.SATURDAY,
)
# The fictional clinicians' weeks: {name: {weekday: (starts, ends, lunch starts or None)}}; lunch lasts an hour.
DEMO_WORKING_WEEKS = {
    "Dr Imogen Hartwell": {
        MON: (time(9), time(17), time(13)),
        TUE: (time(9), time(17), time(13)),
        THU: (time(12), time(20), time(15)),
    },
    "Dr Rafael Okonjo": {day: (time(9), time(17), time(12, 30)) for day in (TUE, WED, THU, FRI)},
    "Nadia Petrov": {
        MON: (time(10), time(18), time(14)),
        WED: (time(10), time(18), time(14)),
        FRI: (time(9), time(17), time(13)),
        SAT: (time(9), time(13), None),
    },
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
    so the demo always has closures ahead of whoever is looking."""

    def next_on(month, day):
        this_year = date(today.year, month, day)
        return this_year if this_year > today else date(today.year + 1, month, day)

    closures = {
        next_on(12, 25): "Christmas Day",
        next_on(12, 26): "Boxing Day",
        next_on(1, 1): "New Year's Day",
    }
    training_day = today + timedelta(days=21)
    while training_day.weekday() != Weekday.WEDNESDAY or training_day in closures:
        training_day += timedelta(days=1)
    closures[training_day] = "Staff training day"
    return closures


def load():
    """Create the demo week and closures where missing; never overwrite staff's edits."""
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
