"""A patient's data rights: everything the clinic holds about one email address,
exported as a file or erased. Admin (privacy/admin.py) and the management
commands `export_personal_data` and `erase_personal_data` call these; each
export and erasure, done or refused, is recorded as a PrivacyRequest.

What an email address finds: consultation requests made with it (with their
history, the emails about them and times offered) and the comments posted
with it (clinic answers hold no patient's data). Matching ignores case. What
each model declares personal in its `personal_data` (clinic.personal_data) is
always in the export; a request's other fields too, bar the internal ones.

Erasure anonymises the requests through bookings' own `anonymise_request` and
erases the comments through treatments' `erase_commenter`, in one
transaction. It refuses, and changes nothing, while a request is still open
or confirmed: the clinic must close it first (cancel, decline or complete) so
that no patient loses an appointment without being told.
"""

import json

from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone

from bookings import services as bookings_services
from bookings.models import ConsultationRequest, StatusChange
from notifications.models import Email
from privacy.models import PrivacyRequest, subject_hash
from treatments import services as treatments_services
from treatments.models import Comment, Page

# The keys the export uses for a comment's fields where they differ from the field's name.
COMMENT_KEYS = {"author_name": "display_name", "body": "text"}


class ErasureRefused(ValidationError):
    """Something about this address cannot be erased yet (the message says what)."""


def normalised(email):
    email = (email or "").strip()
    validate_email(email)
    return email


def consultations_about(email):
    return (
        ConsultationRequest.objects.filter(email__iexact=email)
        .select_related("clinician", *Page.specific_paths("source_page"))
        .prefetch_related("treatments", "status_changes", "notifications", "proposed_times__clinician")
        .order_by("created_at", "pk")
    )


def comments_by(email):
    return (
        Comment.objects.filter(email__iexact=email, clinician__isnull=True)
        .select_related(*Page.specific_paths("page"))
        .order_by("created_at", "pk")
    )


# --- Export ------------------------------------------------------------------------------------


def _fields(obj):
    """Every field of `obj` but those its model's `personal_data` declares internal
    (the service's own keys and secrets), as a person reads them."""
    data = {}
    for field in obj.personal_data.exported_fields():
        if field.is_relation:
            related = getattr(obj, field.name)
            data[field.name] = str(related) if related is not None else None
        elif field.choices and getattr(obj, field.attname):
            data[field.name] = getattr(obj, f"get_{field.name}_display")()
        else:
            data[field.name] = getattr(obj, field.attname)
    return data


def _consultation_data(consultation):
    return {
        **_fields(consultation),
        "treatments": [treatment.title for treatment in consultation.treatments.all()],
        "history": [
            {
                "at": change.at,
                "from": change.get_from_status_display() if change.from_status else "",
                "to": change.get_to_status_display(),
                "by": "clinic staff" if change.by_id else "patient",
                **StatusChange.personal_data.values(change),
            }
            for change in consultation.status_changes.all()
        ],
        "emails": [
            {
                "kind": email.get_kind_display(),
                "created_at": email.created_at,
                "sent_at": email.sent_at,
                "failed_at": email.failed_at,
                "state": email.state,
                **Email.personal_data.values(email),
            }
            for email in consultation.notifications.all()
        ],
        "times_offered": [
            {"start": offer.start, "clinician": str(offer.clinician)} for offer in consultation.proposed_times.all()
        ],
    }


def _comment_data(comment):
    personal = Comment.personal_data.values(comment)
    return {
        "id": comment.pk,
        "page": comment.page.specific.title,
        "page_url": comment.page.get_absolute_url(),
        "created_at": comment.created_at,
        **{COMMENT_KEYS.get(name, name): value for name, value in personal.items()},
        "is_question": comment.is_question,
        "status": comment.get_status_display(),
        "is_reply": comment.parent_id is not None,
    }


def personal_data(email):
    """Everything held about `email`, as JSON-ready data."""
    email = normalised(email)
    return {
        "email": email,
        "exported_at": timezone.now(),
        "consultation_requests": [_consultation_data(consultation) for consultation in consultations_about(email)],
        "comments": [_comment_data(comment) for comment in comments_by(email)],
    }


def export_personal_data(*, email, by, via):
    """Everything held about `email` (see `personal_data`), recorded as an export."""
    data = personal_data(email)
    PrivacyRequest.objects.create(
        kind=PrivacyRequest.Kind.EXPORT,
        subject=subject_hash(data["email"]),
        requested_by=by,
        via=via,
        consultation_requests=[item["reference"] for item in data["consultation_requests"]],
        comments=[item["id"] for item in data["comments"]],
    )
    return data


def as_json(data):
    return json.dumps(data, cls=DjangoJSONEncoder, indent=2, ensure_ascii=False)


# --- Erasure -----------------------------------------------------------------------------------


def erasure_preview(email):
    """What erasing `email` would do: a dict of "email" (normalised), "consultations"
    (the closed consultation requests to anonymise), "open_consultations" (those still
    open, which stop it) and "comments" (how many comments would be erased)."""
    email = normalised(email)
    consultations = list(ConsultationRequest.objects.filter(email__iexact=email).order_by("created_at", "pk"))
    return {
        "email": email,
        "consultations": [c for c in consultations if c.is_closed],
        "open_consultations": [c for c in consultations if not c.is_closed],
        "comments": comments_by(email).filter(erased_at__isnull=True).count(),
    }


def erase_personal_data(*, email, by, via):
    """Anonymise every request made with `email` and erase every comment posted
    with it, in one transaction, and record it. Raises ErasureRefused (and
    records the refusal, changing nothing else) while a request is not closed."""
    email = normalised(email)
    with transaction.atomic():
        consultations = list(ConsultationRequest.objects.select_for_update().filter(email__iexact=email))
        still_open = [c for c in consultations if not c.is_closed]
        if not still_open:
            for consultation in consultations:
                bookings_services.anonymise_request(consultation=consultation)
            comment_ids = list(comments_by(email).filter(erased_at__isnull=True).values_list("pk", flat=True))
            if comment_ids:
                treatments_services.erase_commenter(comment=Comment.objects.get(pk=comment_ids[0]))
            return PrivacyRequest.objects.create(
                kind=PrivacyRequest.Kind.ERASURE,
                subject=subject_hash(email),
                requested_by=by,
                via=via,
                consultation_requests=[c.reference for c in consultations],
                comments=comment_ids,
            )
    reasons = ", ".join(f"{c.reference} ({c.get_status_display().lower()})" for c in still_open)
    message = (
        f"Nothing was erased: {reasons} still open. Cancel, decline or complete "
        f"{'it' if len(still_open) == 1 else 'them'} first (the patient is told), then erase."
    )
    PrivacyRequest.objects.create(
        kind=PrivacyRequest.Kind.ERASURE,
        outcome=PrivacyRequest.Outcome.REFUSED,
        subject=subject_hash(email),
        requested_by=by,
        via=via,
        consultation_requests=[c.reference for c in still_open],
        note=message,
    )
    raise ErasureRefused(message, code="requests_open")


def user_may_handle(user):
    """Superusers, and staff who may change both consultation requests and comments."""
    return bool(
        user.is_active
        and user.is_staff
        and (user.is_superuser or user.has_perms(["bookings.change_consultationrequest", "treatments.change_comment"]))
    )
