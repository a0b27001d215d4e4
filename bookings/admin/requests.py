"""Consultation requests in admin: the list reception works from each morning, the
change page with its history, and the workflow steps (through bookings.admin.workflow)."""

import calendar
from datetime import date, timedelta

import phonenumbers
from django.conf import settings
from django.contrib import admin
from django.contrib.contenttypes.admin import GenericTabularInline
from django.db.models import Count, IntegerField, OuterRef, Prefetch, Subquery
from django.db.models.functions import Coalesce
from django.urls import NoReverseMatch
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.text import capfirst
from django.utils.timesince import timesince

from bookings.admin.filters import (
    AppointmentDateFilter,
    BookableTreatmentFilter,
    ConsultingClinicianFilter,
    EmailTroubleFilter,
    OfferFilter,
    PreferredDateFilter,
    ReceivedDateFilter,
)
from bookings.admin.workflow import WorkflowAdminMixin
from bookings.models import (
    SCHEDULED_STATUSES,
    SCREENING_FIELDS,
    ConsultationRequest,
    ScreeningAnswer,
    Status,
    StatusChange,
)
from bookings.models.requests import waiting_first
from clinic.admin_personal_data import PersonalDataAdminMixin
from clinic.phone import national_format, tel_link
from notifications.models import Email
from treatments.models import Treatment

PATIENT_DETAILS = "bookings.view_patient_details"
SCREENING_ANSWERS = "bookings.view_screening_answers"
# Years the requests list's date hierarchy links to, this one included.
HIERARCHY_YEARS = 4


def can_see_screening_answers(request):
    """Clinicians (and superusers) see the answers; everyone else at most `screening_summary`."""
    return request.user.has_perm(SCREENING_ANSWERS)


class ReadOnlyInlineMixin:
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class ReadOnlyInline(ReadOnlyInlineMixin, admin.TabularInline):
    pass


class StatusChangeInline(PersonalDataAdminMixin, ReadOnlyInline):
    model = StatusChange
    fields = ["at", "from_status", "to_status", "actor", "note"]
    readonly_fields = fields
    verbose_name = "status change"
    verbose_name_plural = "history"
    personal_permission = PATIENT_DETAILS
    shows = {"actor": ["by"]}

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("by")

    @admin.display(description="by")
    def actor(self, change):
        return change.actor


class NotificationInline(PersonalDataAdminMixin, ReadOnlyInlineMixin, GenericTabularInline):
    """The request's emails, from the outbox: seen by whoever may see the request."""

    model = Email
    fields = ["kind_label", "to", "created_at", "state", "sent_at", "failed_at", "attempts", "error"]
    readonly_fields = fields
    verbose_name_plural = "emails"
    personal_permission = PATIENT_DETAILS
    shows = {"kind_label": ["kind"]}

    def has_view_permission(self, request, obj=None):
        return request.user.has_perm("bookings.view_consultationrequest")

    @admin.display(description="kind")
    def kind_label(self, notification):
        return notification.get_kind_display()

    @admin.display(description="state")
    def state(self, notification):
        return notification.state


@admin.register(ConsultationRequest)
class ConsultationRequestAdmin(PersonalDataAdminMixin, WorkflowAdminMixin, admin.ModelAdmin):
    """Requests arrive from patients and change state only through bookings.services:
    the workflow buttons and actions call it; the page itself edits only staff notes.
    Patients' details and answers show to the staff the model's `personal_data` allows."""

    personal_permission = PATIENT_DETAILS
    screening_permission = SCREENING_ANSWERS
    # What each computed column and field shows, so it is hidden with the data.
    shows = {
        "patient": ["full_name"],
        "phone_number": ["phone"],
        "treatment_list": ["treatments"],
        "screening": ["screening_flags"],
        "screening_answers": SCREENING_FIELDS,
        "preferred": ["first_preferred_date", "second_preferred_date", "time_of_day"],
        "first_preferred": ["first_preferred_date"],
        "second_preferred": ["second_preferred_date"],
        "status_badge": ["status"],
        "appointment": ["status", "confirmed_start", "clinician"],
        "age": ["created_at"],
        "email_trouble": [],  # a count of failed emails
        "offered_times": [],  # times and clinicians (ProposedTime)
        "came_from": ["source_page"],
    }

    list_display = [
        "reference",
        "patient",
        "treatment_list",
        "screening",
        "preferred",
        "status_badge",
        "appointment",
        "age",
        "email_trouble",
    ]
    list_display_links = ["reference"]
    list_filter = [
        "status",
        ("treatments", BookableTreatmentFilter),
        PreferredDateFilter,
        AppointmentDateFilter,
        ("clinician", ConsultingClinicianFilter),
        ("created_at", ReceivedDateFilter),
        OfferFilter,
        EmailTroubleFilter,
    ]
    search_fields = ["reference", "full_name", "email", "phone"]
    search_help_text = "Reference, name, email or phone number (in any common format)."
    date_hierarchy = "created_at"
    # Over years of requests, Django's hierarchy reads every request for the years and months
    # that have any (half a second); these links are a calendar instead (see below).
    date_hierarchy_drilldown = False
    # "50 of 200,000" would count every request a second time.
    show_full_result_count = False
    list_select_related = ["clinician"]
    list_per_page = 50
    inlines = [StatusChangeInline, NotificationInline]
    change_form_template = "admin/bookings/consultationrequest/change_form.html"

    class Media:
        css = {"all": ["css/bookings-admin.css"]}  # a file, not inline styles: the CSP allows only our own

    fieldsets = [
        (None, {"fields": ["reference", "created_at", "updated_at", "anonymised_at"]}),
        ("Patient", {"fields": ["full_name", "email", "phone_number", "contact_preference"]}),
        (
            "Request",
            {
                "fields": [
                    "treatment_list",
                    "help_with",
                    "first_preferred",
                    "second_preferred",
                    "time_of_day",
                    "came_from",
                ]
            },
        ),
        (
            "Screening answers",
            {
                "fields": ["screening_answers", "screening_summary"],
                "description": "The patient's own answers, for the clinician to go through at the consultation. "
                "Only clinicians see the answers themselves.",
            },
        ),
        (
            "Scheduling",
            {"fields": ["appointment", "offered_times", "decline_reason", "declined_for"]},
        ),
        ("Staff notes", {"fields": ["staff_notes"]}),
        (
            "Consent",
            {
                "fields": ["consent_given_at", "consent_method", "consent_recorded_by", "privacy_notice_version"],
                "classes": ["collapse"],
            },
        ),
    ]
    readonly_fields = [
        "reference",
        "status_badge",
        "created_at",
        "updated_at",
        "anonymised_at",
        "full_name",
        "email",
        "phone_number",
        "contact_preference",
        "treatment_list",
        "help_with",
        "first_preferred",
        "second_preferred",
        "time_of_day",
        "came_from",
        "screening_answers",
        "screening_summary",
        "appointment",
        "offered_times",
        "decline_reason",
        "declined_for",
        "consent_given_at",
        "consent_method",
        "consent_recorded_by",
        "privacy_notice_version",
    ]

    # --- who sees and does what ---

    def has_add_permission(self, request):
        # Patients ask online; reception adds the bookings it takes by phone or at the desk (see add_view).
        return request.user.has_perm("bookings.add_consultationrequest")

    def has_delete_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser

    def get_fieldsets(self, request, obj=None):
        hidden = set()
        if can_see_screening_answers(request):
            hidden.add("screening_summary")  # clinicians read the answers themselves
        if obj is None or obj.anonymised_at is None:
            hidden.add("anonymised_at")
        fieldsets = []
        for name, options in super().get_fieldsets(request, obj):
            fields = [field for field in options["fields"] if field not in hidden]
            if fields:
                fieldsets.append((name, {**options, "fields": fields}))
        return fieldsets

    # --- the list ---

    def get_queryset(self, request):
        # A subquery per listed row, not a GROUP BY over every request: with years of requests
        # the join and grouping made the list take seconds (see `make bench BENCH_ARGS=--scale`).
        failed = (
            Email.objects.filter(
                content_type__app_label="bookings",
                content_type__model="consultationrequest",
                object_id=OuterRef("pk"),
                failed_at__isnull=False,
                sent_at__isnull=True,
            )
            .order_by()
            .values("object_id")
            .annotate(count=Count("pk"))
            .values("count")
        )
        return (
            super()
            .get_queryset(request)
            .annotate(failed_email_count=Coalesce(Subquery(failed, output_field=IntegerField()), 0))
            .prefetch_related(Prefetch("treatments", queryset=Treatment.objects.only("id", "title")))
        )

    def get_ordering(self, request):
        # New requests first (they need someone to pick them up), then everything else; newest first in each.
        return [waiting_first().asc(), "-created_at"]

    @staticmethod
    def get_date_hierarchy_drilldown(year, month):
        """The date hierarchy's links without asking the database (django-admin-lightweight-
        date-hierarchy): the last HIERARCHY_YEARS years, a year's months, a month's days,
        never past today (requests are never received in the future)."""
        today = timezone.localdate()
        if year is None:
            days = (date(y, 1, 1) for y in range(today.year - HIERARCHY_YEARS + 1, today.year + 1))
        elif month is None:
            days = (date(year, m, 1) for m in range(1, 13))
        else:
            days = (date(year, month, 1) + timedelta(days=d) for d in range(calendar.monthrange(year, month)[1]))
        return [day for day in days if day <= today]

    def get_search_results(self, request, queryset, search_term):
        """A whole phone number typed the way people write it (07911 123456, +44 7911
        123456) is looked for in the international form it is stored in."""
        if "phone" in self.get_search_fields(request) and sum(char.isdigit() for char in search_term) >= 7:
            try:
                number = phonenumbers.parse(search_term, settings.CLINIC_PHONE_REGION)
            except phonenumbers.NumberParseException:
                number = None
            if number is not None and phonenumbers.is_possible_number(number):
                search_term = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
        return super().get_search_results(request, queryset, search_term)

    @admin.display(description="patient", ordering="full_name")
    def patient(self, consultation):
        return consultation.full_name

    @admin.display(description="phone")
    def phone_number(self, consultation):
        """The number as staff dial it (07911 123456), a link that dials it."""
        return tel_link(national_format(consultation.phone)) if consultation.phone else "—"

    @admin.display(description="treatments")
    def treatment_list(self, consultation):
        return ", ".join(treatment.title for treatment in consultation.treatments.all()) or "—"

    @admin.display(description="screening")
    def screening(self, consultation):
        """A flag, not the answers: "yes" or "not sure" to at least one question."""
        flags = consultation.screening_flags
        badges = [
            format_html('<span class="screening-flag screening-{}">{}</span>', value, label)
            for value, label in [(ScreeningAnswer.YES, "a “yes”"), (ScreeningAnswer.NOT_SURE, "a “not sure”")]
            if value in flags
        ]
        return format_html_join(" ", "{}", ((badge,) for badge in badges)) or "—"

    @admin.display(description="screening answers")
    def screening_answers(self, consultation):
        """Every question and answer, for clinicians; "yes" answers stand out."""
        rows = []
        for name in SCREENING_FIELDS:
            field = consultation._meta.get_field(name)
            value = getattr(consultation, name)
            answer = getattr(consultation, f"get_{name}_display")() if value else "—"
            if value == ScreeningAnswer.YES:
                answer = format_html('<strong class="screening-flag screening-yes">{}</strong>', answer)
            rows.append((capfirst(field.verbose_name), answer))
        return format_html(
            '<dl class="screening-answers">{}</dl>', format_html_join("", "<dt>{}</dt><dd>{}</dd>", rows)
        )

    @admin.display(description="screening answers")
    def screening_summary(self, consultation):
        return consultation.screening_summary

    @admin.display(description="preferred", ordering="first_preferred_date")
    def preferred(self, consultation):
        """Both preferred dates and the time of day, compact: "Tue 1 Dec or Thu 3 Dec, morning"."""
        dates = [day for day in (consultation.first_preferred_date, consultation.second_preferred_date) if day]
        shown = " or ".join(f"{day:%a}\u00a0{day.day}\u00a0{day:%b}" for day in dates)  # no break inside a date
        return format_html(
            '<span title="{}">{}</span><br><span class="time-of-day">{}</span>',
            " or ".join(f"{day:%A %d %B %Y}" for day in dates),
            shown,
            consultation.get_time_of_day_display().lower(),
        )

    @admin.display(description="status", ordering="status")
    def status_badge(self, consultation):
        return format_html(
            '<span class="status-badge status-{}">{}</span>', consultation.status, consultation.get_status_display()
        )

    @admin.display(description="appointment", ordering="confirmed_start")
    def appointment(self, consultation):
        if consultation.confirmed_start is None or consultation.status not in SCHEDULED_STATUSES:
            return "—"
        local = timezone.localtime(consultation.confirmed_start)
        when = f"{local:%a}\u00a0{local.day}\u00a0{local:%b}, {local:%H:%M}"
        return format_html("{}<br>{}", when, consultation.clinician.name)

    @admin.display(description="age", ordering="created_at")
    def age(self, consultation):
        return format_html(
            '<time datetime="{}" title="{}">{}</time>',
            consultation.created_at.isoformat(),
            f"{timezone.localtime(consultation.created_at):%d %b %Y %H:%M}",
            timesince(consultation.created_at, depth=1),
        )

    @admin.display(description="email trouble", ordering="failed_email_count")
    def email_trouble(self, consultation):
        failed = consultation.failed_email_count
        if not failed:
            return ""
        return format_html('<span class="email-trouble">{} failed email{}</span>', failed, "s" if failed > 1 else "")

    # --- the change page ---

    @admin.display(description="first preferred date")
    def first_preferred(self, consultation):
        return date_format(consultation.first_preferred_date, "l j F Y")

    @admin.display(description="second preferred date")
    def second_preferred(self, consultation):
        return (
            date_format(consultation.second_preferred_date, "l j F Y") if consultation.second_preferred_date else "—"
        )

    @admin.display(description="offered times")
    def offered_times(self, consultation):
        if consultation.status != Status.TIME_PROPOSED:
            return "—"
        times = [str(proposal) for proposal in consultation.proposed_times.select_related("clinician")]
        return format_html("{}", "; ".join(times)) if times else "—"

    @admin.display(description="came from")
    def came_from(self, consultation):
        if consultation.source_page is None:
            return "—"
        page, kind = consultation.source_page.specific, consultation.source_page.get_kind_display().lower()
        try:
            return format_html('The {} page <a href="{}">{}</a>', kind, page.get_absolute_url(), page.title)
        except NoReverseMatch:  # the public page is not routed (yet)
            return f"The {kind} page {page.title}"
