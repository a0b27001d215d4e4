from django.contrib import admin

from clinic.forms import PlainTextModelForm
from staff.models import Clinician


@admin.register(Clinician)
class ClinicianAdmin(admin.ModelAdmin):
    form = PlainTextModelForm
    list_display = ["name", "credentials", "role", "registration", "user", "is_sample"]
    list_filter = ["is_sample", "registration_body"]
    list_select_related = ["user"]
    search_fields = ["name", "credentials", "role", "registration_number", "special_interests"]
    prepopulated_fields = {"slug": ["name"]}
    fieldsets = [
        (None, {"fields": ["name", "slug", "credentials", "role", "bio", "special_interests", "user", "is_sample"]}),
        (
            "Professional registration",
            {
                "description": "Shown on the public profile, so patients can check it on the regulator's register.",
                "fields": [("registration_body", "registration_number")],
            },
        ),
    ]

    def get_prepopulated_fields(self, request, obj=None):
        return {} if obj else super().get_prepopulated_fields(request, obj)

    def get_readonly_fields(self, request, obj=None):
        # A profile's address is public once it exists (bylines and answers link to it): it stays put.
        return [*super().get_readonly_fields(request, obj), *(["slug"] if obj else [])]

    @admin.display(description="registration", ordering="registration_number")
    def registration(self, obj):
        return f"{obj.get_registration_body_display()} {obj.registration_number}" if obj.registration_body else "—"
