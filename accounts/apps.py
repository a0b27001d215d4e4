from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class AccountsConfig(AppConfig):
    """Staff sign-in: the password step, the second factor (TOTP) and its set-up."""

    default = True
    default_auto_field = "django.db.models.BigAutoField"
    name = "accounts"
    verbose_name = "Staff sign-in"


class StaffAdminConfig(admin_apps.AdminConfig):
    """Django admin, with every ModelAdmin registered on the two-step sign-in site."""

    default = False
    default_site = "accounts.sites.StaffAdminSite"
