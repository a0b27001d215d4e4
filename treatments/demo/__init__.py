"""Demo content: the pages written for the site, and patients' comments on them.

The texts are data, in YAML files beside this module, written in the project's
own words and fictional throughout: `references.yaml` (the papers pages cite,
by key), one file per page in `treatments/` and `conditions/` (the number in a
file's name keeps the pages' order), `comments.yaml` (invented patients and the
clinic's answers) and `consultation-fee.yaml`. The figures (sessions, intervals, numbing, downtime)
are the usual ones for each treatment; the two treatments the demo clinic
offers are microneedling and fractional laser.

`load()` only adds what is missing: a page that exists (by slug) is left
exactly as editors left it, so running it again changes nothing.
`manage.py load_demo_content` calls it, as it calls every app's `demo.load()`.
"""

from datetime import timedelta
from pathlib import Path

import yaml
from django.utils import timezone

from staff.models import Clinician
from treatments.models import (
    FAQ,
    Comment,
    CommentStatus,
    Condition,
    ConditionTreatment,
    ConsultationFee,
    KeyTakeaway,
    PublicationStatus,
    Reference,
    Treatment,
)

FOLDER = Path(__file__).parent


def read(name):
    """The parsed YAML file `name` (a path relative to this folder)."""
    return yaml.safe_load((FOLDER / name).read_text(encoding="utf-8"))


def read_each(folder):
    """The parsed YAML files in `folder`, in the order of their names."""
    return [read(path) for path in sorted((FOLDER / folder).glob("*.yaml"))]


# {key: {"citation": str, and one of "pmid", "doi", "url"}}: what pages cite, by key.
REFERENCES = read("references.yaml")
# [{page field: value, "author"/"reviewer": clinician name, "review_age_days": int,
#   "faqs": [{"question", "answer"}], "takeaways": [str], "references": [key]}];
# a condition adds "treatments": [{"treatment": slug, "note", "suitability", "reference": key}].
TREATMENTS = read_each("treatments")
CONDITIONS = read_each("conditions")
# [{"treatment" or "condition": slug, "author_name", "days_ago", "body", "is_question"?,
#   "answer"?: {"clinician": name, "days_later", "body"}}]
DEMO_COMMENTS = read("comments.yaml")
CONSULTATION_FEE = read("consultation-fee.yaml")

PAGE_KEYS = {"author", "reviewer", "review_age_days", "faqs", "takeaways", "references", "treatments"}


def _create_page(model, data, clinicians):
    """Create a published page and its FAQs, takeaways and references; None if the slug exists."""
    if model.objects.filter(slug=data["slug"]).exists():
        return None
    reviewed_on = timezone.localdate() - timedelta(days=data["review_age_days"])
    page = model(
        **{key: value for key, value in data.items() if key not in PAGE_KEYS},
        status=PublicationStatus.PUBLISHED,
        author=clinicians[data["author"]],
        medical_reviewer=clinicians[data["reviewer"]],
        reviewed_on=reviewed_on,
        next_review_due=reviewed_on + timedelta(days=365),
    )
    if getattr(page, "price_from", None) is not None:
        page.prices_checked_on = reviewed_on
    page.full_clean()
    page.save()
    owner = {"page": page.page}
    for order, faq in enumerate(data["faqs"], start=1):
        FAQ.objects.create(**owner, order=order, question=faq["question"], answer=faq["answer"])
    for order, text in enumerate(data["takeaways"], start=1):
        KeyTakeaway.objects.create(**owner, order=order, text=text)
    for order, key in enumerate(data["references"], start=1):
        Reference.objects.create(**owner, order=order, **REFERENCES[key])
    return page


def _link_treatments(condition, links):
    """Link `condition` to its treatments, in order, each with its note, suitability and
    the reference behind it; returns how many links were made."""
    references = {reference.citation: reference for reference in condition.references.all()}
    treatments = Treatment.objects.in_bulk([link["treatment"] for link in links], field_name="slug")
    for order, data in enumerate(links, start=1):
        link = ConditionTreatment(
            condition=condition,
            treatment=treatments[data["treatment"]],
            order=order,
            note=data["note"],
            suitability=data["suitability"],
            suitability_reference=references[REFERENCES[data["reference"]]["citation"]],
        )
        link.full_clean()
        link.save()
    return len(links)


def load():
    """Add the demo consultation fee, pages and comments that are missing.

    The pages' authors and reviewers are staff's demo clinicians (staff.demo, loaded
    first). Returns {what: how many were created}, for the command's summary."""
    pages = TREATMENTS + CONDITIONS
    names = {data[role] for data in pages for role in ("author", "reviewer")}
    clinicians = {clinician.name: clinician for clinician in Clinician.objects.filter(name__in=names)}
    created = {"treatments": 0, "conditions": 0, "treatment links": 0, "consultation fee": 0}
    if not ConsultationFee.objects.exists():
        ConsultationFee.objects.create(**CONSULTATION_FEE, checked_on=timezone.localdate())
        created["consultation fee"] = 1
    for data in TREATMENTS:
        created["treatments"] += _create_page(Treatment, data, clinicians) is not None
    for data in CONDITIONS:
        condition = _create_page(Condition, data, clinicians)
        if condition is not None:
            created["conditions"] += 1
            created["treatment links"] += _link_treatments(condition, data["treatments"])
    created.update(load_comments())
    return created


def load_comments():
    """Add the demo comments and clinic answers to pages that exist; skip the rest.

    A comment is known by its page and display name, so running this again adds nothing.
    Returns {"comments": how many comments and answers were created}.
    """
    models = {"condition": Condition, "treatment": Treatment}
    created = 0
    now = timezone.now()
    for data in DEMO_COMMENTS:
        kind = "treatment" if "treatment" in data else "condition"
        page = models[kind].objects.filter(slug=data[kind]).first()
        if page is None:
            continue
        posted_at = now - timedelta(days=data["days_ago"])
        comment, was_created = Comment.objects.get_or_create(
            page=page.page,
            author_name=data["author_name"],
            parent=None,
            defaults={
                "body": data["body"],
                "is_question": data.get("is_question", False),
                "status": CommentStatus.APPROVED,
                "moderated_at": posted_at,
            },
        )
        if was_created:
            Comment.objects.filter(pk=comment.pk).update(created_at=posted_at)
            created += 1
        answer = data.get("answer")
        clinician = answer and Clinician.objects.filter(name=answer["clinician"]).first()
        if not clinician:
            continue
        answered_at = posted_at + timedelta(days=answer["days_later"])
        reply, was_created = Comment.objects.get_or_create(
            page=page.page,
            parent=comment,
            clinician=clinician,
            defaults={
                "author_name": clinician.name,
                "body": answer["body"],
                "status": CommentStatus.APPROVED,
                "moderated_at": answered_at,
            },
        )
        if was_created:
            Comment.objects.filter(pk=reply.pk).update(created_at=answered_at)
            created += 1
    return {"comments": created}
