"""Changes to availability never strand a confirmed consultation: leave, breaks, working
hours, "takes consultations", closures and opening hours over one are refused, naming it;
and the diary shows an appointment even where the clinician is now away."""

import threading
from datetime import date, time, timedelta
from time import monotonic, sleep
from unittest import mock

import pytest
from django.db import connection
from django.urls import reverse

from bookings import services
from bookings.admin import forms as admin_forms
from bookings.admin import other as admin_other
from bookings.diary import build_diary
from bookings.models import Break, ClinicHours, Closure, ConsultationRequest, Leave, Status, Weekday, WorkingHours
from tests.bookings.conftest import (
    at,
    confirm,
    in_review,
    make_staff_member,
    open_day,
    open_the_demo_week,
    submit,
)
from tests.bookings.test_admin import inline_data
from tests.factories import make_clinician

pytestmark = pytest.mark.django_db

MOVE_FIRST = "Move or cancel it first (Reception can do that from the request or the diary)"


def availability_page(clinician):
    return reverse("admin:bookings_clinicianavailability_change", args=[clinician.pk])


def post_with_new_row(client, clinician, prefix, row, extra=None):
    """Post the clinician's availability page back with one more `prefix` inline row."""
    url = availability_page(clinician)
    data = inline_data(client.get(url))
    data["takes_consultations"] = "on"
    n = int(data[f"{prefix}-TOTAL_FORMS"])
    data[f"{prefix}-TOTAL_FORMS"] = str(n + 1)
    data.update({f"{prefix}-{n}-{name}": value for name, value in row.items()})
    data.update(extra or {})
    return client.post(url, data)


@pytest.fixture
def booked(clinician):
    """A consultation confirmed with the clinician at 16:00 on an open Tuesday."""
    return confirm(submit(), start=at(open_day(), 16), clinician=clinician)


def expected_refusal(booked):
    day = open_day()
    return f"{booked.reference} on {day:%A} {day.day} {day:%B %Y} at 16:00"


def test_leave_over_a_confirmed_consultation_is_refused_in_admin_naming_it(reception_client, clinician, booked):
    day = open_day()
    row = {"first_day": day.isoformat(), "last_day": (day + timedelta(days=1)).isoformat(), "reason": "Leave"}
    response = post_with_new_row(reception_client, clinician, "leave", row)
    html = response.content.decode()
    assert response.status_code == 200
    assert expected_refusal(booked) in html and MOVE_FIRST in html
    assert not Leave.objects.exists()


def test_leave_on_other_days_saves(reception_client, clinician, booked):
    day = open_day() + timedelta(days=1)
    row = {"first_day": day.isoformat(), "last_day": (day + timedelta(days=2)).isoformat(), "reason": "Course"}
    assert post_with_new_row(reception_client, clinician, "leave", row).status_code == 302
    assert Leave.objects.get().reason == "Course"


def test_saved_leave_is_labelled_with_dates_as_admin_lists_show_them(reception_client, clinician):
    Leave.objects.create(clinician=clinician, first_day=date(2031, 12, 1), last_day=date(2031, 12, 5), reason="Course")
    html = reception_client.get(availability_page(clinician)).content.decode()
    assert "Course: 1 Dec 2031–5 Dec 2031" in html and "01 Dec" not in html


@pytest.mark.parametrize("ending", ["cancel", "decline"])
def test_a_cancelled_or_declined_consultation_does_not_block_leave(reception_client, clinician, ending):
    request = submit()
    if ending == "cancel":
        request = confirm(request, start=at(open_day(), 16), clinician=clinician)
        services.cancel_request(consultation=request, by=make_staff_member())
    else:
        services.decline_request(consultation=request, details="Not suitable", by=make_staff_member())
    day = open_day()
    row = {"first_day": day.isoformat(), "last_day": day.isoformat(), "reason": "Leave"}
    assert post_with_new_row(reception_client, clinician, "leave", row).status_code == 302


def test_a_break_over_a_confirmed_consultation_is_refused(reception_client, clinician, booked):
    row = {"weekday": Weekday.TUESDAY, "starts": "15:30", "ends": "16:30", "label": "Admin"}
    html = post_with_new_row(reception_client, clinician, "breaks", row).content.decode()
    assert expected_refusal(booked) in html and MOVE_FIRST in html
    assert not Break.objects.exists()


def test_working_hours_that_leave_out_a_confirmed_consultation_are_refused(reception_client, clinician, booked):
    # The first working day set limits the clinician to it: Tuesdays would end at 15:00.
    row = {"weekday": Weekday.TUESDAY, "starts": "09:00", "ends": "15:00"}
    html = post_with_new_row(reception_client, clinician, "working_hours", row).content.decode()
    assert expected_refusal(booked) in html
    assert not WorkingHours.objects.exists()
    # Mondays only: Tuesday's consultation is stranded too.
    row = {"weekday": Weekday.MONDAY, "starts": "09:00", "ends": "17:00"}
    html = post_with_new_row(reception_client, clinician, "working_hours", row).content.decode()
    assert expected_refusal(booked) in html
    row = {"weekday": Weekday.TUESDAY, "starts": "09:00", "ends": "17:00"}
    assert post_with_new_row(reception_client, clinician, "working_hours", row).status_code == 302


def test_removing_a_working_day_with_a_confirmed_consultation_is_refused(reception_client, clinician, booked):
    WorkingHours.objects.create(clinician=clinician, weekday=Weekday.MONDAY, starts=time(9), ends=time(17))
    WorkingHours.objects.create(clinician=clinician, weekday=Weekday.TUESDAY, starts=time(9), ends=time(17))
    url = availability_page(clinician)
    data = inline_data(reception_client.get(url))
    data["takes_consultations"] = "on"
    tuesday = next(key for key, value in data.items() if key.endswith("-weekday") and int(value) == Weekday.TUESDAY)
    data[tuesday.replace("-weekday", "-DELETE")] = "on"
    html = reception_client.post(url, data).content.decode()
    assert expected_refusal(booked) in html
    assert WorkingHours.objects.filter(weekday=Weekday.TUESDAY).exists()


def test_switching_off_takes_consultations_with_a_confirmed_one_is_refused(reception_client, clinician, booked):
    url = availability_page(clinician)
    data = inline_data(reception_client.get(url))  # "takes_consultations" left out: unticked
    html = reception_client.post(url, data).content.decode()
    assert expected_refusal(booked) in html
    clinician.refresh_from_db()
    assert clinician.takes_consultations


def test_a_closure_or_shorter_opening_hours_over_a_confirmed_consultation_are_refused(reception_client, booked):
    day = open_day()
    response = reception_client.post(reverse("admin:bookings_closure_add"), {"date": day.isoformat(), "reason": "X"})
    assert expected_refusal(booked) in response.content.decode()
    assert not Closure.objects.exists()
    other = day + timedelta(days=1)
    response = reception_client.post(reverse("admin:bookings_closure_add"), {"date": other.isoformat(), "reason": ""})
    assert response.status_code == 302
    hours = ClinicHours.objects.get(weekday=Weekday.TUESDAY)
    change = reverse("admin:bookings_clinichours_change", args=[hours.pk])
    response = reception_client.post(change, {"weekday": Weekday.TUESDAY, "opens": "09:00", "closes": "15:00"})
    assert expected_refusal(booked) in response.content.decode()
    hours.refresh_from_db()
    assert hours.closes != time(15)


def test_closing_a_weekday_with_a_confirmed_consultation_is_refused(admin_client, booked):
    # Only an administrator may delete a weekday's hours (Reception edits them).
    tuesday = ClinicHours.objects.get(weekday=Weekday.TUESDAY)
    response = admin_client.post(
        reverse("admin:bookings_clinichours_delete", args=[tuesday.pk]), {"post": "yes"}, follow=True
    )
    html = response.content.decode()
    assert expected_refusal(booked) in html and MOVE_FIRST in html
    assert ClinicHours.objects.filter(weekday=Weekday.TUESDAY).exists()
    monday = ClinicHours.objects.get(weekday=Weekday.MONDAY)
    admin_client.post(reverse("admin:bookings_clinichours_delete", args=[monday.pk]), {"post": "yes"})
    assert not ClinicHours.objects.filter(weekday=Weekday.MONDAY).exists()


def test_the_diary_shows_an_appointment_that_falls_in_leave(clinician, booked):
    day = open_day()
    Leave.objects.create(clinician=clinician, first_day=day, last_day=day, reason="Annual leave")  # older data
    _, (diary_day,) = build_diary(day, clinician=clinician)
    (row,) = [row for row in diary_day.rows if row.start == at(day, 16)]
    assert row.cells[0].kind == "booked" and row.cells[0].appointment.reference == booked.reference
    _, week = build_diary(day, clinician=clinician, week=True)
    (cell,) = [d for d in week if d.day == day][0].cells
    assert cell.away == "On leave (Annual leave)"
    assert [entry.appointment.reference for entry in cell.entries] == [booked.reference]


# --- Under real concurrency (PostgreSQL) ----------------------------------------------------


def postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip("SQLite runs one write transaction at a time, so there is no race to test; run on PostgreSQL")


def in_a_thread(work):
    """A started thread running `work` on its own connection; `.outcome` is its result or the
    exception it raised."""

    def run():
        try:
            thread.outcome = work()
        except Exception as error:  # surfaced by the caller's assertions
            thread.outcome = error
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.outcome = None
    thread.start()
    return thread


def until_it_waits_or_ends(thread, timeout=10):
    """Return once `thread` has finished or another connection is waiting for a lock."""
    deadline = monotonic() + timeout
    while thread.is_alive() and monotonic() < deadline:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
            if cursor.fetchone()[0]:
                return
        sleep(0.02)


def add_leave_on(client, clinician, day):
    row = {"first_day": day.isoformat(), "last_day": day.isoformat(), "reason": "Leave"}
    return post_with_new_row(client, clinician, "leave", row)


def add_closure_on(client, clinician, day):
    return client.post(reverse("admin:bookings_closure_add"), {"date": day.isoformat(), "reason": "Flood"})


def confirming(clinician, start):
    """A request in review, and the patient accepting `start` with `clinician` for it."""
    request = in_review()
    return request, lambda: services.confirm_request(consultation=request, start=start, clinician=clinician, by=None)


def moving(clinician, start):
    """A consultation confirmed on a Wednesday a week later, and the patient moving it to
    `start` online."""
    request = confirm(submit(), start=at(open_day(weeks=2) + timedelta(days=1), 10), clinician=clinician)
    return request, lambda: services.reschedule_request(
        consultation=request, start=start, clinician=clinician, by=None
    )


def close_the_weekday_of(client, clinician, day):
    hours = ClinicHours.objects.get(weekday=day.weekday())
    return client.post(reverse("admin:bookings_clinichours_delete", args=[hours.pk]), {"post": "yes"})


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("book", [confirming, moving])
@pytest.mark.parametrize(
    ("add_time_off", "checked_by", "refusal"),
    [
        (add_leave_on, (admin_forms, "refuse_stranding_change"), "is away on"),
        (add_closure_on, (admin_forms, "refuse_stranding_change"), "(Flood). Choose another day."),
        (close_the_weekday_of, (admin_other, "stranded_consultations"), "The clinic is closed on Tuesdays"),
    ],
)
def test_a_booking_made_while_time_off_over_it_is_being_saved_is_refused(
    admin_client, add_time_off, checked_by, refusal, book
):
    """Reception saves leave, a closure or the end of Tuesday opening over 16:00 on a
    Tuesday; while its check has passed and its save is not yet committed, a patient
    takes 16:00 (accepting it, or moving their consultation there). The booking waits
    for the save and is then refused: no confirmed consultation ends up in time off."""
    postgresql_only()
    open_the_demo_week()
    clinician = make_clinician(name="Dr Imogen Sample")
    day, start = open_day(), at(open_day(), 16)
    request, take_the_time = book(clinician, start)
    before = (request.status, request.confirmed_start)
    checked, saved = threading.Event(), threading.Event()
    real_check = getattr(*checked_by)

    def check_then_hold_the_transaction(*args, **kwargs):
        result = real_check(*args, **kwargs)
        checked.set()
        saved.wait(timeout=10)
        return result

    with mock.patch.object(*checked_by, check_then_hold_the_transaction):
        saving = in_a_thread(lambda: add_time_off(admin_client, clinician, day))
        assert checked.wait(timeout=10)
        booking = in_a_thread(take_the_time)
        until_it_waits_or_ends(booking)
        saved.set()
        saving.join(timeout=30)
        booking.join(timeout=30)

    assert saving.outcome.status_code == 302  # saved
    assert isinstance(booking.outcome, services.SlotUnavailable), booking.outcome
    assert refusal in booking.outcome.messages[0]
    request.refresh_from_db()
    assert (request.status, request.confirmed_start) == before
    assert not ConsultationRequest.objects.filter(status=Status.CONFIRMED, confirmed_start__date=day).exists()


@pytest.mark.django_db(transaction=True)
def test_leave_saved_while_a_confirmation_in_it_is_being_made_is_refused(admin_client):
    """A patient accepts 16:00; while the booking's check has passed and it is not yet
    committed, reception saves leave over that day. The leave waits for the booking and
    is then refused, naming it."""
    postgresql_only()
    open_the_demo_week()
    clinician = make_clinician(name="Dr Imogen Sample")
    request = in_review()
    day, start = open_day(), at(open_day(), 16)
    checked, booked = threading.Event(), threading.Event()
    real_check = services.slot_problem

    def check_then_hold_the_transaction(*args, **kwargs):
        problem = real_check(*args, **kwargs)
        checked.set()
        booked.wait(timeout=10)
        return problem

    with mock.patch.object(services, "slot_problem", check_then_hold_the_transaction):
        booking = in_a_thread(
            lambda: services.confirm_request(consultation=request, start=start, clinician=clinician, by=None)
        )
        assert checked.wait(timeout=10)
        saving = in_a_thread(lambda: add_leave_on(admin_client, clinician, day))
        until_it_waits_or_ends(saving)
        booked.set()
        booking.join(timeout=30)
        saving.join(timeout=30)

    assert getattr(booking.outcome, "status", None) == Status.CONFIRMED, booking.outcome
    assert saving.outcome.status_code == 200
    assert expected_refusal(booking.outcome) in saving.outcome.content.decode()
    assert not Leave.objects.exists()
