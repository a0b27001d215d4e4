"""The comments section of a condition or treatment page: its counts, threads and form.

What a comment says is checked in comment_screening.py, the form's signed time in
form_signing.py, emails about comments in comment_emails.py; the workflow itself
(posting, moderating, answering) lives in services.py.
"""

from django.core.paginator import InvalidPage, Paginator
from django.db.models import Count, Q
from django.http import Http404
from django.template.defaultfilters import pluralize
from django.urls import reverse
from django.utils.text import get_text_list

from clinic.pagecache import fresh_fields
from treatments.forms import CommentForm
from treatments.models import Comment


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
        form = CommentForm(initial={"parent": reply_to.pk if reply_to else None, **fresh_fields(request)})
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
