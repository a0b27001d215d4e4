"""The medical reviewers' weekly digest: to each reviewer, the published pages they
review whose next review is overdue or due within 30 days.

Recorded by the scheduled job `send_review_digests` (treatments/tasks.py) once a
week, one email per reviewer per ISO week (its outbox key), so running it twice,
or from two schedulers, records one. The list is read again when the email is
sent, so a page reviewed in between drops out of it.
"""

from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from notifications import kinds, outbox
from notifications.kinds import NotToBeSent
from staff.models import Clinician
from treatments.models import Condition, PublicationStatus, Treatment

KIND = "review_digest"
DUE_WITHIN = timedelta(days=30)


def pages_due(clinician, *, today=None):
    """The published conditions and treatments `clinician` reviews whose next review
    is on or before today + 30 days, soonest (most overdue) first; a list of pages."""
    today = today or timezone.localdate()
    pages = []
    for model in (Condition, Treatment):
        pages += model.objects.filter(
            medical_reviewer=clinician,
            status=PublicationStatus.PUBLISHED,
            next_review_due__lte=today + DUE_WITHIN,
        ).only("pk", "slug", "title", "next_review_due")
    return sorted(pages, key=lambda page: (page.next_review_due, page.title))


def queue_review_digests(*, today=None):
    """Record this week's digest for each reviewer with pages due and a staff account
    with an email address; returns how many were recorded (0 on a second run)."""
    today = today or timezone.localdate()
    year, week, _ = today.isocalendar()
    recorded = 0
    reviewers = Clinician.objects.filter(user__isnull=False, user__is_active=True).exclude(user__email="")
    for clinician in reviewers.select_related("user"):
        if not pages_due(clinician, today=today):
            continue
        key = f"review-digest:{clinician.pk}:{year}-W{week:02d}"
        email = outbox.record(KIND, about=clinician, to=clinician.user.email, key=key)
        recorded += email.recorded_now
    return recorded


def build(email):
    """The digest's message (notifications.kinds renderer); NotToBeSent when nothing
    is due any more or the reviewer is gone."""
    clinician = email.about
    if clinician is None or not email.to:
        raise NotToBeSent("reviewer gone")
    today = timezone.localdate()
    pages = pages_due(clinician, today=today)
    if not pages:
        raise NotToBeSent("nothing due any more")
    rows = [
        {
            "title": page.title,
            "due": page.next_review_due,
            "overdue": page.next_review_due < today,
            "url": settings.SITE_URL + reverse(f"admin:treatments_{page._meta.model_name}_change", args=[page.pk]),
        }
        for page in pages
    ]
    context = {"clinician": clinician, "pages": rows, "clinic": {"name": settings.CLINIC_NAME}}
    subject = " ".join(render_to_string("emails/treatments/review_digest_subject.txt", context).split())
    text = render_to_string("emails/treatments/review_digest.txt", context)
    message = EmailMultiAlternatives(subject, text, settings.DEFAULT_FROM_EMAIL, [email.to])
    message.attach_alternative(render_to_string("emails/treatments/review_digest.html", context), "text/html")
    return message


def register_kinds():
    kinds.register(KIND, "Pages due for review (to a medical reviewer)", render=build)
