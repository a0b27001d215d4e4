"""Emails about comments (received, for the clinic; answered, for the patient), recorded
in the one outbox and built by its worker from templates/emails/treatments/.
"""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse

from notifications import kinds, outbox
from notifications.kinds import NotToBeSent
from treatments.models import Comment, CommentEmailKind


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
