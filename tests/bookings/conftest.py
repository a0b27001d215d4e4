"""Helpers for the consultation request tests.

Dates are chosen relative to `timezone.localdate()` on a weekday the clinic is
open (the `clinic_week` fixture opens Monday to Saturday, as the demo does), so
the tests never depend on the day they run.
"""

from datetime import datetime, time, timedelta
from itertools import count

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone

from bookings import services
from bookings.demo import DEMO_HOURS
from bookings.models import ClinicHours, Status, Weekday
from tests.factories import make_clinician, make_condition
from tests.factories import make_treatment as make_any_treatment

__all__ = ["make_clinician", "make_condition", "make_treatment"]

_numbers = count(1)


def make_treatment(**fields):
    """A published treatment the clinic offers (bookable), unless told otherwise."""
    return make_any_treatment(**{"offered_here": True, **fields})


def make_staff_member(*, group="Reception", **fields):
    """A staff user in one of the staff groups (staff/roles.py)."""
    n = next(_numbers)
    user = get_user_model().objects.create_user(
        username=fields.pop("username", f"staff{n}"), password="a-long-test-password", is_staff=True, **fields
    )
    if group:
        user.groups.add(Group.objects.get(name=group))
    return user


def next_weekday(weekday, *, after=None, weeks=0):
    """The first `weekday` (0 = Monday) strictly after `after` (default today), plus `weeks`."""
    day = (after or timezone.localdate()) + timedelta(days=1)
    while day.weekday() != weekday:
        day += timedelta(days=1)
    return day + timedelta(weeks=weeks)


def open_day(weeks=1):
    """A Tuesday at least a week ahead: open in `clinic_week`, never today."""
    return next_weekday(Weekday.TUESDAY, weeks=weeks)


def form_data(**overrides):
    """A complete, valid consultation request form post."""
    data = {
        "idempotency_key": f"test-key-{next(_numbers):06d}",
        "full_name": "Alex Patient",
        "email": "alex.patient@example.com",
        "phone": "07911 123456",
        "contact_preference": "email",
        "help_with": "Ice pick scars on both cheeks.",
        "first_preferred_date": open_day().isoformat(),
        "second_preferred_date": "",
        "time_of_day": "morning",
        "isotretinoin_recent": "no",
        "pregnant_or_breastfeeding": "no",
        "keloid_tendency": "not_sure",
        "active_skin_infection": "no",
        "consent": "on",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def submit(**overrides):
    """A request made by the real service, as the form would make it."""
    details = {
        "idempotency_key": f"service-key-{next(_numbers):06d}",
        "full_name": "Alex Patient",
        "email": "alex.patient@example.com",
        "phone": "+447911123456",
        "contact_preference": "email",
        "help_with": "Ice pick scars on both cheeks.",
        "first_preferred_date": open_day(),
        "time_of_day": "morning",
        "isotretinoin_recent": "no",
        "pregnant_or_breastfeeding": "no",
        "keloid_tendency": "not_sure",
        "active_skin_infection": "no",
        "consent": True,
    }
    details.update(overrides)
    return services.submit_request(**details).consultation


def slot(days_ahead=7, hour=10, minute=0):
    """An aware start time `days_ahead` days from now at a clinic-local time."""
    day = timezone.localdate() + timedelta(days=days_ahead)
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


def move(request, *statuses, by=None, **changes):
    """Walk `request` through `statuses` with the real transition service."""
    for status in statuses:
        extra = changes if status == Status.CONFIRMED else {}
        if status == Status.DECLINED:
            extra = {"decline_reason": "We do not offer this treatment for your skin type."}
        request = services.transition(consultation=request, to_status=status, by=by, **extra)
    return request


def confirm(request, *, start=None, clinician=None, by=None):
    """Review and confirm `request` for `start` with `clinician`."""
    return move(
        request,
        Status.IN_REVIEW,
        Status.CONFIRMED,
        by=by,
        confirmed_start=start or slot(),
        clinician=clinician or make_clinician(),
    )


@pytest.fixture(autouse=True)
def clinic_week(db):
    """The demo week: open Monday to Saturday, closed on Sundays."""
    for weekday, (opens, closes) in DEMO_HOURS.items():
        ClinicHours.objects.create(weekday=weekday, opens=opens, closes=closes)


@pytest.fixture
def treatment():
    return make_treatment(title="Microneedling", slug="microneedling")


@pytest.fixture
def reception_user():
    return make_staff_member()


def at(day, hour, minute=0):
    """An aware clinic-local start time on `day`."""
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


def in_review(**overrides):
    """A submitted request that reception has started reviewing."""
    return move(submit(**overrides), Status.IN_REVIEW)


@pytest.fixture
def clinician():
    return make_clinician(name="Dr Imogen Sample")


@pytest.fixture
def reception_client(client, reception_user):
    from tests.conftest import staff_login

    return staff_login(client, reception_user)


def open_the_demo_week():
    """The demo week's opening hours, for tests that cannot use the `clinic_week` fixture
    (transactional ones, whose rollback it would not survive)."""
    for weekday, (opens, closes) in DEMO_HOURS.items():
        ClinicHours.objects.get_or_create(weekday=weekday, defaults={"opens": opens, "closes": closes})


def confirm_at_once(bookings, *, clinician, check):
    """Confirm each (request, start) in `bookings` with `clinician` from its own thread
    and database connection, with `services.slot_problem` replaced by `check` (which
    can make the threads wait for each other) and the clinician's row lock left out
    (`services.lock_clinicians`, which would make the second wait for the first), as
    if a booking slipped past both: what is left to stop a double booking is the
    database's constraint. Returns {request pk: "confirmed" or the refusal's message}."""
    import threading
    from unittest import mock

    from django.db import connection

    outcomes = {}

    def confirm_one(request, start):
        try:
            services.confirm_request(consultation=request, start=start, clinician=clinician, by=None)
            outcomes[request.pk] = "confirmed"
        except services.SlotUnavailable as refusal:
            outcomes[request.pk] = refusal.messages[0]
        except Exception as error:  # surfaced by the caller's assertions
            outcomes[request.pk] = repr(error)
        finally:
            connection.close()

    with mock.patch("bookings.services.slot_problem", check), mock.patch("bookings.services.lock_clinicians"):
        threads = [threading.Thread(target=confirm_one, args=pair) for pair in bookings]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
    return outcomes
