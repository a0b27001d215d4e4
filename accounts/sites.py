from django.conf import settings
from django.contrib import admin
from django.urls import path

from clinic.admin_lists import guard_changelist
from clinic.forms import with_plain_text


def plain_text_options(inline):
    return {"form": with_plain_text(inline.form), "__module__": inline.__module__}


class StaffAdminSite(admin.AdminSite):
    """Django admin that opens only to active staff who signed in with their
    password and a code from their authenticator app in this session.

    The sign-in itself is two pages (accounts/views.py): the password, then the
    code, or setting up an authenticator app for an account that has none.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.site_header = self.site_title = f"{settings.CLINIC_NAME} staff"

    def has_permission(self, request):
        user = request.user
        is_verified = getattr(user, "is_verified", None)
        return super().has_permission(request) and is_verified is not None and is_verified()

    def register(self, model_or_iterable, admin_class=None, **options):
        """Register as usual; every form of the ModelAdmin and its inlines keeps only
        visible text (clinic/forms.py), whoever wrote it."""
        super().register(model_or_iterable, admin_class, **options)
        models = [model_or_iterable] if isinstance(model_or_iterable, type) else model_or_iterable
        for model in models:
            model_admin = self.get_model_admin(model)
            model_admin.form = with_plain_text(model_admin.form)
            model_admin.inlines = [
                type(
                    inline.__name__, (inline,), {"form": with_plain_text(inline.form), "__module__": inline.__module__}
                )
                for inline in model_admin.inlines
            ]

    def admin_view(self, view, cacheable=False):
        """Every admin list answers a malformed filter with the whole list (clinic/admin_lists.py)."""
        if getattr(view, "__name__", "") == "changelist_view":
            view = guard_changelist(view)
        return super().admin_view(view, cacheable)

    def login(self, request, extra_context=None):
        from accounts.views import password_step

        request.current_app = self.name
        return password_step(request, site=self, extra_context=extra_context)

    def get_urls(self):
        from accounts.views import backup_codes, code_step, enrol, setup_step

        return [
            path("login/code/", self._signin_view(code_step), name="signin_code"),
            path("login/set-up/", self._signin_view(setup_step), name="signin_setup"),
            path("login/set-up/<str:token>/", self._signin_view(enrol), name="signin_enrol"),
            path("backup-codes/", self.admin_view(self._signin_view(backup_codes)), name="backup_codes"),
            *super().get_urls(),
        ]

    def _signin_view(self, view):
        def wrapped(request, **kwargs):
            request.current_app = self.name
            return view(request, site=self, **kwargs)

        return wrapped
