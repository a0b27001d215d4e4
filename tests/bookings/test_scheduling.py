"""bookings/scheduling.py: the consultation slot grid and the rules for a bookable time."""

from datetime import time, timedelta

import pytest
from django.utils import timezone

from bookings.models import ClinicHours, Closure, ProposedTime, Status, Weekday
from bookings.scheduling import day_grids, day_slots, days_to_show, next_open_days, slot_problem
from tests.bookings.conftest import at, confirm, in_review, make_clinician, next_weekday, open_day, submit

pytestmark = pytest.mark.django_db


def test_a_tuesday_has_a_slot_every_30_minutes_from_opening_until_the_last_that_ends_by_closing(settings):
    settings.CONSULTATION_LENGTH_MINUTES = 30
    slots = day_slots(open_day())
    assert [f"{timezone.localtime(s):%H:%M}" for s in (slots[0], slots[1], slots[-1])] == ["09:00", "09:30", "17:30"]
    assert len(slots) == 18


def test_the_grid_follows_the_consultation_length_setting(settings):
    settings.CONSULTATION_LENGTH_MINUTES = 45
    slots = day_slots(open_day())
    assert f"{timezone.localtime(slots[1]):%H:%M}" == "09:45"
    assert timezone.localtime(slots[-1]) + timedelta(minutes=45) <= at(open_day(), 18)


def test_a_closed_day_has_no_slots():
    assert day_slots(next_weekday(Weekday.SUNDAY)) == []
    Closure.objects.create(date=open_day(), reason="Training")
    assert day_slots(open_day()) == []


def test_a_free_slot_in_opening_hours_on_the_grid_has_no_problem(clinician):
    assert slot_problem(at(open_day(), 10, 30), clinician=clinician) is None


@pytest.mark.parametrize(
    "when, words",
    [
        (lambda: timezone.now() - timedelta(hours=1), "has already passed"),
        (lambda: at(timezone.localdate() + timedelta(days=400), 10), "more than a year ahead"),
        (lambda: at(next_weekday(Weekday.SUNDAY), 10), "closed on Sundays"),
        (lambda: at(open_day(), 8, 30), "outside opening hours"),
        (lambda: at(open_day(), 18), "outside opening hours"),
        (lambda: at(open_day(), 17, 45), "outside opening hours"),  # would end at 18:15, after closing
        (lambda: at(open_day(), 10, 10), "not on the consultation grid"),
    ],
    ids=["past", "too far ahead", "closed weekday", "before opening", "at closing", "runs past closing", "off grid"],
)
def test_a_time_that_cannot_be_booked_is_refused_in_plain_words(when, words, clinician):
    assert words in slot_problem(when(), clinician=clinician)


def test_the_refusal_says_when_the_clinic_opens_that_day(clinician):
    problem = slot_problem(at(open_day(), 7), clinician=clinician)
    assert "open 09:00–18:00" in problem and "from 09:00 to 17:30" in problem


def saturday_open(opens, closes):
    ClinicHours.objects.filter(weekday=Weekday.SATURDAY).update(opens=time(*opens), closes=time(*closes))
    return next_weekday(Weekday.SATURDAY, weeks=1)


def test_with_hours_that_end_off_the_grid_the_latest_start_named_is_the_last_slot(settings, clinician):
    settings.CONSULTATION_LENGTH_MINUTES = 30
    saturday = saturday_open((9, 0), (12, 45))
    late = slot_problem(at(saturday, 12, 30), clinician=clinician)
    assert "open 09:00–12:45" in late and "can start from 09:00 to 12:00." in late
    assert "from 09:00 to 12:00" in slot_problem(at(saturday, 12, 15), clinician=clinician)
    assert "not on the consultation grid" in slot_problem(at(saturday, 11, 45), clinician=clinician)
    assert slot_problem(at(saturday, 12), clinician=clinician) is None


@pytest.mark.parametrize(
    ("opens", "closes", "minutes", "first", "last"),
    [
        ((9, 0), (12, 45), 30, "09:00", "12:00"),
        ((9, 10), (13, 0), 30, "09:10", "12:10"),
        ((8, 0), (12, 0), 45, "08:00", "11:00"),
        ((9, 0), (10, 0), 60, "09:00", "09:00"),
    ],
)
def test_every_time_a_refusal_names_is_on_the_grid_and_bookable(
    settings, clinician, opens, closes, minutes, first, last
):
    settings.CONSULTATION_LENGTH_MINUTES = minutes
    saturday = saturday_open(opens, closes)
    slots = [f"{timezone.localtime(s):%H:%M}" for s in day_slots(saturday)]
    assert (slots[0], slots[-1]) == (first, last)
    for when in (at(saturday, 7), at(saturday, closes[0], closes[1]), at(saturday, opens[0], opens[1] + 1)):
        problem = slot_problem(when, clinician=clinician)
        assert f"from {first} to {last}" in problem
        for named in (first, last):
            hour, minute = map(int, named.split(":"))
            assert slot_problem(at(saturday, hour, minute), clinician=clinician) is None


def test_hours_too_short_for_one_consultation_say_so(settings, clinician):
    settings.CONSULTATION_LENGTH_MINUTES = 60
    saturday = saturday_open((9, 0), (9, 45))
    assert "too short for a 60-minute consultation" in slot_problem(at(saturday, 9), clinician=clinician)


def test_a_closure_is_refused_with_its_reason(clinician):
    Closure.objects.create(date=open_day(), reason="Staff training day")
    assert "Staff training day" in slot_problem(at(open_day(), 10), clinician=clinician)


def test_a_clinician_already_booked_at_that_time_is_refused_and_named(clinician):
    start = at(open_day(), 11)
    booked = confirm(submit(), start=start, clinician=clinician)
    problem = slot_problem(start, clinician=clinician)
    assert "Dr Imogen Sample already has a confirmed consultation" in problem
    assert booked.reference in problem
    assert slot_problem(start, clinician=make_clinician(name="Dr Other")) is None


def test_a_request_does_not_clash_with_its_own_appointment(clinician):
    start = at(open_day(), 11)
    booked = confirm(submit(), start=start, clinician=clinician)
    assert slot_problem(start, clinician=clinician, exclude_consultation=booked) is None


def test_a_naive_or_missing_time_or_clinician_is_refused(clinician):
    assert "Choose a date" in slot_problem(None, clinician=clinician)
    assert "Choose a date" in slot_problem(at(open_day(), 10).replace(tzinfo=None), clinician=clinician)
    assert "Choose a clinician" in slot_problem(at(open_day(), 10), clinician=None)


def test_the_grid_marks_booked_offered_and_preferred_slots(clinician):
    day = open_day()
    other = make_clinician(name="Dr Other")
    booked = confirm(submit(), start=at(day, 9), clinician=clinician)
    offered = move_to_time_proposed(at(day, 9, 30), other)
    consultation = in_review(time_of_day="afternoon", first_preferred_date=day)
    (grid,) = day_grids([(day, "first preferred date")], consultation=consultation)
    first, second = grid.rows[0], grid.rows[1]
    assert [cell.booked_by for cell in first.cells] == [booked.reference, ""]
    assert [cell.offered_to for cell in second.cells] == ["", offered.reference]
    assert not first.preferred
    assert next(row for row in grid.rows if timezone.localtime(row.start).hour == 14).preferred
    assert grid.has_free


def move_to_time_proposed(start, clinician):
    from tests.bookings.conftest import move

    request = move(submit(), Status.IN_REVIEW, Status.TIME_PROPOSED)
    ProposedTime.objects.create(consultation=request, start=start, clinician=clinician)
    return request


def test_the_grid_explains_closed_days_and_skips_past_ones(clinician):
    Closure.objects.create(date=open_day(), reason="Bank holiday")
    grids = day_grids(
        [
            (open_day(), "first"),
            (next_weekday(Weekday.SUNDAY), "second"),
            (timezone.localdate() - timedelta(days=1), "past"),
        ]
    )
    assert [grid.closed for grid in grids] == ["Closed (Bank holiday).", "Closed on Sundays."]


def test_the_grid_costs_the_same_queries_for_one_day_or_many(clinician, django_assert_num_queries):
    for n in range(3):
        make_clinician(name=f"Dr {n}")
    days = [(open_day(weeks=w), "day") for w in range(1, 6)]
    # Clinicians, opening hours, closures, working weeks, breaks, leave, bookings, held offers.
    with django_assert_num_queries(8):
        day_grids(days[:1])
    with django_assert_num_queries(8):
        day_grids(days)


def test_next_open_days_skip_sundays_and_closures():
    saturday = next_weekday(Weekday.SATURDAY)
    Closure.objects.create(date=saturday + timedelta(days=2), reason="Bank holiday")  # Monday
    assert next_open_days(saturday, 2) == [saturday + timedelta(days=3), saturday + timedelta(days=4)]


def test_offering_other_times_shows_the_preferred_dates_and_the_next_open_days(clinician):
    consultation = in_review(first_preferred_date=open_day())
    notes = [note for _, note in days_to_show(consultation, step="propose")]
    assert notes == ["first preferred date", "next open day", "next open day"]
