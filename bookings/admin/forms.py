"""Forms for the staff pages in admin (the workflow's steps, phone bookings, rows of
availability). They read what was posted; the rules that need the database (opening
hours, clashes, stranded consultations, the state machine) are the services'."""

import copy
from datetime import timedelta

from django import forms
from django.core.exceptions import ValidationError
from django.forms.models import construct_instance
from django.template.defaultfilters import pluralize
from django.utils import timezone
from django.utils.text import get_text_list

from bookings.availability import refuse_stranding_change
from bookings.forms import PHONE_INPUT_MAX_LENGTH, phone_number, validate_single_line, validate_text
from bookings.models import SCREENING_FIELDS, ConsentMethod, ConsultationRequest, ContactPreference, DeclineReason
from bookings.patient_text import health_terms_in
from bookings.scheduling import MAX_DAYS_AHEAD_FOR_STAFF, parse_slot
from bookings.services import MAX_PROPOSED_TIMES
from clinic.forms import PlainTextFormMixin, PlainTextModelForm
from treatments.models import Treatment

NOTE_MAX_LENGTH = 1000


class SlotField(forms.Field):
    widget = forms.HiddenInput
    default_error_messages = {"required": "Choose a time from the grid."}

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if not isinstance(value, str):
            raise ValidationError("Choose a time from the grid.", code="invalid")
        return parse_slot(value)


class SlotListField(forms.Field):
    """One or more grid slots (checkboxes), at most `max_count`."""

    widget = forms.MultipleHiddenInput
    default_error_messages = {"required": "Choose the time or times to offer."}

    def __init__(self, *, max_count, **kwargs):
        self.max_count = max_count
        super().__init__(**kwargs)

    def to_python(self, value):
        if not value:
            return []
        if not isinstance(value, list | tuple):
            raise ValidationError("Choose a time from the grid.", code="invalid")
        if len(value) > self.max_count:
            raise ValidationError(f"Offer at most {self.max_count} time{pluralize(self.max_count)}.", code="too_many")
        return [parse_slot(item) for item in value]


def note_field(label="Note for the history (optional)", help_text="Only staff see it."):
    return forms.CharField(
        label=label,
        required=False,
        max_length=NOTE_MAX_LENGTH,
        validators=[validate_text],
        widget=forms.Textarea(attrs={"rows": 2, "cols": 60}),
        help_text=help_text,
    )


class StepForm(PlainTextFormMixin, forms.Form):
    """A workflow step's page (bookings.workflow.Step.kind says which form)."""

    service_fields = ()  # the cleaned fields passed on to the step's service as they are

    def service_arguments(self):
        """The keyword arguments for the step's service, besides `consultation` and `by`."""
        return {name: self.cleaned_data[name] for name in self.service_fields}


class NoteForm(StepForm):
    service_fields = ("note",)
    note = note_field()


class ConfirmForm(StepForm):
    slot = SlotField()
    note = note_field()

    def service_arguments(self):
        start, clinician = self.cleaned_data["slot"]
        return {"start": start, "clinician": clinician, "note": self.cleaned_data["note"]}


class ProposeForm(StepForm):
    service_fields = ("slots", "note")
    slots = SlotListField(max_count=MAX_PROPOSED_TIMES)
    note = note_field()


class DeclineForm(StepForm):
    """Why a request is declined: a reusable reason, words of the staff member's own,
    or both, all emailed to the patient. Own words that mention a health detail
    (bookings/patient_text.py) are refused until staff reword them or tick
    `send_as_written`."""

    service_fields = ("standard_reason", "details", "note")
    standard_reason = forms.ModelChoiceField(
        label="A reason we often give",
        queryset=DeclineReason.objects.active(),
        required=False,
        widget=forms.RadioSelect,
        empty_label=None,
        error_messages={"invalid_choice": "That reason is no longer offered. Choose another, or write one."},
    )
    details = forms.CharField(
        label="In your own words",
        required=False,
        max_length=NOTE_MAX_LENGTH,
        validators=[validate_text],
        widget=forms.Textarea(attrs={"rows": 4, "cols": 60}),
        help_text="Sent to the patient, after the reason picked above if there is one. No medical details.",
    )
    health_terms = ()  # what clean() found in the details, for the page to show the confirmation
    send_as_written = forms.BooleanField(
        label="I have checked: send these words to the patient as they are",
        required=False,
        help_text="Only needed when the text mentions a health detail.",
    )
    note = note_field()

    def clean(self):
        cleaned = super().clean()
        if not self.errors and not cleaned.get("standard_reason") and not (cleaned.get("details") or "").strip():
            self.add_error("details", "Give a reason, picked from the list or written here: the patient is told why.")
        self.health_terms = health_terms_in(cleaned.get("details", ""))
        if self.health_terms and not cleaned.get("send_as_written"):
            self.add_error("details", health_details_message(self.health_terms))
        return cleaned


class DeclineReasonForm(PlainTextModelForm):
    """A reusable decline reason: its text is emailed to every patient declined with
    it, so health details in it are refused unless staff confirm them."""

    send_as_written = forms.BooleanField(
        label="I have checked: these words may be emailed to patients as they are",
        required=False,
        help_text="Only needed when the text mentions a health detail.",
    )

    class Meta:
        model = DeclineReason
        fields = ["title", "text", "is_active", "order"]

    def clean(self):
        cleaned = super().clean()
        terms = health_terms_in(cleaned.get("text", ""))
        if terms and not cleaned.get("send_as_written"):
            self.add_error("text", health_details_message(terms))
        return cleaned


class AvailabilityForm(PlainTextModelForm):
    """A row of availability edited in admin: a clinician's working day, break or leave,
    the clinic's opening hours for a weekday, or a closure. A change that would leave
    confirmed consultations outside bookable time is refused with a message naming
    each (bookings.availability.refuse_stranding_change); an unchanged row, or one
    being deleted, is not checked. Admin validates and saves in one transaction, and
    the check locks the clinician's row (every clinician's, for the clinic's rows)
    until the save commits, so no booking slips in between check and save."""

    def clean(self):
        cleaned = super().clean()
        if self.has_changed() and not cleaned.get("DELETE"):
            # The row as it will be saved, built as the ModelForm builds it after clean().
            row = construct_instance(self, copy.copy(self.instance), self._meta.fields, self._meta.exclude)
            refuse_stranding_change(row)
        return cleaned


def health_details_message(terms):
    """What staff are told when text for a patient's email mentions `terms`."""
    listed = get_text_list([f"“{term}”" for term in terms], "and")
    return (
        f"This text mentions {listed}. Emails are not a safe place for health details: reword it without them, "
        "or tick “send these words as they are” below if the patient must read them."
    )


class ShowDateForm(forms.Form):
    """Which other day's free times to show in the grid (a GET form)."""

    date = forms.DateField(
        label="Show free times on",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": "Enter a real date, like 2027-01-12."},
    )

    def clean_date(self):
        day = self.cleaned_data["date"]
        if day is None:
            return None
        today = timezone.localdate()
        if day < today:
            raise ValidationError("Choose today or a later day.")
        if day > today + timedelta(days=MAX_DAYS_AHEAD_FOR_STAFF):
            raise ValidationError("Choose a day within the next year.")
        return day


class PhoneBookingForm(PlainTextModelForm):
    """A booking reception takes by phone or at the desk: the patient's details, the
    screening questions asked aloud, consent, and a free slot from the grid."""

    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=64)
    phone = forms.CharField(
        label="Phone number",
        max_length=PHONE_INPUT_MAX_LENGTH,
        validators=[validate_single_line],
        help_text="As the patient gives it: 07911 123456, or +44… for a number abroad.",
    )
    treatments = forms.ModelMultipleChoiceField(
        label="Treatments of interest",
        queryset=Treatment.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    consent = forms.BooleanField(
        label="The patient agreed to the privacy notice",
        required=False,
        help_text="Read them the summary of the privacy notice and ask whether they agree.",
    )
    consent_method = forms.ChoiceField(
        label="They agreed",
        choices=[(ConsentMethod.PHONE, "by phone"), (ConsentMethod.DESK, "in person, at the desk")],
        initial=ConsentMethod.PHONE,
        widget=forms.RadioSelect,
    )
    slot = SlotField()
    note = note_field()

    class Meta:
        model = ConsultationRequest
        fields = ["full_name", "email", "phone", "contact_preference", "treatments", "help_with", *SCREENING_FIELDS]
        labels = {"help_with": "What they would like help with (optional)"}
        widgets = {
            "contact_preference": forms.RadioSelect,
            "help_with": forms.Textarea(attrs={"rows": 3, "cols": 60}),
            **{name: forms.RadioSelect for name in SCREENING_FIELDS},
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["treatments"].queryset = Treatment.objects.bookable()
        self.fields["contact_preference"].initial = ContactPreference.PHONE
        # The model lets these be blank only once a request is anonymised.
        for name in ConsultationRequest.personal_data.required:
            if name in self.fields:
                self.fields[name].required = True
        self.fields["email"].help_text = "The confirmation, invite and status link go here."

    def clean_phone(self):
        return phone_number(self.cleaned_data["phone"])

    def clean_help_with(self):
        text = self.cleaned_data["help_with"]
        validate_text(text)
        return text

    def clean_full_name(self):
        name = self.cleaned_data["full_name"].strip()
        validate_single_line(name)
        return name

    def booking(self):
        """The form's answers as keyword arguments of services.book_by_phone."""
        data = dict(self.cleaned_data)
        start, clinician = data.pop("slot")
        return {**data, "start": start, "clinician": clinician, "treatments": list(data["treatments"])}
