"""bookings/availability.py: clinicians' working weeks, breaks, leave, held offers and
overlaps, as the grid shows them and as every booking path refuses them."""

import threading
from datetime import time, timedelta
from unittest import mock

import pytest
from django.db import connection
from django.utils import timezone

from bookings import services
from bookings.models import Break, ConsultationRequest, Leave, ProposedTime, Status, Weekday, WorkingHours
from bookings.scheduling import day_grids, slot_problem
from tests.bookings.conftest import (
    at,
    confirm,
    confirm_at_once,
    in_review,
    make_clinician,
    make_staff_member,
    open_day,
    open_the_demo_week,
    submit,
)

pytestmark = pytest.mark.django_db


def cells_at(day, hour, minute=0):
    (grid,) = day_grids([(day, "day")])
    (row,) = [row for row in grid.rows if timezone.localtime(row.start).time() == time(hour, minute)]
    return {cell.clinician.name: cell for cell in row.cells}


def test_a_clinician_who_takes_no_consultations_is_never_offered_or_bookable(clinician):
    writer = make_clinician(name="Dr Page Writer", takes_consultations=False)
    assert list(cells_at(open_day(), 10)) == ["Dr Imogen Sample"]
    assert slot_problem(at(open_day(), 10), clinician=writer) == (
        "Dr Page Writer does not take consultations. Choose another clinician."
    )


def test_a_working_week_limits_a_clinician_to_their_days_and_hours(clinician):
    WorkingHours.objects.create(clinician=clinician, weekday=Weekday.TUESDAY, starts=time(9), ends=time(13))
    tuesday = open_day()
    assert cells_at(tuesday, 12, 30)["Dr Imogen Sample"].free
    assert cells_at(tuesday, 13)["Dr Imogen Sample"].unavailable == "Not working"
    assert slot_problem(at(tuesday, 14), clinician=clinician) == (
        f"{services.describe(at(tuesday, 14))} is outside Dr Imogen Sample's working hours: on Tuesdays they see "
        "patients 09:00–13:00, so a 30-minute consultation with them can start from 09:00 to 12:30."
    )
    wednesday = tuesday + timedelta(days=1)
    assert slot_problem(at(wednesday, 10), clinician=clinician) == (
        "Dr Imogen Sample does not see patients on Wednesdays. Choose another day or clinician."
    )


def test_a_clinician_without_a_working_week_works_whenever_the_clinic_is_open(clinician):
    assert slot_problem(at(open_day(), 17, 30), clinician=clinician) is None


def test_a_break_is_shown_in_the_grid_and_never_booked(clinician, reception_user):
    Break.objects.create(clinician=clinician, weekday=Weekday.TUESDAY, starts=time(12), ends=time(13), label="Lunch")
    assert cells_at(open_day(), 12, 30)["Dr Imogen Sample"].unavailable == "Break (Lunch)"
    assert cells_at(open_day(), 13)["Dr Imogen Sample"].free
    with pytest.raises(services.SlotUnavailable, match=r"falls in Dr Imogen Sample's break \(Lunch, 12:00–13:00\)"):
        services.confirm_request(
            consultation=in_review(), start=at(open_day(), 12), clinician=clinician, by=reception_user
        )


def test_leave_takes_a_clinician_out_of_every_slot_of_those_days(clinician, reception_user):
    day = open_day()
    Leave.objects.create(clinician=clinician, first_day=day, last_day=day + timedelta(days=4), reason="Annual leave")
    assert cells_at(day, 10)["Dr Imogen Sample"].unavailable == "Leave (Annual leave)"
    problem = slot_problem(at(day + timedelta(days=1), 10), clinician=clinician)
    assert problem.startswith("Dr Imogen Sample is away on") and "(Annual leave)" in problem
    with pytest.raises(services.SlotUnavailable, match="away on"):
        services.propose_times(consultation=in_review(), slots=[(at(day, 10), clinician)], by=reception_user)
    assert slot_problem(at(day + timedelta(days=7), 10), clinician=clinician) is None


def test_an_overlapping_consultation_is_refused_even_at_another_start_time(clinician, settings):
    confirm(submit(), start=at(open_day(), 10), clinician=clinician)
    settings.CONSULTATION_LENGTH_MINUTES = 45  # the grid is now 09:00, 09:45, 10:30, 11:15, …
    problem = slot_problem(at(open_day(), 9, 45), clinician=clinician)
    assert "already has a confirmed consultation" in problem and "at 10:00, which overlaps" in problem
    assert slot_problem(at(open_day(), 11, 15), clinician=clinician) is None


def test_a_cancelled_or_declined_request_frees_its_time(clinician):
    booked = confirm(submit(), start=at(open_day(), 10), clinician=clinician)
    services.cancel_request(consultation=booked, by=make_staff_member())
    assert slot_problem(at(open_day(), 10), clinician=clinician) is None


# --- Holds ----------------------------------------------------------------------------------


def test_an_offered_time_is_held_for_that_patient_only(clinician, reception_user):
    start = at(open_day(weeks=2), 11)
    offered = services.propose_times(consultation=in_review(), slots=[(start, clinician)], by=reception_user)
    problem = slot_problem(start, clinician=clinician)
    assert f"is held for another patient ({offered.reference})" in problem
    with pytest.raises(services.SlotUnavailable, match="held for another patient"):
        services.confirm_request(consultation=in_review(), start=start, clinician=clinician, by=reception_user)
    with pytest.raises(services.SlotUnavailable, match="held for another patient"):
        services.propose_times(consultation=in_review(), slots=[(start, clinician)], by=reception_user)
    accepted = services.accept_proposed_time(consultation=offered, proposed_time_id=offered.proposed_times.get().pk)
    assert accepted.status == Status.CONFIRMED


def test_a_hold_ends_when_the_offer_expires_or_the_patient_answers(clinician, reception_user, settings):
    settings.OFFER_HOLD_HOURS = 48
    start = at(open_day(weeks=2), 11)
    offered = services.propose_times(consultation=in_review(), slots=[(start, clinician)], by=reception_user)
    ProposedTime.objects.filter(consultation=offered).update(proposed_at=timezone.now() - timedelta(hours=47))
    assert slot_problem(start, clinician=clinician) is not None
    ProposedTime.objects.filter(consultation=offered).update(proposed_at=timezone.now() - timedelta(hours=49))
    assert slot_problem(start, clinician=clinician) is None
    ProposedTime.objects.filter(consultation=offered).update(proposed_at=timezone.now())
    services.back_to_review(consultation=offered, by=None)
    assert slot_problem(start, clinician=clinician) is None


def test_an_expired_offer_cannot_be_taken_and_the_patient_is_told_why(clinician, reception_user, settings):
    settings.OFFER_HOLD_HOURS = 48
    offered = services.propose_times(
        consultation=in_review(), slots=[(at(open_day(weeks=2), 11), clinician)], by=reception_user
    )
    ProposedTime.objects.filter(consultation=offered).update(proposed_at=timezone.now() - timedelta(hours=49))
    with pytest.raises(services.SlotUnavailable, match="were held for you until .* and have been released"):
        services.accept_proposed_time(consultation=offered, proposed_time_id=offered.proposed_times.get().pk)
    offered.refresh_from_db()
    assert offered.status == Status.TIME_PROPOSED


# --- The database's own guard (PostgreSQL) --------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_two_overlapping_confirmations_at_the_same_moment_book_only_one():
    """Two members of staff confirm 10:00 and 10:15 for one clinician at once; the checks
    each pass (patched to let both through, as if neither saw the other) and the
    exclusion constraint refuses the second. Different start times, so the unique
    constraint alone would not catch it."""
    if connection.vendor != "postgresql":
        pytest.skip("the exclusion constraint exists on PostgreSQL only; SQLite keeps the unique start time")
    open_the_demo_week()
    clinician = make_clinician(name="Dr Imogen Sample")
    starts = [at(open_day(), 10), at(open_day(), 10, 15)]
    both_checked = threading.Barrier(2)

    def checked_and_waiting(*args, **kwargs):
        both_checked.wait(timeout=10)
        return None

    with mock.patch.object(ConsultationRequest, "validate_constraints"):
        outcomes = confirm_at_once(
            [(in_review(), start) for start in starts], clinician=clinician, check=checked_and_waiting
        )

    assert sorted(outcomes.values()).count("confirmed") == 1, outcomes
    (refused,) = [message for message in outcomes.values() if message != "confirmed"]
    assert "has just been booked" in refused
    assert ConsultationRequest.objects.filter(status=Status.CONFIRMED, clinician=clinician).count() == 1


def test_the_demo_gives_each_sample_clinician_a_working_week_with_lunch_once():
    from bookings.demo import load_working_weeks

    hartwell = make_clinician(name="Dr Imogen Hartwell")
    assert load_working_weeks() == 3
    assert load_working_weeks() == 0
    assert sorted(hartwell.working_hours.values_list("weekday", flat=True)) == [0, 1, 3]
    monday = open_day() - timedelta(days=1)
    assert slot_problem(at(monday, 13), clinician=hartwell).endswith("(Lunch, 13:00–14:00). Choose another time.")
