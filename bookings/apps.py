from django.apps import AppConfig


class BookingsConfig(AppConfig):
    name = "bookings"
    verbose_name = "Consultations"

    def ready(self):
        from bookings import email_messages
        from bookings.models import ClinicHours, Closure
        from clinic.pagecache import invalidate_on_change

        email_messages.register_kinds()
        # Cached pages are rendered again after a change: every page's footer shows the
        # opening hours; the consultation form, the closures.
        invalidate_on_change(ClinicHours, Closure)
