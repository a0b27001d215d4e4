from django.apps import AppConfig


class StaffConfig(AppConfig):
    """Who works at the clinic (clinicians' profiles) and what each staff role may do.

    It sits below treatments and bookings, which both point at clinicians."""

    name = "staff"
    verbose_name = "Staff"
