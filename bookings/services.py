"""Consultation request workflow: every change of state goes through here.

Views, admin actions and management commands call these functions; each change
happens in one transaction, is checked against the steps of bookings.workflow, recorded
as a `StatusChange`, and sends its emails only after the transaction commits.
"""

from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, OperationalError, transaction
from django.db.models import Max, Q
from django.utils import timezone

from bookings import emails, reminders, workflow
from bookings.availability import Availability, hold_expires, lock_clinicians
from bookings.emails import TO_CLINIC
from bookings.models import (
    ConsentMethod,
    ConsultationRequest,
    ContactPreference,
    Course,
    NotificationKind,
    ProposedTime,
    Status,
    StatusChange,
    new_idempotency_key,
    new_reference,
    new_token,
    preferred_date_problem,
)
from bookings.scheduling import describe, slot_problem, time_of_day
from bookings.workflow import STEPS_BY_NAME
from notifications import outbox
from notifications.models import Email, EmailState
from treatments.models import Treatment

HELP_WITH_MAX_LENGTH = ConsultationRequest._meta.get_field("help_with").max_length
# A fresh reference is drawn after a collision; one in 729 million makes a second try rare.
REFERENCE_ATTEMPTS = 5


# PostgreSQL's SQLSTATE for "deadlock detected".
DEADLOCK_DETECTED = "40P01"


class TransitionNotAllowed(ValidationError):
    """The request is not in a state this change can start from."""


class CancellationNotAllowed(ValidationError):
    """The patient cannot cancel this request online (the message says why)."""


class SlotUnavailable(ValidationError):
    """The chosen time cannot be booked: past, closed, outside hours, off the grid, or taken."""


@dataclass(frozen=True)
class Submission:
    consultation: ConsultationRequest
    created: bool


def submit_request(
    *,
    idempotency_key,
    full_name,
    email,
    phone,
    first_preferred_date,
    time_of_day,
    contact_preference,
    isotretinoin_recent,
    pregnant_or_breastfeeding,
    keloid_tendency,
    active_skin_infection,
    consent,
    treatments=(),
    help_with="",
    second_preferred_date=None,
    source_page=None,
):
    """Store a patient's request as `new`, with its first StatusChange, in one
    transaction; email the patient and the clinic once it commits.

    The same `idempotency_key` twice (double click, refresh, back and resubmit)
    returns the request already stored, with `created=False`, and sends nothing.
    Raises ValidationError (keyed by field) when the request cannot be accepted.
    """
    existing = ConsultationRequest.objects.for_idempotency_key(idempotency_key)
    if existing is not None:
        return Submission(existing, created=False)

    treatments = list(treatments)
    _check_submission(
        consent=consent,
        treatments=treatments,
        help_with=help_with,
        first_preferred_date=first_preferred_date,
        second_preferred_date=second_preferred_date,
    )
    details = {
        "idempotency_key": idempotency_key,
        "full_name": full_name,
        "email": email,
        "phone": phone,
        "contact_preference": contact_preference,
        "help_with": help_with,
        "first_preferred_date": first_preferred_date,
        "second_preferred_date": second_preferred_date,
        "time_of_day": time_of_day,
        "isotretinoin_recent": isotretinoin_recent,
        "pregnant_or_breastfeeding": pregnant_or_breastfeeding,
        "keloid_tendency": keloid_tendency,
        "active_skin_infection": active_skin_infection,
        "source_page": source_page,
    }
    for attempt in range(REFERENCE_ATTEMPTS):
        try:
            with transaction.atomic():
                consultation = _create_request(details, treatments)
        except IntegrityError:
            # Either the same form won a race with this one, or the reference collided.
            existing = ConsultationRequest.objects.for_idempotency_key(idempotency_key)
            if existing is not None:
                return Submission(existing, created=False)
            if attempt == REFERENCE_ATTEMPTS - 1:
                raise
        else:
            return Submission(consultation, created=True)
    raise AssertionError("unreachable")  # pragma: no cover


def _check_submission(*, consent, treatments, help_with, first_preferred_date, second_preferred_date):
    errors = {}
    if consent is not True:
        errors["consent"] = "Please agree, so that we can keep your details to arrange your consultation."
    if not treatments and not (help_with or "").strip():
        errors["treatments"] = "Choose at least one treatment, or tell us what you would like help with."
    bookable = set(Treatment.objects.bookable().values_list("pk", flat=True))
    if any(treatment.pk not in bookable for treatment in treatments):
        errors["treatments"] = "One of the treatments chosen is no longer offered; please choose again."
    if len(help_with or "") > HELP_WITH_MAX_LENGTH:
        errors["help_with"] = f"Please keep this to {HELP_WITH_MAX_LENGTH} characters."
    today = timezone.localdate()
    for field, day in [
        ("first_preferred_date", first_preferred_date),
        ("second_preferred_date", second_preferred_date),
    ]:
        if day is not None and (problem := preferred_date_problem(day, today=today)):
            errors[field] = problem
    if second_preferred_date is not None and second_preferred_date == first_preferred_date:
        errors["second_preferred_date"] = "Choose a different date from your first choice, or leave this empty."
    if errors:
        raise ValidationError(errors)


def _create_request(details, treatments):
    consultation = ConsultationRequest(
        **details,
        reference=new_reference(),
        token=new_token(),
        status=Status.NEW,
        consent_given_at=timezone.now(),
        privacy_notice_version=settings.PRIVACY_NOTICE_VERSION,
    )
    # Uniqueness (reference, form key) and the check constraints are left to the database, which
    # also holds under a race and needs no round trip each (the one rule a patient can break, two
    # equal dates, is checked above in their words); the treatment and condition pages came from
    # the database a moment ago, and their foreign keys are the database's to enforce too.
    consultation.full_clean(exclude=["source_page"], validate_unique=False, validate_constraints=False)
    consultation.save()
    Through = ConsultationRequest.treatments.through
    chosen = dict.fromkeys(treatment.pk for treatment in treatments)  # one row each: no read of what is there
    Through.objects.bulk_create(Through(consultationrequest=consultation, treatment_id=pk) for pk in chosen)
    _record(consultation, from_status="", to_status=Status.NEW, by=None, note="Submitted online by the patient.")
    emails.queue_all(consultation, [NotificationKind.ACKNOWLEDGEMENT, NotificationKind.NEW_REQUEST_NOTICE])
    return consultation


def book_by_phone(
    *,
    idempotency_key,
    by,
    consent_method,
    start,
    clinician,
    full_name,
    email,
    phone,
    isotretinoin_recent,
    pregnant_or_breastfeeding,
    keloid_tendency,
    active_skin_infection,
    consent,
    treatments=(),
    help_with="",
    contact_preference=ContactPreference.PHONE,
    note="",
):
    """A booking reception takes by phone or at the desk: the request is stored and
    confirmed at `start` with `clinician` in one transaction (new → in review →
    confirmed, each recorded, the first naming `by` and how the patient consented),
    and the patient is emailed the confirmation with the invite and their status
    link, not the acknowledgement of an online request. The slot must pass the same
    checks as any confirmation; if it does not (SlotUnavailable), nothing is stored.
    The same `idempotency_key` twice returns the booking already made
    (`created=False`). Raises ValidationError (keyed by field) for missing consent,
    treatments or an unknown consent method."""
    existing = ConsultationRequest.objects.for_idempotency_key(idempotency_key)
    if existing is not None:
        return Submission(existing, created=False)
    treatments = list(treatments)
    errors = {}
    if consent is not True:
        errors["consent"] = "Record that the patient agreed to the privacy notice: without it we keep nothing."
    if consent_method not in {ConsentMethod.PHONE, ConsentMethod.DESK}:
        errors["consent_method"] = "Say how the patient agreed: by phone or at the desk."
    if not treatments and not (help_with or "").strip():
        errors["treatments"] = "Choose at least one treatment, or note what the patient would like help with."
    if errors:
        raise ValidationError(errors)
    how = ConsentMethod(consent_method).label.split(",")[0].lower()
    taken_by = by.get_full_name() or by.get_username()
    with _refusing_double_booking(start, clinician), transaction.atomic():
        consultation = ConsultationRequest(
            idempotency_key=idempotency_key,
            reference=new_reference(),
            token=new_token(),
            status=Status.NEW,
            full_name=full_name,
            email=email,
            phone=phone,
            contact_preference=contact_preference,
            help_with=help_with,
            first_preferred_date=timezone.localtime(start).date(),
            time_of_day=time_of_day(start),
            isotretinoin_recent=isotretinoin_recent,
            pregnant_or_breastfeeding=pregnant_or_breastfeeding,
            keloid_tendency=keloid_tendency,
            active_skin_infection=active_skin_infection,
            consent_given_at=timezone.now(),
            privacy_notice_version=settings.PRIVACY_NOTICE_VERSION,
            consent_method=consent_method,
            consent_recorded_by=by,
        )
        consultation.full_clean(validate_unique=False)
        consultation.save()
        consultation.treatments.set(treatments)
        _record(
            consultation,
            from_status="",
            to_status=Status.NEW,
            by=by,
            note=f"Booked {how} by {taken_by}; the patient agreed to the privacy notice {how}.",
        )
        transition(consultation=consultation, to_status=Status.IN_REVIEW, by=by)
        confirmed = confirm_request(consultation=consultation, start=start, clinician=clinician, by=by, note=note)
    return Submission(confirmed, created=True)


def transition(*, consultation, to_status, by, note="", **changes):
    """Move `consultation` to `to_status`, applying `changes` to its fields, and
    record who did it (`by=None`: the patient). The row is locked for the
    change, so two members of staff acting at once cannot both succeed from
    the same state. Returns the updated request; raises TransitionNotAllowed.

    The generic step that every workflow action (review, confirm, propose,
    decline, complete, no-show, cancel) is built on.
    """
    to_status = Status(to_status)
    with transaction.atomic():
        locked = ConsultationRequest.objects.select_for_update().get(pk=consultation.pk)
        if not locked.can_transition_to(to_status):
            raise TransitionNotAllowed(
                f"A request that is {locked.get_status_display().lower()} cannot become {to_status.label.lower()}.",
                code="transition_not_allowed",
            )
        from_status = locked.status
        for field, value in changes.items():
            setattr(locked, field, value)
        locked.status = to_status
        locked.full_clean()
        locked.save()
        _record(locked, from_status=from_status, to_status=to_status, by=by, note=note)
    return locked


def cancel_request(*, consultation, by=None, note=""):
    """Cancel a request. `by=None` is the patient, who may cancel while the
    request is open, or confirmed and more than 24 hours away; staff may cancel
    whenever the state machine allows. The patient and (when the patient
    cancelled) the clinic are emailed after the transaction commits."""
    with transaction.atomic():
        locked = ConsultationRequest.objects.select_for_update().get(pk=consultation.pk)
        if by is None and (problem := locked.patient_cancellation_problem()):
            raise CancellationNotAllowed(problem, code="cancellation_not_allowed")
        if by is not None:
            _guard(locked, "cancel")
        cancelled = _take_step(locked, "cancel", by=by, note=note)
        emails.queue(cancelled, NotificationKind.CANCELLATION)
        if by is None:
            emails.queue(cancelled, NotificationKind.CANCELLATION_NOTICE)
    return cancelled


def _record(consultation, *, from_status, to_status, by, note):
    return StatusChange.objects.create(
        consultation=consultation, from_status=from_status, to_status=to_status, by=by, note=note, at=timezone.now()
    )


# --- Staff workflow ---------------------------------------------------------------------
#
# Each function locks the request, checks it is in a state the step starts from
# (TransitionNotAllowed says why not, and nothing changes), then moves it to the step's
# status (bookings.workflow.STEPS) through `transition` or records the change itself,
# and queues its emails for after commit.


def _lock(consultation):
    return ConsultationRequest.objects.select_for_update().get(pk=consultation.pk)


def _statuses(statuses):
    labels = [Status(status).label.lower() for status in statuses]
    return labels[0] if len(labels) == 1 else f"{', '.join(labels[:-1])} or {labels[-1]}"


def _status_problem(consultation, allowed, doing):
    if consultation.status in allowed:
        return None
    return (
        f"{consultation.reference} is {consultation.get_status_display().lower()}: only requests that are "
        f"{_statuses(workflow.in_status_order(allowed))} can be {doing}."
    )


def step_problem(consultation, step, *, now=None):
    """Why staff cannot take `step` (a name in bookings.workflow.STEPS) on `consultation`
    now, in a sentence; None when they can. The services refuse with the same words."""
    step = STEPS_BY_NAME[step]
    if problem := _status_problem(consultation, step.from_statuses, step.doing):
        return problem
    now = now or timezone.now()
    if step.only_after_start and consultation.confirmed_start > now:
        return (
            f"{consultation.reference} starts {describe(consultation.confirmed_start)}: it can be {step.doing} "
            "only once it has begun."
        )
    if step.only_before_start and consultation.status == Status.CONFIRMED and consultation.confirmed_start <= now:
        return (
            f"{consultation.reference} began {describe(consultation.confirmed_start)}: a consultation that has "
            f"started cannot be {step.doing}. Mark it completed or a no-show instead."
        )
    return None


def _take_step(locked, step, *, by, note="", **changes):
    """Move `locked` to the status `step` leads to, through `transition`."""
    return transition(consultation=locked, to_status=STEPS_BY_NAME[step].to_status, by=by, note=note, **changes)


def _guard(locked, step, doing=None, *, now=None):
    """Refuse (TransitionNotAllowed) a step the request's state does not allow, saying why."""
    if isinstance(step, str):
        problem = step_problem(locked, step, now=now)
    else:
        problem = _status_problem(locked, step, doing)
    if problem:
        raise TransitionNotAllowed(problem, code="transition_not_allowed")


def _double_booking_message():
    (constraint,) = [
        c for c in ConsultationRequest._meta.constraints if c.name == "one_confirmed_consultation_per_clinician_slot"
    ]
    return str(constraint.violation_error_message)


def _is_double_booking(error):
    """A ValidationError from the model's own check of the unique constraint: the slot
    was booked between our check and our write (by another server, say)."""
    return _double_booking_message() in error.messages


def _slot_taken(start, clinician):
    return SlotUnavailable(
        f"{clinician.name} has just been booked at {describe(start)} by someone else. Choose another time.",
        code="slot_taken",
    )


@contextmanager
def _refusing_double_booking(start, clinician):
    """Turn the database's refusal of a second booking of one clinician's slot (an
    IntegrityError, or the model's own check seeing another server's commit) into
    SlotUnavailable. Wrap a savepoint, so the request is left as it was.

    On PostgreSQL two bookings racing for overlapping times can also end in a
    deadlock: each waits to see whether the other's row violates the exclusion
    constraint, and PostgreSQL aborts one of them. That one lost the slot too."""
    try:
        yield
    except IntegrityError:
        raise _slot_taken(start, clinician) from None
    except OperationalError as error:
        if getattr(error.__cause__, "sqlstate", None) == DEADLOCK_DETECTED:
            raise _slot_taken(start, clinician) from None
        raise
    except ValidationError as error:
        if _is_double_booking(error):
            raise _slot_taken(start, clinician) from None
        raise


def _check_slot(start, clinician, *, consultation, now=None, patient=False):
    """Raise SlotUnavailable unless `start` with `clinician` can be booked for
    `consultation`. Call it inside the booking's transaction, after locking the
    consultation: it locks the clinician's row first (`lock_clinicians`), so an edit of
    their availability being saved is waited for and then checked against, and one
    not yet begun waits for this booking to commit before checking its own."""
    lock_clinicians([clinician])
    if problem := slot_problem(
        start, clinician=clinician, exclude_consultation=consultation, now=now, patient=patient
    ):
        raise SlotUnavailable(problem, code="slot_unavailable")


def start_review(*, consultation, by, note=""):
    """new → in_review: a member of staff has picked the request up."""
    with transaction.atomic():
        locked = _lock(consultation)
        _guard(locked, "start_review")
        return _take_step(locked, "start_review", by=by, note=note)


def confirm_request(*, consultation, start, clinician, by, note=""):
    """in_review | time_proposed → confirmed, at `start` with `clinician`; emails the
    patient a confirmation with a calendar invite. `by=None` is the patient taking a
    proposed time. The slot must pass `slot_problem`; a clash that slips past it (two
    confirmations at the same moment) is stopped by the database's unique constraint
    and reported as SlotUnavailable, with the request left as it was."""
    with _refusing_double_booking(start, clinician), transaction.atomic():  # a savepoint inside a transaction
        locked = _lock(consultation)
        _guard(locked, "confirm")
        _check_slot(start, clinician, consultation=locked)
        confirmed = _take_step(
            locked,
            "confirm",
            by=by,
            note=_joined(f"Booked for {describe(start)} with {clinician}.", note),
            confirmed_start=start,
            clinician=clinician,
        )
        emails.queue(confirmed, NotificationKind.CONFIRMATION)
        reminders.queue_due_reminders(consultation=confirmed)  # less than 48 hours ahead: the reminder now
    return confirmed


# How far ahead a patient can move their consultation online.
PATIENT_RESCHEDULE_WEEKS = 4


def patient_reschedule_window(now=None):
    """(first day, last day) a patient can move their consultation to online: from
    tomorrow for PATIENT_RESCHEDULE_WEEKS weeks, clinic-local dates."""
    today = timezone.localdate(now)
    return today + timedelta(days=1), today + timedelta(weeks=PATIENT_RESCHEDULE_WEEKS)


def reschedule_request(*, consultation, start, clinician, by, note="", now=None):
    """Move a confirmed consultation to another slot or clinician. The status stays
    confirmed; the move is recorded (confirmed → confirmed, with both times) and
    the patient gets an updated invite that replaces the old one in their calendar.

    `by=None` is the patient moving it from their status page: allowed until 24 hours
    before the appointment, to a time within `patient_reschedule_window`, under the
    same slot rules as staff (told without naming other patients); the clinic is
    emailed too. Raises TransitionNotAllowed or SlotUnavailable, changing nothing."""
    with _refusing_double_booking(start, clinician), transaction.atomic():
        locked = _lock(consultation)
        if by is None:
            if problem := locked.patient_reschedule_problem(now):
                raise TransitionNotAllowed(problem, code="transition_not_allowed")
            first, last = patient_reschedule_window(now)
            if not first <= timezone.localtime(start).date() <= last:
                raise SlotUnavailable(
                    f"Choose a time between {first.day} {first:%B} and {last.day} {last:%B %Y}, "
                    f"or call us on {settings.CLINIC_PHONE}.",
                    code="slot_unavailable",
                )
        else:
            _guard(locked, "reschedule", now=now)
        if locked.confirmed_start == start and locked.clinician_id == clinician.pk:
            raise ValidationError(f"{locked.reference} is already booked at that time with that clinician.")
        _check_slot(start, clinician, consultation=locked, now=now, patient=by is None)
        was = f"{describe(locked.confirmed_start)} with {locked.clinician}"
        locked.confirmed_start, locked.clinician = start, clinician
        locked.full_clean()
        locked.save()
        lead = "The patient moved it online from" if by is None else "Moved from"
        _record(
            locked,
            from_status=Status.CONFIRMED,
            to_status=Status.CONFIRMED,
            by=by,
            note=_joined(f"{lead} {was} to {describe(start)} with {clinician}.", note),
        )
        emails.queue(locked, NotificationKind.RESCHEDULED)
        if by is None:
            emails.queue(locked, NotificationKind.RESCHEDULE_NOTICE)
        reminders.queue_due_reminders(consultation=locked)  # moved to less than 48 hours ahead: the reminder now
    return locked


MAX_PROPOSED_TIMES = 2


def propose_times(*, consultation, slots, by, note=""):
    """in_review → time_proposed: offer the patient one or two `(start, clinician)`
    slots, each checked like a confirmation; replaces any earlier offer and emails
    the patient, who accepts one from their status page."""
    slots = list(dict.fromkeys((start, clinician) for start, clinician in slots))
    if not 1 <= len(slots) <= MAX_PROPOSED_TIMES:
        raise ValidationError(f"Offer one or {MAX_PROPOSED_TIMES} different times.", code="proposal_size")
    with transaction.atomic():
        locked = _lock(consultation)
        _guard(locked, "propose")
        lock_clinicians([clinician for _, clinician in slots])
        problems = [
            problem
            for start, clinician in slots
            if (problem := slot_problem(start, clinician=clinician, exclude_consultation=locked))
        ]
        if problems:
            raise SlotUnavailable(problems, code="slot_unavailable")
        locked.proposed_times.all().delete()
        for start, clinician in slots:
            proposal = ProposedTime(consultation=locked, start=start, clinician=clinician, proposed_at=timezone.now())
            proposal.full_clean()
            proposal.save()
        offered = "; ".join(f"{describe(start)} with {clinician}" for start, clinician in sorted(slots, key=_start))
        proposed = _take_step(locked, "propose", by=by, note=_joined(f"Offered {offered}.", note))
        emails.queue(proposed, NotificationKind.TIME_PROPOSAL)
    return proposed


def _start(slot):
    return slot[0]


def offer_problem(proposal, *, now=None):
    """Why the patient can no longer take an offered time, in their words, when it has
    passed or its hold has expired; None while it is on offer."""
    now = now or timezone.now()
    if proposal.start <= now:
        return f"{describe(proposal.start)} has passed. {_other_time()}"
    if (expires := hold_expires(proposal)) <= now:
        return (
            f"The times we offered were held for you until {describe(expires)} and have been released. "
            + _other_time()
        )
    return None


def offers_on_the_table(consultation, *, now=None):
    """What the patient's page offers: (proposals still theirs to take, sentences
    about those that are gone, when the hold ends or None). An offer is gone once it
    has passed, its hold has expired, or someone else has booked that time."""
    now = now or timezone.now()
    proposals = list(consultation.proposed_times.select_related("clinician"))
    if not proposals:
        return [], [], None
    starts = [timezone.localtime(proposal.start).date() for proposal in proposals]
    availability = Availability(
        min(starts), max(starts), now=now, clinicians=list({p.clinician_id: p.clinician for p in proposals}.values())
    )
    live, gone = [], []
    for proposal in proposals:
        if problem := offer_problem(proposal, now=now):
            gone.append(problem)
        elif availability.slot(proposal.start, proposal.clinician, for_consultation_id=consultation.pk).free:
            live.append(proposal)
        else:
            gone.append(f"{describe(proposal.start)} has been booked by someone else, so it is no longer offered.")
    held_until = min(hold_expires(proposal) for proposal in proposals)
    return live, list(dict.fromkeys(gone)), held_until if live else None


def offered_on_a_day_asked_for(consultation, proposals):
    """True when any of `proposals` (ProposedTime) falls, in clinic-local time, on
    one of the dates `consultation` asked for (first or second preferred date)."""
    asked = {consultation.first_preferred_date, consultation.second_preferred_date}
    return any(timezone.localtime(proposal.start).date() in asked for proposal in proposals)


def _other_time():
    return f"Please ask us to contact you about another time, or call us on {settings.CLINIC_PHONE}."


def accept_proposed_time(*, consultation, proposed_time_id):
    """The patient takes one of the times offered: it is confirmed through
    `confirm_request` and its rules. If it was taken or has passed meanwhile, the
    patient is told so in plain words and nothing changes."""
    with transaction.atomic():
        locked = _lock(consultation)
        if not locked.patient_may("take_offered_time"):
            raise TransitionNotAllowed(
                "These times are no longer on offer: the page now shows where your request stands.",
                code="transition_not_allowed",
            )
        proposal = (
            locked.proposed_times.select_related("clinician").filter(pk=proposed_time_id).first()
            if str(proposed_time_id).isdigit()
            else None
        )
        if proposal is None:
            raise ValidationError("Please choose one of the times we offered.", code="unknown_proposal")
        if problem := offer_problem(proposal):
            raise SlotUnavailable(problem, code="offer_gone")
        try:
            confirmed = confirm_request(
                consultation=locked,
                start=proposal.start,
                clinician=proposal.clinician,
                by=None,
                note="The patient accepted this proposed time online.",
            )
        except SlotUnavailable:
            raise SlotUnavailable(
                f"Sorry, {describe(proposal.start)} is no longer available. Please choose another time we "
                f"offered, ask us to contact you, or call us on {settings.CLINIC_PHONE}.",
                code="slot_unavailable",
            ) from None
        emails.queue(confirmed, NotificationKind.TIME_ACCEPTED_NOTICE)
    return confirmed


def back_to_review(*, consultation, by, note=""):
    """time_proposed → in_review: none of the offered times suits. `by=None` is the
    patient asking to be contacted from their status page; the clinic is told."""
    with transaction.atomic():
        locked = _lock(consultation)
        if by is None and not locked.patient_may("ask_for_another_time"):
            raise TransitionNotAllowed(
                "There are no times on offer to turn down: the page shows where your request stands.",
                code="transition_not_allowed",
            )
        _guard(locked, "back_to_review")
        lead = "The patient asked to be contacted about another time." if by is None else ""
        reviewed = _take_step(locked, "back_to_review", by=by, note=_joined(lead, note))
        if by is None:
            emails.queue(reviewed, NotificationKind.CONTACT_REQUESTED_NOTICE)
    return reviewed


def decline_request(*, consultation, by, standard_reason=None, details="", note=""):
    """new | in_review | time_proposed → declined. The patient is emailed the reason:
    the standard reason's text, `details`, or both; at least one is required."""
    reason = _joined(standard_reason.text if standard_reason else "", (details or "").strip(), sep="\n\n")
    if not reason:
        raise ValidationError(
            {"details": "Give a reason, picked from the list or written here: the patient is told why."},
            code="reason_required",
        )
    with transaction.atomic():
        locked = _lock(consultation)
        _guard(locked, "decline")
        declined = _take_step(
            locked,
            "decline",
            by=by,
            note=note,
            decline_reason=reason,
            declined_for=standard_reason,
        )
        emails.queue(declined, NotificationKind.DECLINE)
    return declined


def complete_request(*, consultation, by, note="", now=None):
    """confirmed → completed, once the consultation's start time has passed. A
    completed consultation or session for a treatment given in sessions starts or
    advances the patient's course (see `follow_up_course`)."""
    with transaction.atomic():
        locked = _lock(consultation)
        _guard(locked, "complete", now=now)
        completed = _take_step(locked, "complete", by=by, note=note)
        follow_up_course(completed, now=now)
        return completed


def mark_no_show(*, consultation, by, note="", now=None):
    """confirmed → no_show, once the consultation's start time has passed."""
    with transaction.atomic():
        locked = _lock(consultation)
        _guard(locked, "no_show", now=now)
        return _take_step(locked, "no_show", by=by, note=note)


def _joined(*parts, sep=" "):
    return sep.join(part for part in parts if part)


# --- Emails again -------------------------------------------------------------------------


def resend_last_email(*, consultation):
    """Send the latest email to the patient again: queued in the outbox (a copy if it
    was sent, the same email if it failed), rendered from the request as it is now.
    Returns the queued outbox Email; its `state` says whether it went already.
    Raises ValidationError when the request is anonymised or has no email to the patient."""
    if consultation.is_anonymised:
        raise ValidationError(f"{consultation.reference} is anonymised: there is no one to email.")
    notification = (
        consultation.notifications.exclude(kind__in=TO_CLINIC)
        .exclude(kind=NotificationKind.REMINDER)
        .exclude(to="")
        .order_by("-created_at", "-id")
        .first()
    )
    if notification is None:
        raise ValidationError(f"{consultation.reference} has no email to the patient to send again.")
    queued = send_emails_again([notification])
    return queued[0] if queued else notification  # being sent right now: nothing more to do


def send_emails_again(notifications):
    """Queue the outbox emails `notifications` again (notifications.outbox.send_again);
    emails without an address (erased) are skipped. Returns the queued emails."""
    return outbox.send_again([email for email in notifications if email.to], include_sent=True)


def failed_again(email, since):
    """True when the outbox `email`, queued again at `since`, has failed since then."""
    return email.state != EmailState.SENT and email.failed_at is not None and email.failed_at >= since


def retry_failed_emails(*, notifications):
    """Queue again each email in `notifications` (an outbox Email queryset) that failed
    or is waiting after a failed attempt; returns (sent, not sent yet) counts."""
    queued = send_emails_again(notifications.in_trouble())
    sent = sum(email.state == EmailState.SENT for email in queued)
    return sent, len(queued) - sent


# --- Retention ------------------------------------------------------------------------------


def anonymise_request(*, consultation, now=None):
    """Erase a closed request's personal details for good: each field its model's
    `personal_data` declares erasable becomes its declared value (name, contact
    details, message, screening answers, staff notes, the decline text, the status
    link's token), and so on its history (free-text notes) and its emails
    (addresses and errors). Reference, status, dates, treatments, clinician and the
    standard decline reason stay, for statistics. Recorded as anonymised_at and a
    last StatusChange. Raises ValidationError when already anonymised or not closed."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = _lock(consultation)
        if locked.is_anonymised:
            raise ValidationError(f"{locked.reference} is already anonymised.", code="already_anonymised")
        _guard(locked, workflow.CLOSED_STATUSES, "anonymised")
        ConsultationRequest.personal_data.erase(locked)
        locked.anonymised_at = now
        locked.full_clean()
        locked.save()
        locked.status_changes.update(**StatusChange.personal_data.erased_values())
        locked.notifications.update(**Email.personal_data.erased_values())
        _record(
            locked,
            from_status=locked.status,
            to_status=locked.status,
            by=None,
            note="Personal details anonymised under the retention policy.",
        )
    return locked


def anonymisable_requests(*, older_than_days, now=None):
    """Closed, not yet anonymised requests untouched (no change of any kind) for more than `older_than_days`."""
    cutoff = (now or timezone.now()) - timedelta(days=older_than_days)
    return (
        ConsultationRequest.objects.closed()
        .filter(anonymised_at__isnull=True, updated_at__lt=cutoff)
        .annotate(last_change=Max("status_changes__at"))
        .filter(Q(last_change__lt=cutoff) | Q(last_change__isnull=True))
        .order_by("created_at")
    )


def anonymise_closed_requests(*, older_than_days, now=None, dry_run=False):
    """Anonymise every request `anonymisable_requests` finds; returns their references.
    With `dry_run`, only says which it would anonymise."""
    if older_than_days < 1:
        raise ValueError("older_than_days must be at least 1")
    now = now or timezone.now()
    found = list(anonymisable_requests(older_than_days=older_than_days, now=now))
    if dry_run:
        return [consultation.reference for consultation in found]
    done = []
    for consultation in found:
        try:
            anonymise_request(consultation=consultation, now=now)
        except ValidationError:  # changed since it was found (anonymised or reopened elsewhere)
            continue
        done.append(consultation.reference)
    return done


# --- Courses of treatment -------------------------------------------------------------------

# The "next session due" email goes this many days before the day it falls due; the
# patient picks a time from this many days before it to this many days after.
SESSION_DUE_NOTICE_DAYS = 7
SESSION_WINDOW_DAYS_BEFORE = 7
SESSION_WINDOW_DAYS_AFTER = 14
# Patients' details copied from one session's request to the next.
SESSION_COPIED_FIELDS = [
    "full_name",
    "email",
    "phone",
    "contact_preference",
    "isotretinoin_recent",
    "pregnant_or_breastfeeding",
    "keloid_tendency",
    "active_skin_infection",
    "consent_given_at",
    "privacy_notice_version",
    "consent_method",
    "consent_recorded_by",
]


def course_treatment(consultation):
    """The treatment of interest given as a course (sessions and weeks between them,
    more than one session), first by title; None when there is none."""
    for treatment in sorted(consultation.treatments.all(), key=lambda t: t.title):
        if treatment.sessions_max and treatment.sessions_max > 1 and treatment.weeks_between_sessions:
            return treatment
    return None


def follow_up_course(completed, *, now=None):
    """After `completed` (a completed request): advance its course by one session, or
    start a course (session 1 done) when it belongs to none and one of its treatments
    is given in sessions. A course whose last possible session is done ends. Returns
    the course, or None. Called inside complete_request's transaction."""
    now = now or timezone.now()
    day = timezone.localtime(completed.confirmed_start).date()
    if completed.course_id is not None:
        course = Course.objects.select_for_update().get(pk=completed.course_id)
        if not course.is_active:
            return course
        course.sessions_done += 1
        course.last_session_on = day
        if course.sessions_done >= course.sessions_max:
            course.ended_at = now
            course.end_reason = "Every session of the course is done."
        course.save()
        return course
    treatment = course_treatment(completed)
    if treatment is None:
        return None
    course = Course.objects.create(
        treatment=treatment,
        sessions_done=1,
        sessions_min=treatment.sessions_min or treatment.sessions_max,
        sessions_max=treatment.sessions_max,
        weeks_between=treatment.weeks_between_sessions,
        last_session_on=day,
    )
    ConsultationRequest.objects.filter(pk=completed.pk).update(course=course)
    completed.course = course
    return course


def next_session_window(course, *, now=None):
    """(first day, last day) the patient can book the next session in: around the day
    it falls due, never before tomorrow."""
    tomorrow = timezone.localdate(now) + timedelta(days=1)
    first = max(course.next_due - timedelta(days=SESSION_WINDOW_DAYS_BEFORE), tomorrow)
    last = max(course.next_due + timedelta(days=SESSION_WINDOW_DAYS_AFTER), first)
    return first, last


def _upcoming_session(course, now=None):
    return course.sessions.filter(status=Status.CONFIRMED, confirmed_start__gt=now or timezone.now()).first()


def next_session_problem(consultation, *, now=None):
    """Why the patient cannot book their course's next session from `consultation`'s page
    now, in their words; None when they can."""
    course = consultation.course
    if course is None:
        return "This request is not part of a course of treatment."
    if not course.is_active:
        return "Your course has ended, so there is no next session to book."
    if (booked := _upcoming_session(course, now)) is not None:
        return f"Your next session is already booked for {describe(booked.confirmed_start)}."
    return None


def book_next_session(*, consultation, start, clinician, now=None):
    """The patient books their course's next session from `consultation`'s status page: a
    new request for the course's treatment, with their details copied, confirmed at
    `start` with `clinician` (same slot rules as any booking, within
    `next_session_window`), and the confirmation emailed. Returns the new request;
    raises TransitionNotAllowed or SlotUnavailable, storing nothing."""
    if problem := next_session_problem(consultation, now=now):
        raise TransitionNotAllowed(problem, code="transition_not_allowed")
    course = consultation.course
    first, last = next_session_window(course, now=now)
    if not first <= timezone.localtime(start).date() <= last:
        raise SlotUnavailable(
            f"Choose a time between {first.day} {first:%B} and {last.day} {last:%B %Y}, "
            f"or call us on {settings.CLINIC_PHONE}.",
            code="slot_unavailable",
        )
    if problem := slot_problem(start, clinician=clinician, now=now, patient=True):
        raise SlotUnavailable(problem, code="slot_unavailable")
    with _refusing_double_booking(start, clinician), transaction.atomic():
        session = ConsultationRequest(
            **{name: getattr(consultation, name) for name in SESSION_COPIED_FIELDS},
            idempotency_key=new_idempotency_key(),
            reference=new_reference(),
            token=new_token(),
            status=Status.NEW,
            first_preferred_date=timezone.localtime(start).date(),
            time_of_day=time_of_day(start),
            course=course,
        )
        session.full_clean(validate_unique=False)
        session.save()
        session.treatments.set([course.treatment])
        what = f"Session {course.next_session} of the course of {course.treatment.title}"
        _record(session, from_status="", to_status=Status.NEW, by=None, note=f"{what}, booked online by the patient.")
        transition(consultation=session, to_status=Status.IN_REVIEW, by=None)
        return confirm_request(consultation=session, start=start, clinician=clinician, by=None)


def end_course(*, course, by, reason=""):
    """End a course early: `by` a member of staff, or None for the patient. Nothing
    more is emailed about it. Raises ValidationError when it has already ended."""
    with transaction.atomic():
        locked = Course.objects.select_for_update().get(pk=course.pk)
        if not locked.is_active:
            raise ValidationError("This course has already ended.", code="course_ended")
        locked.ended_at = timezone.now()
        locked.ended_by = by
        locked.end_reason = reason or ("Ended by the patient." if by is None else "Ended by the clinic.")
        locked.save()
    return locked


def send_session_due_emails(*, now=None):
    """Email each patient whose course's next session falls due within
    SESSION_DUE_NOTICE_DAYS (once per session), with the link to pick a time. Skips
    courses with a session already booked and patients whose details are erased.
    Returns the number of emails queued. Run daily by the scheduler
    (bookings.tasks.send_course_session_reminders) or `manage.py send_session_reminders`."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    sent = 0
    for course in Course.objects.active().select_related("treatment"):
        if course.due_notice_for >= course.next_session:
            continue
        if course.next_due - timedelta(days=SESSION_DUE_NOTICE_DAYS) > today:
            continue
        latest = course.sessions.exclude(token="").order_by("-confirmed_start").first()
        if latest is None or latest.is_anonymised or _upcoming_session(course, now) is not None:
            continue
        with transaction.atomic():
            # Keyed, so two runs at once (two schedulers) record one email.
            emails.queue(latest, NotificationKind.SESSION_DUE, key=f"session-due:{course.pk}:{course.next_session}")
            Course.objects.filter(pk=course.pk).update(due_notice_for=course.next_session)
        sent += 1
    return sent
