"""Patient comments: the checks on what a comment says, the signed form time,
and the comments section of a condition or treatment page.

The workflow itself (posting, moderating, answering) lives in services.py.
"""

import re
import time

import phonenumbers
from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives
from django.core.paginator import InvalidPage, Paginator
from django.db.models import Count, Q
from django.http import Http404
from django.template.defaultfilters import pluralize
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.text import get_text_list

from notifications import kinds, outbox
from notifications.kinds import NotToBeSent
from treatments.models import Comment, CommentEmailKind, CommentStatus

# --- What a comment says --------------------------------------------------------

LINK_RE = re.compile(
    r"(?:https?://|www\.)\S+"
    r"|\b[a-z0-9-]+(?:\.[a-z0-9-]+)*\.(?:com|net|org|info|biz|io|co|uk|ru|cn|xyz|top|site|online|shop|link|click)\b",
    re.IGNORECASE,
)
EMAIL_RE = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")


def count_links(text):
    """Web addresses in `text`, with or without a scheme."""
    return len(LINK_RE.findall(EMAIL_RE.sub(" ", text)))


def contains_email_address(text):
    return EMAIL_RE.search(text) is not None


def contains_phone_number(text):
    """A valid number for the clinic's region (or any, with a country code), or
    a possible one long enough not to be a year, a price or a dose."""
    region = settings.CLINIC_PHONE_REGION
    if any(phonenumbers.PhoneNumberMatcher(text, region, leniency=phonenumbers.Leniency.VALID)):
        return True
    for match in phonenumbers.PhoneNumberMatcher(text, region, leniency=phonenumbers.Leniency.POSSIBLE):
        if sum(ch.isdigit() for ch in match.raw_string) >= 10:
            return True
    return False


# Symptoms that need care now, not an answer in a day or two: (what to call it, pattern).
URGENT_SYMPTOMS = [
    ("fever", re.compile(r"\bfever(?:ish)?\b|\bhigh temperature\b|\btemperature of (?:3[89]|1[01]\d)", re.I)),
    (
        "spreading redness or swelling",
        re.compile(
            r"\b(?:redness|red|swelling|swollen|rash)\b[^.!?\n]{0,40}\bspread"
            r"|\bspread\w*\b[^.!?\n]{0,40}\b(?:redness|red|swelling|swollen)\b",
            re.I,
        ),
    ),
    ("pus", re.compile(r"\bpus\b|\boozing\b|\bpustules? (?:filled|full)", re.I)),
    (
        "bleeding that does not stop",
        re.compile(
            r"\bbleed\w*\b[^.!?\n]{0,40}\b(?:won'?t|will not|doesn'?t|does not|didn'?t|did not|can'?t|cannot|not)"
            r"\s+stop|\b(?:keeps?|kept|still|non-stop)\s+bleeding\b",
            re.I,
        ),
    ),
    (
        "a sudden change in vision",
        re.compile(
            r"\b(?:blurred|blurry|double|lost|loss of|losing|sudden(?:ly)?[^.!?\n]{0,20})"
            r"\s*(?:vision|eyesight|sight)\b"
            r"|\b(?:vision|eyesight|sight)\b[^.!?\n]{0,30}\b(?:blurr\w*|went|gone|changed|dark|double)\b"
            r"|\bcan'?t see\b",
            re.I,
        ),
    ),
]


def urgent_symptoms(text):
    """The urgent symptoms `text` mentions, by name, in URGENT_SYMPTOMS' order
    (empty when none). Errs on the side of flagging: a moderator checks."""
    return [name for name, pattern in URGENT_SYMPTOMS if pattern.search(text)]


def screen(text):
    """The status a new comment starts in, and why it was held if it was.

    Too many links: spam. Urgent symptoms, a phone number or an email address:
    held for a moderator even when comments are otherwise published at once
    (the patient needs care, or posted their own contact details).
    """
    reasons = []
    links = count_links(text)
    if links > settings.COMMENT_MAX_LINKS:
        return CommentStatus.SPAM, f"Held as spam: {links} links (more than {settings.COMMENT_MAX_LINKS})."
    if symptoms := urgent_symptoms(text):
        reasons.append(f"urgent symptoms ({', '.join(symptoms)})")
    if contains_phone_number(text):
        reasons.append("a phone number")
    if contains_email_address(text):
        reasons.append("an email address")
    if reasons:
        return CommentStatus.PENDING, f"Contains {' and '.join(reasons)}: check before publishing."
    if settings.COMMENTS_HELD_FOR_MODERATION:
        return CommentStatus.PENDING, ""
    return CommentStatus.APPROVED, ""


# --- The signed time the form was shown -----------------------------------------------

FORM_TIME_SALT = "treatments.comments.form-shown-at"


def sign_form_time(when=None):
    """A token recording when the comment form was shown; it cannot be forged or altered."""
    return signing.dumps(time.time() if when is None else when, salt=FORM_TIME_SALT)


def seconds_since_shown(token):
    """Seconds since the form carrying `token` was shown.

    Raises `signing.SignatureExpired` for a form older than
    COMMENT_FORM_MAX_AGE_SECONDS and `signing.BadSignature` for a token that was
    altered, forged or is missing.
    """
    shown_at = signing.loads(token or "", salt=FORM_TIME_SALT)
    if not isinstance(shown_at, int | float) or isinstance(shown_at, bool):
        raise signing.BadSignature("Not a time.")
    waited = time.time() - shown_at
    if waited > settings.COMMENT_FORM_MAX_AGE_SECONDS:
        raise signing.SignatureExpired(f"The form was shown {waited:.0f} seconds ago.")
    return waited


# --- The comments section of a page ------------------------------------------------------


def count_summary(*, total, threads, questions, answers):
    """What a page's approved comments are, in words: "1 question and 1 clinic answer",
    "3 comments and 2 replies". `total` counts every approved comment, `threads` the
    top-level ones, `questions` the top-level questions, `answers` the clinic's replies."""
    parts = [
        (questions, "question", "s"),
        (threads - questions, "comment", "s"),
        (total - threads - answers, "repl", "y,ies"),
        (answers, "clinic answer", "s"),
    ]
    words = [f"{count} {noun}{pluralize(count, suffix)}" for count, noun, suffix in parts if count]
    return get_text_list(words, "and")


def post_url(page):
    """Where the page's comment form posts to: a URL under the page."""
    return reverse(f"treatments:{page._meta.model_name}_comments", kwargs={"slug": page.slug})


def comments_context(page, request, form=None):
    """Everything templates/treatments/_comments.html needs, under one key.

    Always two queries whatever the number of comments: the counts, then the
    top-level comments on this page of comments together with their replies
    (clinicians joined). `?comments_page=N` picks the page (50 threads each);
    a page number that does not exist is a 404, so each URL stays stable.
    `?reply_to=<id>` puts the form under that comment, as a reply.
    """
    from treatments.forms import CommentForm

    approved = Comment.objects.approved().filter(page=page.page_id)
    counts = approved.aggregate(
        total=Count("pk"),
        threads=Count("pk", filter=Q(parent__isnull=True)),
        questions=Count("pk", filter=Q(parent__isnull=True, is_question=True)),
        answers=Count("pk", filter=Q(parent__isnull=False, clinician__isnull=False)),
    )
    paginator = Paginator(range(counts["threads"]), Comment.PER_PAGE)
    try:
        comments_page = paginator.page(request.GET.get("comments_page") or 1)
    except InvalidPage:
        raise Http404("No such page of comments.") from None

    bottom = (comments_page.number - 1) * Comment.PER_PAGE
    thread_ids = approved.top_level().order_by("created_at", "pk").values("pk")[bottom : bottom + Comment.PER_PAGE]
    rows = list(
        approved.filter(Q(pk__in=thread_ids) | Q(parent__in=thread_ids))
        .select_related("clinician")
        .defer("email", "client_hash", "held_reason")
        .order_by("created_at", "pk")
    )
    threads, by_id = [], {}
    for comment in rows:
        if comment.parent_id is None:
            comment.thread_replies = []
            threads.append(comment)
            by_id[comment.pk] = comment
    for comment in rows:
        if comment.parent_id is not None and comment.parent_id in by_id:
            by_id[comment.parent_id].thread_replies.append(comment)
    for thread in threads:
        thread.is_answered = any(reply.clinician_id for reply in thread.thread_replies)

    reply_to = by_id.get(_int_or_none(request.GET.get("reply_to")))
    if form is None:
        form = CommentForm(initial={"parent": reply_to.pk if reply_to else None})
    elif form.is_bound:
        # Shown again after an error: under the thread replied to, if it is on this page.
        shown = {comment.pk: comment for comment in rows}
        parent = shown.get(_int_or_none(form.data.get(form.add_prefix("parent"))))
        reply_to = by_id.get(parent.parent_id or parent.pk) if parent else None
        if reply_to is None and form.data.get(form.add_prefix("parent")):
            # The comment replied to cannot take replies (the error says so): send it as a new comment.
            form.data = form.data.copy()
            form.data[form.add_prefix("parent")] = ""

    page_query = f"?comments_page={comments_page.number}" if comments_page.number > 1 else ""
    form.helper.form_action = f"{post_url(page)}{page_query}#comment-form"
    form.set_reply(reply_to)
    return {
        "comment_section": {
            "total": counts["total"],
            "summary": count_summary(**counts),
            "threads": threads,
            "page": comments_page,
            "paginator": paginator,
            "page_url": page.get_absolute_url(),
            "form": form,
            "reply_to": reply_to,
            "open": page.is_published,  # a staff preview of a draft shows comments but takes none
        }
    }


def _int_or_none(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


# --- Emails -----------------------------------------------------------------------------


def record_email(kind, *, comment, answered=None):
    """Record an email of `kind` (CommentEmailKind) about `comment` in the outbox, in
    the current transaction; a worker sends it after the commit. For a clinic answer,
    `answered` is the patient's comment it answers. The patient's address is never
    stored with it: it is read from the comment when the email is sent, so erasing a
    commenter's data leaves no copy behind. Returns the outbox Email."""
    to = settings.CLINIC_STAFF_EMAIL if kind == CommentEmailKind.COMMENT_RECEIVED else ""
    data = {"answered": answered.pk} if answered is not None else {}
    return outbox.record(kind, about=comment, to=to, data=data)


def recipient(email):
    """Who an outbox email about a comment goes to now: the clinic inbox, or the
    patient while they still want emails and their data is not erased ("" when no one)."""
    if email.kind == CommentEmailKind.COMMENT_RECEIVED:
        return settings.CLINIC_STAFF_EMAIL
    patient = email.about
    if email.kind == CommentEmailKind.COMMENT_ANSWERED:
        patient = Comment.objects.filter(pk=email.data.get("answered")).first()
    if patient is None or patient.is_erased or not patient.notify_on_reply:
        return ""
    return patient.email


def build(email):
    """The message for an outbox email about a comment, from
    templates/emails/treatments/<kind>_subject.txt, .txt and .html (the
    notifications.kinds renderer). Raises NotToBeSent when there is no one to
    send it to (the comment is gone, or the patient's details were erased)."""
    comment = email.about
    if comment is None:
        raise NotToBeSent("comment deleted")
    to = recipient(email)
    if not to:
        raise NotToBeSent("no one to send it to: details erased")
    answered = Comment.objects.filter(pk=email.data.get("answered")).first() if email.data.get("answered") else None
    context = {
        "comment": comment,
        "answered": answered,
        "page": comment.page.specific,
        "clinic": {"name": settings.CLINIC_NAME, "phone": settings.CLINIC_PHONE, "site_url": settings.SITE_URL},
        "comment_url": settings.SITE_URL + comment.get_absolute_url(),
        "admin_url": settings.SITE_URL + reverse("admin:treatments_comment_change", args=[comment.pk]),
    }
    base = f"emails/treatments/{email.kind}"
    subject = " ".join(render_to_string(f"{base}_subject.txt", context).split())
    message = EmailMultiAlternatives(
        subject, render_to_string(f"{base}.txt", context), settings.DEFAULT_FROM_EMAIL, [to]
    )
    message.attach_alternative(render_to_string(f"{base}.html", context), "text/html")
    return message


def register_kinds():
    """Register the kinds of email about comments with the outbox."""
    for kind in CommentEmailKind:
        kinds.register(kind.value, kind.label, render=build)
