"""Admin for bookings, split by concept; importing the modules registers them."""

from bookings.admin import availability, other, requests  # noqa: F401
