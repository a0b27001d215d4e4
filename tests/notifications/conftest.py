"""The outbox's tests use the consultation requests' fixtures: most emails are about requests."""

from tests.bookings.conftest import clinic_week, reception_client, reception_user  # noqa: F401
