"""Admin for when clinicians see patients: one page per clinician with their working
week, breaks and leave, and whether they take consultations at all."""

from django import forms
from django.contrib import admin

from bookings.admin.forms import AvailabilityForm
from bookings.availability import refuse_stranding
from bookings.models import Break, ClinicianAvailability, Leave, WorkingHours
from clinic.admin_lists import SafeSelectionMixin


class WorkingWeekFormSet(forms.BaseInlineFormSet):
    """Refuses removing working days that hold confirmed consultations (a changed day
    is refused by its AvailabilityForm)."""

    def clean(self):
        super().clean()
        if any(self.errors) or not self.deleted_forms:
            return
        kept = [
            form.instance
            for form in self.forms
            if form not in self.deleted_forms and (form in self.initial_forms or form.has_changed())
        ]
        refuse_stranding(self.instance, working_hours=kept)


class ClinicianAvailabilityForm(forms.ModelForm):
    """Refuses "takes consultations" switched off while they have confirmed consultations."""

    def clean(self):
        cleaned = super().clean()
        if "takes_consultations" in self.changed_data and not cleaned.get("takes_consultations"):
            refuse_stranding(self.instance, takes_consultations=False)
        return cleaned


class WorkingHoursInline(admin.TabularInline):
    model = WorkingHours
    form = AvailabilityForm
    formset = WorkingWeekFormSet
    extra = 0
    fields = ["weekday", "starts", "ends"]


class BreakInline(admin.TabularInline):
    model = Break
    form = AvailabilityForm
    extra = 0
    fields = ["weekday", "starts", "ends", "label"]


class LeaveInline(admin.TabularInline):
    model = Leave
    form = AvailabilityForm
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
    form = ClinicianAvailabilityForm
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
