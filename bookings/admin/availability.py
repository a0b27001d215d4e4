"""Admin for when clinicians see patients: one page per clinician with their working
week, breaks and leave, and whether they take consultations at all."""

from django.contrib import admin

from bookings.models import Break, ClinicianAvailability, Leave, WorkingHours
from clinic.admin_lists import SafeSelectionMixin


class WorkingHoursInline(admin.TabularInline):
    model = WorkingHours
    extra = 0
    fields = ["weekday", "starts", "ends"]


class BreakInline(admin.TabularInline):
    model = Break
    extra = 0
    fields = ["weekday", "starts", "ends", "label"]


class LeaveInline(admin.TabularInline):
    model = Leave
    extra = 0
    fields = ["first_day", "last_day", "reason"]

    def get_queryset(self, request):
        return super().get_queryset(request).order_by("-first_day")


@admin.register(ClinicianAvailability)
class ClinicianAvailabilityAdmin(SafeSelectionMixin, admin.ModelAdmin):
    """A clinician with no working week set works whenever the clinic is open."""

    list_display = ["name", "role", "takes_consultations", "working_week"]
    list_filter = ["takes_consultations"]
    search_fields = ["name"]
    fields = ["name", "role", "takes_consultations"]
    readonly_fields = ["name", "role"]
    inlines = [WorkingHoursInline, BreakInline, LeaveInline]

    def has_add_permission(self, request):
        return False  # clinicians are added with their profile, under Treatments

    def has_delete_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("working_hours")

    @admin.display(description="working week")
    def working_week(self, clinician):
        days = clinician.working_hours.all()
        if not days:
            return "Whenever the clinic is open"
        return "; ".join(str(day) for day in days)
