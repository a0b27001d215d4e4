"""List filters for consultation requests: preferred date, appointment date, email trouble."""

from datetime import timedelta

from django.contrib import admin
from django.db.models import Q
from django.utils import timezone

from bookings.availability import offer_still_open
from bookings.models import Status


def _day_ranges(today):
    return {
        "today": (today, today),
        "tomorrow": (today + timedelta(days=1), today + timedelta(days=1)),
        "next_7_days": (today, today + timedelta(days=6)),
        "next_30_days": (today, today + timedelta(days=29)),
    }


DAY_CHOICES = [
    ("today", "Today"),
    ("tomorrow", "Tomorrow"),
    ("next_7_days", "Next 7 days"),
    ("next_30_days", "Next 30 days"),
    ("past", "Before today"),
]


class PreferredDateFilter(admin.SimpleListFilter):
    """Either of the patient's preferred dates."""

    title = "preferred date"
    parameter_name = "preferred"

    def lookups(self, request, model_admin):
        return DAY_CHOICES

    def queryset(self, request, queryset):
        today = timezone.localdate()
        if self.value() == "past":
            return queryset.filter(first_preferred_date__lt=today).filter(
                Q(second_preferred_date__isnull=True) | Q(second_preferred_date__lt=today)
            )
        if (span := _day_ranges(today).get(self.value())) is not None:
            return queryset.filter(Q(first_preferred_date__range=span) | Q(second_preferred_date__range=span))
        return queryset


class AppointmentDateFilter(admin.SimpleListFilter):
    """The confirmed consultation's date (whatever the status now)."""

    title = "appointment date"
    parameter_name = "appointment"

    def lookups(self, request, model_admin):
        return DAY_CHOICES

    def queryset(self, request, queryset):
        today = timezone.localdate()
        if self.value() == "past":
            return queryset.filter(confirmed_start__date__lt=today)
        if (span := _day_ranges(today).get(self.value())) is not None:
            return queryset.filter(confirmed_start__date__range=span)
        return queryset


class OfferFilter(admin.SimpleListFilter):
    """Requests whose offered times the patient can still take, or whose offer has
    expired (every time released or passed); see availability.offer_still_open."""

    title = "offered times"
    parameter_name = "offer"

    def lookups(self, request, model_admin):
        return [("open", "Still on offer"), ("expired", "Offer expired")]

    def queryset(self, request, queryset):
        if self.value() == "open":
            return queryset.filter(offer_still_open(), status=Status.TIME_PROPOSED)
        if self.value() == "expired":
            return queryset.filter(~offer_still_open(), status=Status.TIME_PROPOSED)
        return queryset


class EmailTroubleFilter(admin.SimpleListFilter):
    title = "email trouble"
    parameter_name = "email_trouble"

    def lookups(self, request, model_admin):
        return [("failed", "An email failed")]

    def queryset(self, request, queryset):
        if self.value() == "failed":
            return queryset.filter(failed_email_count__gt=0)
        return queryset


class ReceivedDateFilter(admin.DateFieldListFilter):
    """The date-created filter, named the way reception says it."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.title = "date received"


class BookableTreatmentFilter(admin.RelatedFieldListFilter):
    """Treatments patients can ask for, without scanning every request to find which were
    asked for (RelatedOnlyFieldListFilter does, and takes seconds over years of requests)."""

    def field_choices(self, field, request, model_admin):
        from treatments.models import Treatment

        return [(treatment.pk, treatment.title) for treatment in Treatment.objects.bookable().only("pk", "title")]


class ConsultingClinicianFilter(admin.RelatedFieldListFilter):
    """Clinicians who take consultations (see BookableTreatmentFilter for why not "related only")."""

    def field_choices(self, field, request, model_admin):
        from staff.models import Clinician

        return [(clinician.pk, str(clinician)) for clinician in Clinician.objects.filter(takes_consultations=True)]
