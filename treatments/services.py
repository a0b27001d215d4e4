"""Workflow for the treatments app. Views, admin actions and commands call these.

Each function takes keyword-only arguments and runs in one transaction.
"""

import calendar
from datetime import timedelta

import reversion
from django.conf import settings
from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.text import Truncator

from notifications import outbox
from notifications.models import EmailState
from staff.models import Clinician
from treatments.comment_emails import record_email
from treatments.comment_screening import screen, urgent_symptoms
from treatments.models import (
    FAQ,
    Comment,
    CommentStatus,
    HelpfulVote,
    OldSlug,
    PageReview,
    PublicationStatus,
    ReviewStatus,
)
from treatments.review import apply_content, content_digest, page_content

# --- Helpful votes ------------------------------------------------------------


@transaction.atomic
def record_helpful_vote(*, page, visitor_key, helpful, missing=""):
    """Record a visitor's answer to "Was this page helpful?".

    A visitor has one vote per page: answering again changes that vote rather
    than counting twice, and a "what was missing" note sent after a "no" is
    added to it. Returns `(vote, created)`.
    """
    if not page.is_published:
        raise ValueError("Only published pages take votes.")
    lookup = {"page_id": page.page_id, "visitor_key": visitor_key}
    missing = "" if helpful else missing.strip()
    vote = HelpfulVote.objects.select_for_update().filter(**lookup).first()
    if vote is None:
        vote = HelpfulVote(**lookup, helpful=helpful, missing=missing)
        vote.full_clean()
        try:
            with transaction.atomic():
                vote.save()
            return vote, True
        except IntegrityError:
            # The same visitor's other request saved first; change that vote instead.
            vote = HelpfulVote.objects.select_for_update().get(**lookup)
    vote.helpful = helpful
    if helpful or missing:
        vote.missing = missing
    vote.full_clean()
    vote.save(update_fields=["helpful", "missing"])
    return vote, False


# --- Patient comments -------------------------------------------------------------


class CommentStateError(Exception):
    """The comment is not in a state that allows this step (e.g. approving an approved comment)."""


DUPLICATE_WINDOW = timedelta(days=1)


def _wants_email(comment):
    return comment.notify_on_reply and bool(comment.email) and not comment.is_erased


def _email_after_commit(kind, *, comment, answered=None):
    """Record the email in the outbox in this transaction; a worker sends it after the commit."""
    record_email(kind, comment=comment, answered=answered)


def _locked(comment):
    return Comment.objects.select_for_update().get(pk=comment.pk)


def _moderate(comment, status, by):
    comment.status = status
    comment.moderated_at = timezone.now()
    comment.moderated_by = by
    comment.full_clean()
    comment.save(update_fields=["status", "moderated_at", "moderated_by"])


@transaction.atomic
def post_comment(
    *, page, author_name, email, body, notify_on_reply=False, is_question=False, parent=None, client_hash=""
):
    """Store a patient's comment (or reply to `parent`) on a published page.

    A reply to a reply joins the thread of the top-level comment (one level of
    replies). The comment is screened (see treatments.comment_screening.screen): held
    for moderation, held with a reason, or held as spam. Raises
    ValidationError, with nothing stored, for a reply to a comment that is not
    published on this page, or for the same text on this page within a day.
    The clinic inbox hears of every comment that is not spam, after commit.
    """
    if not page.is_published:
        raise CommentStateError("Only published pages take comments.")
    # One post at a time per page, so two identical posts cannot both pass the duplicate check.
    type(page).objects.select_for_update().filter(pk=page.pk).exists()
    author_name, body = author_name.strip(), body.strip()

    if parent is not None:
        thread = parent.parent if parent.parent_id else parent
        if (
            parent.page_id != page.page_id
            or parent.status != CommentStatus.APPROVED
            or thread.status != CommentStatus.APPROVED
        ):
            raise ValidationError(
                "The comment you are replying to is not open for replies on this page. "
                "You can post yours as a new comment instead."
            )
        parent = thread

    status, held_reason = screen(f"{author_name}\n{body}")
    is_urgent = bool(urgent_symptoms(f"{author_name}\n{body}"))
    comment = Comment(
        page_id=page.page_id,
        parent=parent,
        author_name=author_name,
        email=email,
        body=body,
        notify_on_reply=notify_on_reply,
        is_question=is_question,
        status=status,
        held_reason=held_reason,
        is_urgent=is_urgent,
        client_hash=client_hash,
        moderated_at=timezone.now() if status == CommentStatus.APPROVED else None,
    )
    comment.full_clean()  # first, so text the database would refuse (NUL bytes) is never queried

    since = timezone.now() - DUPLICATE_WINDOW
    if Comment.objects.filter(page=page.page_id, body=body, created_at__gte=since).exists():
        raise ValidationError(
            {
                "body": "This exact comment was already posted on this page in the last day: "
                "there is no need to send it twice."
            }
        )
    comment.save()
    if status != CommentStatus.SPAM:
        _email_after_commit("comment_received", comment=comment)
    return comment


@transaction.atomic
def approve_comment(*, comment, by):
    """Publish a comment; its author hears of it if they asked to be told."""
    comment = _locked(comment)
    if comment.is_draft_answer:
        return approve_answer(answer=comment, by=by)
    if comment.status == CommentStatus.APPROVED:
        raise CommentStateError("This comment is already published.")
    if comment.parent_id and comment.parent.status != CommentStatus.APPROVED:
        raise CommentStateError("Publish the comment this one replies to first.")
    _moderate(comment, CommentStatus.APPROVED, by)
    if _wants_email(comment):
        _email_after_commit("comment_approved", comment=comment)
    return comment


@transaction.atomic
def reject_comment(*, comment, by):
    """Take a comment off the page (or keep it off). Its replies go with it."""
    comment = _locked(comment)
    if comment.status == CommentStatus.REJECTED:
        raise CommentStateError("This comment is already rejected.")
    _moderate(comment, CommentStatus.REJECTED, by)
    return comment


@transaction.atomic
def mark_spam(*, comment, by):
    comment = _locked(comment)
    if comment.status == CommentStatus.SPAM:
        raise CommentStateError("This comment is already marked as spam.")
    _moderate(comment, CommentStatus.SPAM, by)
    return comment


def clinician_of(user):
    """The Clinician linked to staff account `user`, or None."""
    return Clinician.objects.filter(user_id=user.pk).first() if user is not None and user.pk else None


@transaction.atomic
def answer_comment(*, comment, body, by, clinician=None):
    """Answer `comment` as the clinic: published at once when `by` is that clinician.

    A clinician signed in answers as themselves (`clinician` None or their own):
    the answer is published at once, and so is a comment still waiting for
    moderation. Anyone else (an editor, or a clinician answering for a colleague)
    drafts the answer for `clinician`, who approves it (`approve_answer`) before
    it is public. The answer joins the comment's thread (one level of replies).
    The patient who asked to be told gets an email once the answer is public.
    Raises CommentStateError for a comment that cannot be answered, or with no
    clinician to answer as.
    """
    own = clinician_of(by)
    clinician = clinician or own
    if clinician is None:
        raise CommentStateError("Choose the clinician this answer is for: your account is not linked to one.")
    drafting = own is None or clinician.pk != own.pk
    comment = _locked(comment)
    if comment.is_clinic_answer:
        raise CommentStateError("This is already a clinic answer: answer the patient's comment instead.")
    if comment.status in {CommentStatus.REJECTED, CommentStatus.SPAM}:
        raise CommentStateError("A rejected or spam comment cannot be answered. Publish it first if it deserves one.")
    thread = comment
    if comment.parent_id:
        thread = Comment.objects.select_for_update().get(pk=comment.parent_id)
        if thread.status != CommentStatus.APPROVED:
            raise CommentStateError("The comment this one replies to is not published, so the thread is hidden.")
    if comment.status == CommentStatus.PENDING and not drafting:
        _moderate(comment, CommentStatus.APPROVED, by)

    now = timezone.now()
    answer = Comment(
        page_id=comment.page_id,
        parent=thread,
        author_name=clinician.name[: Comment._meta.get_field("author_name").max_length],
        body=body.strip(),
        status=CommentStatus.PENDING if drafting else CommentStatus.APPROVED,
        clinician=clinician,
        drafted_by=by if drafting else None,
        moderated_at=None if drafting else now,
        moderated_by=None if drafting else by,
    )
    answer.full_clean()
    answer.save()
    if not drafting:
        _tell_patient_of_answer(answer, answered=comment)
    return answer


def _tell_patient_of_answer(answer, *, answered):
    """Email the patient who asked to hear of a reply (after commit)."""
    if _wants_email(answered):
        _email_after_commit("comment_answered", comment=answer, answered=answered)


@transaction.atomic
def approve_answer(*, answer, by):
    """The clinician an answer was drafted for approves it: it is published in
    their name, saying it was approved by them, and the patient is told.

    Publishes the comment it answers too, if that still waits for moderation.
    Raises CommentStateError (nothing changes) when `by` is not that clinician,
    for an answer that is no draft, or when the thread is not publishable.
    """
    answer = _locked(answer)
    if not answer.is_draft_answer:
        raise CommentStateError("This is not a clinic answer waiting for a clinician's approval.")
    own = clinician_of(by)
    if own is None or own.pk != answer.clinician_id:
        raise CommentStateError(
            f"Only {answer.clinician.name} can approve this answer, as it is published in their name. "
            "Ask them to approve it when signed in with their own account."
        )
    thread = Comment.objects.select_for_update().get(pk=answer.parent_id)
    if thread.status in {CommentStatus.REJECTED, CommentStatus.SPAM}:
        raise CommentStateError("The comment this answers was rejected or marked as spam, so it cannot be answered.")
    if thread.status == CommentStatus.PENDING:
        _moderate(thread, CommentStatus.APPROVED, by)
    answer.clinician_approved_at = timezone.now()
    answer.save(update_fields=["clinician_approved_at"])
    _moderate(answer, CommentStatus.APPROVED, by)
    _tell_patient_of_answer(answer, answered=thread)
    return answer


@transaction.atomic
def promote_to_faq(*, comment):
    """Add a published question and its latest clinic answer to the FAQ of the
    same page, at the end; editors then edit it like any other FAQ."""
    comment = _locked(comment)
    if comment.parent_id:
        raise CommentStateError("Only a top-level question can be promoted, not a reply.")
    if comment.status != CommentStatus.APPROVED:
        raise CommentStateError("Only a published question can be promoted.")
    if comment.promoted_to_id:
        raise CommentStateError("This question is already in the page's FAQ.")
    answer = Comment.objects.approved().filter(parent=comment, clinician__isnull=False).order_by("-created_at").first()
    if answer is None:
        raise CommentStateError("This question has no published clinic answer yet: answer it first.")

    last = FAQ.objects.filter(page=comment.page_id).aggregate(last=Max("order"))["last"]
    question_length = FAQ._meta.get_field("question").max_length
    faq = FAQ(
        page_id=comment.page_id,
        question=Truncator(" ".join(comment.body.split())).chars(question_length),
        answer=answer.body,
        order=0 if last is None else last + 1,
    )
    faq.full_clean()
    faq.save()
    comment.promoted_to = faq
    comment.save(update_fields=["promoted_to"])
    return faq


@transaction.atomic
def erase_commenter(*, comment):
    """Erase the personal data of the patient who wrote `comment`, on every
    comment they posted with the same email address, as `Comment.personal_data`
    declares: email, address hash and notification choice go, the name becomes
    "Former patient", in admin's history too. The text and the thread stay.
    Returns how many comments were erased; raises CommentStateError for a clinic
    answer or when already erased."""
    if comment.is_clinic_answer:
        raise CommentStateError("A clinic answer holds no patient's personal data.")
    same_person = Q(pk=comment.pk)
    if comment.email:
        same_person |= Q(email__iexact=comment.email)
    comments = list(
        Comment.objects.select_for_update().filter(same_person, clinician__isnull=True, erased_at__isnull=True)
    )
    if not comments:
        raise CommentStateError("This commenter's personal data is already erased.")
    now = timezone.now()
    for each in comments:
        erased = Comment.personal_data.erase(each)
        each.erased_at = now
        each.full_clean()
        each.save(update_fields=[*erased, "erased_at"])
    _rename_in_admin_history(comments)
    return len(comments)


def _rename_in_admin_history(comments):
    """Admin's history lists each comment it touched under its author's name: those
    entries take the erased name too."""
    content_type = ContentType.objects.get_for_model(Comment)
    for each in comments:
        LogEntry.objects.filter(content_type=content_type, object_id=str(each.pk)).update(
            object_repr=str(each)[: LogEntry._meta.get_field("object_repr").max_length]
        )


def retry_comment_emails(*, emails):
    """Queue again the comment emails `emails` (outbox Emails) that were not sent
    (notifications.outbox.send_again); a sent one is skipped, so a double click sends
    nothing twice. Returns how many went at once (with a worker: 0, they go shortly)."""
    queued = outbox.send_again([email for email in emails if email.state != EmailState.SENT])
    return sum(email.state == EmailState.SENT for email in queued)


# --- Condition and treatment pages -------------------------------------------------


class PageStateError(Exception):
    """The page is not in a state that allows this step (e.g. unpublishing a draft)."""


@transaction.atomic
def unpublish_page(*, page):
    """Take a published condition or treatment page off the site (back to draft).

    Nothing is deleted: the page, its parts and its comments stay for editing and
    publishing again (only superusers delete pages). Raises PageStateError for a draft.
    """
    page = type(page).objects.select_for_update().get(pk=page.pk)
    if not page.is_published:
        raise PageStateError("It is a draft already.")
    page.status = PublicationStatus.DRAFT
    page.full_clean()
    page.save(update_fields=["status", "updated_at"])
    return page


@transaction.atomic
def record_slug_change(*, page, old_slug):
    """Keep `old_slug` (the page's slug before this save) answering with a 301 to `page`.

    The page's current slug stops being an old address of any page of its kind,
    so renaming A to B and back to A leaves one redirect, B to A, never a loop.
    Old addresses point at the page, not at a slug, so they never chain.
    `old_slug` None or unchanged (a new page, or no rename) only does that clean-up.
    """
    kind = OldSlug.objects.of_kind(type(page))
    kind.filter(slug=page.slug).delete()
    if old_slug and old_slug != page.slug:
        kind.filter(slug=old_slug).delete()
        OldSlug.objects.create(page_id=page.page_id, slug=old_slug)


# --- Medical review of published pages ---------------------------------------------------


def add_months(day, months):
    """`day` plus `months` calendar months (the 31st becomes the month's last day)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    last = calendar.monthrange(year, month)[1]
    return day.replace(year=year, month=month, day=min(day.day, last))


def can_sign_off(user, page):
    """Whether `user` may approve clinical changes to `page`: a clinician (linked
    account) with the Clinicians group's sign-off permission."""
    return clinician_of(user) is not None and user.has_perm(f"treatments.sign_off_{page._meta.model_name}")


@transaction.atomic
def send_for_review(*, page, content, base_content, by, metadata=None):
    """Hold an edit of published `page` for medical review; the page keeps its
    approved content (the caller has not saved the edit).

    `content` is the edited page (treatments.review.page_content), `base_content`
    the approved content it was edited from. A pending edit of the same page is
    replaced (kept, marked superseded). `metadata` ({field: value} of
    treatments.review.METADATA_FIELDS) is exempt from review and saved at once.
    Returns the PageReview.
    """
    page = type(page).objects.select_for_update().get(pk=page.pk)
    if metadata:
        old_slug = page.slug
        for name, value in metadata.items():
            setattr(page, name, value)
        page.full_clean()
        page.save(update_fields=[*metadata, "updated_at"])
        record_slug_change(page=page, old_slug=old_slug)
    now = timezone.now()
    PageReview.objects.filter(page=page.page_id).pending().update(
        status=ReviewStatus.SUPERSEDED, decided_at=now, decided_by=by
    )
    return PageReview.objects.create(
        page_id=page.page_id,
        content=content,
        base_digest=content_digest(base_content),
        requested_by=by,
    )


@transaction.atomic
def approve_review(*, review, by):
    """A clinician approves a pending edit: the page gets the edited content, is
    "reviewed on" today by that clinician, and its next review falls due
    settings.MEDICAL_REVIEW_INTERVAL_MONTHS later. The change is kept as a version.

    Raises PageStateError, changing nothing, when `by` is not a clinician who may
    sign off, when the edit was replaced by a newer one or already decided, or when
    the page's content changed after the edit was made.
    """
    review = PageReview.objects.select_for_update().get(pk=review.pk)
    page = review.page.specific
    page = type(page).objects.select_for_update().get(pk=page.pk)
    clinician = clinician_of(by)
    if not can_sign_off(by, page):
        raise PageStateError(
            "Only a clinician can approve changes to a page's content: your account is not linked to a clinician "
            "in the Clinicians group. The edit is still waiting for review."
        )
    if review.status == ReviewStatus.SUPERSEDED:
        raise PageStateError(
            "This edit was replaced by a newer edit of the page, which is the one waiting for review: "
            "approve that one instead. Nothing was changed."
        )
    if review.status != ReviewStatus.PENDING:
        raise PageStateError(f"This edit is no longer waiting for review ({review.get_status_display().lower()}).")
    if content_digest(page_content(page)) != review.base_digest:
        raise PageStateError(
            "The page has changed since this edit was made, so approving it would undo those changes. "
            "Ask for the edit to be made again on the current page. Nothing was changed."
        )
    today = timezone.localdate()
    with reversion.create_revision(atomic=False):
        apply_content(page, review.content)
        page.medical_reviewer = clinician
        page.reviewed_on = today
        page.next_review_due = add_months(today, settings.MEDICAL_REVIEW_INTERVAL_MONTHS)
        page.full_clean()
        page.save()
        reversion.add_to_revision(page)
        reversion.set_user(by)
        reversion.set_comment(f"Changes approved in medical review by {clinician.name}.")
    review.status = ReviewStatus.APPROVED
    review.decided_at = timezone.now()
    review.decided_by = by
    review.approved_by = clinician
    review.save(update_fields=["status", "decided_at", "decided_by", "approved_by"])
    return page


@transaction.atomic
def withdraw_review(*, review, by):
    """Drop a pending edit (kept for the record); the page stays as approved."""
    review = PageReview.objects.select_for_update().get(pk=review.pk)
    if review.status != ReviewStatus.PENDING:
        raise PageStateError(f"This edit is no longer waiting for review ({review.get_status_display().lower()}).")
    review.status = ReviewStatus.WITHDRAWN
    review.decided_at = timezone.now()
    review.decided_by = by
    review.save(update_fields=["status", "decided_at", "decided_by"])
    return review
