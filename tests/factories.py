"""Small helpers that make valid objects for tests; pass fields to override the defaults."""

from datetime import date
from itertools import count

from django.contrib.auth.models import Permission, User

from staff.models import Clinician
from treatments.models import (
    FAQ,
    Comment,
    CommentStatus,
    Condition,
    ConditionTreatment,
    KeyTakeaway,
    PublicationStatus,
    Reference,
    Treatment,
)

_numbers = count(1)


def _review_defaults(fields):
    """A published page needs an author, a medical reviewer and a review date."""
    if fields.get("status", PublicationStatus.PUBLISHED) != PublicationStatus.PUBLISHED:
        return {}
    needed = {"author", "medical_reviewer"} - fields.keys()
    clinician = make_clinician(name="Dr Page Reviewer") if needed else None
    return {**{name: clinician for name in needed}, "reviewed_on": date(2026, 10, 21)}


def make_condition(**fields):
    n = next(_numbers)
    defaults = {
        "title": f"Condition {n}",
        "slug": f"condition-{n}",
        "summary": "A short summary.",
        "status": PublicationStatus.PUBLISHED,
        **_review_defaults(fields),
    }
    return Condition.objects.create(**{**defaults, **fields})


def make_treatment(**fields):
    n = next(_numbers)
    defaults = {
        "title": f"Treatment {n}",
        "slug": f"treatment-{n}",
        "summary": "A short summary.",
        "status": PublicationStatus.PUBLISHED,
        **_review_defaults(fields),
    }
    return Treatment.objects.create(**{**defaults, **fields})


def make_clinician(**fields):
    defaults = {"name": "Dr Test Clinician", "credentials": "MBBS, MD", "role": "Dermatologist", "is_sample": True}
    return Clinician.objects.create(**{**defaults, **fields})


# --- Patient comments ---------------------------------------------------------------


def make_comment(page, **fields):
    """An approved patient comment on `page` (a condition or a treatment)."""
    n = next(_numbers)
    defaults = {
        "page": page.page,
        "author_name": f"Patient {n}",
        "email": f"patient{n}@example.com",
        "body": f"Comment number {n}.",
        "status": CommentStatus.APPROVED,
    }
    return Comment.objects.create(**{**defaults, **fields})


# --- Content pages ------------------------------------------------------------------


def make_link(condition, treatment, **fields):
    """List `treatment` among `condition`'s treatment options."""
    return ConditionTreatment.objects.create(condition=condition, treatment=treatment, **fields)


def make_faq(page, **fields):
    n = next(_numbers)
    defaults = {"page": page.page, "question": f"Question {n}?", "answer": f"Answer {n}.", "order": n}
    return FAQ.objects.create(**{**defaults, **fields})


def make_takeaway(page, **fields):
    n = next(_numbers)
    return KeyTakeaway.objects.create(**{"page": page.page, "text": f"Takeaway {n}.", "order": n, **fields})


def make_reference(page, **fields):
    n = next(_numbers)
    defaults = {"page": page.page, "citation": f"Author A. Study {n}. Journal. 2020.", "order": n}
    return Reference.objects.create(**{**defaults, **fields})


def make_staff_user(*permissions, username="editor"):
    """A staff user holding `permissions` ("treatments.view_condition", ...)."""
    user = User.objects.create_user(username=username, password="not-used-in-tests", is_staff=True)
    for name in permissions:
        app_label, codename = name.split(".")
        user.user_permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))
    return user
