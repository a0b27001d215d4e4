"""The consultation slot grid: when a consultation can start, and which slots are free.

Slots start at opening time and follow each other every
`settings.CONSULTATION_LENGTH_MINUTES`; the last one ends by closing time. A day
without opening hours, or with a Closure, has no slots. Times are clinic-local
(`settings.TIME_ZONE`). `slot_problem` is the one rule book that the confirm,
propose and reschedule services (and the patient accepting a proposed time) all
check; the database's unique constraint is the last word on clashes.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.conf import settings
from django.template.defaultfilters import pluralize
from django.utils import timezone
from django.utils.formats import date_format

from bookings.models import ClinicHours, Closure, ConsultationRequest, ProposedTime, Status, Weekday, closed_reason
from treatments.models import Clinician

# Staff can book up to a year ahead; further is almost certainly a typing mistake.
MAX_DAYS_AHEAD_FOR_STAFF = 366
# When times of day begin, for marking the slots that match a patient's preference.
AFTERNOON_STARTS = 12
EVENING_STARTS = 17


def slot_length():
    return timedelta(minutes=settings.CONSULTATION_LENGTH_MINUTES)


def describe(start):
    """ "Tuesday 12 January 2027 at 10:00", in clinic time."""
    local = timezone.localtime(start)
    return f"{date_format(local, 'l j F Y')} at {local:%H:%M}"


def _local(day, clock):
    return timezone.make_aware(datetime.combine(day, clock))


def day_slots(day, *, hours=None, closed=None):
    """The slot start times on `day` (aware datetimes), empty when the clinic is closed.

    `hours` (ClinicHours or None) and `closed` (bool) can be passed in to save queries."""
    if closed is None:
        closed = Closure.objects.filter(date=day).exists()
    if closed:
        return []
    if hours is None:
        hours = ClinicHours.objects.filter(weekday=day.weekday()).first()
    if hours is None:
        return []
    length = slot_length()
    start, closes = _local(day, hours.opens), _local(day, hours.closes)
    slots = []
    while start + length <= closes:
        slots.append(start)
        start += length
    return slots


def time_of_day(start):
    """The patient-facing part of the day a slot falls in: morning, afternoon or evening."""
    hour = timezone.localtime(start).hour
    if hour < AFTERNOON_STARTS:
        return "morning"
    return "afternoon" if hour < EVENING_STARTS else "evening"


def slot_problem(start, *, clinician, exclude_request=None, now=None):
    """Why `start` with `clinician` cannot be booked, in a sentence for staff or the
    patient; None when it can. Checks, in order: a real time, not past, not too far
    ahead, the clinic open that day, inside opening hours (the whole consultation
    before closing), on the grid, and no clash with the clinician's confirmed
    consultations (other than `exclude_request`'s own)."""
    if not isinstance(start, datetime) or timezone.is_naive(start):
        return "Choose a date and a start time."
    if clinician is None or clinician.pk is None:
        return "Choose a clinician."
    now = now or timezone.now()
    local = timezone.localtime(start)
    day = local.date()
    when = describe(start)
    if start <= now:
        return f"{when} has already passed. Choose a time in the future."
    if day > timezone.localdate(now) + timedelta(days=MAX_DAYS_AHEAD_FOR_STAFF):
        return f"{when} is more than a year ahead. Check the date."
    closed = closed_reason(day)
    if closed:
        return f"{closed} Choose another day."
    hours = ClinicHours.objects.get(weekday=day.weekday())
    length = slot_length()
    # The messages quote the grid itself, so the times they name are always bookable.
    slots = day_slots(day, hours=hours, closed=False)
    weekday = Weekday(day.weekday()).label
    open_hours = f"On {weekday}s the clinic is open {hours.opens:%H:%M}–{hours.closes:%H:%M}"
    if not slots:
        return (
            f"{when} cannot be booked. {open_hours}, too short for a "
            f"{settings.CONSULTATION_LENGTH_MINUTES}-minute consultation. Choose another day."
        )
    first, last = timezone.localtime(slots[0]), timezone.localtime(slots[-1])
    if start < slots[0] or start > slots[-1]:
        return (
            f"{when} is outside opening hours. {open_hours}, so a {settings.CONSULTATION_LENGTH_MINUTES}-minute "
            f"consultation can start from {first:%H:%M} to {last:%H:%M}."
        )
    if start not in slots:
        examples = ", ".join(f"{timezone.localtime(slot):%H:%M}" for slot in slots[:2])
        return (
            f"{when} is not on the consultation grid: consultations start every "
            f"{settings.CONSULTATION_LENGTH_MINUTES} minute{pluralize(settings.CONSULTATION_LENGTH_MINUTES)} "
            f"from {first:%H:%M} to {last:%H:%M} ({examples}, …)."
        )
    clash = (
        ConsultationRequest.objects.filter(
            status=Status.CONFIRMED,
            clinician=clinician,
            confirmed_start__gt=start - length,
            confirmed_start__lt=start + length,
        )
        .exclude(pk=getattr(exclude_request, "pk", None))
        .first()
    )
    if clash is not None:
        return f"{clinician.name} already has a confirmed consultation ({clash.reference}) at {when}."
    return None


# --- The grid staff pick from ---------------------------------------------------------


@dataclass
class Cell:
    clinician: Clinician
    start: datetime
    booked_by: str = ""  # the reference of the confirmed request holding it
    offered_to: str = ""  # the reference of a request it is proposed to, awaiting the patient
    own: bool = False  # this request's current appointment

    @property
    def value(self):
        return slot_value(self.start, self.clinician)

    @property
    def free(self):
        return not self.booked_by


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


def day_grids(days, *, consultation=None, now=None):
    """One grid per day (in order, duplicates and past days dropped): every slot
    for every clinician, marked booked, offered to a patient, or free. A fixed
    number of queries whatever the number of days or clinicians. Slots already
    started are left out."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    seen, wanted = set(), []
    for day, note in days:
        if day is not None and day >= today and day not in seen:
            seen.add(day)
            wanted.append((day, note))
    if not wanted:
        return []
    clinicians = list(Clinician.objects.all())
    hours = {row.weekday: row for row in ClinicHours.objects.all()}
    closures = {closure.date: closure for closure in Closure.objects.filter(date__in=seen)}
    first, last = min(seen), max(seen) + timedelta(days=1)
    span = {"start__gte": _local(first, datetime.min.time()), "start__lt": _local(last, datetime.min.time())}
    booked = {
        (start, clinician_id): reference
        for start, clinician_id, reference in ConsultationRequest.objects.filter(
            status=Status.CONFIRMED,
            confirmed_start__gte=span["start__gte"],
            confirmed_start__lt=span["start__lt"],
        ).values_list("confirmed_start", "clinician_id", "reference")
    }
    offered = {
        (start, clinician_id): reference
        for start, clinician_id, reference in ProposedTime.objects.filter(
            request__status=Status.TIME_PROPOSED, **span
        ).values_list("start", "clinician_id", "request__reference")
    }
    own_reference = consultation.reference if consultation is not None else None
    preference = consultation.time_of_day if consultation is not None else "any"
    grids = []
    for day, note in wanted:
        grid = DayGrid(day=day, label=date_format(day, "l j F Y"), note=note)
        if day in closures:
            grid.closed = f"Closed{f' ({closures[day].reason})' if closures[day].reason else ''}."
        elif day.weekday() not in hours:
            grid.closed = f"Closed on {Weekday(day.weekday()).label}s."
        elif not clinicians:
            grid.closed = "No clinicians are set up yet."
        else:
            for start in day_slots(day, hours=hours[day.weekday()], closed=False):
                if start <= now:
                    continue
                row = Row(start=start, preferred=preference in {"any", time_of_day(start)})
                for clinician in clinicians:
                    key = (start, clinician.pk)
                    booked_by = booked.get(key, "")
                    offered_to = offered.get(key, "")
                    row.cells.append(
                        Cell(
                            clinician=clinician,
                            start=start,
                            booked_by=booked_by,
                            offered_to="" if offered_to == own_reference else offered_to,
                            own=bool(own_reference) and booked_by == own_reference,
                        )
                    )
                grid.rows.append(row)
            if not grid.rows:
                grid.closed = "No times left on this day."
        grids.append(grid)
    return grids


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
