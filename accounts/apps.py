from axes.apps import AppConfig as AxesConfig
from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django_otp.plugins.otp_static.apps import DefaultConfig as StaticConfig
from django_otp.plugins.otp_totp.apps import DefaultConfig as TOTPConfig


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


class SigninLockoutsConfig(AxesConfig):
    """django-axes, under a name staff understand on the admin home page."""

    default = False
    verbose_name = "Sign-in attempts and lockouts"


class AuthenticatorAppsConfig(TOTPConfig):
    """django-otp's TOTP devices: each staff member's authenticator app."""

    default = False
    verbose_name = "Authenticator apps"


class BackupCodesConfig(StaticConfig):
    """django-otp's static devices: each staff member's one-time backup codes."""

    default = False
    verbose_name = "Backup codes"
