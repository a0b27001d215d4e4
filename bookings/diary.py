"""Reception's diary: a day (clinicians side by side) or a week of consultations,
held offers, free slots, breaks, leave and closures.

Built from one `Availability` (bookings.availability), the same computation that
decides what can be booked, so the diary never shows a time as free that a
booking would refuse. Cancelled and declined requests are never loaded: only
confirmed, completed and no-show consultations occupy the diary.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from bookings.availability import Appointment, Availability, SlotState
from bookings.models import SCHEDULED_STATUSES
from bookings.scheduling import slot_value
from staff.models import Clinician

WEEK_DAYS = 7
PLACEHOLDER_ID = 987654321


@dataclass
class DiaryCell:
    """One clinician at one time: kind is booked, held, free, past, break, leave or off."""

    kind: str
    clinician: Clinician
    start: datetime
    appointment: Appointment | None = None
    what: object = None  # a Hold, a break Period or a Leave
    continued: bool = False  # the same appointment as the row above (it runs longer than a slot)

    @property
    def value(self):
        """The slot as the booking forms take it (see bookings.scheduling.slot_value)."""
        return slot_value(self.start, self.clinician)


@dataclass
class DiaryRow:
    start: datetime
    cells: list = field(default_factory=list)


@dataclass
class WeekEntry:
    """A line in a week cell: an appointment, a hold or a break, at `start`."""

    start: datetime
    kind: str
    appointment: Appointment | None = None
    what: object = None
    time: str = ""  # "09:30", clinic time: formatted here, once, not by a filter per line of a full week

    def __post_init__(self):
        self.time = self.time or f"{timezone.localtime(self.start):%H:%M}"


@dataclass
class WeekCell:
    clinician: Clinician
    day: date
    away: str = ""  # closed, on leave or not working, in words
    entries: list = field(default_factory=list)
    free: int = 0


@dataclass
class DiaryDay:
    day: date
    label: str
    is_today: bool
    closed: str = ""
    rows: list = field(default_factory=list)  # day view: one row per slot
    cells: list = field(default_factory=list)  # week view: one WeekCell per clinician
    appointments: list = field(default_factory=list)  # the printable day list, by time


def week_of(day):
    """The Monday of `day`'s week."""
    return day - timedelta(days=day.weekday())


def build_diary(day, *, clinician=None, week=False, now=None):
    """The diary for `day` (or its Monday-to-Sunday week), for one `clinician` or
    everyone who takes consultations. Returns (clinicians shown, [DiaryDay]).
    A fixed number of queries whatever the bookings or the span."""
    now = now or timezone.now()
    first, last = (week_of(day), week_of(day) + timedelta(days=WEEK_DAYS - 1)) if week else (day, day)
    clinicians = [clinician] if clinician is not None else None
    # The week shows names and references; the day's printable list also the treatments.
    details = True if week else "treatments"
    availability = Availability(
        first, last, now=now, clinicians=clinicians, details=details, statuses=SCHEDULED_STATUSES
    )
    today = timezone.localdate(now)
    # One reverse() for the page, not one per appointment: the diary can hold hundreds.
    pattern = reverse("admin:bookings_consultationrequest_change", args=[PLACEHOLDER_ID])
    for person in availability.clinicians:
        for item in availability.appointments_of(person):
            item.consultation.change_url = pattern.replace(str(PLACEHOLDER_ID), str(item.consultation_id))
    for hold in availability.holds.values():
        hold.change_url = pattern.replace(str(PLACEHOLDER_ID), str(hold.consultation_id))
    days = []
    for current in availability.days():
        diary_day = DiaryDay(day=current, label=date_format(current, "l j F Y"), is_today=current == today)
        diary_day.closed = availability.closed_reason(current) or ""
        diary_day.appointments = sorted(
            (item for person in availability.clinicians for item in availability.appointments_of(person, current)),
            key=lambda item: (item.start, item.consultation.clinician.name),
        )
        if week:
            diary_day.cells = [_week_cell(availability, person, current) for person in availability.clinicians]
        elif not diary_day.closed:
            diary_day.rows = _day_rows(availability, current)
        days.append(diary_day)
    return availability.clinicians, days


def _day_rows(availability, day):
    rows = []
    shown = set()
    for start in availability.grid(day):
        row = DiaryRow(start=start)
        for person in availability.clinicians:
            slot = availability.slot(start, person)
            cell = DiaryCell(kind=slot.state.value, clinician=person, start=start, what=slot.what)
            if slot.state == SlotState.BOOKED:
                cell.appointment = slot.what
                cell.continued = slot.what.consultation_id in shown
                shown.add(slot.what.consultation_id)
            elif slot.state == SlotState.FREE and start <= availability.now:
                cell.kind = "past"
            row.cells.append(cell)
        rows.append(row)
    return rows


def _week_cell(availability, person, day):
    cell = WeekCell(clinician=person, day=day)
    # Appointments are listed even when the day is away (made before a leave or closure): never hidden.
    entries = [WeekEntry(item.start, "booked", appointment=item) for item in availability.appointments_of(person, day)]
    if closed := availability.closed_reason(day):
        cell.away = closed
    elif leave := availability.leave_on(person, day):
        cell.away = f"On leave ({leave.reason})"
    elif availability.working_hours(person, day) is None:
        cell.away = "Not working"
    if cell.away:
        cell.entries = entries
        return cell
    entries += [WeekEntry(pause.start, "break", what=pause) for pause in availability.breaks_on(person, day)]
    for start in availability.grid(day):
        slot = availability.slot(start, person)
        if slot.state == SlotState.HELD:
            entries.append(WeekEntry(start, "held", what=slot.what))
        elif slot.state == SlotState.FREE and start > availability.now:
            cell.free += 1
    cell.entries = sorted(entries, key=lambda entry: entry.start)
    return cell
