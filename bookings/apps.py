from django.apps import AppConfig


class BookingsConfig(AppConfig):
    name = "bookings"
    verbose_name = "Consultations"

    def ready(self):
        from bookings import emails

        emails.register_kinds()
