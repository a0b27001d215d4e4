import unicodedata

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Div, Field, Layout, Submit
from django import forms
from django.conf import settings
from django.core import signing

from clinic.forms import PlainTextFormMixin
from staff.models import Clinician
from treatments.form_signing import seconds_since_shown, sign_form_time
from treatments.models import Comment, Invasiveness, PublicationStatus

# --- Content pages: filters, comparison, search, helpful votes ----------------------


class TreatmentFilterForm(forms.Form):
    """Filters on the treatment list: a GET form, so filters live in the URL."""

    DOWNTIME_CHOICES = [
        ("", "Any downtime"),
        (0, "None: back to normal the same day"),
        (1, "Up to 1 day"),
        (3, "Up to 3 days"),
        (7, "Up to a week"),
        (14, "Up to two weeks"),
    ]

    condition = forms.ChoiceField(label="Condition", required=False)
    invasiveness = forms.ChoiceField(
        label="How invasive", required=False, choices=[("", "Any"), *Invasiveness.choices]
    )
    max_downtime = forms.TypedChoiceField(
        label="Longest downtime you can take",
        required=False,
        choices=DOWNTIME_CHOICES,
        coerce=int,
        empty_value=None,
    )
    offered_here = forms.BooleanField(label="Only treatments offered at this clinic", required=False)

    def __init__(self, *args, conditions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["condition"].choices = [("", "Any condition")] + [(c.slug, c.title) for c in conditions]

    def filter(self, queryset):
        """Apply the valid filters to `queryset`; invalid ones are ignored (and shown as errors)."""
        data = self.cleaned_data if self.is_bound else {}
        if data.get("condition"):
            queryset = queryset.filter(
                condition_links__condition__slug=data["condition"],
                condition_links__condition__status=PublicationStatus.PUBLISHED,
            )
        if data.get("invasiveness"):
            queryset = queryset.filter(invasiveness=data["invasiveness"])
        if data.get("max_downtime") is not None:
            queryset = queryset.with_downtime_at_most(data["max_downtime"])
        if data.get("offered_here"):
            queryset = queryset.filter(offered_here=True)
        return queryset

    @property
    def active_filters(self):
        """Labels of the filters in use, for "Showing … " and the result count."""
        if not self.is_bound or not hasattr(self, "cleaned_data"):
            return []
        labels = []
        for name, field in self.fields.items():
            value = self.cleaned_data.get(name)
            if value in (None, "", False):
                continue
            if isinstance(field, forms.BooleanField):
                labels.append(field.label)
            else:
                labels.append(dict((str(k), v) for k, v in field.choices).get(str(value), str(value)))
        return labels


class SlugChoicesField(forms.MultipleChoiceField):
    """Blank values (an empty `?t=`) are ignored rather than reported as unknown treatments."""

    def to_python(self, value):
        return [slug for slug in super().to_python(value) if slug.strip()]


class ComparisonForm(forms.Form):
    """Two to four treatments, chosen by slug (`?t=a&t=b`)."""

    MIN, MAX = 2, 4

    t = SlugChoicesField(
        label="Treatments to compare",
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": "Pick at least two treatments to compare.",
            "invalid_choice": "We have no treatment page called “%(value)s”. Pick from the list below.",
        },
    )

    def __init__(self, *args, treatments=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["t"].choices = [(t.slug, t.title) for t in treatments]

    def clean_t(self):
        slugs = self.cleaned_data["t"]
        if len(set(slugs)) != len(slugs):
            raise forms.ValidationError("Each treatment can be picked only once. Pick two to four different ones.")
        if len(slugs) < self.MIN:
            raise forms.ValidationError("Pick at least one more treatment: a comparison needs two to four.")
        if len(slugs) > self.MAX:
            raise forms.ValidationError(
                f"You picked {len(slugs)} treatments. Pick no more than four, so the table stays readable."
            )
        return slugs


class SearchQueryField(forms.CharField):
    """Text with control characters (such as NUL, which no database accepts) turned into spaces."""

    def to_python(self, value):
        value = super().to_python(value)
        return "".join(
            " " if unicodedata.category(ch) in {"Cc", "Cs"} and not ch.isspace() else ch for ch in value
        ).strip()


class SearchForm(PlainTextFormMixin, forms.Form):
    MAX_LENGTH = 200

    q = SearchQueryField(
        label="Search conditions and treatments",
        required=False,
        max_length=MAX_LENGTH,
        error_messages={"max_length": "Please shorten your search to %(limit_value)d characters or fewer."},
    )


class HelpfulVoteForm(PlainTextFormMixin, forms.Form):
    helpful = forms.TypedChoiceField(
        label="Was this page helpful?",
        choices=[("yes", "Yes"), ("no", "No")],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
        error_messages={"required": "Choose yes or no."},
    )
    missing = forms.CharField(
        label="What was missing or unclear? (optional)",
        help_text="Please do not include personal or medical details: this is read by our editors, not answered.",
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


# --- Patient comments -----------------------------------------------------------------


class CommentTextField(forms.CharField):
    """Plain text with line endings made "\n", so 3,000 characters means what the
    browser counted (text that shows nothing counts as empty: PlainTextFormMixin)."""

    def to_python(self, value):
        return super().to_python(value).replace("\r\n", "\n").replace("\r", "\n")


class CommentForm(PlainTextFormMixin, forms.Form):
    """A patient's comment, question or reply.

    Two hidden guards against bots: `website` is a honeypot no person sees,
    and `shown_at` is a signed record of when the form was shown, so a post
    that comes too soon after (or with a forged time) is refused. Whether the
    comment is a duplicate, and what the moderators must check, is for the
    service to decide.
    """

    author_name = CommentTextField(
        label="Display name",
        max_length=Comment._meta.get_field("author_name").max_length,
        help_text="Shown with your comment. A first name or a nickname is fine.",
        error_messages={"required": "Enter the name to show with your comment."},
        widget=forms.TextInput(attrs={"autocomplete": "nickname"}),
    )
    email = forms.EmailField(
        label="Email",
        max_length=Comment._meta.get_field("email").max_length,
        help_text="Never shown to anyone. Used only to tell you about your comment, if you ask below.",
        error_messages={
            "required": "Enter your email address. It is never shown.",
            "invalid": "Enter an email address like name@example.com.",
        },
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    body = CommentTextField(
        label="Your comment or question",
        max_length=Comment._meta.get_field("body").max_length,
        help_text="Plain text, up to 3,000 characters.",
        error_messages={
            "required": "Write your comment.",
            "max_length": "Please shorten your comment to %(limit_value)d characters (it has %(show_value)d).",
        },
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    notify_on_reply = forms.BooleanField(
        label="Notify me when the clinic replies",
        help_text="We also email you when your comment is published.",
        required=False,
    )
    is_question = forms.BooleanField(label="This is a question for the clinic", required=False)
    parent = forms.IntegerField(
        required=False,
        min_value=1,
        max_value=2**63 - 1,
        widget=forms.HiddenInput,
        error_messages={"invalid": "The comment you are replying to could not be found."},
    )
    shown_at = forms.CharField(required=False, widget=forms.HiddenInput)
    website = forms.CharField(
        label="Leave this field empty",
        required=False,
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("shown_at", sign_form_time())
        self.helper = FormHelper(self)
        self.helper.form_id = "comment-form-fields"
        self.helper.template = "treatments/_comment_form_crispy.html"
        self.set_reply(None)

    def set_reply(self, reply_to):
        """Lay the form out as a new comment, or as a reply to `reply_to`."""
        self.reply_to = reply_to
        self.helper.layout = Layout(
            "parent",
            "shown_at",
            Div(Field("website"), css_class="visually-hidden", aria_hidden="true"),
            "author_name",
            "email",
            "body",
            "notify_on_reply",
            "is_question",
            Submit("post", "Post reply" if reply_to else "Post comment"),
        )

    @property
    def caught_in_honeypot(self):
        return bool(self.data.get(self.add_prefix("website")))

    def clean(self):
        cleaned = super().clean()
        try:
            waited = seconds_since_shown(cleaned.get("shown_at"))
        except signing.SignatureExpired:
            self.add_error(None, "This page was open for a long time, so we could not accept the form. Send it again.")
        except signing.BadSignature:
            self.add_error(None, "We could not check this form. Please send it again.")
        else:
            if waited < settings.COMMENT_MIN_SECONDS_TO_POST:
                self.add_error(
                    None, "That was sent faster than a person can type. Please wait a few seconds and send it again."
                )
        return cleaned

    def renew_shown_at(self):
        """After an error the form is shown again: give it a fresh, valid time."""
        self.data = self.data.copy()
        self.data[self.add_prefix("shown_at")] = sign_form_time()
        self.data[self.add_prefix("website")] = ""


LINKED_PATHS_HELP = "Paths on this site, such as /treatments/compare/, become links."


class CommentAnswerForm(PlainTextFormMixin, forms.Form):
    """Staff answer a comment (admin): a clinician as themselves, published at once;
    anyone else drafts it for a clinician, who approves it before it is public.
    `own_clinician` is the signed-in user's Clinician, or None."""

    clinician = forms.ModelChoiceField(
        label="Answer as",
        queryset=Clinician.objects.all(),
        help_text="The answer shows this clinician's name and credentials with a “Clinic answer” badge.",
    )

    def __init__(self, *args, own_clinician=None, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["clinician"]
        if own_clinician is not None:
            field.initial = own_clinician.pk
            field.help_text = (
                "Answered as yourself, it is published at once. Pick a colleague to draft it for them: "
                "they approve it before it is public."
            )
            when_public = "Published at once when you answer as yourself; for a colleague, once they approve it."
        else:
            field.label = "Draft for"
            field.help_text = (
                "Your account is not linked to a clinician, so this is a draft: the clinician you pick approves it "
                "before it is public, and the page then says they approved it."
            )
            when_public = "Kept as a draft until the clinician approves it."
        self.fields["body"].help_text = f"Plain text. {when_public} {LINKED_PATHS_HELP}"

    body = CommentTextField(
        label="Answer",
        max_length=Comment._meta.get_field("body").max_length,
        help_text=f"Plain text. {LINKED_PATHS_HELP}",
        widget=forms.Textarea(attrs={"rows": 10, "cols": 80}),
    )
