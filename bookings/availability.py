"""Who can be booked when: the one computation behind every slot.

The staff grid, the times offered to a patient, the patient's own rescheduling,
phone bookings and reception's diary all ask an `Availability` loaded for the
days they show, and every refusal of a time (`Availability.problem`) is worded
from the same data, so a message about allowed times never disagrees with the
grid.

The rules, for a slot of `settings.CONSULTATION_LENGTH_MINUTES` starting at
`start` with a clinician:

- the clinic is open that day (ClinicHours for the weekday, no Closure) and the
  slot lies inside opening hours, on the grid that starts at opening time;
- the clinician takes consultations, is not on leave, works that weekday (a
  clinician with no working week set works whenever the clinic is open) and the
  whole slot lies inside their hours and outside their breaks;
- no confirmed consultation of theirs overlaps it (the database has the last
  word: an exclusion constraint on PostgreSQL, a unique start on SQLite);
- it is not held: a time offered to a patient is kept for them for
  `settings.OFFER_HOLD_HOURS` after the offer, or until they answer.

Loading costs a fixed number of queries (eight, nine with the appointments' treatments)
whatever the number of days, clinicians or bookings. Times are aware datetimes
in the clinic's zone (`settings.TIME_ZONE`).
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from enum import StrEnum
from types import SimpleNamespace

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, Prefetch, Q
from django.template.defaultfilters import pluralize
from django.utils import timezone
from django.utils.formats import date_format

from bookings.models import (
    Break,
    ClinicHours,
    Closure,
    ConsultationRequest,
    Leave,
    ProposedTime,
    Status,
    Weekday,
    WorkingHours,
    closure_sentence,
)
from staff.models import Clinician
from treatments.models import Treatment

# Staff can book up to a year ahead; further is almost certainly a typing mistake.
MAX_DAYS_AHEAD_FOR_STAFF = 366


class SlotState(StrEnum):
    FREE = "free"
    BOOKED = "booked"  # a confirmed (or, once past, completed) consultation
    HELD = "held"  # offered to a patient who has not answered yet
    BREAK = "break"
    LEAVE = "leave"
    OFF = "off"  # outside the clinician's working hours


def slot_length():
    """A consultation's length, as a timedelta."""
    return timedelta(minutes=settings.CONSULTATION_LENGTH_MINUTES)


def hold_length():
    """How long offered times are kept for the patient, as a timedelta."""
    return timedelta(hours=settings.OFFER_HOLD_HOURS)


def describe(start):
    """ "Tuesday 12 January 2027 at 10:00", in clinic time."""
    local = timezone.localtime(start)
    return f"{date_format(local, 'l j F Y')} at {local:%H:%M}"


def local_moment(day, clock):
    """The aware datetime for a clinic-local `day` and `clock` time."""
    return timezone.make_aware(datetime.combine(day, clock))


def _hhmm(moment):
    return f"{timezone.localtime(moment):%H:%M}"


def hold_expires(proposal):
    """When a proposed time stops being held for its patient (aware datetime)."""
    return proposal.proposed_at + hold_length()


def held_offers(now=None):
    """Proposed times still held: their request awaits the patient's answer and the
    offer is younger than the hold."""
    now = now or timezone.now()
    return ProposedTime.objects.filter(consultation__status=Status.TIME_PROPOSED, proposed_at__gt=now - hold_length())


def offer_still_open(now=None):
    """A condition on ConsultationRequest (Q): the request has an offered time the
    patient can still take, held and not yet passed. A request in "time proposed"
    without one waits for nobody: its offer has expired."""
    now = now or timezone.now()
    return Q(Exists(held_offers(now).filter(consultation=OuterRef("pk"), start__gt=now)))


@dataclass(frozen=True)
class Appointment:
    start: datetime
    end: datetime
    clinician_id: int
    consultation_id: int
    reference: str
    consultation: ConsultationRequest | None = None  # with the diary's details


@dataclass
class Hold:
    start: datetime
    clinician_id: int
    consultation_id: int
    reference: str
    expires: datetime
    change_url: str = ""  # the consultation's page in admin, set by the diary


@dataclass(frozen=True)
class Period:
    """A stretch of a clinician's day that is not bookable (a break), aware start and end."""

    start: datetime
    end: datetime
    label: str


@dataclass(frozen=True)
class Slot:
    """What one slot of one clinician is: its state and what fills it (an Appointment,
    a Hold, a Period for a break, a Leave), if anything."""

    start: datetime
    clinician: Clinician
    state: SlotState
    what: object = None

    @property
    def free(self):
        return self.state == SlotState.FREE


class Availability:
    """The clinic's and the clinicians' availability from `first` to `last` (dates,
    inclusive), loaded at once. `clinicians` limits it to some clinicians (default:
    everyone who takes consultations); `details` also loads each appointment's
    request (patient's name and phone, clinician) for the diary, "treatments" with
    its treatments too (one more query); `statuses` are the statuses whose
    appointments occupy a slot (default: confirmed; the diary adds completed and
    no-show)."""

    def __init__(self, first, last, *, now=None, clinicians=None, details=False, statuses=None):
        self.first, self.last = first, last
        self.now = now or timezone.now()
        self.length = slot_length()
        self._memo = {}  # per-day answers, asked once per slot of a grid
        # The clinic's time zone, looked up once: the diary asks for the day of every slot.
        self.tz = timezone.get_current_timezone()
        if clinicians is None:
            clinicians = Clinician.objects.filter(takes_consultations=True)
        self.clinicians = list(clinicians)
        ids = [clinician.pk for clinician in self.clinicians]
        self.hours = {row.weekday: row for row in ClinicHours.objects.all()}
        self.closures = {row.date: row for row in Closure.objects.filter(date__range=(first, last))}
        self.patterns = defaultdict(dict)
        for row in WorkingHours.objects.filter(clinician_id__in=ids):
            self.patterns[row.clinician_id][row.weekday] = row
        self.breaks = defaultdict(list)
        for row in Break.objects.filter(clinician_id__in=ids).order_by("starts"):
            self.breaks[row.clinician_id, row.weekday].append(row)
        self.leave = defaultdict(list)
        for row in Leave.objects.filter(clinician_id__in=ids, first_day__lte=last, last_day__gte=first):
            self.leave[row.clinician_id].append(row)
        self.appointments = self._load_appointments(ids, details, statuses or [Status.CONFIRMED])
        # The same, by clinician and clinic-local day: the grid asks about one day at a time.
        self.appointments_by_day = defaultdict(list)
        for clinician_id, items in self.appointments.items():
            for item in items:
                self.appointments_by_day[clinician_id, item.start.astimezone(self.tz).date()].append(item)
        self.holds = {}
        for proposal in (
            held_offers(self.now)
            .filter(
                clinician_id__in=ids, start__gte=self._day_start(first), start__lt=self._day_start(last + timedelta(1))
            )
            .select_related("consultation")
        ):
            hold = Hold(
                start=proposal.start,
                clinician_id=proposal.clinician_id,
                consultation_id=proposal.consultation_id,
                reference=proposal.consultation.reference,
                expires=hold_expires(proposal),
            )
            self.holds[proposal.start, proposal.clinician_id] = hold

    @classmethod
    def for_slot(cls, start, clinician, *, now=None):
        """Just what deciding on one slot of one clinician needs."""
        day = timezone.localtime(start).date()
        return cls(day, day, now=now, clinicians=[clinician])

    def _day_start(self, day):
        return local_moment(day, time.min)

    def _load_appointments(self, ids, details, statuses):
        # Starting up to one slot before the first day: such a consultation can run into it.
        consultations = ConsultationRequest.objects.filter(
            status__in=statuses,
            clinician_id__in=ids,
            confirmed_start__gt=self._day_start(self.first) - self.length,
            confirmed_start__lt=self._day_start(self.last + timedelta(1)),
        ).order_by("confirmed_start")
        if details:
            consultations = consultations.select_related("clinician").only(
                "pk", "reference", "full_name", "phone", "status", "confirmed_start", "clinician__name"
            )
        if details == "treatments":
            treatments = Treatment.objects.only("pk", "title")
            consultations = consultations.prefetch_related(Prefetch("treatments", queryset=treatments))
        elif not details:
            consultations = consultations.only("pk", "reference", "confirmed_start", "clinician_id", "status")
        by_clinician = defaultdict(list)
        for consultation in consultations:
            by_clinician[consultation.clinician_id].append(
                Appointment(
                    start=consultation.confirmed_start,
                    end=consultation.confirmed_start + self.length,
                    clinician_id=consultation.clinician_id,
                    consultation_id=consultation.pk,
                    reference=consultation.reference,
                    consultation=consultation if details else None,
                )
            )
        return by_clinician

    # --- the clinic ---

    def closed_reason(self, day):
        """Why the clinic is closed on `day`, as a sentence, or None when it opens."""
        if day in self.closures:
            return closure_sentence(day, self.closures[day])
        if day.weekday() not in self.hours:
            return f"The clinic is closed on {Weekday(day.weekday()).label}s."
        return None

    def opening(self, day):
        """(opens, closes) as aware datetimes, or None when the clinic is closed."""
        if self.closed_reason(day):
            return None
        hours = self.hours[day.weekday()]
        return local_moment(day, hours.opens), local_moment(day, hours.closes)

    def grid(self, day):
        """The slot start times on `day`: from opening, one after another, the last
        ending by closing time. Empty when the clinic is closed."""
        opening = self.opening(day)
        if opening is None:
            return []
        start, closes = opening
        starts = []
        while start + self.length <= closes:
            starts.append(start)
            start += self.length
        return starts

    def days(self):
        day = self.first
        while day <= self.last:
            yield day
            day += timedelta(days=1)

    # --- a clinician's day ---

    def leave_on(self, clinician, day):
        """The Leave that keeps `clinician` away on `day`, or None."""
        return next((row for row in self.leave[clinician.pk] if row.first_day <= day <= row.last_day), None)

    def working_hours(self, clinician, day):
        """(starts, ends) of `clinician`'s working hours on `day` within opening hours,
        as aware datetimes; None when they do not work that day (or the clinic is shut)."""
        key = ("hours", clinician.pk, day)
        if key not in self._memo:
            self._memo[key] = self._working_hours(clinician, day)
        return self._memo[key]

    def _working_hours(self, clinician, day):
        opening = self.opening(day)
        if opening is None or not clinician.takes_consultations or self.leave_on(clinician, day):
            return None
        pattern = self.patterns.get(clinician.pk)
        if not pattern:
            return opening
        row = pattern.get(day.weekday())
        if row is None:
            return None
        starts, ends = max(opening[0], local_moment(day, row.starts)), min(opening[1], local_moment(day, row.ends))
        return (starts, ends) if starts < ends else None

    def breaks_on(self, clinician, day):
        """`clinician`'s breaks on `day`, as Periods."""
        key = ("breaks", clinician.pk, day)
        if key not in self._memo:
            self._memo[key] = self._breaks_on(clinician, day)
        return self._memo[key]

    def _breaks_on(self, clinician, day):
        return [
            Period(local_moment(day, row.starts), local_moment(day, row.ends), row.label)
            for row in self.breaks[clinician.pk, day.weekday()]
        ]

    def appointments_of(self, clinician, day=None):
        """`clinician`'s appointments (all loaded, or those starting on `day`), earliest first."""
        if day is None:
            return self.appointments[clinician.pk]
        return self.appointments_by_day[clinician.pk, day]

    def overlapping(self, start, clinician, *, exclude_consultation_id=None):
        """The appointment of `clinician` that overlaps a consultation at `start`
        (other than `exclude_consultation_id`'s), or None."""
        end = start + self.length
        day = start.astimezone(self.tz).date()
        # An overlapping appointment starts that day, or late the day before.
        candidates = (
            self.appointments_by_day[clinician.pk, day - timedelta(days=1)]
            + self.appointments_by_day[clinician.pk, day]
        )
        return next(
            (
                item
                for item in candidates
                if item.start < end and start < item.end and item.consultation_id != exclude_consultation_id
            ),
            None,
        )

    def slot(self, start, clinician, *, for_consultation_id=None):
        """The state of the slot at `start` with `clinician`, seen by the request
        `for_consultation_id` (its own appointment and its own offers do not block it)."""
        day = start.astimezone(self.tz).date()
        end = start + self.length
        # An appointment shows even on leave (made before the leave was): never hidden.
        if (booked := self.overlapping(start, clinician, exclude_consultation_id=for_consultation_id)) is not None:
            return Slot(start, clinician, SlotState.BOOKED, booked)
        if (leave := self.leave_on(clinician, day)) is not None:
            return Slot(start, clinician, SlotState.LEAVE, leave)
        hours = self.working_hours(clinician, day)
        if hours is None or start < hours[0] or end > hours[1]:
            return Slot(start, clinician, SlotState.OFF)
        pause = next((p for p in self.breaks_on(clinician, day) if p.start < end and start < p.end), None)
        if pause is not None:
            return Slot(start, clinician, SlotState.BREAK, pause)
        hold = self.holds.get((start, clinician.pk))
        if hold is not None and hold.consultation_id != for_consultation_id:
            return Slot(start, clinician, SlotState.HELD, hold)
        return Slot(start, clinician, SlotState.FREE)

    def free_slots(self, *, for_consultation_id=None, not_before=None):
        """Every free (start, clinician) from `first` to `last`, earliest first, starting
        after `not_before` (default: now)."""
        not_before = not_before or self.now
        found = []
        for day in self.days():
            for start in self.grid(day):
                if start <= not_before:
                    continue
                for clinician in self.clinicians:
                    state = self.slot(start, clinician, for_consultation_id=for_consultation_id)
                    if state.free:
                        found.append(state)
        return found

    # --- refusals ---

    def problem(self, start, clinician, *, for_consultation=None, patient=False):
        """Why `start` with `clinician` cannot be booked, in a sentence for staff; None
        when it can. Checks, in order: not past, not too far ahead, the clinic open
        that day, inside opening hours, on the grid, then the clinician (takes
        consultations, not on leave, working, not on a break), then clashes and holds.
        With `patient`, a clash or a hold is told without another patient's reference."""
        for_consultation_id = getattr(for_consultation, "pk", None)
        local = timezone.localtime(start)
        day = local.date()
        when = describe(start)
        if start <= self.now:
            return f"{when} has already passed. Choose a time in the future."
        if day > timezone.localdate(self.now) + timedelta(days=MAX_DAYS_AHEAD_FOR_STAFF):
            return f"{when} is more than a year ahead. Check the date."
        if closed := self.closed_reason(day):
            return f"{closed} Choose another day."
        hours = self.hours[day.weekday()]
        minutes = settings.CONSULTATION_LENGTH_MINUTES
        weekday = Weekday(day.weekday()).label
        # The messages quote the grid itself, so the times they name are always bookable.
        grid = self.grid(day)
        open_hours = f"On {weekday}s the clinic is open {hours.opens:%H:%M}–{hours.closes:%H:%M}"
        if not grid:
            return (
                f"{when} cannot be booked. {open_hours}, too short for a {minutes}-minute consultation. "
                "Choose another day."
            )
        first, last = _hhmm(grid[0]), _hhmm(grid[-1])
        if start < grid[0] or start > grid[-1]:
            return (
                f"{when} is outside opening hours. {open_hours}, so a {minutes}-minute "
                f"consultation can start from {first} to {last}."
            )
        if start not in grid:
            examples = ", ".join(_hhmm(slot) for slot in grid[:2])
            return (
                f"{when} is not on the consultation grid: consultations start every "
                f"{minutes} minute{pluralize(minutes)} from {first} to {last} ({examples}, …)."
            )
        return self._clinician_problem(start, clinician, for_consultation_id, when, weekday, patient)

    def _clinician_problem(self, start, clinician, for_consultation_id, when, weekday, patient):
        name = clinician.name
        day = timezone.localtime(start).date()
        if not clinician.takes_consultations:
            return f"{name} does not take consultations. Choose another clinician."
        slot = self.slot(start, clinician, for_consultation_id=for_consultation_id)
        match slot.state:
            case SlotState.FREE:
                return None
            case SlotState.LEAVE:
                return (
                    f"{name} is away on {date_format(day, 'j F Y')} ({slot.what.reason}). "
                    "Choose another day or clinician."
                )
            case SlotState.BOOKED | SlotState.HELD if patient:
                return f"Sorry, {when} with {name} has just been taken. Please choose another time."
            case SlotState.BOOKED:
                at = "at" if slot.what.start == start else f"at {_hhmm(slot.what.start)}, which overlaps"
                return (
                    f"{name} already has a confirmed consultation ({slot.what.reference}) {at} {when}. "
                    "Choose another time."
                )
            case SlotState.BREAK:
                return (
                    f"{when} falls in {name}'s break ({slot.what.label}, {_hhmm(slot.what.start)}–"
                    f"{_hhmm(slot.what.end)}). Choose another time."
                )
            case SlotState.HELD:
                return (
                    f"{when} with {name} is held for another patient ({slot.what.reference}) until "
                    f"{describe(slot.what.expires)}, unless they answer sooner. Choose another time."
                )
        hours = self.working_hours(clinician, day)
        starts = [s for s in self.grid(day) if hours and hours[0] <= s and s + self.length <= hours[1]]
        if not starts:
            return f"{name} does not see patients on {weekday}s. Choose another day or clinician."
        return (
            f"{when} is outside {name}'s working hours: on {weekday}s they see patients {_hhmm(hours[0])}–"
            f"{_hhmm(hours[1])}, so a {settings.CONSULTATION_LENGTH_MINUTES}-minute consultation with them can "
            f"start from {_hhmm(starts[0])} to {_hhmm(starts[-1])}."
        )


# --- one change to a clinician's time at a time ---


def lock_clinicians(clinicians):
    """Lock the rows of `clinicians` (staff.Clinician instances; None: every clinician)
    until the surrounding transaction ends, so call it inside the transaction that
    saves what was checked, before the check.

    Whatever books a time with a clinician (services) and whatever changes when they
    can be seen (admin's availability pages, through `stranded_consultations`) both
    take the clinician's lock first. Without it, on PostgreSQL's READ COMMITTED, a
    confirmation and new leave over its time could each check the other's absence and
    both commit, leaving a confirmed consultation inside the leave. Rows are locked in
    one order (by id) so that two transactions each locking several cannot deadlock;
    a consultation's or course's own lock, where a service takes one, comes first.

    On SQLite select_for_update does nothing, and needs nothing: every write
    transaction there starts IMMEDIATE (clinic/settings.py), so writers already run
    one at a time."""
    wanted = Clinician.objects.select_for_update().order_by("pk")
    if clinicians is not None:
        ids = {clinician.pk for clinician in clinicians if clinician is not None and clinician.pk is not None}
        if not ids:
            return
        wanted = wanted.filter(pk__in=ids)
    list(wanted.values_list("pk", flat=True))


# --- changes to availability ---


def stranded_consultations(clinician=None, *, now=None, **changes):
    """The confirmed consultations from `now` on that a change to availability would
    leave outside bookable time: bookable now, not once the change is made.

    It locks `clinician`'s row (None: every clinician's) first (`lock_clinicians`), so
    a booking made while the change is checked and saved waits for it and is then
    checked against it: call it inside the transaction that saves the change (admin's
    change and delete views run in one).

    `changes` are the proposed rows, each the whole set after the change (saved or
    unsaved model instances): for `clinician`, `leave`, `breaks`, `working_hours`
    (WorkingHours rows) and `takes_consultations` (bool); for the clinic,
    `opening_hours` (ClinicHours rows) and `closures` (Closure rows); without
    `clinician`, every clinician who takes consultations is checked. Returns
    Appointments, earliest first. Offers still held are not checked: a held time that
    the change makes unavailable simply stops being bookable, like any other slot."""
    lock_clinicians(None if clinician is None else [clinician])
    now = now or timezone.now()
    today = timezone.localdate(now)
    last = today + timedelta(days=MAX_DAYS_AHEAD_FOR_STAFF)
    clinicians = [clinician] if clinician is not None else None
    before = Availability(today, last, now=now, clinicians=clinicians)
    after = Availability(today, last, now=now, clinicians=clinicians)
    ids = [person.pk for person in before.clinicians]
    if "leave" in changes:
        after.leave[clinician.pk] = list(changes["leave"])
    if "breaks" in changes:
        for key in [key for key in after.breaks if key[0] == clinician.pk]:
            del after.breaks[key]
        for row in sorted(changes["breaks"], key=lambda row: row.starts):
            after.breaks[clinician.pk, row.weekday].append(row)
    if "working_hours" in changes:
        after.patterns[clinician.pk] = {row.weekday: row for row in changes["working_hours"]}
    if "opening_hours" in changes:
        after.hours = {row.weekday: row for row in changes["opening_hours"]}
    if "closures" in changes:
        after.closures = {row.date: row for row in changes["closures"] if today <= row.date <= last}
    people = {person.pk: person for person in before.clinicians}
    changed_people = dict(people)
    if "takes_consultations" in changes:
        changed = Clinician(pk=clinician.pk, name=clinician.name, takes_consultations=changes["takes_consultations"])
        changed_people[clinician.pk] = changed
    stranded = []
    for clinician_id in ids:  # each appointment asked as its own request: it does not block itself
        for item in before.appointments_of(people[clinician_id]):
            if item.start <= now:
                continue
            own = SimpleNamespace(pk=item.consultation_id)
            was_fine = before.problem(item.start, people[clinician_id], for_consultation=own) is None
            if was_fine and after.problem(item.start, changed_people[clinician_id], for_consultation=own) is not None:
                stranded.append(item)
    return sorted(stranded, key=lambda item: item.start)


def stranding_refusal(stranded):
    """The ValidationError refusing a change that would strand `stranded` (Appointments),
    naming each by reference and time, or None when the list is empty."""
    if not stranded:
        return None
    listed = "; ".join(f"{item.reference} on {describe(item.start)}" for item in stranded)
    these = "this confirmed consultation" if len(stranded) == 1 else "these confirmed consultations"
    them = "it" if len(stranded) == 1 else "them"
    return ValidationError(
        f"This change would leave {these} outside bookable time: {listed}. Move or cancel {them} first "
        "(Reception can do that from the request or the diary), then make the change."
    )


def refuse_stranding(clinician, **changes):
    """Raise the ValidationError of `stranding_refusal` when `changes` (as for
    `stranded_consultations`) would strand confirmed consultations of `clinician`
    (None: anyone's); do nothing otherwise."""
    refusal = stranding_refusal(stranded_consultations(clinician, **changes))
    if refusal is not None:
        raise refusal


def refuse_stranding_change(row):
    """Raise the ValidationError of `stranding_refusal` when saving `row` as edited (a
    WorkingHours, Break, Leave, ClinicHours or Closure, new or changed, not saved yet)
    would strand confirmed consultations; do nothing otherwise. Call it inside the
    transaction that saves `row`: it locks the clinician's row, or every clinician's
    for the clinic's rows, until then (`lock_clinicians`). Nothing is checked
    while the row lacks a value the check needs or its times run backwards: the
    model's own clean() refuses those."""
    if isinstance(row, WorkingHours | Break):
        complete = row.clinician_id and row.weekday is not None and row.starts and row.ends and row.starts < row.ends
        if isinstance(row, WorkingHours):
            change = "working_hours"
            others = WorkingHours.objects.filter(clinician_id=row.clinician_id).exclude(weekday=row.weekday)
        else:
            change, others = "breaks", Break.objects.filter(clinician_id=row.clinician_id)
    elif isinstance(row, Leave):
        complete = row.clinician_id and row.first_day and row.last_day and row.first_day <= row.last_day
        change, others = "leave", Leave.objects.filter(clinician_id=row.clinician_id)
    elif isinstance(row, ClinicHours):
        complete = row.weekday is not None and row.opens and row.closes and row.opens < row.closes
        change, others = "opening_hours", ClinicHours.objects.exclude(weekday=row.weekday)
    elif isinstance(row, Closure):
        complete = bool(row.date)
        change, others = "closures", Closure.objects.exclude(date=row.date)
    else:
        raise TypeError(f"Not a row of availability: {row!r}")
    if complete:
        rows = [other for other in others if other.pk != row.pk] + [row]  # the rows of its kind once it is saved
        refuse_stranding(getattr(row, "clinician", None), **{change: rows})
