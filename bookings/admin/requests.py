from django.contrib import admin
from django.db.models import Count, Q
from django.urls import NoReverseMatch
from django.utils.html import format_html

from bookings.models import ClinicHours, Closure, ConsultationRequest, Notification, StatusChange


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class StatusChangeInline(ReadOnlyInline):
    model = StatusChange
    fields = ["at", "from_status", "to_status", "actor", "note"]
    readonly_fields = fields
    verbose_name = "status change"
    verbose_name_plural = "history"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("by")

    @admin.display(description="by")
    def actor(self, change):
        return change.actor


class NotificationInline(ReadOnlyInline):
    model = Notification
    fields = ["kind", "to", "created_at", "state", "sent_at", "failed_at", "attempts", "error"]
    readonly_fields = fields
    verbose_name_plural = "emails"

    @admin.display(description="state")
    def state(self, notification):
        return notification.state


@admin.register(ConsultationRequest)
class ConsultationRequestAdmin(admin.ModelAdmin):
    """Requests arrive from patients and change state only through bookings.services;
    here staff read them and keep notes. Workflow actions come with the staff issue."""

    list_display = [
        "reference",
        "full_name",
        "status_badge",
        "first_preferred_date",
        "confirmed_start",
        "clinician",
        "created_at",
        "failed_emails",
    ]
    list_filter = ["status", "treatments", "first_preferred_date", "created_at"]
    search_fields = ["reference", "full_name", "email", "phone"]
    date_hierarchy = "created_at"
    list_select_related = ["clinician"]
    inlines = [StatusChangeInline, NotificationInline]

    class Media:
        css = {"all": ["css/bookings-admin.css"]}  # a file, not inline styles: the CSP allows only our own

    fieldsets = [
        (None, {"fields": ["reference", "status", "created_at", "updated_at"]}),
        ("Patient", {"fields": ["full_name", "email", "phone", "contact_preference"]}),
        (
            "What they asked for",
            {
                "fields": [
                    "treatment_list",
                    "help_with",
                    "first_preferred_date",
                    "second_preferred_date",
                    "time_of_day",
                    "came_from",
                ]
            },
        ),
        (
            "Screening answers",
            {
                "fields": [
                    "isotretinoin_recent",
                    "pregnant_or_breastfeeding",
                    "keloid_tendency",
                    "active_skin_infection",
                ]
            },
        ),
        ("Appointment", {"fields": ["confirmed_start", "clinician", "decline_reason"]}),
        ("Consent", {"fields": ["consent_given_at", "privacy_notice_version"]}),
        ("Staff", {"fields": ["staff_notes"]}),
    ]
    readonly_fields = [
        "reference",
        "status",
        "created_at",
        "updated_at",
        "full_name",
        "email",
        "phone",
        "contact_preference",
        "treatment_list",
        "help_with",
        "first_preferred_date",
        "second_preferred_date",
        "time_of_day",
        "came_from",
        "isotretinoin_recent",
        "pregnant_or_breastfeeding",
        "keloid_tendency",
        "active_skin_infection",
        "confirmed_start",
        "clinician",
        "decline_reason",
        "consent_given_at",
        "privacy_notice_version",
    ]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                failed_email_count=Count(
                    "notifications", filter=Q(notifications__failed_at__isnull=False, notifications__sent_at=None)
                )
            )
        )

    def has_add_permission(self, request):
        return False  # requests come from patients, through the public form

    @admin.display(description="status", ordering="status")
    def status_badge(self, consultation):
        return format_html(
            '<span class="status-badge status-{}">{}</span>', consultation.status, consultation.get_status_display()
        )

    @admin.display(description="failed emails", ordering="failed_email_count")
    def failed_emails(self, consultation):
        return consultation.failed_email_count or ""

    @admin.display(description="treatments of interest")
    def treatment_list(self, consultation):
        return ", ".join(treatment.title for treatment in consultation.treatments.all()) or "—"

    @admin.display(description="came from")
    def came_from(self, consultation):
        page = consultation.source_treatment or consultation.source_condition
        if page is None:
            return "—"
        kind = "treatment" if consultation.source_treatment_id else "condition"
        try:
            return format_html('The {} page <a href="{}">{}</a>', kind, page.get_absolute_url(), page.title)
        except NoReverseMatch:  # the public page is not routed (yet)
            return f"The {kind} page {page.title}"


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    """Every email about a request, with failures for staff to follow up."""

    list_display = ["request", "kind", "to", "created_at", "state", "sent_at", "failed_at", "attempts", "error"]
    list_filter = ["kind", ("failed_at", admin.EmptyFieldListFilter), ("sent_at", admin.EmptyFieldListFilter)]
    search_fields = ["request__reference", "to"]
    date_hierarchy = "created_at"
    list_select_related = ["request"]
    readonly_fields = list_display

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description="state")
    def state(self, notification):
        return notification.state


@admin.register(ClinicHours)
class ClinicHoursAdmin(admin.ModelAdmin):
    list_display = ["weekday", "opens", "closes"]
    ordering = ["weekday"]


@admin.register(Closure)
class ClosureAdmin(admin.ModelAdmin):
    list_display = ["date", "reason"]
    search_fields = ["reason"]
    date_hierarchy = "date"
