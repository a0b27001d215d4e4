from django.apps import AppConfig
from django.db.models.signals import post_migrate


class StaffConfig(AppConfig):
    """Who works at the clinic (clinicians' profiles) and what each staff role may do.

    It sits below treatments and bookings, which both point at clinicians."""

    name = "staff"
    verbose_name = "Staff"

    def ready(self):
        from staff.roles import apply_roles_after_migrate

        # After each app's permissions are made (auth's receiver runs first), the roles get theirs.
        post_migrate.connect(apply_roles_after_migrate, dispatch_uid="staff-apply-roles")
