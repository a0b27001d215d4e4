from django.conf import settings
from django.contrib.contenttypes.fields import GenericRelation
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.core.validators import MinValueValidator, ProhibitNullCharactersValidator, RegexValidator
from django.db import models, transaction
from django.db.models import Q
from django.db.models.functions import Cast, Coalesce
from django.urls import reverse

from clinic.personal_data import KEPT, PersonalData
from staff.models import Clinician
from treatments.markdown import render_markdown, section_headings

# A DOI: "10.", a registrant code, "/", and a suffix without spaces (what doi.org resolves).
DOI_RE = r"^10\.\d{4,9}/\S+$"
PUBMED_SEARCH = "https://pubmed.ncbi.nlm.nih.gov/?term="


class PublicationStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    PUBLISHED = "published", "Published"


class PageQuerySet(models.QuerySet):
    def published(self):
        return self.filter(status=PublicationStatus.PUBLISHED)


class MarkdownRenderMixin:
    """Models list their Markdown fields in `markdown_fields`; each is rendered
    into `<field>_html` on save, so pages never render Markdown per request."""

    markdown_fields = ()

    def render_markdown_fields(self):
        for name in self.markdown_fields:
            setattr(self, f"{name}_html", render_markdown(getattr(self, name)))

    def derived_fields(self, name):
        """The fields `render_markdown_fields` computes from Markdown field `name`."""
        return [f"{name}_html"]

    def save(self, *args, **kwargs):
        self.render_markdown_fields()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            touched = [
                field for name in self.markdown_fields if name in update_fields for field in self.derived_fields(name)
            ]
            kwargs["update_fields"] = {*update_fields, *touched}
        super().save(*args, **kwargs)


PUBLISH_NEEDS_REVIEW = "A page can be published only with an author, a medical reviewer and a review date."


class PageKind(models.TextChoices):
    CONDITION = "condition", "Condition"
    TREATMENT = "treatment", "Treatment"


class Page(models.Model):
    """One condition or treatment page, as what belongs to a page sees it.

    FAQs, key takeaways, references, helpful votes, comments, old addresses and
    medical reviews point at a Page with one foreign key. The page's text lives
    on its Condition or Treatment (`specific`), which creates its Page when
    first saved and takes it along when deleted (see GuidePage).
    """

    kind = models.CharField(max_length=10, choices=PageKind, editable=False)

    def __str__(self):
        return str(self.specific)

    def get_absolute_url(self):
        return self.specific.get_absolute_url()

    @property
    def specific(self):
        """The Condition or Treatment this page is: a query, unless selected along
        (`select_related(*Page.specific_paths(...))`)."""
        return getattr(self, self.kind)

    @staticmethod
    def specific_paths(via):
        """select_related() paths from a model's foreign key `via` to the page's
        condition and treatment, e.g. `specific_paths("page")`; the reverse
        one-to-one accessors are named after the kinds."""
        return [f"{via}__{kind}" for kind in PageKind.values]


class GuidePage(MarkdownRenderMixin, models.Model):
    """What condition and treatment pages share: text, byline and review cycle.

    `page` is the page's Page, which everything that belongs to the page points at.
    """

    page = models.OneToOneField(Page, on_delete=models.CASCADE, related_name="%(class)s", editable=False)

    title = models.CharField(max_length=200)
    slug = models.SlugField(max_length=200, unique=True)
    summary = models.TextField(max_length=600, help_text="One or two plain sentences shown in lists and search.")
    meta_description = models.CharField(
        max_length=160, blank=True, help_text="For search engines; the summary is used when this is blank."
    )
    body = models.TextField(blank=True, help_text="Markdown. Use ## for section headings.")
    body_html = models.TextField(blank=True, editable=False)
    body_sections = models.JSONField(
        default=list, blank=True, editable=False, help_text='The body\'s ## headings, for the "On this page" list.'
    )
    status = models.CharField(max_length=10, choices=PublicationStatus, default=PublicationStatus.DRAFT)
    author = models.ForeignKey(Clinician, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    medical_reviewer = models.ForeignKey(Clinician, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    reviewed_on = models.DateField(null=True, blank=True)
    next_review_due = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    markdown_fields = ("body",)
    objects = PageQuerySet.as_manager()

    class Meta:
        abstract = True
        ordering = ["title"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status=PublicationStatus.DRAFT)
                | Q(author__isnull=False, medical_reviewer__isnull=False, reviewed_on__isnull=False),
                name="%(class)s_published_with_author_reviewer_and_review_date",
                violation_error_message=PUBLISH_NEEDS_REVIEW,
            ),
        ]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        """Saving a new condition or treatment creates its Page first (or saves the
        unsaved one assigned to it, as admin's inline forms do), in one transaction."""
        if self.page_id is not None:
            return super().save(*args, **kwargs)
        with transaction.atomic(using=kwargs.get("using")):
            page = self.page if self._meta.get_field("page").is_cached(self) else Page(kind=self._meta.model_name)
            page.save()
            self.page = page
            super().save(*args, **kwargs)

    def render_markdown_fields(self):
        super().render_markdown_fields()
        self.body_sections = section_headings(self.body_html)

    def derived_fields(self, name):
        return [*super().derived_fields(name), "body_sections"] if name == "body" else super().derived_fields(name)

    def clean(self):
        """Publishing needs an author, a medical reviewer and a review date (the
        database holds the same rule, so commands and the shell obey it too)."""
        super().clean()
        errors = {}
        if self.status == PublicationStatus.PUBLISHED:
            given = [
                ("author", self.author_id, "an author"),
                ("medical_reviewer", self.medical_reviewer_id, "a medical reviewer"),
                ("reviewed_on", self.reviewed_on, "the date of its medical review"),
            ]
            for name, value, what in given:
                if value is None:
                    errors[name] = f"A published page needs {what}: add it, or save the page as a draft."
        if self.reviewed_on and self.next_review_due and self.next_review_due <= self.reviewed_on:
            errors["next_review_due"] = "The next review must fall after the last one."
        if errors:
            raise ValidationError(errors)

    @property
    def is_published(self):
        return self.status == PublicationStatus.PUBLISHED

    # The page's parts, as plain querysets: django-reversion keeps them in the page's
    # versions through these (treatments.admin), leaving the Page row itself alone.
    @property
    def faqs(self):
        return FAQ.objects.filter(page=self.page_id)

    @property
    def takeaways(self):
        return KeyTakeaway.objects.filter(page=self.page_id)

    @property
    def references(self):
        return Reference.objects.filter(page=self.page_id)


def delete_page_with_it(sender, instance, **kwargs):
    """A deleted condition or treatment takes its Page along, and so everything on it
    (connected to post_delete in treatments.apps, so bulk deletes do it too)."""
    Page.objects.filter(pk=instance.page_id).delete()


class Condition(GuidePage):
    treatments = models.ManyToManyField("Treatment", through="ConditionTreatment", related_name="conditions")

    class Meta(GuidePage.Meta):
        permissions = [("sign_off_condition", "Can approve clinical changes as medical reviewer")]

    def get_absolute_url(self):
        return reverse("treatments:condition_detail", kwargs={"slug": self.slug})


class TreatmentQuerySet(PageQuerySet):
    def bookable(self):
        """Published treatments the clinic offers, which patients can ask to book."""
        return self.published().filter(offered_here=True)

    def with_downtime_at_most(self, days):
        """Treatments whose usual downtime is at most `days`; those without a downtime figure are left out."""
        return self.alias(longest_downtime=Coalesce("downtime_days_max", "downtime_days_min")).filter(
            longest_downtime__lte=days
        )


class Invasiveness(models.TextChoices):
    NON_INVASIVE = "non_invasive", "Non-invasive"
    MINIMALLY_INVASIVE = "minimally_invasive", "Minimally invasive"
    SURGICAL = "surgical", "Minor surgery"


class Numbing(models.TextChoices):
    NONE = "none", "None needed"
    CREAM = "cream", "Numbing cream"
    CREAM_OR_LOCAL = "cream_or_local", "Numbing cream or local anaesthetic"
    LOCAL = "local", "Local anaesthetic injection"


class Discomfort(models.TextChoices):
    """How much a session usually hurts, with the usual numbing, as a clinician judges it."""

    MILD = "mild", "Mild"
    MODERATE = "moderate", "Moderate"
    MARKED = "marked", "Marked"


# Least first: used to mark the treatment that hurts least in a comparison.
DISCOMFORT_ORDER = [Discomfort.MILD, Discomfort.MODERATE, Discomfort.MARKED]


class Suitability(models.TextChoices):
    """How well a treatment works for one condition, as a clinician judges it from the evidence."""

    WELL_SUITED = "well_suited", "Well suited"
    SOMETIMES_USED = "sometimes_used", "Sometimes used"
    LIMITED_EFFECT = "limited_effect", "Limited effect"


class Treatment(GuidePage):
    other_names = models.CharField(
        max_length=200, blank=True, help_text='Comma-separated, for example "skin needling, collagen induction".'
    )
    offered_here = models.BooleanField(
        "offered at this clinic", default=False, help_text="Patients can request a consultation for it."
    )
    sessions_min = models.PositiveSmallIntegerField(null=True, blank=True)
    sessions_max = models.PositiveSmallIntegerField(null=True, blank=True)
    weeks_between_sessions = models.PositiveSmallIntegerField(null=True, blank=True)
    session_minutes_min = models.PositiveSmallIntegerField("session length from (minutes)", null=True, blank=True)
    session_minutes_max = models.PositiveSmallIntegerField("session length to (minutes)", null=True, blank=True)
    numbing = models.CharField(max_length=20, choices=Numbing, default=Numbing.NONE)
    numbing_minutes_min = models.PositiveSmallIntegerField("numbing cream sits from (minutes)", null=True, blank=True)
    numbing_minutes_max = models.PositiveSmallIntegerField("numbing cream sits to (minutes)", null=True, blank=True)
    downtime_days_min = models.PositiveSmallIntegerField(null=True, blank=True)
    downtime_days_max = models.PositiveSmallIntegerField(null=True, blank=True)
    results_weeks_min = models.PositiveSmallIntegerField(
        "results usually show from (weeks after the first session)", null=True, blank=True
    )
    results_weeks_max = models.PositiveSmallIntegerField(
        "results usually show by (weeks after the first session)", null=True, blank=True
    )
    results_note = models.CharField("when results show", max_length=200, blank=True)
    discomfort = models.CharField(
        max_length=10,
        choices=Discomfort,
        blank=True,
        help_text="How much a session usually hurts with the usual numbing, as our clinicians judge it.",
    )
    discomfort_note = models.CharField(
        max_length=200, blank=True, help_text='In plain words, for example "pressure and prickling, like sandpaper".'
    )
    invasiveness = models.CharField(max_length=20, choices=Invasiveness, default=Invasiveness.NON_INVASIVE)
    suitable_skin_types = models.CharField(max_length=200, blank=True)
    aftercare = models.TextField(blank=True, help_text="Markdown.")
    aftercare_html = models.TextField(blank=True, editable=False)
    side_effects = models.TextField(blank=True, help_text="Markdown.")
    side_effects_html = models.TextField(blank=True, editable=False)
    price_from = models.DecimalField(
        "price per session from (£)",
        max_digits=8,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
        help_text="For treatments offered here. A course's price is estimated from this and the sessions.",
    )
    price_to = models.DecimalField(
        "price per session to (£)",
        max_digits=8,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
        help_text="Blank when every session costs the same.",
    )
    prices_checked_on = models.DateField(
        null=True, blank=True, help_text="When someone last checked these prices; shown beside them."
    )

    markdown_fields = ("body", "aftercare", "side_effects")
    objects = TreatmentQuerySet.as_manager()

    class Meta(GuidePage.Meta):
        permissions = [("sign_off_treatment", "Can approve clinical changes as medical reviewer")]
        constraints = [
            *GuidePage.Meta.constraints,
            models.CheckConstraint(
                condition=Q(sessions_min__isnull=True)
                | Q(sessions_max__isnull=True)
                | Q(sessions_min__lte=models.F("sessions_max")),
                name="treatment_sessions_range",
            ),
            models.CheckConstraint(
                condition=Q(downtime_days_min__isnull=True)
                | Q(downtime_days_max__isnull=True)
                | Q(downtime_days_min__lte=models.F("downtime_days_max")),
                name="treatment_downtime_range",
            ),
        ]

    def get_absolute_url(self):
        return reverse("treatments:treatment_detail", kwargs={"slug": self.slug})

    def clean(self):
        super().clean()
        errors = {}
        for low, high in [
            ("sessions_min", "sessions_max"),
            ("session_minutes_min", "session_minutes_max"),
            ("numbing_minutes_min", "numbing_minutes_max"),
            ("downtime_days_min", "downtime_days_max"),
            ("results_weeks_min", "results_weeks_max"),
            ("price_from", "price_to"),
        ]:
            a, b = getattr(self, low), getattr(self, high)
            if a is not None and b is not None and a > b:
                errors[high] = "Must not be smaller than the lower figure."
        errors.update(self.price_errors())
        if errors:
            raise ValidationError(errors)

    def price_errors(self):
        """What is missing from the prices, by field: a price needs the date it was checked."""
        errors = {}
        if self.price_to is not None and self.price_from is None:
            errors["price_from"] = "Enter the lowest price per session as well."
        if self.price_from is not None and self.prices_checked_on is None:
            errors["prices_checked_on"] = "Enter the date these prices were checked: patients see it."
        return errors

    @property
    def other_names_list(self):
        return [name.strip() for name in self.other_names.split(",") if name.strip()]

    @property
    def course_weeks_min(self):
        """Weeks from the first to the last session of the shortest usual course:
        (sessions − 1) × weeks between sessions; 0 for one session, None when unknown."""
        if self.sessions_min is None:
            return None
        if self.sessions_min == 1:
            return 0
        if self.weeks_between_sessions is None:
            return None
        return (self.sessions_min - 1) * self.weeks_between_sessions

    @property
    def course_weeks_max(self):
        """Weeks from the first to the last session of the longest usual course (see `course_weeks_min`)."""
        sessions = self.sessions_max if self.sessions_max is not None else self.sessions_min
        if sessions is None:
            return None
        if sessions == 1:
            return 0
        if self.weeks_between_sessions is None:
            return None
        return (sessions - 1) * self.weeks_between_sessions


class ConsultationFee(models.Model):
    """What a first consultation costs and what it covers: one row, edited in admin."""

    amount = models.DecimalField("fee (£)", max_digits=8, decimal_places=2, validators=[MinValueValidator(0)])
    covers = models.TextField(
        "what it covers",
        help_text="One or two plain sentences: what the clinician checks, and whether the fee comes off a course.",
    )
    checked_on = models.DateField("checked on", help_text="When someone last checked the fee; shown beside it.")

    class Meta:
        verbose_name = "consultation fee"
        verbose_name_plural = "consultation fee"

    def __str__(self):
        return f"Consultation fee £{self.amount}"


class ConditionTreatment(models.Model):
    """A treatment listed on a condition page, in the editor's order, with a note."""

    condition = models.ForeignKey(Condition, on_delete=models.CASCADE, related_name="treatment_links")
    treatment = models.ForeignKey(Treatment, on_delete=models.CASCADE, related_name="condition_links")
    order = models.PositiveSmallIntegerField(default=0)
    note = models.CharField(max_length=200, blank=True, help_text='For example "mostly used for boxcar scars".')
    suitability = models.CharField(
        "how well it works for this condition",
        max_length=20,
        choices=Suitability,
        blank=True,
        help_text="A clinician's judgement from the evidence; comparisons for this condition rank only "
        "treatments that are well suited or sometimes used.",
    )
    suitability_reference = models.ForeignKey(
        "Reference",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="evidence",
        help_text="The condition's reference that supports this judgement.",
    )

    class Meta:
        ordering = ["order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["condition", "treatment"], name="unique_condition_treatment"),
        ]

    def __str__(self):
        return f"{self.condition} → {self.treatment}"

    def clean(self):
        super().clean()
        reference = self.suitability_reference
        if reference is not None and (self.condition_id is None or reference.page_id != self.condition.page_id):
            raise ValidationError({"suitability_reference": "Choose one of this condition's own references."})
        if reference is not None and not self.suitability:
            raise ValidationError({"suitability": "Say how well it works before citing the evidence."})


class PagePart(models.Model):
    """Something that belongs to one condition or treatment page, in the editor's order."""

    page = models.ForeignKey(Page, on_delete=models.CASCADE, related_name="+")
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        abstract = True
        ordering = ["order", "id"]


class FAQ(MarkdownRenderMixin, PagePart):
    page = models.ForeignKey(Page, on_delete=models.CASCADE, related_name="faqs")
    question = models.CharField(max_length=300)
    answer = models.TextField(help_text="Markdown.")
    answer_html = models.TextField(blank=True, editable=False)

    markdown_fields = ("answer",)

    class Meta(PagePart.Meta):
        verbose_name = "FAQ"
        verbose_name_plural = "FAQs"

    def __str__(self):
        return self.question


class KeyTakeaway(PagePart):
    page = models.ForeignKey(Page, on_delete=models.CASCADE, related_name="takeaways")
    text = models.CharField(max_length=300)

    def __str__(self):
        return self.text


class Reference(PagePart):
    """A numbered source; bodies cite it as [ref:N] where N is its number."""

    page = models.ForeignKey(Page, on_delete=models.CASCADE, related_name="references")
    citation = models.CharField(max_length=500, help_text="Authors, title, journal, year.")
    doi = models.CharField(
        "DOI",
        max_length=200,
        blank=True,
        validators=[RegexValidator(DOI_RE, "Enter a DOI such as 10.1155/2010/893080 (without https://doi.org/).")],
        help_text="The work's DOI, such as 10.1155/2010/893080. The reference links to it first.",
    )
    pmid = models.CharField(
        "PubMed ID",
        max_length=10,
        blank=True,
        validators=[RegexValidator(r"^[1-9][0-9]{0,9}$", "Enter the PubMed ID: digits only, such as 11423843.")],
        help_text="Used when there is no DOI.",
    )
    url = models.URLField(blank=True, help_text="Used when there is neither a DOI nor a PubMed ID.")

    def __str__(self):
        return self.citation

    @property
    def source(self):
        """(address, link text) of the work itself: its DOI, else its PubMed record,
        else the address typed; None when there is none of them."""
        if self.doi:
            return f"https://doi.org/{self.doi}", f"doi:{self.doi}"
        if self.pmid:
            return f"https://pubmed.ncbi.nlm.nih.gov/{self.pmid}/", f"PubMed {self.pmid}"
        if self.url:
            return self.url, "Search PubMed" if self.url.startswith(PUBMED_SEARCH) else "Read the source"
        return None


def load_page_parts(page):
    """The FAQs, key takeaways and references of one page, in one query.

    Returns `(faqs, takeaways, references)`, each a list in the editor's order,
    of model instances with the fields a page shows. One UNION ALL instead of
    three queries keeps the page's query count low.
    """
    lookup = {"page_id": page.page_id}
    columns = ("kind", "id", "order", "first", "second", "third", "fourth")
    nothing = models.Value("", output_field=models.TextField())

    def rows(model, kind, first, second=nothing, third=nothing, fourth=nothing):
        texts = {"first": first, "second": second, "third": third, "fourth": fourth}
        return (
            model.objects.filter(**lookup)
            .order_by()
            .annotate(
                kind=models.Value(kind, output_field=models.CharField()),
                **{
                    name: Cast(value, models.TextField()) if isinstance(value, str) else value
                    for name, value in texts.items()
                },
            )
            .values_list(*columns)
        )

    faqs = rows(FAQ, "faq", "question", "answer_html")
    takeaways = rows(KeyTakeaway, "takeaway", "text")
    references = rows(Reference, "reference", "citation", "url", "doi", "pmid")
    parts = {"faq": [], "takeaway": [], "reference": []}
    union = faqs.union(takeaways, references, all=True).order_by("kind", "order", "id")
    for kind, pk, order, first, second, third, fourth in union:
        if kind == "faq":
            parts[kind].append(FAQ(pk=pk, order=order, question=first, answer_html=second, **lookup))
        elif kind == "takeaway":
            parts[kind].append(KeyTakeaway(pk=pk, order=order, text=first, **lookup))
        else:
            parts[kind].append(
                Reference(pk=pk, order=order, citation=first, url=second, doi=third, pmid=fourth, **lookup)
            )
    return parts["faq"], parts["takeaway"], parts["reference"]


class OldSlugQuerySet(models.QuerySet):
    def of_kind(self, model):
        """Old slugs of conditions (`model` Condition) or of treatments (Treatment)."""
        return self.filter(page__kind=model._meta.model_name)

    def current_page(self, model, slug):
        """The page of type `model` that had `slug` before its current one, or None."""
        old = self.of_kind(model).filter(slug=slug).select_related(f"page__{model._meta.model_name}").first()
        return old.page.specific if old else None


class OldSlug(models.Model):
    """An address a page had before its slug changed: it answers with a permanent
    (301) redirect to the page's current address. Recorded by
    treatments.services.record_slug_change; never more than one hop. That service
    also keeps an old slug to one page of each kind (a condition and a treatment
    may share one: their addresses differ)."""

    page = models.ForeignKey(Page, on_delete=models.CASCADE, related_name="old_slugs")
    slug = models.SlugField(max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = OldSlugQuerySet.as_manager()

    class Meta:
        verbose_name = "old address"

    def __str__(self):
        return f"{self.slug} → {self.page}"


class ReviewStatus(models.TextChoices):
    PENDING = "pending", "Awaiting medical review"
    APPROVED = "approved", "Approved"
    SUPERSEDED = "superseded", "Replaced by a newer edit"
    WITHDRAWN = "withdrawn", "Withdrawn"


class PageReviewQuerySet(models.QuerySet):
    def pending(self):
        return self.filter(status=ReviewStatus.PENDING)


class PageReview(models.Model):
    """An edit to the content of a published page, waiting for (or given) a
    clinician's approval. The page itself keeps its last approved content, so
    the public site shows that until the edit is approved.

    `content` is the page as edited (treatments.review.page_content: the page's
    content fields and its FAQs, takeaways, references and treatment links);
    `base_digest` identifies the approved content it was edited from, so an
    approval never lands on a page that has changed since.
    """

    page = models.ForeignKey(Page, on_delete=models.CASCADE, related_name="reviews")
    content = models.JSONField(encoder=DjangoJSONEncoder)
    base_digest = models.CharField(max_length=64)
    status = models.CharField(max_length=12, choices=ReviewStatus, default=ReviewStatus.PENDING)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    requested_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(
        Clinician, on_delete=models.PROTECT, null=True, blank=True, related_name="+", help_text="The clinician."
    )

    objects = PageReviewQuerySet.as_manager()

    class Meta:
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["page"], condition=Q(status="pending"), name="one_pending_review_per_page"
            ),
        ]

    def __str__(self):
        return f"{self.get_status_display()}: {self.page}"


class HelpfulVote(models.Model):
    """One visitor's answer to "Was this page helpful?"."""

    page = models.ForeignKey(Page, on_delete=models.CASCADE, related_name="votes")
    helpful = models.BooleanField()
    missing = models.CharField(
        "what was missing", max_length=500, blank=True, help_text="Optional note from a visitor who said no."
    )
    visitor_key = models.CharField(max_length=64, help_text="A one-way hash identifying the visitor's browser.")
    created_at = models.DateTimeField(auto_now_add=True)

    # An anonymous visitor's view of a page: nothing links it to a patient, so there is nothing to export or erase.
    personal_data = PersonalData(
        internal={"id": KEPT, "visitor_key": KEPT},
        not_personal=["page", "helpful", "missing", "created_at"],
    )

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["page", "visitor_key"], name="one_vote_per_visitor_per_page"),
        ]

    def __str__(self):
        return f"{'Yes' if self.helpful else 'No'} on {self.page}"


class CommentStatus(models.TextChoices):
    PENDING = "pending", "Awaiting moderation"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"
    SPAM = "spam", "Spam"


class CommentQuerySet(models.QuerySet):
    def approved(self):
        return self.filter(status=CommentStatus.APPROVED)

    def top_level(self):
        return self.filter(parent__isnull=True)

    def in_moderation(self):
        return self.filter(status=CommentStatus.PENDING)

    def unanswered_questions(self):
        """Approved top-level questions without an approved clinic answer."""
        answered = Comment.objects.approved().filter(parent=models.OuterRef("pk"), clinician__isnull=False)
        return self.approved().filter(is_question=True, parent__isnull=True).exclude(models.Exists(answered))

    def public_answers_by(self, clinician):
        """A clinician's approved answers to approved comments on published pages, newest first,
        each annotated with `threads_before` (see `Comment.url_after_threads`), so that
        linking to them costs no query per answer."""
        published = PublicationStatus.PUBLISHED
        earlier_threads = (
            Comment.objects.approved()
            .top_level()
            .filter(page=models.OuterRef("page"))
            .filter(
                Q(created_at__lt=models.OuterRef("parent__created_at"))
                | Q(created_at=models.OuterRef("parent__created_at"), pk__lt=models.OuterRef("parent_id"))
            )
            .order_by()
            .annotate(count=models.Func(models.F("pk"), function="COUNT"))
            .values("count")
        )
        return (
            self.approved()
            .filter(clinician=clinician, parent__status=CommentStatus.APPROVED)
            .filter(Q(page__condition__status=published) | Q(page__treatment__status=published))
            .select_related("parent", *Page.specific_paths("page"))
            .only(
                "body",
                "created_at",
                "page__kind",
                "page__condition__title",
                "page__condition__slug",
                "page__treatment__title",
                "page__treatment__slug",
                "parent__body",
                "parent__author_name",
                "parent__created_at",
            )
            .annotate(threads_before=models.Subquery(earlier_threads, output_field=models.IntegerField()))
            .order_by("-created_at", "-pk")
        )


class Comment(models.Model):
    """A patient's comment or question under a page, or a reply to one (one level)."""

    page = models.ForeignKey(Page, on_delete=models.CASCADE, related_name="comments")
    parent = models.ForeignKey(
        "self",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="replies",
        help_text="The comment answered.",
    )
    author_name = models.CharField("display name", max_length=80, validators=[ProhibitNullCharactersValidator()])
    email = models.EmailField(blank=True, help_text="Never shown in public.")
    body = models.TextField(max_length=3000, validators=[ProhibitNullCharactersValidator()])
    notify_on_reply = models.BooleanField("notify me when the clinic replies", default=False)
    is_question = models.BooleanField("a question for the clinic", default=False)
    status = models.CharField(max_length=10, choices=CommentStatus, default=CommentStatus.PENDING)
    held_reason = models.CharField(max_length=200, blank=True, help_text="Why the spam checks held it, if they did.")
    is_urgent = models.BooleanField(
        "urgent", default=False, help_text="Mentions a symptom that needs care now (fever, pus, spreading redness…)."
    )
    clinician = models.ForeignKey(
        Clinician,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="answers",
        help_text="Set on clinic answers: shown with the clinician's name and credentials.",
    )
    drafted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="Who drafted a clinic answer for the clinician; it is public only once the clinician approves it.",
    )
    clinician_approved_at = models.DateTimeField(
        null=True, blank=True, help_text="When the clinician approved a clinic answer drafted for them."
    )
    client_hash = models.CharField(
        max_length=64, blank=True, help_text="One-way hash of the poster's network address (erasable)."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    moderated_at = models.DateTimeField(null=True, blank=True)
    moderated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    erased_at = models.DateTimeField(null=True, blank=True, help_text="When the commenter's personal data was erased.")
    promoted_to = models.ForeignKey(
        FAQ,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="source_comments",
        help_text="The FAQ this question and its answer were promoted to.",
    )

    # The emails about the comment, in the outbox (notifications.Email).
    emails = GenericRelation("notifications.Email", related_query_name="comment")

    objects = CommentQuerySet.as_manager()

    ERASED_NAME = "Former patient"
    PER_PAGE = 50  # top-level comments per page; replies always sit with their parent

    # What erasing a commenter's data (treatments.services.erase_commenter) does to each field.
    personal_data = PersonalData(
        personal={
            "author_name": ERASED_NAME,
            "email": "",
            "body": KEPT,  # the thread stays readable; moderators take personal details out by hand
            "notify_on_reply": False,
        },
        internal={"client_hash": ""},
        not_personal=[
            "id",
            "page",
            "parent",
            "is_question",
            "status",
            "held_reason",
            "is_urgent",
            "clinician",
            "drafted_by",
            "clinician_approved_at",
            "created_at",
            "moderated_at",
            "moderated_by",
            "erased_at",
            "promoted_to",
        ],
    )

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["page", "status", "created_at"]),
            models.Index(fields=["status", "created_at"]),
        ]

    def __str__(self):
        return f"{self.author_name} on {self.page}: {self.body[:40]}"

    def get_absolute_url(self):
        """The page's URL, on the comments page that shows this thread, anchored at this comment."""
        thread = self.parent or self
        earlier = (
            Comment.objects.approved()
            .filter(page=self.page_id)
            .top_level()
            .filter(Q(created_at__lt=thread.created_at) | Q(created_at=thread.created_at, pk__lt=thread.pk))
            .count()
        )
        return self.url_after_threads(earlier)

    @property
    def kind(self):
        """What a person calls it: "reply" (under another comment), "question" or "comment"."""
        if self.parent_id:
            return "reply"
        return "question" if self.is_question else "comment"

    def url_after_threads(self, threads_before):
        """This comment's URL when `threads_before` approved threads come before its own on the page."""
        number = threads_before // self.PER_PAGE + 1
        query = f"?comments_page={number}" if number > 1 else ""
        return f"{self.page.get_absolute_url()}{query}#comment-{self.pk}"

    @property
    def public_url(self):
        """The URL of an answer from `public_answers_by` (no query)."""
        return self.url_after_threads(self.threads_before or 0)

    @property
    def is_clinic_answer(self):
        return self.clinician_id is not None

    @property
    def is_erased(self):
        return self.erased_at is not None

    @property
    def is_draft_answer(self):
        """A clinic answer someone drafted for a clinician, not yet approved by them."""
        return self.clinician_id is not None and self.drafted_by_id is not None and self.clinician_approved_at is None


class CommentEmailKind(models.TextChoices):
    COMMENT_RECEIVED = "comment_received", "New comment (to clinic)"
    COMMENT_APPROVED = "comment_approved", "Comment published (to patient)"
    COMMENT_ANSWERED = "comment_answered", "Clinic answer (to patient)"


class SearchSynonym(models.Model):
    """Words and phrases patients use for the same thing; a search for one also
    finds the others ("needling" finds "microneedling", "accutane" finds "isotretinoin")."""

    terms = models.CharField(
        max_length=300,
        unique=True,
        help_text='Comma-separated words or short phrases that mean the same, for example "accutane, isotretinoin".',
    )

    class Meta:
        ordering = ["terms"]
        verbose_name = "search synonym group"

    def __str__(self):
        return self.terms

    @property
    def term_list(self):
        """The terms, lowercased and stripped, without blanks or repeats, in the editor's order."""
        return list(dict.fromkeys(t.strip().lower() for t in self.terms.split(",") if t.strip()))

    def clean(self):
        super().clean()
        if len(self.term_list) < 2:
            raise ValidationError({"terms": "Give at least two words or phrases, separated by commas."})
