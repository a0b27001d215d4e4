"""The outbox in admin: every email the site sends, its state, and "send again"."""

from django.contrib import admin, messages
from django.contrib.contenttypes.models import ContentType
from django.db.models import Q
from django.template.defaultfilters import pluralize
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.html import format_html

from clinic.admin_lists import SafeSelectionMixin
from clinic.admin_personal_data import PersonalDataAdminMixin
from notifications import kinds, outbox
from notifications.models import Email, EmailState

# Which staff see which emails: those about a request go with seeing requests,
# those about a comment with seeing comments; the rest (digests) with the outbox's own permission.
AREAS = [
    # (app label, model, permission to see them, permission to send them again, permission to see addresses)
    ("bookings", "consultationrequest", "bookings.view_consultationrequest", "bookings.change_consultationrequest",
     "bookings.view_patient_details"),
    ("treatments", "comment", "treatments.view_comment", "treatments.change_comment", "treatments.view_comment"),
]  # fmt: skip


class KindFilter(admin.SimpleListFilter):
    title = "kind"
    parameter_name = "kind"

    def lookups(self, request, model_admin):
        return sorted(((kind.name, kind.label) for kind in kinds.KINDS.values()), key=lambda pair: pair[1])

    def queryset(self, request, queryset):
        return queryset.filter(kind=self.value()) if self.value() else queryset


@admin.register(Email)
class EmailAdmin(PersonalDataAdminMixin, SafeSelectionMixin, admin.ModelAdmin):
    """One page for every email: queued, sending, sent, failed (or no longer needed),
    with attempts, the next attempt and the kind of the last error. Staff see the
    emails of the area they work in; "send again" queues them for the worker.
    What `Email.personal_data` declares personal shows only to staff who see the
    patients' details of that area."""

    shows = {
        "kind_label": ["kind"],
        "about_link": ["content_type", "object_id"],
        "next_attempt": ["state", "next_attempt_at"],
    }

    list_display = [
        "created_at",
        "kind_label",
        "about_link",
        "to",
        "state",
        "attempts",
        "next_attempt",
        "sent_at",
        "error",
    ]
    list_filter = ["state", KindFilter]
    ordering = ["-created_at", "-id"]
    date_hierarchy = "created_at"
    search_fields = ["to"]
    list_select_related = ["content_type"]
    actions = ["send_again"]
    fields = readonly_fields = [
        "kind_label",
        "about_link",
        "to",
        "state",
        "attempts",
        "created_at",
        "next_attempt",
        "sent_at",
        "failed_at",
        "error",
    ]

    # --- who sees what ---

    def _areas(self, request, index):
        user = request.user
        return [(app, model) for app, model, *perms in AREAS if user.has_perm(perms[index - 2])]

    def _visible(self, request):
        """A filter for the emails `request.user` may see, or None for all of them."""
        if request.user.has_perm("notifications.view_email"):
            return None
        allowed = Q(pk__in=[])
        for app, model in self._areas(request, 2):
            allowed |= Q(content_type=ContentType.objects.get_by_natural_key(app, model))
        return allowed

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        visible = self._visible(request)
        return queryset if visible is None else queryset.filter(visible)

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_staff and self.has_view_permission(request)

    def has_view_permission(self, request, obj=None):
        if request.user.has_perm("notifications.view_email"):
            return True
        areas = self._areas(request, 2)
        if obj is None:
            return bool(areas)
        return (obj.content_type.app_label, obj.content_type.model) in areas if obj.content_type_id else False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser

    def has_send_again_permission(self, request):
        return request.user.has_perm("notifications.change_email") or bool(self._areas(request, 3))

    def get_readonly_fields(self, request, obj=None):
        return self.get_fields(request, obj)

    def sees_personal_data(self, request):
        """Addresses (and what went wrong sending to them) go with seeing the patients' details."""
        return request.user.has_perm("notifications.view_email") or bool(self._areas(request, 4))

    # --- columns ---

    @admin.display(description="kind", ordering="kind")
    def kind_label(self, email):
        return email.get_kind_display()

    @admin.display(description="about")
    def about_link(self, email):
        if not email.content_type_id:
            return "—"
        model = email.content_type.model_class()
        if model is None:
            return "—"
        try:
            url = reverse(
                f"admin:{email.content_type.app_label}_{email.content_type.model}_change", args=[email.object_id]
            )
        except NoReverseMatch:
            return f"{model._meta.verbose_name} {email.object_id}"
        return format_html('<a href="{}">{} {}</a>', url, model._meta.verbose_name.capitalize(), email.object_id)

    @admin.display(description="next attempt", ordering="next_attempt_at")
    def next_attempt(self, email):
        if email.state != EmailState.QUEUED:
            return "—"
        if email.next_attempt_at <= timezone.now():
            return "now"
        return timezone.localtime(email.next_attempt_at).strftime("%-d %b, %H:%M")

    # --- send again ---

    @admin.action(description="Send the selected emails again", permissions=["send_again"])
    def send_again(self, request, queryset):
        chosen = list(queryset)
        since = timezone.now()
        queued = outbox.send_again(chosen)
        already = sum(email.state == EmailState.SENT for email in chosen)
        sent = sum(email.state == EmailState.SENT for email in queued)
        failed = sum(email.failed_at is not None and email.failed_at >= since for email in queued)
        waiting = len(queued) - sent - failed
        if sent:
            self.message_user(request, f"{sent} email{pluralize(sent)} sent.", messages.SUCCESS)
        if waiting:
            self.message_user(
                request, f"{waiting} email{pluralize(waiting)} queued: the worker sends them shortly.", messages.INFO
            )
        if failed:
            self.message_user(
                request, f"{failed} email{pluralize(failed)} failed again: see the error column.", messages.WARNING
            )
        if already:
            self.message_user(
                request,
                f"{already} email{pluralize(already)} already sent: left alone "
                "(a patient's email is sent again from their request's Emails page).",
                messages.INFO,
            )
        elif not queued:
            self.message_user(request, "Nothing to send: those emails are being sent right now.", messages.INFO)
