from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.formats import date_format

from accounts import services
from accounts.models import EnrolmentLink


@admin.register(EnrolmentLink)
class EnrolmentLinkAdmin(admin.ModelAdmin):
    """Set-up links for authenticator apps: superusers issue them here ("Add"),
    and everyone who may view them sees who got one, when, and whether it was used."""

    list_display = ["user", "status", "issued_by", "issued_at", "expires_at", "used_at"]
    list_filter = ["issued_at", "used_at"]
    list_select_related = ["user", "issued_by"]
    search_fields = ["user__username", "user__email"]
    fields = ["user", "issued_by", "issued_at", "expires_at", "used_at", "withdrawn_at"]
    readonly_fields = ["issued_by", "issued_at", "expires_at", "used_at", "withdrawn_at"]

    @admin.display(description="status")
    def status(self, link):
        return link.status

    def has_add_permission(self, request):
        return request.user.is_superuser

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_readonly_fields(self, request, obj=None):
        return [*self.readonly_fields, "user"] if obj is not None else self.readonly_fields

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "user":
            kwargs["queryset"] = get_user_model().objects.filter(is_active=True, is_staff=True).order_by("username")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        link, token = services.issue_enrolment_link(user=obj.user, by=request.user)
        obj.pk = link.pk
        obj.__dict__.update({k: v for k, v in link.__dict__.items() if not k.startswith("_")})
        expires = date_format(timezone.localtime(link.expires_at), "DATETIME_FORMAT")  # as the list shows it
        messages.warning(
            request,
            f"Give this set-up link to {link.user.get_username()} in person or by a channel only they read; "
            f"it is shown only now, works once, and expires at {expires}: "
            f"{services.enrolment_url(token)}",
        )

    def response_add(self, request, obj, post_url_continue=None):
        return self.response_post_save_add(request, obj)
