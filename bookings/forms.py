import json
import re
import unicodedata
from datetime import timedelta

import phonenumbers
from crispy_forms.helper import FormHelper
from crispy_forms.layout import HTML, Fieldset, Layout, Submit
from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.formats import date_format
from django.utils.functional import cached_property
from django.utils.html import format_html

from bookings.models import (
    MAX_DAYS_AHEAD,
    SCREENING_FIELDS,
    ConsultationRequest,
    is_idempotency_key,
    new_idempotency_key,
    preferred_date_problem,
)
from bookings.scheduling import SLOT_VALUE_MAX_LENGTH, parse_slot, slot_value
from clinic.forms import PlainTextFormMixin
from treatments.models import Condition, Treatment

SLUG_RE = re.compile(r"[-a-zA-Z0-9_]{1,200}")
PHONE_INPUT_MAX_LENGTH = 30


def validate_single_line(value):
    """Refuse control characters (tabs, escapes, NUL) in one-line answers such as a name."""
    if any(unicodedata.category(char) == "Cc" for char in value):
        raise ValidationError("Please remove the special characters (such as tabs or control codes).")


def validate_text(value):
    if any(unicodedata.category(char) == "Cc" and char not in "\r\n\t" for char in value):
        raise ValidationError("Please remove the special control characters from your text.")


class SourceSlugField(forms.CharField):
    """A hidden slug naming the page the patient came from. Anything malformed is
    dropped silently: it is a note for staff, never a reason to refuse a request."""

    widget = forms.HiddenInput

    def __init__(self, **kwargs):
        super().__init__(required=False, max_length=None, **kwargs)

    def clean(self, value):
        value = self.to_python(value)
        return value if SLUG_RE.fullmatch(value) else ""


class ListedChoicesField(forms.ModelMultipleChoiceField):
    """A ModelMultipleChoiceField that checks what was ticked against the objects
    the form listed (`listed`, set by the form from one query) instead of asking
    the database again. Cleans to a list of those objects, without repeats, in the
    order listed; the same errors as Django's field for anything else."""

    listed = ()

    def clean(self, value):
        value = self.prepare_value(value)
        if self.required and not value:
            raise ValidationError(self.error_messages["required"], code="required")
        if not value:
            return []
        if not isinstance(value, (list, tuple)):
            raise ValidationError(self.error_messages["invalid_list"], code="invalid_list")
        by_pk = {str(item.pk): item for item in self.listed}
        chosen = set()
        for pk in value:
            self.validate_no_null_characters(pk)
            try:
                key = str(int(pk))
            except (TypeError, ValueError):
                raise ValidationError(
                    self.error_messages["invalid_pk_value"], code="invalid_pk_value", params={"pk": pk}
                ) from None
            if key not in by_pk:
                raise ValidationError(
                    self.error_messages["invalid_choice"], code="invalid_choice", params={"value": pk}
                )
            chosen.add(key)
        self.run_validators(value)
        return [item for key, item in by_pk.items() if key in chosen]


class ErrorSummaryMixin:
    """Field errors as (anchor, message) pairs for the summary at the top of the form,
    each linking to its field (to the first option of a radio or checkbox group).
    Errors about the whole form are shown by crispy-forms just above the summary."""

    def error_summary(self):
        items = []
        for field in self.visible_fields():
            if isinstance(field.field.widget, forms.RadioSelect | forms.CheckboxSelectMultiple):
                anchor = f"{field.auto_id}_0" if list(field.field.choices) else f"div_{field.auto_id}"
            else:
                anchor = field.auto_id
            items += [(anchor, error) for error in field.errors]
        return items


def phone_number(raw):
    """A phone number as people type it ("07911 123456"), in E.164 ("+447911123456");
    ValidationError with a plain message when it cannot be called."""
    message = "Enter a phone number we can call, like 07911 123456 or +44 20 7946 0321."
    try:
        number = phonenumbers.parse(raw, settings.CLINIC_PHONE_REGION)
    except phonenumbers.NumberParseException:
        raise ValidationError(message, code="invalid") from None
    if number.extension:
        raise ValidationError("Please give a number we can call directly, without an extension.")
    if not phonenumbers.is_valid_number(number):
        raise ValidationError(message, code="invalid")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


class ConsultationRequestForm(PlainTextFormMixin, ErrorSummaryMixin, forms.ModelForm):
    phone = forms.CharField(
        label="Phone number",
        max_length=PHONE_INPUT_MAX_LENGTH,
        validators=[validate_single_line],
        help_text="A UK number, or an international one starting with +.",
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
    )
    treatments = ListedChoicesField(
        label="Treatments you are interested in",
        queryset=Treatment.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Choose any that interest you, or tell us below what you would like help with.",
    )
    consent = forms.BooleanField(
        required=True,
        error_messages={
            "required": "Please agree, so that we can keep your details to arrange your consultation.",
        },
    )
    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=64)
    source_condition = SourceSlugField()
    source_treatment = SourceSlugField()

    class Meta:
        model = ConsultationRequest
        fields = [
            "full_name",
            "email",
            "phone",
            "contact_preference",
            "treatments",
            "help_with",
            "first_preferred_date",
            "second_preferred_date",
            "time_of_day",
            *SCREENING_FIELDS,
        ]
        labels = {
            "full_name": "Full name",
            "email": "Email address",
            "contact_preference": "How should we contact you?",
            "help_with": "What would you like help with?",
            "first_preferred_date": "First preferred date",
            "second_preferred_date": "Second preferred date (optional)",
            "time_of_day": "Preferred time of day",
            "isotretinoin_recent": "Have you taken isotretinoin (for example Roaccutane) in the last 6 months?",
            "pregnant_or_breastfeeding": "Are you pregnant or breastfeeding?",
            "keloid_tendency": "Do you tend to form keloid (raised, thickened) scars?",
            "active_skin_infection": (
                "Do you have an active skin infection (for example a cold sore) where you would like treatment?"
            ),
        }
        help_texts = {
            "help_with": "For example which area of skin, and what you have tried so far. Up to 2,000 characters.",
            "first_preferred_date": "The day you would most like to come in. We are closed on some days.",
        }
        widgets = {
            "full_name": forms.TextInput(attrs={"autocomplete": "name"}),
            "email": forms.EmailInput(attrs={"autocomplete": "email"}),
            "contact_preference": forms.RadioSelect,
            "help_with": forms.Textarea(attrs={"rows": 5}),
            "first_preferred_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "second_preferred_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "time_of_day": forms.RadioSelect,
            **{name: forms.RadioSelect for name in SCREENING_FIELDS},
        }
        error_messages = {
            "full_name": {"required": "Enter your full name."},
            "email": {
                "required": "Enter your email address.",
                "invalid": "Enter an email address in the right form, like name@example.com.",
            },
            "first_preferred_date": {
                "required": "Choose the date you would most like to come in.",
                "invalid": "Enter a real date, like 24/03/2027.",
            },
            "second_preferred_date": {"invalid": "Enter a real date, like 24/03/2027."},
            "contact_preference": {"required": "Choose how we should contact you."},
            "time_of_day": {"required": "Choose a time of day, or “Any time”."},
            "isotretinoin_recent": {
                "required": "Tell us whether you have taken isotretinoin in the last 6 months, or choose “Not sure”."
            },
            "pregnant_or_breastfeeding": {
                "required": "Tell us whether you are pregnant or breastfeeding, or choose “Not sure”."
            },
            "keloid_tendency": {"required": "Tell us whether you tend to form keloid scars, or choose “Not sure”."},
            "active_skin_infection": {
                "required": "Tell us whether you have an active skin infection, or choose “Not sure”."
            },
        }

    def __init__(self, *args, source=None, **kwargs):
        """`source` is the query string the patient arrived with (?treatment= or ?condition=)."""
        super().__init__(*args, **kwargs)
        self.today = timezone.localdate()
        self.fields["treatments"].queryset = Treatment.objects.bookable()
        # One query for the checkboxes and for checking what was ticked (a model
        # field's choices would query on each look, and again to clean).
        # With each one's Page, the key a request stores for the page the patient came from.
        self.bookable = list(Treatment.objects.bookable().select_related("page").only("pk", "title", "slug", "page"))
        if self.bookable:
            self.fields["treatments"].choices = [(treatment.pk, treatment.title) for treatment in self.bookable]
            self.fields["treatments"].listed = self.bookable
        else:
            # Nothing to tick (yet): the patient describes what they need instead.
            del self.fields["treatments"]
        # The model lets these be blank only once a request is anonymised; a patient must answer them.
        for name in ConsultationRequest.personal_data.required:
            if name in self.fields:
                self.fields[name].required = True
        self.fields["full_name"].validators.append(validate_single_line)
        self.fields["email"].validators.append(validate_single_line)
        self.fields["help_with"].validators.append(validate_text)
        self.fields["phone"].error_messages["required"] = "Enter a phone number we can reach you on."
        # A radio group with a pre-filled "empty" choice reads as an unanswered question.
        for name in ["contact_preference", "time_of_day", *SCREENING_FIELDS]:
            self.fields[name].choices = [choice for choice in self.fields[name].choices if choice[0] != ""]
        for name in ["first_preferred_date", "second_preferred_date"]:
            self.fields[name].widget.attrs.update(
                min=(self.today + timedelta(days=1)).isoformat(),
                max=(self.today + timedelta(days=MAX_DAYS_AHEAD)).isoformat(),
            )
        self.fields["consent"].label = format_html(
            "I agree that {} may keep these details to arrange my consultation, as described in the "
            '<a href="{}">privacy notice</a>.',
            settings.CLINIC_NAME,
            reverse("privacy"),
        )
        if self.is_bound:
            self._ensure_idempotency_key()
        else:
            self.initial.setdefault("idempotency_key", new_idempotency_key())
            self._prefill_from(source or {})

    @cached_property
    def helper(self):
        """The layout, built when the form is shown (a valid post never is)."""
        return self._build_helper()

    def _ensure_idempotency_key(self):
        """A post without a well-formed key (never sent by the page itself) gets a fresh
        one, rather than an error on a hidden field the patient could not fix."""
        name = self.add_prefix("idempotency_key")
        if not is_idempotency_key(self.data.get(name)):
            self.data = self.data.copy()
            self.data[name] = new_idempotency_key()

    def _prefill_from(self, source):
        treatment_slug = source.get("treatment", "")
        if SLUG_RE.fullmatch(treatment_slug):
            bookable = next((treatment for treatment in self.bookable if treatment.slug == treatment_slug), None)
            if bookable is not None:
                self.initial["treatments"] = [bookable.pk]
            if bookable is not None or Treatment.objects.published().filter(slug=treatment_slug).exists():
                self.initial["source_treatment"] = treatment_slug
        condition_slug = source.get("condition", "")
        if SLUG_RE.fullmatch(condition_slug) and Condition.objects.published().filter(slug=condition_slug).exists():
            self.initial["source_condition"] = condition_slug

    def _build_helper(self):
        helper = FormHelper()
        helper.form_method = "post"
        helper.form_id = "consultation-request-form"
        # The server checks everything and says what is wrong beside each field and in the summary.
        helper.attrs = {"novalidate": True}
        helper.layout = Layout(
            HTML('{% include "bookings/_error_summary.html" %}'),
            "idempotency_key",
            "source_condition",
            "source_treatment",
            Fieldset(
                "Your details",
                "full_name",
                "email",
                "phone",
                "contact_preference",
            ),
            Fieldset(
                "What you would like",
                *(["treatments"] if "treatments" in self.fields else []),
                "help_with",
            ),
            Fieldset(
                "When you would like to come in",
                "first_preferred_date",
                "second_preferred_date",
                "time_of_day",
            ),
            Fieldset(
                "A few health questions",
                HTML(
                    '<p class="form-text mt-0">Some treatments are not safe for everyone. '
                    '{% include "bookings/_screening_privacy.txt" %}</p>'
                ),
                *SCREENING_FIELDS,
            ),
            Fieldset("Your consent", "consent"),
            Submit("submit", "Send my request", css_class="btn-lg"),
        )
        return helper

    def clean_phone(self):
        return phone_number(self.cleaned_data["phone"])

    def _clean_preferred_date(self, name):
        day = self.cleaned_data.get(name)
        if day is not None and (problem := preferred_date_problem(day, today=self.today)):
            raise ValidationError(problem)
        return day

    def clean_first_preferred_date(self):
        return self._clean_preferred_date("first_preferred_date")

    def clean_second_preferred_date(self):
        return self._clean_preferred_date("second_preferred_date")

    def clean_source_condition(self):
        slug = self.cleaned_data["source_condition"]
        return Condition.objects.published().select_related("page").filter(slug=slug).first() if slug else None

    def clean_source_treatment(self):
        slug = self.cleaned_data["source_treatment"]
        if not slug:
            return None
        # Usually the treatment the patient came from is one they can book, listed already.
        listed = next((treatment for treatment in self.bookable if treatment.slug == slug), None)
        return listed or Treatment.objects.published().select_related("page").filter(slug=slug).first()

    def clean(self):
        cleaned = super().clean()
        first, second = cleaned.get("first_preferred_date"), cleaned.get("second_preferred_date")
        if first and second and first == second:
            self.add_error(
                "second_preferred_date", "Choose a different date from your first choice, or leave this empty."
            )
        if "treatments" not in self.fields:
            if "help_with" in cleaned and not cleaned["help_with"]:
                self.add_error("help_with", "Tell us what you would like help with.")
        elif "treatments" in cleaned and "help_with" in cleaned:
            if not cleaned["treatments"] and not cleaned["help_with"]:
                self.add_error(
                    "treatments", "Choose at least one treatment, or tell us what you would like help with."
                )
        return cleaned

    def fingerprint(self):
        """A digest of the patient's answers (not the form key), to recognise the same answers sent again."""
        answers = {
            name: value for name, value in self.submission().items() if name not in {"idempotency_key", "source_page"}
        }
        answers["treatments"] = sorted(treatment.pk for treatment in answers["treatments"])
        # Keyed with the secret key: the digest sits in a signed cookie and must not be reversible.
        return salted_hmac("bookings.resubmission", json.dumps(answers, sort_keys=True, default=str)).hexdigest()

    def submission(self):
        """The cleaned answers, as keyword arguments for `services.submit_request`."""
        data = self.cleaned_data
        # The page the patient came from: the treatment's when they name both.
        source = data["source_treatment"] or data["source_condition"]
        return {
            "idempotency_key": data["idempotency_key"],
            "full_name": data["full_name"],
            "email": data["email"],
            "phone": data["phone"],
            "contact_preference": data["contact_preference"],
            "treatments": list(data.get("treatments", [])),
            "help_with": data["help_with"],
            "first_preferred_date": data["first_preferred_date"],
            "second_preferred_date": data["second_preferred_date"],
            "time_of_day": data["time_of_day"],
            "consent": data["consent"],
            "source_page": source.page if source is not None else None,
            **{name: data[name] for name in SCREENING_FIELDS},
        }


class CancelForm(PlainTextFormMixin, ErrorSummaryMixin, forms.Form):
    """The patient's confirmation that they want to cancel, with an optional reason."""

    confirm = forms.CharField(widget=forms.HiddenInput)
    reason = forms.CharField(
        label="Would you like to tell us why? (optional)",
        required=False,
        max_length=500,
        validators=[validate_text],
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Up to 500 characters. Please do not include medical details.",
    )

    def clean_confirm(self):
        if self.cleaned_data["confirm"] != "yes":
            raise ValidationError("Please confirm that you want to cancel.")
        return "yes"


class AcceptTimeForm(ErrorSummaryMixin, forms.Form):
    """The patient picks one of the times the clinic offered."""

    # Both forms sit on one page: their hidden fields need ids of their own.
    action = forms.CharField(widget=forms.HiddenInput(attrs={"id": "id_accept_action"}), initial="accept")
    proposal = forms.ChoiceField(
        label="Choose a time",
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose one of the times, or ask us to contact you.",
            "invalid_choice": "Please choose one of the times we offered.",
        },
    )

    def __init__(self, *args, proposals=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["proposal"].choices = [
            (
                str(proposal.pk),
                f"{date_format(timezone.localtime(proposal.start), 'l j F Y')} at "
                f"{timezone.localtime(proposal.start):%H:%M} with {proposal.clinician.name}",
            )
            for proposal in proposals
        ]


class ContactMeForm(PlainTextFormMixin, ErrorSummaryMixin, forms.Form):
    """None of the offered times suits: the patient asks the clinic to get in touch."""

    action = forms.CharField(widget=forms.HiddenInput(attrs={"id": "id_contact_action"}), initial="contact")
    note = forms.CharField(
        label="When would suit you better? (optional)",
        required=False,
        max_length=500,
        validators=[validate_text],
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="For example “any weekday after 4pm”. Up to 500 characters. Please do not include medical details.",
    )


class RescheduleForm(PlainTextFormMixin, ErrorSummaryMixin, forms.Form):
    """The patient picks a new time from the free ones listed. What is posted is read
    as a slot ("2027-01-12T10:00|3") and checked by the service, which says why a
    time cannot be had (taken meanwhile, too late, outside the window)."""

    slot = forms.CharField(
        label="Choose a new time",
        max_length=SLOT_VALUE_MAX_LENGTH,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose a new time, or keep the one you have.",
            "max_length": "Choose one of the times listed.",
        },
    )

    def __init__(self, *args, slots=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["slot"].widget.choices = [
            (
                slot_value(slot.start, slot.clinician),
                f"{date_format(timezone.localtime(slot.start), 'l j F')} at {timezone.localtime(slot.start):%H:%M} "
                f"with {slot.clinician.name}",
            )
            for slot in slots
        ]

    def clean_slot(self):
        try:
            return parse_slot(self.cleaned_data["slot"])
        except ValidationError:
            raise ValidationError("Choose one of the times listed.", code="invalid") from None
