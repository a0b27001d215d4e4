"""Consultation requests and their history; their statuses and steps are in bookings.workflow."""

import hmac
import re
import secrets
from datetime import timedelta

import phonenumbers
from django.conf import settings
from django.contrib.contenttypes.fields import GenericRelation
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from bookings import workflow
from bookings.workflow import ALLOWED_TRANSITIONS, Status
from clinic.personal_data import KEPT, PERSONAL, PersonalData

# No 0/O, 1/I/L or U: a reference copied from an email or read out on the phone is not mistyped.
REFERENCE_ALPHABET = "ABCDEFGHJKMNPQRSTVWXYZ23456789"
REFERENCE_LENGTH = 6
REFERENCE_PREFIX = "CR-"
# A form's one-time key: opaque, URL-safe characters.
IDEMPOTENCY_KEY_RE = re.compile(r"[A-Za-z0-9_-]{8,64}")
# How long before a confirmed consultation the patient can still cancel online.
PATIENT_CANCELLATION_NOTICE = timedelta(hours=24)


REFERENCE_RE = re.compile(rf"{REFERENCE_PREFIX}[{REFERENCE_ALPHABET}]{{{REFERENCE_LENGTH}}}")


def new_reference():
    return REFERENCE_PREFIX + "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(REFERENCE_LENGTH))


def new_idempotency_key():
    return secrets.token_urlsafe(18)


def is_idempotency_key(value):
    return isinstance(value, str) and IDEMPOTENCY_KEY_RE.fullmatch(value) is not None


def new_token():
    """128 random bits, URL-safe: the secret in the patient's status link."""
    return secrets.token_urlsafe(16)


def validate_e164(value):
    try:
        number = phonenumbers.parse(value, None)
    except phonenumbers.NumberParseException:
        number = None
    if (
        number is None
        or not phonenumbers.is_valid_number(number)
        or phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164) != value
    ):
        raise ValidationError("Store phone numbers in international E.164 form, e.g. +442079460321.")


# Statuses in which a consultation has a time and a clinician (bookings.workflow), in the
# order of Status (a list: it goes into a constraint).
SCHEDULED_STATUSES = workflow.in_status_order(workflow.SCHEDULED_STATUSES)
# Statuses that still need something from the clinic, and those nothing more happens in
# (bookings.workflow), in the order of Status.
OPEN_STATUSES = workflow.in_status_order(workflow.OPEN_STATUSES)
CLOSED_STATUSES = workflow.in_status_order(workflow.CLOSED_STATUSES)


class TimeOfDay(models.TextChoices):
    MORNING = "morning", "Morning"
    AFTERNOON = "afternoon", "Afternoon"
    EVENING = "evening", "Evening"
    ANY = "any", "Any time"


class ContactPreference(models.TextChoices):
    EMAIL = "email", "Email"
    PHONE = "phone", "Phone"


class ConsentMethod(models.TextChoices):
    ONLINE = "online", "Online, in the request form"
    PHONE = "phone", "By phone, to reception"
    DESK = "desk", "In person, at the desk"


class ScreeningAnswer(models.TextChoices):
    YES = "yes", "Yes"
    NO = "no", "No"
    NOT_SURE = "not_sure", "Not sure"


def waiting_first():
    """0 for a new request (someone must pick it up), 1 for any other: how the requests
    list orders, before newest first; the model indexes the same expression."""
    return models.Case(
        models.When(status=Status.NEW, then=models.Value(0)),
        default=models.Value(1),
        output_field=models.IntegerField(),
    )


class ConsultationRequestQuerySet(models.QuerySet):
    def open(self):
        """Requests that still need something from the clinic."""
        return self.filter(status__in=OPEN_STATUSES)

    def closed(self):
        return self.filter(status__in=CLOSED_STATUSES)

    def confirmed_on(self, day):
        """Confirmed consultations starting on `day` (a clinic-local date), earliest first."""
        return self.filter(status=Status.CONFIRMED, confirmed_start__date=day).order_by("confirmed_start")

    def for_idempotency_key(self, key):
        """The request submitted with this form key, or None (also for a malformed key)."""
        if not is_idempotency_key(key):
            return None
        return self.filter(idempotency_key=key).first()


class ConsultationRequest(models.Model):
    """A patient's request for a consultation, from first contact to the visit."""

    reference = models.CharField(max_length=12, unique=True, editable=False)
    token = models.CharField(
        max_length=64,
        blank=True,
        editable=False,
        help_text="The secret in the patient's status link; never shown. Erased when anonymised.",
    )
    idempotency_key = models.CharField(
        max_length=64,
        unique=True,
        editable=False,
        validators=[RegexValidator(IDEMPOTENCY_KEY_RE)],
        help_text="Carried in the form, so a resubmission finds this request.",
    )

    # Personal fields may be blank only once anonymised (see `personal_data` and `clean_fields`).
    full_name = models.CharField(max_length=150, blank=True)
    email = models.EmailField(blank=True)
    phone = models.CharField(
        max_length=20, blank=True, validators=[validate_e164], help_text="International (E.164) form."
    )
    contact_preference = models.CharField(max_length=10, choices=ContactPreference, default=ContactPreference.EMAIL)
    treatments = models.ManyToManyField(
        "treatments.Treatment", blank=True, related_name="consultation_requests", verbose_name="treatments of interest"
    )
    help_with = models.TextField("what they would like help with", max_length=2000, blank=True)
    first_preferred_date = models.DateField()
    second_preferred_date = models.DateField(null=True, blank=True)
    time_of_day = models.CharField("preferred time of day", max_length=10, choices=TimeOfDay, default=TimeOfDay.ANY)

    isotretinoin_recent = models.CharField(
        "isotretinoin (e.g. Roaccutane) in the last 6 months", max_length=10, choices=ScreeningAnswer, blank=True
    )
    pregnant_or_breastfeeding = models.CharField(
        "pregnant or breastfeeding", max_length=10, choices=ScreeningAnswer, blank=True
    )
    keloid_tendency = models.CharField("tendency to keloid scars", max_length=10, choices=ScreeningAnswer, blank=True)
    active_skin_infection = models.CharField(
        "active skin infection (e.g. cold sore) in the area", max_length=10, choices=ScreeningAnswer, blank=True
    )

    consent_given_at = models.DateTimeField(help_text="When the patient agreed to the privacy notice.")
    privacy_notice_version = models.CharField(max_length=20, help_text="The privacy notice they agreed to.")
    consent_method = models.CharField(
        "consent given", max_length=10, choices=ConsentMethod, default=ConsentMethod.ONLINE
    )
    consent_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="The member of staff who took the booking and the patient's consent by phone or at the desk.",
    )
    source_page = models.ForeignKey(
        "treatments.Page",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="The condition or treatment page the patient came from.",
    )

    status = models.CharField(max_length=20, choices=Status, default=Status.NEW)
    confirmed_start = models.DateTimeField(null=True, blank=True)
    clinician = models.ForeignKey(
        "staff.Clinician", on_delete=models.PROTECT, null=True, blank=True, related_name="consultations"
    )
    decline_reason = models.TextField(blank=True, help_text="Shown to the patient.")
    declined_for = models.ForeignKey(
        "bookings.DeclineReason",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="standard decline reason",
        help_text="The reusable reason picked, if any; kept for statistics when the request is anonymised.",
    )
    course = models.ForeignKey(
        "bookings.Course",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="sessions",
        help_text="The course of treatment this consultation or session belongs to.",
    )
    staff_notes = models.TextField(blank=True, help_text="Only staff see these.")
    anonymised_at = models.DateTimeField(
        null=True, blank=True, editable=False, help_text="When the patient's personal details were erased."
    )

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    # Every email about the request, in the outbox (notifications.Email).
    notifications = GenericRelation("notifications.Email", related_query_name="consultation_request")

    objects = ConsultationRequestQuerySet.as_manager()

    # Which fields are the patient's (see clinic.personal_data), and what each becomes when anonymised.
    personal_data = PersonalData(
        personal={
            "full_name": "Anonymised",
            "email": "",
            "phone": "",
            "contact_preference": KEPT,  # email or phone: says nothing about who they are
            "help_with": "",
            "decline_reason": "",
            "staff_notes": "",
        },
        # The health questions the form asks; only clinicians (and superusers) see the answers.
        screening={
            "isotretinoin_recent": "",
            "pregnant_or_breastfeeding": "",
            "keloid_tendency": "",
            "active_skin_infection": "",
        },
        internal={"id": KEPT, "token": "", "idempotency_key": KEPT},
        not_personal=[
            "reference",
            "treatments",
            "first_preferred_date",
            "second_preferred_date",
            "time_of_day",
            "consent_given_at",
            "privacy_notice_version",
            "consent_method",
            "consent_recorded_by",
            "source_page",
            "status",
            "confirmed_start",
            "clinician",
            "declined_for",
            "course",
            "anonymised_at",
            "created_at",
            "updated_at",
        ],
        # Every live request has these; only anonymisation empties them.
        required=[
            "token",
            "full_name",
            "email",
            "phone",
            "isotretinoin_recent",
            "pregnant_or_breastfeeding",
            "keloid_tendency",
            "active_skin_infection",
        ],
        # Whether any answer is "yes" or "not sure", never which: staff who see patients' details see these.
        derived={"screening_flags": PERSONAL, "screening_summary": PERSONAL},
    )

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["clinician", "confirmed_start"],
                condition=Q(status=Status.CONFIRMED),
                name="one_confirmed_consultation_per_clinician_slot",
                violation_error_message="This clinician already has a confirmed consultation at that time.",
            ),
            models.CheckConstraint(
                condition=Q(second_preferred_date__isnull=True)
                | ~Q(second_preferred_date=models.F("first_preferred_date")),
                name="second_preferred_date_differs",
                violation_error_message="The second preferred date must differ from the first.",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=SCHEDULED_STATUSES)
                | Q(confirmed_start__isnull=False, clinician__isnull=False),
                name="scheduled_consultation_has_time_and_clinician",
                violation_error_message="A confirmed consultation needs a start time and a clinician.",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "created_at"]),
            # The diary and every availability check read one clinician's consultations over a few days.
            models.Index(fields=["clinician", "confirmed_start"], name="consultation_clinician_start"),
            # The requests list's order: with it the first page of years of requests is read, not sorted.
            models.Index(waiting_first(), models.F("created_at").desc(), name="consultation_waiting_first"),
        ]
        permissions = [
            ("view_patient_details", "Can see patients' names, contact details and answers"),
            ("export_consultationrequest", "Can export consultation requests as CSV"),
            ("view_screening_answers", "Can see patients' answers to the screening questions (clinicians)"),
        ]

    def __str__(self):
        return self.reference

    def clean_fields(self, exclude=None):
        errors = {}
        try:
            super().clean_fields(exclude=exclude)
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        if self.anonymised_at is None:
            for name, error in self.personal_data.missing_required(self).items():
                if name not in (exclude or ()) and name not in errors:
                    errors[name] = [error]
        if errors:
            raise ValidationError(errors)

    @property
    def screening_flags(self):
        """Which kinds of screening answer the patient gave, never which question got
        which: a subset of {"yes", "not_sure"}, empty when every answer is "no" or
        there are none (anonymised). Reception books a longer consultation on it."""
        return {getattr(self, name) for name in SCREENING_FIELDS} & {ScreeningAnswer.YES, ScreeningAnswer.NOT_SURE}

    @property
    def screening_summary(self):
        """The screening answers as anyone handling the request may know them, in words."""
        if not any(getattr(self, name) for name in SCREENING_FIELDS):
            return "No answers (removed when the request was anonymised)."
        flags = self.screening_flags
        if not flags:
            return "Answered: every answer is “no”."
        found = " and ".join(
            label for value, label in [("yes", "“yes”"), ("not_sure", "“not sure”")] if value in flags
        )
        return f"Answered, with at least one {found}: a clinician goes through them; book a longer consultation."

    @property
    def is_anonymised(self):
        return self.anonymised_at is not None

    @property
    def is_closed(self):
        return self.status in CLOSED_STATUSES

    def patient_may(self, step):
        """True when the patient may take `step` (a name in bookings.workflow.PATIENT_STEPS)
        from the request's status; the step's service may still refuse for timing."""
        return self.status in workflow.PATIENT_STEPS_BY_NAME[step].from_statuses

    def can_transition_to(self, status):
        """True when some workflow step (bookings.workflow.STEPS) moves a request from its status to `status`."""
        return status in ALLOWED_TRANSITIONS[Status(self.status)]

    @property
    def is_scheduled(self):
        return self.status in SCHEDULED_STATUSES and self.confirmed_start is not None

    @property
    def confirmed_end(self):
        if self.confirmed_start is None:
            return None
        return self.confirmed_start + timedelta(minutes=settings.CONSULTATION_LENGTH_MINUTES)

    @property
    def what_the_patient_cancels(self):
        """ "appointment" once a time is confirmed, else "request": the word the
        patient's pages and messages use for what a cancel would end."""
        return "appointment" if self.status == Status.CONFIRMED else "request"

    def patient_cancellation_problem(self, now=None):
        """Why the patient cannot cancel online now, in plain words; None when they can."""
        if self.status == Status.CANCELLED:
            return "This request is already cancelled."
        if self.status == Status.DECLINED:
            return "This request was declined, so there is nothing to cancel."
        if self.status in {Status.COMPLETED, Status.NO_SHOW}:
            return "This consultation has already taken place, so it can no longer be cancelled."
        if not self.patient_may("cancel"):
            return "This request can no longer be cancelled online."
        return self._too_late_online("cancelled", now)

    def _too_late_online(self, doing, now=None):
        """Why a confirmed consultation can no longer be `doing` ("cancelled", "moved")
        online: it has started, or starts within 24 hours; None otherwise."""
        now = now or timezone.now()
        if self.status != Status.CONFIRMED:
            return None
        if self.confirmed_start <= now:
            return (
                f"Your consultation began at {timezone.localtime(self.confirmed_start):%H:%M} on "
                f"{timezone.localtime(self.confirmed_start):%d %B %Y}, so it can no longer be {doing} online. "
                f"Please phone us on {settings.CLINIC_PHONE}."
            )
        if self.confirmed_start - now <= PATIENT_CANCELLATION_NOTICE:
            return (
                f"Your consultation is less than 24 hours away, so it can no longer be {doing} online. "
                f"Please phone us on {settings.CLINIC_PHONE}."
            )
        return None

    def patient_reschedule_problem(self, now=None):
        """Why the patient cannot move their consultation online now; None when they can."""
        if not self.patient_may("move_appointment"):
            return "Only a confirmed consultation can be moved online."
        return self._too_late_online("moved", now)

    def can_be_cancelled_by_patient(self, now=None):
        return self.patient_cancellation_problem(now) is None

    def token_matches(self, candidate):
        """Constant-time comparison, so response times do not reveal the token."""
        return hmac.compare_digest(self.token.encode(), str(candidate).encode())

    def status_path(self):
        return reverse("bookings:status", kwargs={"reference": self.reference, "token": self.token})

    def status_url(self):
        """The patient's private status link, absolute, for emails."""
        return settings.SITE_URL + self.status_path()

    def next_session_url(self):
        """The page where the patient books their course's next session, absolute, for emails."""
        return settings.SITE_URL + reverse(
            "bookings:next_session", kwargs={"reference": self.reference, "token": self.token}
        )

    def thanks_path(self):
        return reverse("bookings:thanks", kwargs={"reference": self.reference, "token": self.token})

    def invite_path(self):
        return reverse("bookings:invite", kwargs={"reference": self.reference, "token": self.token})

    def admin_url(self):
        return settings.SITE_URL + reverse("admin:bookings_consultationrequest_change", args=[self.pk])


# The screening questions, in the order the forms ask them.
SCREENING_FIELDS = ConsultationRequest.personal_data.screening


class StatusChange(models.Model):
    """One step in a request's history; `by` is empty when the patient acted."""

    consultation = models.ForeignKey(ConsultationRequest, on_delete=models.CASCADE, related_name="status_changes")
    from_status = models.CharField(max_length=20, choices=Status, blank=True, help_text="Empty when submitted.")
    to_status = models.CharField(max_length=20, choices=Status)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="Empty when the patient made the change.",
    )
    at = models.DateTimeField(default=timezone.now)
    note = models.TextField(blank=True)

    personal_data = PersonalData(
        personal={"note": ""},  # can quote the patient (a cancellation reason)
        internal={"id": KEPT},
        not_personal=["consultation", "from_status", "to_status", "by", "at"],
    )

    class Meta:
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.consultation}: {self.from_status or '—'} → {self.to_status}"

    @property
    def actor(self):
        if not self.by_id:
            return "Patient"
        return self.by.get_full_name() or self.by.get_username()
