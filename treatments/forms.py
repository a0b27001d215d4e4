import unicodedata

from django import forms

from treatments.models import Invasiveness, PublicationStatus

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


class SearchForm(forms.Form):
    MAX_LENGTH = 200

    q = SearchQueryField(
        label="Search conditions and treatments",
        required=False,
        max_length=MAX_LENGTH,
        error_messages={"max_length": "Please shorten your search to %(limit_value)d characters or fewer."},
    )


class HelpfulVoteForm(forms.Form):
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
