from datetime import timedelta

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import Count, F, Q
from django.forms.models import BaseInlineFormSet
from django.template.defaultfilters import pluralize
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from treatments.markdown import cited_numbers
from treatments.models import (
    FAQ,
    Clinician,
    Condition,
    ConditionTreatment,
    HelpfulVote,
    KeyTakeaway,
    Reference,
    Treatment,
)

# --- Content pages: conditions, treatments, clinicians, reader feedback ----------------

MARKDOWN_HELP = (
    "Markdown: ## Section heading, ### Sub-heading, **bold**, *italic*, “- ” for a bullet, “1. ” for a numbered "
    "item, [link text](https://…). Cite the page's reference N (its position in the References list) as [ref:N], "
    "for example [ref:2] or [ref:1,3]. HTML is not allowed: it is shown as typed."
)
# A page stands out in the lists when at least this many readers said "no", and no more said "yes".
NO_VOTES_ATTENTION = 5
RESERVED_TREATMENT_SLUGS = {"compare"}


class ReviewDueFilter(admin.SimpleListFilter):
    title = "medical review"
    parameter_name = "review"

    def lookups(self, request, model_admin):
        return [
            ("overdue", "Review overdue"),
            ("due_30", "Review due within 30 days"),
            ("unscheduled", "No review date set"),
        ]

    def queryset(self, request, queryset):
        today = timezone.localdate()
        if self.value() == "overdue":
            return queryset.filter(next_review_due__lt=today)
        if self.value() == "due_30":
            return queryset.filter(next_review_due__gte=today, next_review_due__lte=today + timedelta(days=30))
        if self.value() == "unscheduled":
            return queryset.filter(next_review_due__isnull=True)
        return queryset


class ReaderFeedbackFilter(admin.SimpleListFilter):
    title = "reader feedback"
    parameter_name = "feedback"

    def lookups(self, request, model_admin):
        return [("many_no", "Many “not helpful” answers")]

    def queryset(self, request, queryset):
        if self.value() == "many_no":
            return queryset.filter(no_votes__gte=NO_VOTES_ATTENTION).filter(no_votes__gte=F("yes_votes"))
        return queryset


class ReferenceInlineFormSet(BaseInlineFormSet):
    """The page's text may cite only references that exist: [ref:4] needs a fourth reference."""

    def clean(self):
        super().clean()
        kept = [form for form in self.forms if form.cleaned_data and not form.cleaned_data.get("DELETE", False)]
        page = self.instance
        cited = set()
        for name in page.markdown_fields:
            cited.update(cited_numbers(getattr(page, name, "")))
        missing = sorted(number for number in cited if number > len(kept))
        if missing:
            listed = ", ".join(f"[ref:{number}]" for number in missing)
            raise ValidationError(
                f"The text cites {listed}, but this page has {len(kept)} reference{pluralize(len(kept))}. "
                "Add the missing references or correct the citations."
            )


class FAQInline(admin.StackedInline):
    model = FAQ
    fields = ["order", "question", "answer"]
    extra = 0

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if db_field.name == "answer":
            field.help_text = MARKDOWN_HELP
            field.widget.attrs["rows"] = 4
        return field


class KeyTakeawayInline(admin.TabularInline):
    model = KeyTakeaway
    fields = ["order", "text"]
    extra = 0


class ReferenceInline(admin.TabularInline):
    model = Reference
    formset = ReferenceInlineFormSet
    fields = ["order", "citation", "url"]
    extra = 0
    verbose_name_plural = "references (numbered in this order: the first is [ref:1])"

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "url":
            kwargs["assume_scheme"] = "https"
        return super().formfield_for_dbfield(db_field, request, **kwargs)


class ConditionTreatmentInline(admin.TabularInline):
    model = ConditionTreatment
    fk_name = "condition"
    fields = ["order", "treatment", "note"]
    autocomplete_fields = ["treatment"]
    extra = 0
    verbose_name = "treatment option"
    verbose_name_plural = "treatment options (in the order the page lists them)"


class TreatmentConditionInline(admin.TabularInline):
    model = ConditionTreatment
    fk_name = "treatment"
    fields = ["condition", "order", "note"]
    autocomplete_fields = ["condition"]
    extra = 0
    verbose_name = "condition it treats"
    verbose_name_plural = "conditions it treats"


class PageAdmin(admin.ModelAdmin):
    """Shared by conditions and treatments: review dates, reader feedback, Markdown help."""

    list_display = ["title", "status", "reviewer", "review_due", "reader_feedback"]
    list_filter = ["status", ReviewDueFilter, ReaderFeedbackFilter, "author", "medical_reviewer"]
    list_select_related = ["author", "medical_reviewer"]
    search_fields = ["title", "slug", "summary", "body"]
    prepopulated_fields = {"slug": ["title"]}
    readonly_fields = ["feedback_summary", "created_at", "updated_at"]
    save_on_top = True

    class Media:
        css = {"all": ["css/treatments-admin.css"]}

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                yes_votes=Count("votes", filter=Q(votes__helpful=True)),
                no_votes=Count("votes", filter=Q(votes__helpful=False)),
            )
        )

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if db_field.name in self.model.markdown_fields:
            field.help_text = MARKDOWN_HELP
            field.widget.attrs["rows"] = 20 if db_field.name == "body" else 6
        return field

    @admin.display(description="medical reviewer", ordering="medical_reviewer__name")
    def reviewer(self, page):
        return page.medical_reviewer.name if page.medical_reviewer else "–"

    @admin.display(description="next review", ordering="next_review_due")
    def review_due(self, page):
        if page.next_review_due is None:
            return "–"
        today, due = timezone.localdate(), page.next_review_due
        if due < today:
            return format_html('<strong class="review-overdue">Overdue since {}</strong>', f"{due:%d %b %Y}")
        if due <= today + timedelta(days=30):
            return format_html('<strong class="review-soon">Due {}</strong>', f"{due:%d %b %Y}")
        return f"{due:%d %b %Y}"

    @admin.display(description="helpful?", ordering="no_votes")
    def reader_feedback(self, page):
        if not page.yes_votes and not page.no_votes:
            return "No votes yet"
        text = f"{page.yes_votes} yes · {page.no_votes} no"
        if page.no_votes >= NO_VOTES_ATTENTION and page.no_votes >= page.yes_votes:
            return format_html('<strong class="feedback-alert">Needs attention: {}</strong>', text)
        return text

    @admin.display(description="what readers said")
    def feedback_summary(self, page):
        if page.pk is None:
            return "Votes appear here once the page is published and read."
        votes = page.votes.all()
        notes = list(votes.exclude(missing="").values_list("created_at", "missing")[:20])
        totals = format_html(
            "{} said the page helped, {} said it did not.",
            sum(1 for v in votes if v.helpful),
            sum(1 for v in votes if not v.helpful),
        )
        if not notes:
            return totals
        items = format_html_join("", "<li>{}: {}</li>", ((f"{when:%d %b %Y}", note) for when, note in notes))
        return format_html("{}<br>What was missing (latest first):<ul>{}</ul>", totals, items)


@admin.register(Condition)
class ConditionAdmin(PageAdmin):
    inlines = [ConditionTreatmentInline, KeyTakeawayInline, FAQInline, ReferenceInline]
    fieldsets = [
        (None, {"fields": ["title", "slug", "status", "summary", "meta_description"]}),
        ("Page text", {"fields": ["body"]}),
        ("Written and reviewed by", {"fields": ["author", "medical_reviewer", "reviewed_on", "next_review_due"]}),
        ("Reader feedback", {"fields": ["feedback_summary", "created_at", "updated_at"], "classes": ["collapse"]}),
    ]


class TreatmentAdminForm(forms.ModelForm):
    class Meta:
        model = Treatment
        fields = ["slug"]  # the admin's fieldsets add the rest

    def clean_slug(self):
        slug = self.cleaned_data["slug"]
        if slug in RESERVED_TREATMENT_SLUGS:
            raise ValidationError(f"“{slug}” is taken by another page of the site (/treatments/{slug}/).")
        return slug


@admin.register(Treatment)
class TreatmentAdmin(PageAdmin):
    form = TreatmentAdminForm
    inlines = [TreatmentConditionInline, KeyTakeawayInline, FAQInline, ReferenceInline]
    list_display = [*PageAdmin.list_display[:2], "offered_here", "invasiveness", *PageAdmin.list_display[2:]]
    list_filter = ["status", "offered_here", "invasiveness", *PageAdmin.list_filter[1:]]
    search_fields = [*PageAdmin.search_fields, "other_names"]
    fieldsets = [
        (None, {"fields": ["title", "slug", "other_names", "status", "offered_here", "summary", "meta_description"]}),
        ("Page text", {"fields": ["body"]}),
        (
            "Key facts",
            {
                "description": "Typical figures; patients compare treatments on them. Leave blank what is unknown.",
                "fields": [
                    ("sessions_min", "sessions_max", "weeks_between_sessions"),
                    ("session_minutes_min", "session_minutes_max"),
                    ("numbing", "numbing_minutes_min", "numbing_minutes_max"),
                    ("downtime_days_min", "downtime_days_max"),
                    ("results_weeks", "results_note"),
                    "invasiveness",
                    "suitable_skin_types",
                ],
            },
        ),
        ("Aftercare and side effects", {"fields": ["aftercare", "side_effects"]}),
        ("Written and reviewed by", {"fields": ["author", "medical_reviewer", "reviewed_on", "next_review_due"]}),
        ("Reader feedback", {"fields": ["feedback_summary", "created_at", "updated_at"], "classes": ["collapse"]}),
    ]


@admin.register(Clinician)
class ClinicianAdmin(admin.ModelAdmin):
    list_display = ["name", "credentials", "role", "is_sample"]
    list_filter = ["is_sample"]
    search_fields = ["name", "credentials", "role"]


class MissingNoteFilter(admin.SimpleListFilter):
    title = "note"
    parameter_name = "note"

    def lookups(self, request, model_admin):
        return [("yes", "Says what was missing")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.exclude(missing="")
        return queryset


@admin.register(HelpfulVote)
class HelpfulVoteAdmin(admin.ModelAdmin):
    """Readers' answers to "Was this page helpful?". Read-only: they are what readers said."""

    list_display = ["created_at", "page_title", "answer", "missing"]
    list_filter = ["helpful", MissingNoteFilter, "created_at"]
    list_select_related = ["condition", "treatment"]
    search_fields = ["missing", "condition__title", "treatment__title"]
    date_hierarchy = "created_at"
    fields = ["condition", "treatment", "helpful", "missing", "created_at"]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description="page", ordering="condition__title")
    def page_title(self, vote):
        return (vote.condition or vote.treatment).title

    @admin.display(description="helpful?", boolean=True, ordering="helpful")
    def answer(self, vote):
        return vote.helpful
