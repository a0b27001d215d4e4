"""Consultation request workflow: every change of state goes through here.

Views, admin actions and management commands call these functions; each change
happens in one transaction, is checked against `ALLOWED_TRANSITIONS`, recorded
as a `StatusChange`, and sends its emails only after the transaction commits.
"""

from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from bookings import emails
from bookings.models import (
    ConsultationRequest,
    NotificationKind,
    Status,
    StatusChange,
    new_reference,
    new_token,
    preferred_date_problem,
)
from treatments.models import Treatment

HELP_WITH_MAX_LENGTH = ConsultationRequest._meta.get_field("help_with").max_length
# A fresh reference is drawn after a collision; one in 729 million makes a second try rare.
REFERENCE_ATTEMPTS = 5


class TransitionNotAllowed(ValidationError):
    """The request is not in a state this change can start from."""


class CancellationNotAllowed(ValidationError):
    """The patient cannot cancel this request online (the message says why)."""


@dataclass(frozen=True)
class Submission:
    request: ConsultationRequest
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
    source_condition=None,
    source_treatment=None,
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
        "source_condition": source_condition,
        "source_treatment": source_treatment,
    }
    for attempt in range(REFERENCE_ATTEMPTS):
        try:
            with transaction.atomic():
                request = _create_request(details, treatments)
        except IntegrityError:
            # Either the same form won a race with this one, or the reference collided.
            existing = ConsultationRequest.objects.for_idempotency_key(idempotency_key)
            if existing is not None:
                return Submission(existing, created=False)
            if attempt == REFERENCE_ATTEMPTS - 1:
                raise
        else:
            return Submission(request, created=True)
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
    request = ConsultationRequest(
        **details,
        reference=new_reference(),
        token=new_token(),
        status=Status.NEW,
        consent_given_at=timezone.now(),
        privacy_notice_version=settings.PRIVACY_NOTICE_VERSION,
    )
    # Uniqueness (reference, form key) is left to the database, which also holds under a race.
    request.full_clean(validate_unique=False)
    request.save()
    request.treatments.set(treatments)
    _record(request, from_status="", to_status=Status.NEW, by=None, note="Submitted online by the patient.")
    emails.queue(request, NotificationKind.ACKNOWLEDGEMENT)
    emails.queue(request, NotificationKind.NEW_REQUEST_NOTICE)
    return request


def transition(*, request, to_status, by, note="", **changes):
    """Move `request` to `to_status`, applying `changes` to its fields, and
    record who did it (`by=None`: the patient). The row is locked for the
    change, so two members of staff acting at once cannot both succeed from
    the same state. Returns the updated request; raises TransitionNotAllowed.

    The generic step that every workflow action (review, confirm, propose,
    decline, complete, no-show, cancel) is built on.
    """
    to_status = Status(to_status)
    with transaction.atomic():
        locked = ConsultationRequest.objects.select_for_update().get(pk=request.pk)
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


def cancel_request(*, request, by=None, note=""):
    """Cancel a request. `by=None` is the patient, who may cancel while the
    request is open, or confirmed and more than 24 hours away; staff may cancel
    whenever the state machine allows. The patient and (when the patient
    cancelled) the clinic are emailed after the transaction commits."""
    with transaction.atomic():
        locked = ConsultationRequest.objects.select_for_update().get(pk=request.pk)
        if by is None and (problem := locked.patient_cancellation_problem()):
            raise CancellationNotAllowed(problem, code="cancellation_not_allowed")
        cancelled = transition(request=locked, to_status=Status.CANCELLED, by=by, note=note)
        emails.queue(cancelled, NotificationKind.CANCELLATION)
        if by is None:
            emails.queue(cancelled, NotificationKind.CANCELLATION_NOTICE)
    return cancelled


def _record(request, *, from_status, to_status, by, note):
    return StatusChange.objects.create(
        request=request, from_status=from_status, to_status=to_status, by=by, note=note, at=timezone.now()
    )
