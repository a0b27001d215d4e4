"""Admin for what surrounds the requests: their emails, opening hours, closures and decline reasons."""

from django.contrib import admin, messages

from bookings import services
from bookings.admin.forms import DeclineReasonForm
from bookings.admin.selection import SafeSelectionMixin
from bookings.models import ClinicHours, Closure, DeclineReason, Notification
from clinic.forms import PlainTextModelForm


@admin.register(Notification)
class NotificationAdmin(SafeSelectionMixin, admin.ModelAdmin):
    """Every email about a request, with failures for staff to follow up and send again.
    Only staff who may see requests see their emails."""

    list_display = ["request", "kind", "to", "created_at", "state", "sent_at", "failed_at", "attempts", "error"]
    list_filter = ["kind", ("failed_at", admin.EmptyFieldListFilter), ("sent_at", admin.EmptyFieldListFilter)]
    search_fields = ["request__reference", "to"]
    date_hierarchy = "created_at"
    list_select_related = ["request"]
    readonly_fields = list_display
    actions = ["send_again"]

    def _sees_requests(self, request):
        return request.user.has_perm("bookings.view_consultationrequest")

    def _sees_details(self, request):
        return request.user.has_perm("bookings.view_patient_details")

    def has_module_permission(self, request):
        return self._sees_requests(request) and super().has_module_permission(request)

    def has_view_permission(self, request, obj=None):
        return self._sees_requests(request) and super().has_view_permission(request, obj)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser

    def has_send_permission(self, request):
        return request.user.has_perm("bookings.change_consultationrequest")

    def get_list_display(self, request):
        if self._sees_details(request):
            return self.list_display
        return [column for column in self.list_display if column not in {"to", "error"}]

    def get_readonly_fields(self, request, obj=None):
        return self.get_list_display(request)

    def get_fields(self, request, obj=None):
        return self.get_list_display(request)

    def get_search_fields(self, request):
        return self.search_fields if self._sees_details(request) else ["request__reference"]

    @admin.display(description="state")
    def state(self, notification):
        return notification.state

    @admin.action(description="Send the selected failed emails again", permissions=["send"])
    def send_again(self, request, queryset):
        sent, failed = services.retry_failed_emails(notifications=queryset)
        if not sent and not failed:
            self.message_user(request, "None of the selected emails had failed: nothing was sent.", messages.INFO)
        if sent:
            self.message_user(request, f"{sent} email{'s' if sent > 1 else ''} sent.", messages.SUCCESS)
        if failed:
            self.message_user(request, f"{failed} email{'s' if failed > 1 else ''} failed again.", messages.ERROR)


@admin.register(ClinicHours)
class ClinicHoursAdmin(SafeSelectionMixin, admin.ModelAdmin):
    list_display = ["weekday", "opens", "closes"]
    ordering = ["weekday"]


@admin.register(Closure)
class ClosureAdmin(SafeSelectionMixin, admin.ModelAdmin):
    form = PlainTextModelForm
    list_display = ["date", "reason"]
    search_fields = ["reason"]
    date_hierarchy = "date"


@admin.register(DeclineReason)
class DeclineReasonAdmin(SafeSelectionMixin, admin.ModelAdmin):
    """Reasons reception often gives when declining; untick "offered" rather than delete."""

    form = DeclineReasonForm

    list_display = ["title", "text", "is_active", "order"]
    list_editable = ["is_active", "order"]
    list_filter = ["is_active"]
    search_fields = ["title", "text"]
