"""Admin for what surrounds the requests: opening hours, closures and decline reasons
(their emails are in the outbox: notifications.admin)."""

from django.contrib import admin

from bookings.admin.selection import SafeSelectionMixin
from bookings.models import ClinicHours, Closure, DeclineReason
from clinic.forms import PlainTextModelForm


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

    form = PlainTextModelForm

    list_display = ["title", "text", "is_active", "order"]
    list_editable = ["is_active", "order"]
    list_filter = ["is_active"]
    search_fields = ["title", "text"]
