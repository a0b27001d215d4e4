from django import template
from django.db.models import Count, Q
from django.utils import timezone

from bookings.availability import offer_still_open
from bookings.models import ConsultationRequest, Status

register = template.Library()

TODAY_LISTED = 12


@register.simple_tag
def consultation_counts():
    """What is waiting for reception, for the admin home page (two queries)."""
    counts = ConsultationRequest.objects.aggregate(
        new=Count("pk", filter=Q(status=Status.NEW)),
        in_review=Count("pk", filter=Q(status=Status.IN_REVIEW)),
        time_proposed=Count("pk", filter=Q(offer_still_open(), status=Status.TIME_PROPOSED)),
        offer_expired=Count("pk", filter=Q(~offer_still_open(), status=Status.TIME_PROPOSED)),
    )
    today = list(
        ConsultationRequest.objects.confirmed_on(timezone.localdate())
        .select_related("clinician")
        .only("pk", "reference", "full_name", "confirmed_start", "clinician__name")
    )
    return {**counts, "today": today[:TODAY_LISTED], "today_count": len(today)}
