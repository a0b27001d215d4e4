from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse

from clinic.admin_personal_data import PersonalDataLookupsMixin
from clinic.forms import PlainTextFormMixin
from privacy import services
from privacy.models import PrivacyRequest, subject_hash


class EmailForm(PlainTextFormMixin, forms.Form):
    email = forms.EmailField(
        label="The patient's email address",
        max_length=254,
        help_text="As they gave it in a consultation request or a comment; capitals do not matter.",
        widget=forms.EmailInput(attrs={"autofocus": True, "size": 40}),
    )


@admin.register(PrivacyRequest)
class PrivacyRequestAdmin(PersonalDataLookupsMixin, admin.ModelAdmin):
    """The audit trail of exports and erasures, and the two pages that do them.

    Open to superusers and to staff who may change both consultation requests
    and comments (privacy.services.user_may_handle); everyone else does not
    see it at all. It is searched by address (hashed as stored); `?subject=`
    is refused, so no one groups the trail by a hash they cannot read."""

    list_display = ["at", "kind", "outcome", "requested_by", "via", "consultation_requests", "comments", "note"]
    list_filter = ["kind", "outcome", "via"]
    search_fields = ["subject"]
    search_help_text = "Search by the patient's email address (matched by its hash: addresses are not kept)."
    date_hierarchy = "at"
    list_select_related = ["requested_by"]
    fields = readonly_fields = list_display

    def has_module_permission(self, request):
        return services.user_may_handle(request.user)

    def has_view_permission(self, request, obj=None):
        return services.user_may_handle(request.user)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_search_results(self, request, queryset, search_term):
        if not search_term.strip():
            return queryset, False
        return queryset.filter(subject=subject_hash(search_term)), False

    def get_urls(self):
        def view(function):
            return self.admin_site.admin_view(self._may_handle(function))

        return [
            path("export/", view(self.export_view), name="privacy_export"),
            path("erase/", view(self.erase_view), name="privacy_erase"),
            *super().get_urls(),
        ]

    def _may_handle(self, function):
        def checked(request, *args, **kwargs):
            if not services.user_may_handle(request.user):
                raise PermissionDenied
            return function(request, *args, **kwargs)

        return checked

    def _page(self, request, template, title, **context):
        return TemplateResponse(
            request,
            template,
            {**self.admin_site.each_context(request), "opts": self.model._meta, "title": title, **context},
        )

    def export_view(self, request):
        """POST an email address: download everything held about it as a JSON file."""
        form = EmailForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            data = services.export_personal_data(email=form.cleaned_data["email"], by=request.user, via="admin")
            response = HttpResponse(services.as_json(data), content_type="application/json; charset=utf-8")
            stamp = data["exported_at"].strftime("%Y%m%d-%H%M%S")
            response["Content-Disposition"] = f'attachment; filename="personal-data-{stamp}.json"'
            response["Cache-Control"] = "no-store"
            return response
        return self._page(
            request,
            "admin/privacy/email_form.html",
            "Export a patient's data",
            form=form,
            action="Download the file",
            explanation=(
                "Everything the clinic holds about one email address, in one JSON file: consultation "
                "requests with their history, the emails about them and times offered, and comments. "
                "The export is recorded (the address itself is not kept). Send the file to the patient securely."
            ),
        )

    def erase_view(self, request):
        """GET: ask for the address. POST: show what erasing it would do; POST with
        `confirm`: erase, or say why not."""
        form = EmailForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            email = form.cleaned_data["email"]
            if request.POST.get("confirm") == "yes":
                try:
                    record = services.erase_personal_data(email=email, by=request.user, via="admin")
                except services.ErasureRefused as refusal:
                    self.message_user(request, refusal.messages[0], messages.ERROR)
                else:
                    self.message_user(
                        request,
                        f"Erased: {len(record.consultation_requests)} consultation request(s) anonymised, "
                        f"{len(record.comments)} comment(s) erased.",
                        messages.SUCCESS,
                    )
                return redirect(reverse("admin:privacy_privacyrequest_changelist"))
            return self._page(
                request,
                "admin/privacy/erase_confirm.html",
                "Erase a patient's data",
                form=form,
                preview=services.erasure_preview(email),
            )
        return self._page(
            request,
            "admin/privacy/email_form.html",
            "Erase a patient's data",
            form=form,
            action="Show what would be erased",
            explanation=(
                "Anonymises every consultation request made with this address and erases the name and "
                "address on every comment posted with it. Nothing changes until you confirm on the next page."
            ),
        )
