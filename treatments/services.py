"""Workflow for the treatments app. Views, admin actions and commands call these.

Each function takes keyword-only arguments and runs in one transaction.
"""

from datetime import timedelta

from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.text import Truncator

from notifications import outbox
from notifications.models import EmailState
from treatments.comments import record_email, screen
from treatments.models import FAQ, Comment, CommentStatus, Condition, HelpfulVote, Treatment

# --- Helpful votes ------------------------------------------------------------


def _page_lookup(page):
    if isinstance(page, Condition):
        return {"condition": page}
    if isinstance(page, Treatment):
        return {"treatment": page}
    raise TypeError(f"Votes belong to a condition or a treatment, not {type(page).__name__}.")


@transaction.atomic
def record_helpful_vote(*, page, visitor_key, helpful, missing=""):
    """Record a visitor's answer to "Was this page helpful?".

    A visitor has one vote per page: answering again changes that vote rather
    than counting twice, and a "what was missing" note sent after a "no" is
    added to it. Returns `(vote, created)`.
    """
    if not page.is_published:
        raise ValueError("Only published pages take votes.")
    lookup = {**_page_lookup(page), "visitor_key": visitor_key}
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
    replies). The comment is screened (see treatments.comments.screen): held
    for moderation, held with a reason, or held as spam. Raises
    ValidationError, with nothing stored, for a reply to a comment that is not
    published on this page, or for the same text on this page within a day.
    The clinic inbox hears of every comment that is not spam, after commit.
    """
    if not page.is_published:
        raise CommentStateError("Only published pages take comments.")
    # One post at a time per page, so two identical posts cannot both pass the duplicate check.
    type(page).objects.select_for_update().filter(pk=page.pk).exists()
    page_field = Comment.page_field(page)
    author_name, body = author_name.strip(), body.strip()

    if parent is not None:
        thread = parent.parent if parent.parent_id else parent
        if (
            getattr(parent, f"{page_field}_id") != page.pk
            or parent.status != CommentStatus.APPROVED
            or thread.status != CommentStatus.APPROVED
        ):
            raise ValidationError(
                "The comment you are replying to is not open for replies on this page. "
                "You can post yours as a new comment instead."
            )
        parent = thread

    status, held_reason = screen(f"{author_name}\n{body}")
    comment = Comment(
        **{page_field: page},
        parent=parent,
        author_name=author_name,
        email=email,
        body=body,
        notify_on_reply=notify_on_reply,
        is_question=is_question,
        status=status,
        held_reason=held_reason,
        client_hash=client_hash,
        moderated_at=timezone.now() if status == CommentStatus.APPROVED else None,
    )
    comment.full_clean()  # first, so text the database would refuse (NUL bytes) is never queried

    since = timezone.now() - DUPLICATE_WINDOW
    if Comment.objects.on_page(page).filter(body=body, created_at__gte=since).exists():
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


@transaction.atomic
def answer_comment(*, comment, clinician, body, by):
    """Publish a clinic answer to `comment` at once, in the name of `clinician`.

    Answering a comment still waiting for moderation publishes it too. The
    answer joins the comment's thread (one level of replies). The patient who
    asked to be told gets an email with a link to the answer.
    """
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
    if comment.status == CommentStatus.PENDING:
        _moderate(comment, CommentStatus.APPROVED, by)

    now = timezone.now()
    answer = Comment(
        condition_id=comment.condition_id,
        treatment_id=comment.treatment_id,
        parent=thread,
        author_name=clinician.name[: Comment._meta.get_field("author_name").max_length],
        body=body.strip(),
        status=CommentStatus.APPROVED,
        clinician=clinician,
        moderated_at=now,
        moderated_by=by,
    )
    answer.full_clean()
    answer.save()
    if _wants_email(comment):
        _email_after_commit("comment_answered", comment=answer, answered=comment)
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

    page_field = Comment.page_field(comment.page)
    on_page = {page_field: comment.page}
    last = FAQ.objects.filter(**on_page).aggregate(last=Max("order"))["last"]
    question_length = FAQ._meta.get_field("question").max_length
    faq = FAQ(
        **on_page,
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
    comment they posted with the same email address: email, address hash and
    notification choice go, the name becomes "Former patient", in admin's
    history too. The text and the thread stay. Returns how many comments were
    erased."""
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
        each.author_name = Comment.ERASED_NAME
        each.email = ""
        each.client_hash = ""
        each.notify_on_reply = False
        each.erased_at = now
        each.full_clean()
        each.save(update_fields=["author_name", "email", "client_hash", "notify_on_reply", "erased_at"])
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
