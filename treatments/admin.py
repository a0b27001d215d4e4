from datetime import timedelta

import reversion
from django.contrib import admin, messages
from django.contrib.admin.options import InlineModelAdmin
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Case, Count, Exists, F, OuterRef, Q, Value, When
from django.db.models.functions import Coalesce
from django.forms.models import BaseInlineFormSet
from django.shortcuts import redirect
from django.template.defaultfilters import pluralize
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.text import Truncator
from reversion.admin import VersionAdmin
from reversion.models import Version

from clinic.admin_lists import missing_object_redirect
from clinic.admin_personal_data import PersonalDataLookupsMixin
from clinic.forms import PlainTextModelForm
from treatments import services
from treatments.forms import CommentAnswerForm
from treatments.markdown import cited_numbers
from treatments.models import (
    FAQ,
    Comment,
    CommentStatus,
    Condition,
    ConditionTreatment,
    ConsultationFee,
    HelpfulVote,
    KeyTakeaway,
    OldSlug,
    Page,
    PageReview,
    Reference,
    SearchSynonym,
    Treatment,
)
from treatments.review import METADATA_FIELDS, apply_content, content_changes, page_content, revision_content

# --- Patient comments: moderation, clinic answers, FAQ promotion, erasure ---------------


class UnansweredQuestionFilter(admin.SimpleListFilter):
    title = "answer"
    parameter_name = "answer"

    def lookups(self, request, model_admin):
        return [("unanswered", "Questions without an answer")]

    def queryset(self, request, queryset):
        if self.value() == "unanswered":
            return queryset.filter(pk__in=Comment.objects.unanswered_questions().values("pk"))
        return queryset


class ClinicAnswerFilter(admin.SimpleListFilter):
    title = "written by"
    parameter_name = "by"

    def lookups(self, request, model_admin):
        return [("patient", "Patients"), ("clinic", "The clinic"), ("draft", "Draft answers waiting for a clinician")]

    def queryset(self, request, queryset):
        if self.value() == "patient":
            return queryset.filter(clinician__isnull=True)
        if self.value() == "clinic":
            return queryset.filter(clinician__isnull=False)
        if self.value() == "draft":
            return queryset.filter(
                clinician__isnull=False, drafted_by__isnull=False, clinician_approved_at__isnull=True
            )
        return queryset


@admin.register(Comment)
class CommentAdmin(PersonalDataLookupsMixin, admin.ModelAdmin):
    """The moderation queue: waiting comments first. Every state change goes
    through treatments.services, and is recorded on the comment (who, when)
    and in the admin log. The poster's address hash is never a filter
    (`?client_hash=` is refused): it would tell moderators which comments
    came from one visitor."""

    list_display = ["excerpt", "author", "on_page", "moderation", "question", "created_at", "answer_link"]
    list_display_links = ["excerpt"]
    list_filter = ["status", "is_urgent", UnansweredQuestionFilter, "is_question", ClinicAnswerFilter]
    list_select_related = [*Page.specific_paths("page"), "clinician"]
    search_fields = ["author_name", "email", "body"]
    date_hierarchy = "created_at"
    list_per_page = 50
    actions = ["approve", "reject", "mark_as_spam", "promote_to_faq", "erase_personal_data"]

    class Media:
        css = {"all": ["css/treatments-admin.css"]}

    fields = [
        "on_page",
        "in_reply_to",
        "author_name",
        "body",
        "is_question",
        "status",
        "held_reason",
        "is_urgent",
        "clinician",
        "drafted_by",
        "clinician_approved_at",
        "email",
        "notify_on_reply",
        "created_at",
        "moderated_at",
        "moderated_by",
        "erased_at",
        "promoted_to",
        "answer_link",
    ]
    # Moderators may correct a name or the text (say, to remove personal details); the rest is the record.
    readonly_fields = [name for name in fields if name not in {"author_name", "body"}]

    def get_queryset(self, request):
        answered = Comment.objects.approved().filter(parent=OuterRef("pk"), clinician__isnull=False)
        return super().get_queryset(request).annotate(has_answer=Exists(answered))

    def get_ordering(self, request):
        waiting_first = Case(When(status=CommentStatus.PENDING, then=Value(0)), default=Value(1))
        return [waiting_first.asc(), "-is_urgent", "-created_at"]

    def has_add_permission(self, request):
        # Comments come from patients; clinic answers come from the "Answer" page.
        return False

    def has_promote_permission(self, request):
        return request.user.has_perm("treatments.add_faq")

    # --- columns ---

    @admin.display(description="comment")
    def excerpt(self, obj):
        return Truncator(" ".join(obj.body.split())).chars(80)

    @admin.display(description="by", ordering="author_name")
    def author(self, obj):
        if obj.clinician_id:
            return format_html("{} <strong>(clinic answer)</strong>", obj.clinician.name)
        return obj.author_name

    @admin.display(description="page")
    def on_page(self, obj):
        page = obj.page.specific
        return format_html('<a href="{}">{}</a>', page.get_absolute_url(), page.title)

    @admin.display(description="in reply to")
    def in_reply_to(self, obj):
        if not obj.parent_id:
            return "—"
        url = reverse("admin:treatments_comment_change", args=[obj.parent_id])
        return format_html('<a href="{}">{}</a>', url, Truncator(obj.parent.body).chars(80))

    @admin.display(description="status", ordering="status")
    def moderation(self, obj):
        if obj.is_urgent and obj.status == CommentStatus.PENDING:
            return format_html(
                '<strong class="urgent-comment">Urgent</strong> {}<br><small>{}</small>',
                obj.get_status_display(),
                obj.held_reason,
            )
        if obj.is_draft_answer:
            return format_html(
                '<strong class="draft-answer">Draft answer: waiting for {} to approve it</strong>', obj.clinician.name
            )
        if obj.held_reason and obj.status != CommentStatus.APPROVED:
            return format_html("{}<br><small>{}</small>", obj.get_status_display(), obj.held_reason)
        return obj.get_status_display()

    @admin.display(description="question", ordering="is_question")
    def question(self, obj):
        if not obj.is_question:
            return ""
        return "answered" if getattr(obj, "has_answer", False) else "waiting for an answer"

    @admin.display(description="answer")
    def answer_link(self, obj):
        if obj.pk is None or obj.clinician_id or obj.status in {CommentStatus.REJECTED, CommentStatus.SPAM}:
            return ""
        url = reverse("admin:treatments_comment_answer", args=[obj.pk])
        return format_html('<a href="{}">Answer as a clinician</a>', url)

    # --- actions ---

    def _apply(self, request, queryset, service, done, log_message):
        succeeded, failed = 0, []
        # Top-level comments first, so a thread and its replies can be approved together.
        for comment in queryset.order_by(F("parent").asc(nulls_first=True), "created_at"):
            try:
                service(comment=comment, by=request.user)
            except services.CommentStateError as error:
                failed.append(f"“{Truncator(comment.body).chars(40)}”: {error}")
            else:
                succeeded += 1
                self.log_change(request, comment, log_message)
        if succeeded:
            self.message_user(request, f"{succeeded} comment{'s' if succeeded != 1 else ''} {done}.", messages.SUCCESS)
        for failure in failed:
            self.message_user(request, failure, messages.WARNING)

    @admin.action(description="Approve (publish) selected comments", permissions=["change"])
    def approve(self, request, queryset):
        self._apply(request, queryset, services.approve_comment, "approved", "Approved.")

    @admin.action(description="Reject selected comments", permissions=["change"])
    def reject(self, request, queryset):
        self._apply(request, queryset, services.reject_comment, "rejected", "Rejected.")

    @admin.action(description="Mark selected comments as spam", permissions=["change"])
    def mark_as_spam(self, request, queryset):
        self._apply(request, queryset, services.mark_spam, "marked as spam", "Marked as spam.")

    @admin.action(description="Add question and clinic answer to the page's FAQ", permissions=["promote"])
    def promote_to_faq(self, request, queryset):
        for comment in queryset.select_related(*Page.specific_paths("page")):
            try:
                faq = services.promote_to_faq(comment=comment)
            except services.CommentStateError as error:
                self.message_user(request, f"“{Truncator(comment.body).chars(40)}”: {error}", messages.WARNING)
                continue
            self.log_change(request, comment, "Added to the page's FAQ.")
            page = comment.page.specific
            try:
                page_admin_url = reverse(f"admin:treatments_{page._meta.model_name}_change", args=[page.pk])
            except NoReverseMatch:
                page_admin_url = page.get_absolute_url()
            self.message_user(
                request,
                format_html(
                    'Added “{}” to the FAQ of <a href="{}">{}</a>. Edit it there like any other FAQ.',
                    Truncator(faq.question).chars(60),
                    page_admin_url,
                    page.title,
                ),
                messages.SUCCESS,
            )

    @admin.action(description="Erase the commenter's personal data (on request)", permissions=["change"])
    def erase_personal_data(self, request, queryset):
        erased, failed = 0, []
        for comment in queryset:
            comment.refresh_from_db()  # an earlier one in this loop may have erased it already
            try:
                erased += services.erase_commenter(comment=comment)
            except services.CommentStateError as error:
                if not comment.is_erased:
                    failed.append(f"“{Truncator(comment.body).chars(40)}”: {error}")
            else:
                self.log_change(request, comment, "Erased the commenter's personal data.")
        if erased:
            self.message_user(
                request,
                f"Erased the personal data on {erased} comment{'s' if erased != 1 else ''} "
                "(every comment sent from the same email address). The comments stay, signed “Former patient”.",
                messages.SUCCESS,
            )
        for failure in failed:
            self.message_user(request, failure, messages.WARNING)

    # --- answering ---

    def get_urls(self):
        return [
            path(
                "<path:object_id>/answer/",
                self.admin_site.admin_view(self.answer_view),
                name="treatments_comment_answer",
            ),
            *super().get_urls(),
        ]

    def answer_view(self, request, object_id):
        """GET: the comment and a form (clinician, answer). POST: publish the answer at once."""
        comment = self.get_object(request, unquote(object_id))
        if comment is None:
            return missing_object_redirect(self, request, object_id)
        if not (self.has_change_permission(request, comment) and request.user.has_perm("treatments.add_comment")):
            raise PermissionDenied
        own_clinician = services.clinician_of(request.user)
        form = CommentAnswerForm(request.POST or None, own_clinician=own_clinician)
        if request.method == "POST" and form.is_valid():
            try:
                answer = services.answer_comment(
                    comment=comment,
                    clinician=form.cleaned_data["clinician"],
                    body=form.cleaned_data["body"],
                    by=request.user,
                )
            except (services.CommentStateError, ValidationError) as error:
                form.add_error(None, error.messages if isinstance(error, ValidationError) else str(error))
            else:
                self.log_addition(request, answer, [{"added": {}}])
                if answer.is_draft_answer:
                    self.log_change(request, comment, f"Drafted an answer for {answer.clinician} to approve.")
                    self.message_user(
                        request,
                        f"Saved your draft answer for {answer.clinician.name}. It is public once they approve it "
                        "(in the comments list: select it, then “Approve (publish) selected comments”).",
                        messages.SUCCESS,
                    )
                    return redirect("admin:treatments_comment_changelist")
                self.log_change(request, comment, f"Answered as {answer.clinician}.")
                self.message_user(
                    request,
                    format_html(
                        'Published the answer by {}. <a href="{}">See it on the page</a>.',
                        answer.clinician,
                        answer.get_absolute_url(),
                    ),
                    messages.SUCCESS,
                )
                return redirect("admin:treatments_comment_changelist")
        thread = comment.parent or comment
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": "Answer a comment as a clinician",
            "comment": comment,
            "thread": thread,
            "replies": thread.replies.approved().select_related("clinician"),
            "form": form,
            "drafting": own_clinician is None,
            "media": self.media + form.media,
        }
        return TemplateResponse(request, "admin/treatments/comment/answer.html", context)


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


class AwaitingReviewFilter(admin.SimpleListFilter):
    title = "changes"
    parameter_name = "changes"

    def lookups(self, request, model_admin):
        return [("awaiting_review", "Changes awaiting medical review")]

    def queryset(self, request, queryset):
        if self.value() == "awaiting_review":
            return queryset.filter(awaiting_review=True)
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


class PagePartInline(InlineModelAdmin):
    """Parts of a page (FAQs, takeaways, references) edited in its condition's or
    treatment's form. They belong to its Page, which PageAdmin hands the formset
    (unsaved on a new page: saving the condition or treatment saves it first)."""

    def __init__(self, parent_model, admin_site):
        super().__init__(Page, admin_site)


class ReferenceInlineFormSet(BaseInlineFormSet):
    """The page's text may cite only references that exist: [ref:4] needs a fourth reference."""

    def clean(self):
        super().clean()
        kept = [form for form in self.forms if form.cleaned_data and not form.cleaned_data.get("DELETE", False)]
        page = self.instance.specific
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


class FAQInline(PagePartInline, admin.StackedInline):
    model = FAQ
    form = PlainTextModelForm
    fields = ["order", "question", "answer"]
    extra = 0

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if db_field.name == "answer":
            field.help_text = MARKDOWN_HELP
            field.widget.attrs["rows"] = 4
        return field


class KeyTakeawayInline(PagePartInline, admin.TabularInline):
    model = KeyTakeaway
    form = PlainTextModelForm
    fields = ["order", "text"]
    extra = 0


class ReferenceInline(PagePartInline, admin.TabularInline):
    model = Reference
    form = PlainTextModelForm
    formset = ReferenceInlineFormSet
    fields = ["order", "citation", "doi", "pmid", "url"]
    extra = 0
    verbose_name_plural = "references (numbered in this order: the first is [ref:1])"

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "url":
            kwargs["assume_scheme"] = "https"
        return super().formfield_for_dbfield(db_field, request, **kwargs)


class ConditionTreatmentInline(admin.TabularInline):
    model = ConditionTreatment
    fk_name = "condition"
    form = PlainTextModelForm
    fields = ["order", "treatment", "note", "suitability", "suitability_reference"]
    autocomplete_fields = ["treatment"]
    extra = 0
    verbose_name = "treatment option"
    verbose_name_plural = "treatment options (in the order the page lists them)"

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "suitability_reference":
            # Only this condition's own references can back a judgement about it.
            object_id = request.resolver_match.kwargs.get("object_id") if request.resolver_match else None
            references = Reference.objects.filter(page__condition=unquote(object_id)) if object_id else None
            kwargs["queryset"] = references if references is not None else Reference.objects.none()
            field = super().formfield_for_foreignkey(db_field, request, **kwargs)
            # The column is narrow: each choice starts with the number the page's text cites it by.
            numbers = {pk: n for n, pk in enumerate(field.queryset.values_list("pk", flat=True), start=1)}
            field.label_from_instance = lambda reference: f"[ref:{numbers.get(reference.pk, '?')}] {reference}"
            return field
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class TreatmentConditionInline(admin.TabularInline):
    model = ConditionTreatment
    fk_name = "treatment"
    form = PlainTextModelForm
    fields = ["condition", "order", "note"]
    autocomplete_fields = ["condition"]
    extra = 0
    verbose_name = "condition it treats"
    verbose_name_plural = "conditions it treats"


# A page's versions keep its parts and treatment links with it (the parts belong to
# its Page, which versions leave alone: see GuidePage.faqs).
for _part in (FAQ, KeyTakeaway, Reference, ConditionTreatment):
    reversion.register(_part)
reversion.register(Condition, follow=["treatment_links", "faqs", "takeaways", "references"])
reversion.register(Treatment, follow=["condition_links", "faqs", "takeaways", "references"])


class PageAdmin(VersionAdmin):
    """Shared by conditions and treatments: review dates, reader feedback, Markdown help.

    Versions (django-reversion): every save keeps the page with its FAQs,
    takeaways, references and links ("History": who, when, what changed, restore).
    Medical review: a change to the content of a published page is not saved to
    the page; it waits as a PageReview until a clinician approves it (see
    `_held_for_review`), so the public page keeps its approved content.
    """

    change_form_template = "admin/treatments/page_change_form.html"
    revision_form_template = "admin/treatments/page_revision_form.html"
    form = PlainTextModelForm

    list_display = ["title", "status", "changes", "reviewer", "review_due", "reader_feedback"]
    list_filter = ["status", AwaitingReviewFilter, ReviewDueFilter, ReaderFeedbackFilter, "author", "medical_reviewer"]
    list_select_related = ["author", "medical_reviewer"]
    search_fields = ["title", "slug", "summary", "body"]
    prepopulated_fields = {"slug": ["title"]}
    readonly_fields = ["feedback_summary", "created_at", "updated_at", "old_addresses"]
    save_on_top = True
    actions = ["unpublish"]

    class Media:
        css = {"all": ["css/treatments-admin.css"]}

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                yes_votes=Count("page__votes", filter=Q(page__votes__helpful=True)),
                no_votes=Count("page__votes", filter=Q(page__votes__helpful=False)),
                awaiting_review=Exists(PageReview.objects.pending().filter(page=OuterRef("page"))),
            )
        )

    @admin.display(description="changes", boolean=False, ordering="awaiting_review")
    def changes(self, page):
        if page.awaiting_review:
            return format_html('<strong class="review-soon">{}</strong>', "Awaiting medical review")
        return ""

    def get_formset_kwargs(self, request, obj, inline, prefix):
        kwargs = super().get_formset_kwargs(request, obj, inline, prefix)
        if isinstance(inline, PagePartInline):
            if obj.page_id is None and not self.model._meta.get_field("page").is_cached(obj):
                obj.page = Page(kind=self.model._meta.model_name)
            kwargs["instance"] = obj.page
        return kwargs

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        services.record_slug_change(page=obj, old_slug=form.initial.get("slug") if change else None)

    # --- medical review ---

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        before = getattr(request, "_approved_content", None)
        if before is not None:
            after = page_content(form.instance)
            if after != before:
                request._content_for_review = after
                request._metadata = {
                    name: getattr(form.instance, name) for name in METADATA_FIELDS if hasattr(form.instance, name)
                }

    def response_change(self, request, obj):
        if getattr(request, "_content_for_review", None) is None:
            return super().response_change(request, obj)
        self.message_user(
            request,
            "Your changes to the page's content are waiting for medical review. The public page shows the last "
            "approved version until a clinician approves them. (Changes to the address, meta description, status, "
            "“offered here” and prices need no review and are saved.)",
            messages.WARNING,
        )
        return redirect(request.path if "/history/" not in request.path else self._change_url(obj))

    def _change_url(self, page):
        opts = self.model._meta
        return reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[page.pk])

    def _held_for_review(self, request, object_id, view):
        """Run `view` (the change or restore view) for page `object_id`. On a
        published page, a saved change to its content is rolled back and kept as
        a PageReview instead; a pending review is what the form starts from."""
        page = self.get_object(request, unquote(object_id)) if object_id else None
        if page is None or not page.is_published:
            return view()
        pending = PageReview.objects.filter(page=page.page_id).pending().first()
        before = page_content(page)
        with transaction.atomic():
            if pending is not None:
                try:
                    apply_content(page, pending.content)
                except ValidationError:
                    pending = None
                    transaction.set_rollback(True)
            if request.method == "POST":
                request._approved_content = before
            response = view()
            held = getattr(request, "_content_for_review", None)
            if request.method != "POST" or held is not None or response.status_code != 302:
                if hasattr(response, "render"):
                    response.render()  # with the pending edit applied, before it is rolled back
                transaction.set_rollback(True)
        if held is not None:
            services.send_for_review(
                page=page, content=held, base_content=before, by=request.user, metadata=request._metadata
            )
        return response

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = {**(extra_context or {}), **self._review_context(request, object_id)}
        return self._held_for_review(
            request, object_id, lambda: super(PageAdmin, self).change_view(request, object_id, form_url, extra_context)
        )

    def revision_view(self, request, object_id, version_id, extra_context=None):
        page = self.get_object(request, unquote(object_id))
        version = Version.objects.filter(pk=version_id).select_related("revision").first()
        if page is not None and version is not None:
            content = revision_content(page, version.revision)
            earlier = (
                Version.objects.get_for_object(page)
                .filter(revision__date_created__lt=version.revision.date_created)
                .select_related("revision")
                .first()
            )
            extra_context = {
                **(extra_context or {}),
                "version": version,
                "version_changes": content_changes(page, page_content(page), content),
                "changed_in_version": content_changes(page, revision_content(page, earlier.revision), content)
                if earlier
                else None,
            }
        return self._held_for_review(
            request,
            object_id,
            lambda: super(PageAdmin, self).revision_view(request, object_id, version_id, extra_context),
        )

    def _review_context(self, request, object_id):
        page = self.get_object(request, unquote(object_id)) if object_id else None
        if page is None:
            return {}
        pending = PageReview.objects.filter(page=page.page_id).pending().select_related("requested_by").first()
        if pending is None:
            return {}
        return {
            "pending_review": pending,
            "pending_changes": content_changes(page, page_content(page), pending.content),
            "can_sign_off": services.can_sign_off(request.user, page),
        }

    def get_urls(self):
        opts = self.model._meta
        return [
            path(
                "<path:object_id>/review/<int:review_id>/<str:decision>/",
                self.admin_site.admin_view(self.review_decision_view),
                name=f"{opts.app_label}_{opts.model_name}_review",
            ),
            *super().get_urls(),
        ]

    def review_decision_view(self, request, object_id, review_id, decision):
        """POST: approve or withdraw a pending edit; then back to the page's admin."""
        page = self.get_object(request, unquote(object_id))
        if page is None:
            return missing_object_redirect(self, request, object_id)
        if not self.has_change_permission(request, page):
            raise PermissionDenied
        review = PageReview.objects.filter(page=page.page_id, pk=review_id).first()
        if request.method != "POST" or review is None or decision not in {"approve", "withdraw"}:
            self.message_user(request, "That review could not be found for this page.", messages.ERROR)
            return redirect(self._change_url(page))
        try:
            if decision == "approve":
                services.approve_review(review=review, by=request.user)
            else:
                services.withdraw_review(review=review, by=request.user)
        except services.PageStateError as error:
            self.message_user(request, str(error), messages.ERROR)
        except ValidationError as error:
            self.message_user(request, " ".join(error.messages), messages.ERROR)
        else:
            if decision == "approve":
                self.log_change(request, page, "Approved the changes in medical review.")
                self.message_user(request, "Approved: the page now shows the changes, reviewed today by you.")
            else:
                self.log_change(request, page, "Withdrew the changes waiting for medical review.")
                self.message_user(request, "Withdrawn: the page keeps its approved content.", messages.WARNING)
        return redirect(self._change_url(page))

    @admin.display(description="old addresses (redirect here)")
    def old_addresses(self, page):
        slugs = list(OldSlug.objects.filter(page=page.page_id).values_list("slug", flat=True)) if page.pk else []
        return ", ".join(slugs) or "–"

    def has_delete_permission(self, request, obj=None):
        # Editors and clinicians unpublish; deleting a page (and its history) is for superusers.
        return request.user.is_active and request.user.is_superuser

    @admin.action(description="Unpublish selected pages (back to draft; nothing is deleted)", permissions=["change"])
    def unpublish(self, request, queryset):
        done = 0
        for page in queryset:
            try:
                services.unpublish_page(page=page)
            except services.PageStateError as error:
                self.message_user(request, f"“{page.title}”: {error}", messages.WARNING)
            else:
                done += 1
                self.log_change(request, page, "Unpublished (back to draft).")
        if done:
            self.message_user(
                request, f"Unpublished {done} page{pluralize(done)}: they are drafts now.", messages.SUCCESS
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
        votes = HelpfulVote.objects.filter(page=page.page_id)
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
        (None, {"fields": ["title", "slug", "old_addresses", "status", "summary", "meta_description"]}),
        ("Page text", {"fields": ["body"]}),
        ("Written and reviewed by", {"fields": ["author", "medical_reviewer", "reviewed_on", "next_review_due"]}),
        ("Reader feedback", {"fields": ["feedback_summary", "created_at", "updated_at"], "classes": ["collapse"]}),
    ]


class TreatmentAdminForm(PlainTextModelForm):
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
        (
            None,
            {
                "fields": [
                    "title",
                    "slug",
                    "old_addresses",
                    "other_names",
                    "status",
                    "offered_here",
                    "summary",
                    "meta_description",
                ]
            },
        ),
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
                    ("results_weeks_min", "results_weeks_max", "results_note"),
                    ("discomfort", "discomfort_note"),
                    "invasiveness",
                    "suitable_skin_types",
                ],
            },
        ),
        (
            "Prices",
            {
                "description": (
                    "For treatments offered here; patients see them with the date they were checked. A course's "
                    "price is estimated from these and the sessions above."
                ),
                "fields": [("price_from", "price_to"), "prices_checked_on"],
            },
        ),
        ("Aftercare and side effects", {"fields": ["aftercare", "side_effects"]}),
        ("Written and reviewed by", {"fields": ["author", "medical_reviewer", "reviewed_on", "next_review_due"]}),
        ("Reader feedback", {"fields": ["feedback_summary", "created_at", "updated_at"], "classes": ["collapse"]}),
    ]


@admin.register(ConsultationFee)
class ConsultationFeeAdmin(admin.ModelAdmin):
    """The one consultation fee shown to patients: added once, then changed; only superusers delete it."""

    form = PlainTextModelForm
    list_display = ["__str__", "checked_on"]
    fields = ["amount", "covers", "checked_on"]

    def has_add_permission(self, request):
        return super().has_add_permission(request) and not ConsultationFee.objects.exists()


@admin.register(SearchSynonym)
class SearchSynonymAdmin(admin.ModelAdmin):
    """Groups of words patients use for the same thing; site search finds any of them for each."""

    form = PlainTextModelForm
    list_display = ["terms"]
    search_fields = ["terms"]


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
class HelpfulVoteAdmin(PersonalDataLookupsMixin, admin.ModelAdmin):
    """Readers' answers to "Was this page helpful?". Read-only: they are what readers said."""

    list_display = ["created_at", "page_title", "answer", "missing"]
    list_filter = ["helpful", MissingNoteFilter, "created_at"]
    list_select_related = Page.specific_paths("page")
    search_fields = ["missing", "page__condition__title", "page__treatment__title"]
    date_hierarchy = "created_at"
    fields = ["page", "helpful", "missing", "created_at"]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description="page", ordering=Coalesce("page__condition__title", "page__treatment__title"))
    def page_title(self, vote):
        return vote.page.specific.title

    @admin.display(description="helpful?", boolean=True, ordering="helpful")
    def answer(self, vote):
        return vote.helpful
