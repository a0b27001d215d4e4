import logging
import secrets
from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Prefetch, Q
from django.http import Http404, HttpResponsePermanentRedirect
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.crypto import salted_hmac
from django.utils.decorators import method_decorator
from django.utils.html import format_html
from django.utils.http import urlencode
from django.views.generic import DetailView, FormView, ListView, TemplateView

from clinic.pagecache import page_cache
from clinic.phone import tel_link
from clinic.ratelimit import client_key, ratelimit
from staff.models import Clinician
from treatments.comments import comments_context
from treatments.facts import compare
from treatments.form_signing import sign_form_time
from treatments.forms import CommentForm, ComparisonForm, HelpfulVoteForm, SearchForm, TreatmentFilterForm
from treatments.models import (
    Comment,
    CommentStatus,
    Condition,
    ConditionTreatment,
    OldSlug,
    PublicationStatus,
    Treatment,
    load_page_parts,
)
from treatments.prices import cost_row, treatment_prices
from treatments.search import search
from treatments.services import post_comment, record_helpful_vote
from treatments.structured_data import (
    absolute_url,
    clinician_structured_data,
    condition_structured_data,
    treatment_structured_data,
)
from treatments.timeline import timeline

logger = logging.getLogger(__name__)

CONSULTATION_REQUEST_URL = "/consultations/request/"

# Long Markdown sources and their HTML, which lists and cards never show.
TREATMENT_TEXT_FIELDS = ["body", "body_html", "body_sections", "aftercare", "side_effects"]


def consultation_url(**params):
    """The consultation request form, telling it which page the patient came from."""
    return f"{CONSULTATION_REQUEST_URL}?{urlencode(params)}" if params else CONSULTATION_REQUEST_URL


@method_decorator(page_cache, name="get")
class HomeView(TemplateView):
    template_name = "treatments/home.html"

    def get_context_data(self, **kwargs):
        featured = list(
            Treatment.objects.bookable().defer(*TREATMENT_TEXT_FIELDS, "aftercare_html", "side_effects_html")
        )
        return super().get_context_data(
            conditions=Condition.objects.published().only("title", "slug", "summary"),
            featured_treatments=featured,
            compare_featured_url=(
                f"{reverse('treatments:treatment_compare')}?{urlencode([('t', t.slug) for t in featured[:4]])}"
                if 2 <= len(featured)
                else ""
            ),
            clinicians=Clinician.objects.all(),
            **kwargs,
        )


# --- Condition and treatment pages ---------------------------------------------


@method_decorator(page_cache(query=("comments_page",), fresh={"shown_at": sign_form_time}), name="get")
class PageDetailView(DetailView):
    """What condition and treatment pages share: drafts (404 to the public,
    previewable by staff who may view them), byline, FAQs, key takeaways,
    references, "Was this page helpful?", canonical URL and JSON-LD.

    Other sections of these pages add their context in `get_context_data` here,
    so both pages get them.
    """

    helpful_url_name = None

    def can_preview(self):
        user = self.request.user
        opts = self.model._meta
        return user.is_staff and user.has_perm(f"{opts.app_label}.view_{opts.model_name}")

    def get_queryset(self):
        queryset = self.model.objects.select_related("author", "medical_reviewer")
        return queryset if self.can_preview() else queryset.published()

    def get(self, request, *args, **kwargs):
        try:
            self.object = self.get_object()
        except Http404:
            # An address the page had before its slug changed: a permanent redirect to its current one.
            page = OldSlug.objects.current_page(self.model, kwargs["slug"])
            if page is None or not self.get_queryset().filter(pk=page.pk).exists():
                raise
            query = request.META.get("QUERY_STRING", "")
            return HttpResponsePermanentRedirect(page.get_absolute_url() + (f"?{query}" if query else ""))
        return self.render_to_response(self.get_context_data(object=self.object))

    def get_context_data(self, **kwargs):
        page = self.object
        context = super().get_context_data(**kwargs)
        faqs, takeaways, references = load_page_parts(page)
        context.update(
            page=page,
            faqs=faqs,
            takeaways=takeaways,
            references=references,
            is_preview=not page.is_published,
            canonical_url=absolute_url(page.get_absolute_url()),
            helpful_url=reverse(self.helpful_url_name, kwargs={"slug": page.slug}),
            helpful_form=HelpfulVoteForm(),
            review_overdue=bool(page.next_review_due and page.next_review_due < timezone.localdate()),
            edit_url=self.edit_url(page),
        )
        context["contents_after_body"] = self.contents_after_body(context)
        context.update(comments_context(page, self.request, form=kwargs.get("comment_form")))
        return context

    def edit_url(self, page):
        """The admin page for editors who may change this page; None for everyone else."""
        user = self.request.user
        opts = self.model._meta
        if user.is_staff and user.has_perm(f"{opts.app_label}.change_{opts.model_name}"):
            return reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[page.pk])
        return None

    def contents_after_body(self, context):
        """("id", "label") of the sections after the body, for "On this page"."""
        return [
            *([("faq-title", "Frequently asked questions")] if context["faqs"] else []),
            *([("references-title", "References")] if context["references"] else []),
        ]

    def render_to_response(self, context, **response_kwargs):
        response = super().render_to_response(context, **response_kwargs)
        if not self.object.is_published:
            # A staff preview: never cached on the way, never indexed.
            patch_cache_control(response, private=True, no_store=True)
            response["X-Robots-Tag"] = "noindex"
        return response


@method_decorator(page_cache, name="get")
class ConditionListView(ListView):
    template_name = "treatments/condition_list.html"
    context_object_name = "conditions"

    def get_queryset(self):
        return (
            Condition.objects.published()
            .only("title", "slug", "summary")
            .annotate(
                treatment_count=Count(
                    "treatment_links", filter=Q(treatment_links__treatment__status=PublicationStatus.PUBLISHED)
                )
            )
        )


class ConditionDetailView(PageDetailView):
    model = Condition
    template_name = "treatments/condition_detail.html"
    helpful_url_name = "treatments:condition_helpful"

    def get_queryset(self):
        links = (
            ConditionTreatment.objects.filter(treatment__status=PublicationStatus.PUBLISHED)
            .select_related("treatment")
            .defer(*(f"treatment__{name}" for name in TREATMENT_TEXT_FIELDS))
        )
        return super().get_queryset().prefetch_related(Prefetch("treatment_links", queryset=links))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        condition = self.object
        links = list(condition.treatment_links.all())
        treatments = [link.treatment for link in links]
        offered = [t for t in treatments if t.offered_here]
        context.update(
            treatment_links=links,
            offered_treatments=offered,
            compare_offered_url=(
                f"{reverse('treatments:treatment_compare')}?"
                f"{urlencode([*(('t', t.slug) for t in offered[:4]), ('condition', condition.slug)])}"
                if len(offered) >= 2
                else ""
            ),
            consultation_url=consultation_url(condition=condition.slug),
            contents_after_body=[("treatments-title", "Treatment options"), *context["contents_after_body"]],
            structured_data=condition_structured_data(
                condition, treatments=treatments, faqs=context["faqs"], references=context["references"]
            ),
        )
        return context


@method_decorator(page_cache(query=tuple(TreatmentFilterForm.base_fields)), name="get")
class TreatmentListView(ListView):
    template_name = "treatments/treatment_list.html"
    context_object_name = "treatments"

    def get(self, request, *args, **kwargs):
        conditions = Condition.objects.published().only("title", "slug")
        self.form = TreatmentFilterForm(request.GET or None, conditions=conditions)
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        queryset = Treatment.objects.published().defer(*TREATMENT_TEXT_FIELDS, "aftercare_html", "side_effects_html")
        if self.form.is_bound:
            self.form.is_valid()  # errors are shown; the valid filters still apply
        return self.form.filter(queryset)

    def get_context_data(self, **kwargs):
        return super().get_context_data(filter_form=self.form, **kwargs)


class TreatmentDetailView(PageDetailView):
    model = Treatment
    template_name = "treatments/treatment_detail.html"
    helpful_url_name = "treatments:treatment_helpful"

    def get_queryset(self):
        links = (
            ConditionTreatment.objects.filter(condition__status=PublicationStatus.PUBLISHED)
            .select_related("condition")
            .only("id", "note", "order", "treatment_id", "condition__title", "condition__slug", "condition__summary")
        )
        return super().get_queryset().prefetch_related(Prefetch("condition_links", queryset=links))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        treatment = self.object
        conditions = [link.condition for link in treatment.condition_links.all()]
        if treatment.offered_here:
            cta_url = consultation_url(treatment=treatment.slug)
        elif conditions:
            cta_url = consultation_url(condition=conditions[0].slug)
        else:
            cta_url = consultation_url()
        context.update(
            condition_links=list(treatment.condition_links.all()),
            consultation_url=cta_url,
            compare_url=f"{reverse('treatments:treatment_compare')}?{urlencode({'t': treatment.slug})}",
            prices=treatment_prices(treatment),
            contents_before_body=[("facts-title", "Key facts"), ("price-title", "Price")],
            contents_after_body=[
                *([("aftercare-title", "Aftercare")] if treatment.aftercare_html else []),
                *([("side-effects-title", "Side effects and risks")] if treatment.side_effects_html else []),
                *([("conditions-title", "Conditions it treats")] if conditions else []),
                *context["contents_after_body"],
            ],
            structured_data=treatment_structured_data(
                treatment, faqs=context["faqs"], references=context["references"]
            ),
        )
        return context


@method_decorator(page_cache(query=("t",)), name="get")
class TreatmentCompareView(TemplateView):
    """2–4 treatments side by side; anything else shows the picker with a clear message.

    `?condition=<slug>` (a published condition) compares them for that condition:
    how well each works for it shows, and only those suited to it are ranked.
    An unknown condition is ignored, with a note.
    """

    template_name = "treatments/treatment_compare.html"

    def get(self, request, *args, **kwargs):
        context = self.get_context_data(**kwargs)
        form = context["form"]
        if form.is_bound and not form.is_valid():
            # A comparison saved with a treatment's old address: the same comparison at the current one.
            asked = request.GET.getlist("t")
            renamed = {
                old.slug: old.page.treatment.slug
                for old in OldSlug.objects.of_kind(Treatment)
                .filter(slug__in=asked[: ComparisonForm.MAX * 2], page__treatment__status=PublicationStatus.PUBLISHED)
                .select_related("page__treatment")
            }
            if renamed:
                query = urlencode([("t", renamed.get(slug, slug)) for slug in asked])
                return HttpResponsePermanentRedirect(f"{reverse('treatments:treatment_compare')}?{query}")
        return self.render_to_response(context)

    def get_context_data(self, **kwargs):
        treatments = list(
            Treatment.objects.published().defer(*TREATMENT_TEXT_FIELDS, "aftercare_html", "side_effects_html")
        )
        by_slug = {t.slug: t for t in treatments}
        if "t" in self.request.GET:
            form = ComparisonForm(self.request.GET, treatments=treatments)
        else:
            form = ComparisonForm(treatments=treatments)
        condition, unknown_condition = self.condition()
        chosen, comparison = [], None
        if form.is_bound and form.is_valid():
            chosen = [by_slug[slug] for slug in form.cleaned_data["t"]]
            links = {link.treatment_id: link for link in condition.treatment_links.all()} if condition else {}
            comparison = compare(chosen, condition=condition, links=links)
            comparison.rows.append(cost_row(chosen))
            for row in comparison.rows:
                # On a phone the table stacks, and each cell says whose it is (treatment_compare.html).
                for cell, treatment in zip(row.cells, chosen, strict=True):
                    cell.treatment_title = treatment.title
        return super().get_context_data(
            form=form,
            chosen=chosen,
            comparison=comparison,
            timeline=timeline(chosen) if chosen else None,
            rows=comparison.rows if comparison else [],
            highlights=comparison.highlights if comparison else [],
            condition=condition,
            unknown_condition=unknown_condition,
            selected=set(self.request.GET.getlist("t")),
            **kwargs,
        )

    def condition(self):
        """(the published condition named by ?condition=, whether one was named but not found)."""
        slug = self.request.GET.get("condition", "")
        if not slug:
            return None, False
        reference = ("suitability_reference__citation", "suitability_reference__url")
        links = ConditionTreatment.objects.select_related("suitability_reference").only(
            "condition_id", "treatment_id", "suitability", *reference
        )
        condition = (
            Condition.objects.published()
            .filter(slug=slug[:200])
            .only("title", "slug")
            .prefetch_related(Prefetch("treatment_links", queryset=links))
            .first()
        )
        return condition, condition is None


# --- Clinicians -------------------------------------------------------------------


@method_decorator(page_cache, name="get")
class ClinicianListView(ListView):
    """Every clinician, with their credentials, role and registration (1 query)."""

    template_name = "treatments/clinician_list.html"
    context_object_name = "clinicians"
    queryset = Clinician.objects.all()


@method_decorator(page_cache, name="get")
class ClinicianDetailView(DetailView):
    """A clinician's profile: who they are, their registration, the published pages
    they wrote or reviewed, and their public answers to patients (4 queries)."""

    model = Clinician
    template_name = "treatments/clinician_detail.html"
    context_object_name = "clinician"
    ANSWERS_SHOWN = 20

    def get_context_data(self, **kwargs):
        clinician = self.object
        pages = []
        for model in (Condition, Treatment):
            for page in (
                model.objects.published()
                .filter(Q(author=clinician) | Q(medical_reviewer=clinician))
                .only("title", "slug", "summary", "author_id", "medical_reviewer_id")
            ):
                page.wrote = page.author_id == clinician.pk
                page.reviewed = page.medical_reviewer_id == clinician.pk
                pages.append(page)
        return super().get_context_data(
            pages=pages,
            answers=list(Comment.objects.public_answers_by(clinician)[: self.ANSWERS_SHOWN]),
            canonical_url=absolute_url(clinician.get_absolute_url()),
            structured_data=clinician_structured_data(clinician),
            **kwargs,
        )


# --- Search ---------------------------------------------------------------------


@method_decorator(page_cache(query=("q",)), name="get")
class SearchView(TemplateView):
    template_name = "treatments/search.html"

    def get_context_data(self, **kwargs):
        form = SearchForm(self.request.GET or None)
        query, results = "", None
        if form.is_bound and form.is_valid():
            query = form.cleaned_data["q"]
            if query:
                results = search(query)
        typed = form["q"].field.to_python(form.data.get("q", "")) if form.is_bound else ""
        return super().get_context_data(
            form=form,
            query=query,
            shown_query=typed[: SearchForm.MAX_LENGTH],
            results=results,
            result_count=len(results.hits) if results else 0,
            suggestion_url=(
                f"{reverse('treatments:search')}?{urlencode({'q': results.suggestion})}"
                if results and results.suggestion
                else ""
            ),
            **kwargs,
        )


# --- "Was this page helpful?" -----------------------------------------------------

VISITOR_COOKIE = "clinic_visitor"
VISITOR_SALT = "treatments.helpful-vote"
VISITOR_COOKIE_AGE = 365 * 24 * 60 * 60


def visitor_key(visitor_id):
    """A one-way hash of the visitor's random id: what the database stores."""
    return salted_hmac(VISITOR_SALT, visitor_id, algorithm="sha256").hexdigest()


@method_decorator(ratelimit("helpful-vote", limit=30, window_seconds=600), name="post")
class HelpfulVoteView(FormView):
    """POST yes/no for a page. A "no" leads here (GET) to ask, optionally, what was missing.

    Visitors are told apart by a random id in a signed cookie, set when they
    first vote; no session is created.
    """

    form_class = HelpfulVoteForm
    template_name = "treatments/helpful_vote_form.html"
    model = None

    def dispatch(self, request, *args, **kwargs):
        self.page = get_object_or_404(
            self.model.objects.published().only("title", "slug", "status", "page"), slug=kwargs["slug"]
        )
        return super().dispatch(request, *args, **kwargs)

    def get_initial(self):
        return {"helpful": "no"}

    def get_context_data(self, **kwargs):
        return super().get_context_data(page=self.page, **kwargs)

    def form_valid(self, form):
        visitor_id = self.request.get_signed_cookie(VISITOR_COOKIE, default=None, salt=VISITOR_SALT)
        new_visitor = visitor_id is None
        if new_visitor:
            visitor_id = secrets.token_urlsafe(24)
        helpful, missing = form.cleaned_data["helpful"], form.cleaned_data["missing"]
        record_helpful_vote(page=self.page, visitor_key=visitor_key(visitor_id), helpful=helpful, missing=missing)
        if helpful or "missing" in self.request.POST:
            messages.success(self.request, "Thank you for your feedback: it helps us improve this page.")
            response = redirect(self.page.get_absolute_url())
        else:
            response = redirect(self.request.path)
        if new_visitor:
            response.set_signed_cookie(
                VISITOR_COOKIE,
                visitor_id,
                salt=VISITOR_SALT,
                max_age=VISITOR_COOKIE_AGE,
                secure=settings.SESSION_COOKIE_SECURE,
                httponly=True,
                samesite="Lax",
            )
        return response


class ConditionHelpfulVoteView(HelpfulVoteView):
    model = Condition


class TreatmentHelpfulVoteView(HelpfulVoteView):
    model = Treatment


# --- Patient comments ---------------------------------------------------------------


def comment_rate_limit(view):
    """The shared per-client limit on comment posts, read from settings on each request."""

    @wraps(view)
    def limited(request, *args, **kwargs):
        return ratelimit(
            "comments", limit=settings.COMMENT_RATE_LIMIT, window_seconds=settings.COMMENT_RATE_WINDOW_SECONDS
        )(view)(request, *args, **kwargs)

    return limited


def urgent_care_advice():
    """What a patient who describes urgent symptoms in a comment is told at once (safe HTML:
    each number a tel: link)."""
    return format_html(
        "Your comment mentions symptoms that can need urgent care, such as a fever, spreading redness or swelling, "
        "pus, bleeding that does not stop or a sudden change in your vision. Please do not wait for an answer here: "
        "call us on {} while we are open, or your doctor or {} at any time. In an emergency, call {}.",
        tel_link(settings.CLINIC_PHONE),
        tel_link("111", "NHS 111"),
        tel_link("999"),
    )


class CommentPostMixin:
    """POST a comment to `/conditions/<slug>/comments/` or `/treatments/<slug>/comments/`.

    Valid: the service stores it and the patient is sent back to the page's
    comments (post/redirect/get) with a message. Invalid: the page is shown
    again, at HTTP 200, with the form as typed and the errors. A GET of this
    URL goes to the page's comments.
    """

    http_method_names = ["get", "post"]

    def get_queryset(self):
        return super().get_queryset().published()

    def get(self, request, *args, **kwargs):
        return redirect(f"{self.get_object().get_absolute_url()}#comments")

    @method_decorator(comment_rate_limit)
    def post(self, request, *args, **kwargs):
        self.object = page = self.get_object()
        form = CommentForm(request.POST)
        if form.caught_in_honeypot:
            # Bots fill in every field; they are told what a person would be, and nothing is stored.
            logger.info("Comment on %s dropped: the honeypot field was filled in.", request.path)
            return self.posted(page, thread=None, published=False, kind="comment")
        if form.is_valid():
            data = form.cleaned_data
            parent = None
            if data["parent"]:
                parent = Comment.objects.select_related("parent").filter(pk=data["parent"]).first()
                if parent is None:
                    form.add_error(None, "The comment you are replying to could not be found.")
            if not form.errors:
                try:
                    comment = post_comment(
                        page=page,
                        author_name=data["author_name"],
                        email=data["email"],
                        body=data["body"],
                        notify_on_reply=data["notify_on_reply"],
                        is_question=data["is_question"],
                        parent=parent,
                        client_hash=client_key(request),
                    )
                except ValidationError as error:
                    form.add_error(None, error)
                else:
                    if comment.is_urgent:
                        messages.warning(self.request, urgent_care_advice(), extra_tags="comments")
                    return self.posted(
                        page,
                        thread=comment.parent,
                        published=comment.status == CommentStatus.APPROVED,
                        kind=comment.kind,
                    )
        form.renew_shown_at()
        return self.render_to_response(self.get_context_data(comment_form=form))

    def posted(self, page, *, thread, published, kind):
        """Back to the page's comments, thanking for the `kind` posted ("comment", "question" or "reply")."""
        if published:
            text = f"Thank you: your {kind} is now on the page."
        else:
            text = f"Thank you. Your {kind} will appear on this page once a moderator approves it."
        messages.success(self.request, text, extra_tags="comments")
        # Back to the comments page that shows the thread replied to (the first for a new comment).
        url = thread.get_absolute_url().split("#")[0] if thread else page.get_absolute_url()
        return redirect(f"{url}#comments")


class ConditionCommentView(CommentPostMixin, ConditionDetailView):
    pass


class TreatmentCommentView(CommentPostMixin, TreatmentDetailView):
    pass
