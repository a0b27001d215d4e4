"""The consultation slot grid staff pick from, how a slot travels in a form
(`slot_value`, `parse_slot`), and the rule book for a bookable time.

Both are views of `bookings.availability.Availability`, the one computation of
who can be booked when (opening hours, closures, each clinician's working week,
breaks and leave, confirmed consultations and held offers). `slot_problem` is
what the confirm, propose and reschedule services, phone bookings and the
patient's own rescheduling all check; the database's constraint is the last word
on clashes.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.formats import date_format

from bookings.availability import (
    MAX_DAYS_AHEAD_FOR_STAFF,
    Availability,
    SlotState,
    describe,
    slot_length,
)
from bookings.models import ClinicHours, Closure, Status
from clinic.admin_lists import MAX_ID_DIGITS
from staff.models import Clinician

__all__ = [
    "MAX_DAYS_AHEAD_FOR_STAFF",
    "Cell",
    "DayGrid",
    "Row",
    "day_grids",
    "day_slots",
    "days_to_show",
    "describe",
    "next_open_days",
    "parse_slot",
    "slot_length",
    "slot_problem",
    "slot_problems",
    "slot_value",
    "time_of_day",
]

# The longest value a slot can have ("2027-01-12T10:00|" and a clinician id), and the
# years a posted slot may name (far outside any booking; keeps date arithmetic in range).
SLOT_VALUE_MAX_LENGTH = 40
MIN_YEAR, MAX_YEAR = 2000, 2999
# When times of day begin, for marking the slots that match a patient's preference.
AFTERNOON_STARTS = 12
EVENING_STARTS = 17


def day_slots(day):
    """The clinic's slot start times on `day` (aware datetimes), empty when it is closed."""
    return Availability(day, day, clinicians=[]).grid(day)


def time_of_day(start):
    """The patient-facing part of the day a slot falls in: morning, afternoon or evening."""
    hour = timezone.localtime(start).hour
    if hour < AFTERNOON_STARTS:
        return "morning"
    return "afternoon" if hour < EVENING_STARTS else "evening"


def slot_problem(start, *, clinician, exclude_consultation=None, now=None, patient=False):
    """Why `start` with `clinician` cannot be booked, in a sentence for staff or (with
    `patient`, naming no other patient) the patient; None when it can (see
    `Availability.problem` for the rules and their order). `exclude_consultation`'s own
    appointment and offers do not count against it."""
    if not isinstance(start, datetime) or timezone.is_naive(start):
        return "Choose a date and a start time."
    if clinician is None or clinician.pk is None:
        return "Choose a clinician."
    availability = Availability.for_slot(start, clinician, now=now)
    return availability.problem(start, clinician, for_consultation=exclude_consultation, patient=patient)


def slot_problems(values, *, exclude_consultation=None, now=None):
    """Why the slots in `values` (as a form posts them, or a diary link passes one)
    cannot be booked, one sentence for staff each; empty when all can. A value that
    does not parse is left to the form ("Choose a time from the grid"). The grid
    shows only free times, so a taken one asked for would otherwise just vanish."""
    problems = []
    for value in values:
        try:
            start, clinician = parse_slot(value)
        except ValidationError:
            continue
        if problem := slot_problem(start, clinician=clinician, exclude_consultation=exclude_consultation, now=now):
            problems.append(problem)
    return problems


# --- The grid staff pick from ---------------------------------------------------------


@dataclass
class Cell:
    clinician: Clinician
    start: datetime
    booked_by: str = ""  # the reference of the confirmed request holding it
    offered_to: str = ""  # the reference of a request it is held for, awaiting the patient
    own: bool = False  # this request's current appointment
    unavailable: str = ""  # why the clinician cannot be booked then: "Break (Lunch)", "Leave", "Not working"

    @property
    def value(self):
        return slot_value(self.start, self.clinician)

    @property
    def free(self):
        return not (self.booked_by or self.offered_to or self.own or self.unavailable)


@dataclass
class Row:
    start: datetime
    preferred: bool
    cells: list = field(default_factory=list)


@dataclass
class DayGrid:
    day: date
    label: str
    note: str = ""
    closed: str = ""  # why there are no slots
    rows: list = field(default_factory=list)

    @property
    def has_free(self):
        return any(cell.free for row in self.rows for cell in row.cells)


def slot_value(start, clinician):
    """How a slot travels in a form: clinic-local start and clinician id, e.g. "2027-01-12T10:00|3"."""
    return f"{timezone.localtime(start):%Y-%m-%dT%H:%M}|{clinician.pk}"


def parse_slot(value):
    """A slot as `slot_value` writes it and a form posts it back, "2027-01-12T10:00|3"
    (clinic time, clinician id), as (aware start, Clinician). Raises ValidationError
    with a message for staff."""
    value = (value or "").strip()
    when, separator, clinician_id = value.partition("|")
    if len(value) > SLOT_VALUE_MAX_LENGTH or not separator:
        raise ValidationError("Choose a time from the grid.", code="invalid")
    try:
        naive = datetime.strptime(when, "%Y-%m-%dT%H:%M")
    except ValueError:
        raise ValidationError("Choose a time from the grid.", code="invalid") from None
    if not MIN_YEAR <= naive.year <= MAX_YEAR:  # far outside any booking; keeps date arithmetic in range
        raise ValidationError("Choose a time from the grid.", code="invalid")
    if not clinician_id.isascii() or not clinician_id.isdigit() or len(clinician_id) > MAX_ID_DIGITS:
        raise ValidationError("Choose a time from the grid.", code="invalid")
    clinician = Clinician.objects.filter(pk=int(clinician_id)).first()
    if clinician is None:
        raise ValidationError(
            "That clinician does not exist (any more). Choose a time from the grid again.", code="no_clinician"
        )
    return timezone.make_aware(naive), clinician


def day_grids(days, *, consultation=None, now=None):
    """One grid per day (in order, duplicates and past days dropped): every slot for
    every clinician who takes consultations, marked booked, held for a patient, on a
    break, on leave, not working, or free. A fixed number of queries whatever the
    number of days or clinicians. Slots already started are left out."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    seen, wanted = set(), []
    for day, note in days:
        if day is not None and day >= today and day not in seen:
            seen.add(day)
            wanted.append((day, note))
    if not wanted:
        return []
    availability = Availability(min(seen), max(seen), now=now)
    own_id = consultation.pk if consultation is not None else None
    preference = consultation.time_of_day if consultation is not None else "any"
    grids = []
    for day, note in wanted:
        grid = DayGrid(day=day, label=date_format(day, "l j F Y"), note=note)
        if closed := availability.closures.get(day):
            grid.closed = f"Closed{f' ({closed.reason})' if closed.reason else ''}."
        elif availability.closed_reason(day):
            grid.closed = f"Closed on {date_format(day, 'l')}s."
        elif not availability.clinicians:
            grid.closed = "No clinicians who take consultations are set up yet."
        else:
            for start in availability.grid(day):
                if start <= now:
                    continue
                row = Row(start=start, preferred=preference in {"any", time_of_day(start)})
                row.cells = [_cell(availability, start, clinician, own_id) for clinician in availability.clinicians]
                grid.rows.append(row)
            if not grid.rows:
                grid.closed = "No times left on this day."
        grids.append(grid)
    return grids


def _cell(availability, start, clinician, own_id):
    slot = availability.slot(start, clinician, for_consultation_id=own_id)
    cell = Cell(clinician=clinician, start=start)
    own = availability.overlapping(start, clinician)
    if own is not None and own.consultation_id == own_id and own.start == start:
        cell.own = True
    elif slot.state == SlotState.BOOKED:
        cell.booked_by = slot.what.reference
    elif slot.state == SlotState.HELD:
        cell.offered_to = slot.what.reference
    elif slot.state == SlotState.BREAK:
        cell.unavailable = f"Break ({slot.what.label})"
    elif slot.state == SlotState.LEAVE:
        cell.unavailable = f"Leave ({slot.what.reason})"
    elif slot.state == SlotState.OFF:
        cell.unavailable = "Not working"
    return cell


def next_open_days(after, count, *, within_days=21):
    """The first `count` days after `after` on which the clinic opens (two queries)."""
    open_weekdays = set(ClinicHours.objects.values_list("weekday", flat=True))
    last = after + timedelta(days=within_days)
    closed = set(Closure.objects.filter(date__gt=after, date__lte=last).values_list("date", flat=True))
    days, day = [], after
    while len(days) < count and day < last:
        day += timedelta(days=1)
        if day.weekday() in open_weekdays and day not in closed:
            days.append(day)
    return days


def days_to_show(consultation, *, step, chosen=None, now=None):
    """The days whose slots a staff page shows, each with a note saying why: the day
    staff asked for, the times already offered, the current appointment, the
    patient's preferred dates and, when offering other times, the open days
    after the first preferred date."""
    today = timezone.localdate(now)
    days = []
    if chosen is not None:
        days.append((chosen, "the day you chose"))
    if step == "reschedule" and consultation.confirmed_start:
        days.append((timezone.localtime(consultation.confirmed_start).date(), "current appointment"))
    if consultation.status == Status.TIME_PROPOSED:
        days += [
            (timezone.localtime(start).date(), "offered to the patient")
            for start in consultation.proposed_times.values_list("start", flat=True)
        ]
    days.append((consultation.first_preferred_date, "first preferred date"))
    if consultation.second_preferred_date:
        days.append((consultation.second_preferred_date, "second preferred date"))
    if step == "propose":
        after = max(consultation.first_preferred_date, today)
        days += [(day, "next open day") for day in next_open_days(after, 2)]
    return days
