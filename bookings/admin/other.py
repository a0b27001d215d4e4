"""Admin for what surrounds the requests: opening hours, closures and decline reasons
(their emails are in the outbox: notifications.admin)."""

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import router, transaction
from django.shortcuts import redirect

from bookings import services
from bookings.admin.forms import AvailabilityForm, DeclineReasonForm
from bookings.availability import stranded_consultations, stranding_refusal
from bookings.models import ClinicHours, Closure, Course, DeclineReason
from clinic.admin_lists import SafeSelectionMixin


@admin.register(ClinicHours)
class ClinicHoursAdmin(SafeSelectionMixin, admin.ModelAdmin):
    """Changes that would strand confirmed consultations are refused (AvailabilityForm);
    so is deleting a weekday's hours (closing that day) while it holds any."""

    form = AvailabilityForm
    list_display = ["weekday", "opens", "closes"]
    ordering = ["weekday"]

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # one weekday at a time, each checked in delete_view
        return actions

    def delete_view(self, request, object_id, extra_context=None):
        # One transaction for the check and the deletion: the check locks every
        # clinician's row (bookings.availability.lock_clinicians) until the day is gone.
        with transaction.atomic(using=router.db_for_write(self.model)):
            hours = self.get_object(request, object_id)
            if hours is not None:
                refusal = stranding_refusal(
                    stranded_consultations(None, opening_hours=ClinicHours.objects.exclude(pk=hours.pk))
                )
                if refusal is not None:
                    self.message_user(request, refusal.messages[0], messages.ERROR)
                    return redirect("admin:bookings_clinichours_change", hours.pk)
            return super().delete_view(request, object_id, extra_context)


@admin.register(Closure)
class ClosureAdmin(SafeSelectionMixin, admin.ModelAdmin):
    """A closure over confirmed consultations is refused (AvailabilityForm)."""

    form = AvailabilityForm
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


@admin.register(Course)
class CourseAdmin(SafeSelectionMixin, admin.ModelAdmin):
    """Patients' courses of treatment: started and advanced by completed sessions; staff
    can end one early. Only staff who may see requests see courses."""

    list_display = ["__str__", "treatment", "next_due", "last_session_on", "ended_at"]
    list_filter = [("ended_at", admin.EmptyFieldListFilter), "treatment"]
    list_select_related = ["treatment"]
    readonly_fields = [
        "treatment",
        "sessions_done",
        "sessions_min",
        "sessions_max",
        "weeks_between",
        "last_session_on",
        "next_due",
        "due_notice_for",
        "started_at",
        "ended_at",
        "ended_by",
        "end_reason",
    ]
    actions = ["end_selected"]

    def has_module_permission(self, request):
        return request.user.has_perm("bookings.view_consultationrequest") and super().has_module_permission(request)

    def has_view_permission(self, request, obj=None):
        return request.user.has_perm("bookings.view_consultationrequest")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_end_permission(self, request):
        return request.user.has_perm("bookings.change_consultationrequest")

    @admin.display(description="next session due")
    def next_due(self, course):
        return course.next_due if course.is_active else "—"

    @admin.action(description="End the selected courses", permissions=["end"])
    def end_selected(self, request, queryset):
        ended = 0
        for course in queryset:
            try:
                services.end_course(course=course, by=request.user)
            except ValidationError as refusal:
                self.message_user(request, f"{course}: {refusal.messages[0]}", messages.WARNING)
            else:
                ended += 1
        if ended:
            self.message_user(request, f"{ended} course{'s' if ended > 1 else ''} ended.", messages.SUCCESS)
