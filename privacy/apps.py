from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    """Patients' data rights: export everything held about an email address, or erase it."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "privacy"
    verbose_name = "Privacy"
