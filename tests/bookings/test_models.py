"""Opening days, preferred-date rules, the demo calendar, and request model details."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from bookings import demo
from bookings.models import (
    ClinicHours,
    Closure,
    ConsultationRequest,
    Weekday,
    closed_reason,
    new_reference,
    new_token,
    preferred_date_problem,
    validate_e164,
)
from tests.bookings.conftest import next_weekday, open_day, submit

pytestmark = pytest.mark.django_db


def test_an_open_weekday_without_a_closure_is_open():
    assert closed_reason(open_day()) is None


def test_a_weekday_without_opening_hours_is_closed():
    assert closed_reason(next_weekday(Weekday.SUNDAY)) == "The clinic is closed on Sundays."


def test_a_closure_is_closed_whatever_the_weekday_and_says_why():
    day = open_day()
    Closure.objects.create(date=day, reason="Bank holiday")
    assert "Bank holiday" in closed_reason(day)


def test_hours_removed_in_admin_close_that_weekday():
    ClinicHours.objects.filter(weekday=Weekday.TUESDAY).delete()
    assert "Tuesdays" in closed_reason(open_day())


@pytest.mark.parametrize(
    "offset, problem",
    [(0, "after today"), (-1, "after today"), (-400, "after today"), (181, "within the next 180 days")],
)
def test_preferred_dates_must_be_after_today_and_within_180_days(offset, problem):
    today = timezone.localdate()
    assert problem in preferred_date_problem(today + timedelta(days=offset), today=today)


def test_references_and_tokens_are_random_and_well_formed():
    references = {new_reference() for _ in range(200)}
    assert len(references) == 200
    assert all(len(reference) == 9 and reference.startswith("CR-") for reference in references)
    assert len({new_token() for _ in range(200)}) == 200


@pytest.mark.parametrize("value", ["07911123456", "+44 7911 123456", "+4479111234", "", "+447911123456x"])
def test_only_international_phone_numbers_are_stored(value):
    with pytest.raises(ValidationError):
        validate_e164(value)


def test_a_stored_request_keeps_its_phone_number_in_international_form():
    validate_e164(submit(phone="+442079460321").phone)


def test_a_request_is_named_by_its_reference():
    request = submit()
    assert str(request) == request.reference
    assert str(request.status_changes.get()).startswith(request.reference)


def test_the_open_queryset_holds_requests_that_wait_for_the_clinic():
    request = submit()
    assert list(ConsultationRequest.objects.open()) == [request]


def test_the_demo_adds_hours_and_upcoming_closures_once():
    ClinicHours.objects.all().delete()
    first = demo.load()
    again = demo.load()
    assert first["opening hours"] == 6 and first["closures"] == 4
    assert again == {"opening hours": 0, "closures": 0, "working days": 0}
    assert not ClinicHours.objects.filter(weekday=Weekday.SUNDAY).exists()
    closures = Closure.objects.all()
    assert all(closure.date > timezone.localdate() for closure in closures)
    assert {"Christmas Day", "Boxing Day", "New Year's Day", "Staff training day"} == {c.reason for c in closures}


def test_demo_closures_are_always_ahead_of_today():
    closures = demo.demo_closures(date(2026, 12, 25))
    assert min(closures) > date(2026, 12, 25)
    assert date(2026, 12, 26) in closures
    assert date(2027, 12, 25) in closures


def test_the_demo_training_day_never_lands_on_a_bank_holiday_whatever_the_day():
    for offset in range(366):
        closures = demo.demo_closures(date(2026, 1, 1) + timedelta(days=offset))
        assert len(closures) == 4
