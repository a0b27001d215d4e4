"""Bookings reception takes by phone or at the desk: the admin add page, its slot grid,
consent recorded with who took it, and the confirmation email (not the acknowledgement)."""

from urllib.parse import urlencode

import pytest
from django.urls import reverse

from bookings.models import ConsentMethod, ConsultationRequest, NotificationKind, Status
from bookings.scheduling import slot_value
from tests.bookings.conftest import at, confirm, make_clinician, make_staff_member, open_day, submit
from tests.conftest import staff_login

pytestmark = pytest.mark.django_db

ADD = "/admin/bookings/consultationrequest/add/"


def booking_data(start, clinician, **overrides):
    data = {
        "idempotency_key": "phone-booking-key-0001",
        "full_name": "Tomasz Brennan",
        "email": "tomasz.brennan@example.com",
        "phone": "07911 123456",
        "contact_preference": "phone",
        "help_with": "Scarring on the chin after acne.",
        "isotretinoin_recent": "no",
        "pregnant_or_breastfeeding": "no",
        "keloid_tendency": "not_sure",
        "active_skin_infection": "no",
        "consent": "on",
        "consent_method": "phone",
        "slot": slot_value(start, clinician),
        "note": "",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def test_reception_opens_the_phone_booking_page_with_the_days_free_slots(reception_client, clinician):
    day = open_day()
    booked = confirm(submit(), start=at(day, 10), clinician=clinician)
    response = reception_client.get(ADD, {"date": day.isoformat()})
    html = response.content.decode()
    assert response.status_code == 200
    assert "Book a consultation taken by phone or at the desk" in html
    assert f'value="{slot_value(at(day, 11), clinician)}"' in html
    assert f"Booked ({booked.reference})" in html
    assert 'name="consent"' in html and "privacy notice" in html


def test_a_slot_chosen_in_the_diary_comes_preselected(reception_client, clinician):
    value = slot_value(at(open_day(), 15), clinician)
    html = reception_client.get(ADD, {"slot": value}).content.decode()
    assert f'value="{value}" checked' in html


def test_a_phone_booking_is_confirmed_recorded_with_consent_and_emails_the_confirmation_only(
    reception_client, reception_user, clinician, mailoutbox, django_capture_on_commit_callbacks
):
    start = at(open_day(), 11)
    with django_capture_on_commit_callbacks(execute=True):
        response = reception_client.post(ADD, booking_data(start, clinician))
    consultation = ConsultationRequest.objects.get(full_name="Tomasz Brennan")
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:bookings_consultationrequest_change", args=[consultation.pk])
    assert (consultation.status, consultation.confirmed_start, consultation.clinician) == (
        Status.CONFIRMED,
        start,
        clinician,
    )
    assert consultation.phone == "+447911123456"
    assert (consultation.consent_method, consultation.consent_recorded_by) == (ConsentMethod.PHONE, reception_user)
    first = consultation.status_changes.first()
    assert first.by == reception_user and "agreed to the privacy notice by phone" in first.note
    assert list(consultation.notifications.values_list("kind", flat=True)) == [NotificationKind.CONFIRMATION]
    (email,) = mailoutbox
    assert email.to == ["tomasz.brennan@example.com"]
    assert consultation.status_url() in email.body
    assert any(getattr(part, "get_content_type", lambda: "")() == "text/calendar" for part in email.attachments)


def test_a_taken_or_closed_slot_is_refused_beside_the_grid_and_nothing_is_stored(reception_client, clinician):
    start = at(open_day(), 11)
    confirm(submit(), start=start, clinician=clinician)
    before = ConsultationRequest.objects.count()
    response = reception_client.post(ADD, booking_data(start, clinician))
    assert response.status_code == 200
    assert "already has a confirmed consultation" in response.content.decode()
    assert ConsultationRequest.objects.count() == before


def taken_message(booked, day, clinician):
    """How staff are told the diary's slot went: who has it, when, and what to do."""
    return (
        f"{clinician.name} already has a confirmed consultation ({booked.reference}) at "
        f"{day:%A} {day.day} {day:%B %Y} at 10:00. Choose another time."
    )


def test_a_slot_taken_since_the_diary_showed_it_free_says_who_has_it(reception_client, clinician):
    day = open_day()
    booked = confirm(submit(), start=at(day, 10), clinician=clinician)
    html = reception_client.get(ADD, {"slot": slot_value(at(day, 10), clinician)}).content.decode()
    assert taken_message(booked, day, clinician) in html
    assert f"Booked ({booked.reference})" in html  # that day's grid is shown, to choose another time
    assert "Choose a time from the grid" not in html


def test_booking_a_slot_the_diary_asked_for_but_is_taken_says_so_and_keeps_the_answers(reception_client, clinician):
    day = open_day()
    booked = confirm(submit(), start=at(day, 10), clinician=clinician)
    before = ConsultationRequest.objects.count()
    url = f"{ADD}?{urlencode({'slot': slot_value(at(day, 10), clinician)})}"
    # No time ticked: the taken one had no box to tick.
    response = reception_client.post(url, booking_data(at(day, 10), clinician, slot=None))
    html = response.content.decode()
    assert response.status_code == 200
    assert taken_message(booked, day, clinician) in html
    assert "Choose a time from the grid" not in html
    assert 'value="Tomasz Brennan"' in html and 'value="07911 123456"' in html
    assert "Scarring on the chin after acne." in html
    assert ConsultationRequest.objects.count() == before


def test_a_taken_slot_is_named_even_when_another_answer_is_wrong_too(reception_client, clinician):
    """Another field's error used to hide it: the grid dropped the time, and the next try got
    only "Choose a time from the grid"."""
    day = open_day()
    booked = confirm(submit(), start=at(day, 10), clinician=clinician)
    response = reception_client.post(ADD, booking_data(at(day, 10), clinician, phone="12"))
    html = response.content.decode()
    assert "Enter a phone number we can call" in html
    assert html.count(taken_message(booked, day, clinician)) == 1


def test_without_consent_nothing_is_booked(reception_client, clinician):
    response = reception_client.post(ADD, booking_data(at(open_day(), 11), clinician, consent=None))
    assert response.status_code == 200
    assert "agreed to the privacy notice" in response.content.decode()
    assert not ConsultationRequest.objects.filter(full_name="Tomasz Brennan").exists()


@pytest.mark.parametrize(
    "field, value, words",
    [
        ("phone", "12", "Enter a phone number we can call"),
        ("email", "not-an-email", "Enter a valid email address"),
        ("slot", "2027-13-45T10:00|1", "Choose a time from the grid"),
        ("slot", "", "Choose a time from the grid"),
        ("isotretinoin_recent", "", "This field is required"),
        ("full_name", "x\x00y", "Null characters are not allowed"),
    ],
)
def test_bad_answers_are_refused_beside_the_field_and_nothing_is_booked(
    reception_client, clinician, field, value, words
):
    response = reception_client.post(ADD, booking_data(at(open_day(), 11), clinician, **{field: value}))
    assert response.status_code == 200
    assert words in response.content.decode()
    assert not ConsultationRequest.objects.filter(full_name="Tomasz Brennan").exists()


def test_the_same_booking_sent_twice_is_stored_once(reception_client, clinician):
    data = booking_data(at(open_day(), 11), clinician)
    reception_client.post(ADD, data)
    second = reception_client.post(ADD, data)
    assert second.status_code == 302
    assert ConsultationRequest.objects.filter(full_name="Tomasz Brennan").count() == 1


def test_editors_cannot_book_by_phone(client, clinician):
    editor = staff_login(client, make_staff_member(group="Editors"))
    assert editor.get(ADD).status_code == 403
    assert editor.post(ADD, booking_data(at(open_day(), 11), clinician)).status_code == 403


def test_a_clinician_on_leave_cannot_be_booked_by_phone(reception_client):
    from bookings.models import Leave

    away = make_clinician(name="Dr Away")
    Leave.objects.create(clinician=away, first_day=open_day(), last_day=open_day(), reason="Conference")
    response = reception_client.post(ADD, booking_data(at(open_day(), 11), away))
    assert "is away on" in response.content.decode()
