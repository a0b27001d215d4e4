from django.apps import AppConfig


class BookingsConfig(AppConfig):
    name = "bookings"
    verbose_name = "Consultations"

    def ready(self):
        from bookings import email_messages
        from bookings.models import ClinicHours, Closure
        from bookings.views import RECENT_SUBMISSIONS_COOKIE, RESUBMISSION_WINDOW_SECONDS
        from clinic.cookies import Cookie, register_cookies
        from clinic.pagecache import invalidate_on_change

        email_messages.register_kinds()
        register_cookies(
            Cookie(
                name=RECENT_SUBMISSIONS_COOKIE,
                purpose=(
                    "Remembers the consultation requests sent from this browser in the last hour (each one's "
                    "reference and a one-way digest of the answers, signed so it cannot be altered), so that "
                    "sending the same request twice does not make two requests."
                ),
                set_when="You send a consultation request",
                max_age=RESUBMISSION_WINDOW_SECONDS,
            )
        )
        # Cached pages are rendered again after a change: every page's footer shows the
        # opening hours; the consultation form, the closures.
        invalidate_on_change(ClinicHours, Closure)
