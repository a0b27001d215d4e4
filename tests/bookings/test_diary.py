"""Reception's diary in admin: a day or a week of consultations, held offers, free
slots, breaks, leave and closures; the printable day list; who may open it."""

from datetime import time, timedelta
from html import unescape

import pytest
from django.urls import reverse

from bookings import services
from bookings.models import Break, Closure, Leave, Weekday
from tests.bookings.conftest import (
    at,
    confirm,
    in_review,
    make_clinician,
    make_staff_member,
    make_treatment,
    move,
    open_day,
    submit,
)
from tests.conftest import staff_login

pytestmark = pytest.mark.django_db

DIARY = "/admin/bookings/diary/"


def diary(client, **query):
    response = client.get(DIARY, query)
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def day():
    return open_day()


def test_the_diary_is_at_its_documented_address():
    assert reverse("bookings_diary") == DIARY


def test_a_day_shows_consultations_with_name_and_linked_reference_holds_free_slots_and_breaks(
    reception_client, clinician, day, reception_user
):
    other = make_clinician(name="Dr Rafael Other")
    booked = confirm(submit(full_name="Maya Lindqvist"), start=at(day, 10), clinician=clinician)
    offered = services.propose_times(consultation=in_review(), slots=[(at(day, 11), other)], by=reception_user)
    Break.objects.create(clinician=clinician, weekday=Weekday.TUESDAY, starts=time(13), ends=time(14), label="Lunch")
    html = diary(reception_client, date=day.isoformat())
    assert "Dr Imogen Sample" in html and "Dr Rafael Other" in html
    change_url = reverse("admin:bookings_consultationrequest_change", args=[booked.pk])
    assert f'<a href="{change_url}">{booked.reference}</a> Maya Lindqvist' in html
    assert f'Held for <a href="{reverse("admin:bookings_consultationrequest_change", args=[offered.pk])}">' in html
    assert "Lunch" in html and "Free" in html


def test_cancelled_and_declined_requests_never_appear(reception_client, clinician, day, reception_user):
    cancelled = confirm(submit(full_name="Cancelled Person"), start=at(day, 10), clinician=clinician)
    services.cancel_request(consultation=cancelled, by=reception_user)
    declined = move(submit(full_name="Declined Person"), "in_review", "declined")
    html = diary(reception_client, date=day.isoformat())
    assert cancelled.reference not in html and "Cancelled Person" not in html
    assert declined.reference not in html and "Declined Person" not in html


def test_leave_and_closures_are_shown_in_words(reception_client, clinician, day):
    Leave.objects.create(clinician=clinician, first_day=day, last_day=day, reason="Annual leave")
    assert "On leave (Annual leave)" in diary(reception_client, date=day.isoformat())
    closed = day + timedelta(days=1)
    Closure.objects.create(date=closed, reason="Staff training day")
    assert "(Staff training day)" in diary(reception_client, date=closed.isoformat())


def test_one_clinician_can_be_shown_alone(reception_client, clinician, day):
    make_clinician(name="Dr Rafael Other")
    html = diary(reception_client, date=day.isoformat(), clinician=clinician.pk)
    assert '<th scope="col">Dr Imogen Sample</th>' in html
    assert '<th scope="col">Dr Rafael Other</th>' not in html


def test_the_week_lists_each_day_with_its_consultations_and_free_slots(reception_client, clinician, day):
    booked = confirm(submit(full_name="Maya Lindqvist"), start=at(day, 10), clinician=clinician)
    html = diary(reception_client, date=day.isoformat(), view="week")
    assert "Week of Monday" in html
    assert f'10:00 <a href="{reverse("admin:bookings_consultationrequest_change", args=[booked.pk])}">' in html
    assert "17 free slots" in html  # the Tuesday: 18 slots, one booked
    assert "Closed on Sundays" not in html and "The clinic is closed on Sundays." in html


def test_previous_next_and_today_move_by_a_day_or_a_week(reception_client, day):
    html = diary(reception_client, date=day.isoformat())
    assert f"?date={(day - timedelta(days=1)).isoformat()}" in html
    assert f"?date={(day + timedelta(days=1)).isoformat()}" in html
    week = diary(reception_client, date=day.isoformat(), view="week")
    assert f"?date={(day + timedelta(days=7)).isoformat()}&amp;view=week" in week
    assert "Today</a>" in week


@pytest.mark.parametrize("value", ["tomorrow", "2026-02-30", "0001-01-01", "9999-12-31", "2027-01-12\x00", "x" * 500])
def test_a_bad_date_shows_today_with_a_message_not_an_error(reception_client, value):
    html = diary(reception_client, date=value)
    assert "showing today" in html


@pytest.mark.parametrize("value", ["1900-01-01", "3000-01-01"])
def test_a_real_date_outside_the_diary_says_which_dates_it_shows_not_that_it_is_no_date(reception_client, value):
    html = diary(reception_client, date=value)
    assert "The diary shows dates from 1 Jan 2000 to 31 Dec 2999: showing today." in html
    assert "is not a date" not in html


@pytest.mark.parametrize("value", ["abc", "999999", "1" * 40, "-1"])
def test_an_unknown_clinician_shows_everyone_with_a_message(reception_client, clinician, value):
    html = diary(reception_client, clinician=value)
    assert "showing everyone" in html and "Dr Imogen Sample" in html


def test_the_day_list_prints_time_patient_phone_clinician_treatment_and_reference(reception_client, clinician, day):
    treatment = make_treatment(title="Microneedling", slug="microneedling")
    booked = confirm(
        submit(full_name="Maya Lindqvist", phone="+447911123987", treatments=[treatment]),
        start=at(day, 9, 30),
        clinician=clinician,
    )
    html = diary(reception_client, date=day.isoformat())
    row = html[html.index("<td>09:30</td>") :].split("</tr>")[0]
    for value in ["Maya Lindqvist", "07911 123987", "Dr Imogen Sample", "Microneedling", booked.reference]:
        assert value in row
    assert "+447911123987" not in row  # written as staff dial it, as on the request page
    assert "css/bookings-diary." in html  # the print stylesheet


def test_the_day_list_writes_a_foreign_number_in_international_form(reception_client, clinician, day):
    confirm(submit(phone="+33612345678"), start=at(day, 11), clinician=clinician)
    html = diary(reception_client, date=day.isoformat())
    row = html[html.index("<td>11:00</td>") :].split("</tr>")[0]
    assert "+33 6 12 34 56 78" in row


def test_the_print_stylesheet_leaves_only_the_day_list_on_paper():
    from django.contrib.staticfiles import finders

    css = open(finders.find("css/bookings-diary.css")).read()
    print_rules = css[css.index("@media print") :]
    assert ".diary-grid-wrap" in print_rules and "display: none" in print_rules
    assert ".diary-day-list" in print_rules


def test_an_editor_opening_the_diary_gets_an_admin_page_saying_they_have_no_access(client):
    editor = make_staff_member(group="Editors")
    response = staff_login(client, editor).get(DIARY)
    assert response.status_code == 403
    html = unescape(response.content.decode())
    assert "You don't have access to the diary" in html
    assert 'id="site-name"' in html and "Log out" in html  # the admin's own header
    assert 'href="/admin/">Back to the admin home page</a>' in html
    assert "Today's diary" not in client.get("/admin/").content.decode()  # and no link to it there


def test_a_refused_admin_page_without_a_reason_still_gets_the_admin_page(client):
    editor = make_staff_member(group="Editors")
    response = staff_login(client, editor).get(reverse("admin:bookings_consultationrequest_add"))
    assert response.status_code == 403
    assert "does not have permission for this page" in response.content.decode()
    assert 'href="/admin/">Back to the admin home page</a>' in response.content.decode()


def test_signed_out_visitors_are_sent_to_sign_in(client):
    response = client.get(DIARY)
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_the_admin_home_links_reception_to_todays_diary(reception_client, client):
    assert f'href="{DIARY}">Today\'s diary</a>' in reception_client.get("/admin/").content.decode()


def test_the_diary_costs_the_same_queries_however_full_the_day(
    reception_client, clinician, day, django_assert_max_num_queries
):
    confirm(submit(), start=at(day, 9), clinician=clinician)
    with django_assert_max_num_queries(30) as one:
        diary(reception_client, date=day.isoformat(), view="week")
    for hour in range(10, 17):
        confirm(submit(), start=at(day, hour), clinician=make_clinician(name=f"Dr {hour}"))
    with django_assert_max_num_queries(30) as many:
        diary(reception_client, date=day.isoformat(), view="week")
    assert len(many) == len(one)
