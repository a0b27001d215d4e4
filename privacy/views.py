from django.conf import settings

from bookings.views import CANCEL_LIMIT, REQUEST_ATTEMPT_LIMIT, REQUEST_FORM_LIMIT, RESUBMISSION_WINDOW_SECONDS
from clinic import cookies
from clinic.views import ClinicPageView


class PrivacyView(ClinicPageView):
    """The privacy notice; its version is the one stored with each patient's consent."""

    template_name = "privacy.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            privacy_notice_version=settings.PRIVACY_NOTICE_VERSION,
            retention_days=settings.CONSULTATION_RETENTION_DAYS,
            rate_limit_minutes=max(
                settings.COMMENT_RATE_WINDOW_SECONDS,
                REQUEST_FORM_LIMIT["window_seconds"],
                REQUEST_ATTEMPT_LIMIT["window_seconds"],
                CANCEL_LIMIT["window_seconds"],
            )
            // 60,
            resubmission_lifetime=cookies.describe_seconds(RESUBMISSION_WINDOW_SECONDS),
            **kwargs,
        )
