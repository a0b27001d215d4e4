"""The patient moves their confirmed consultation from the status page: free times
from the same computation as staff's grid, up to 24 hours before, an updated
invite (same UID, higher SEQUENCE) and an email to the clinic."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from bookings import services
from bookings.models import ConsultationRequest, Leave, NotificationKind, Status
from bookings.scheduling import slot_value
from tests.bookings.conftest import at, confirm, make_clinician, next_weekday, submit

pytestmark = pytest.mark.django_db


def soon_tuesday():
    """A Tuesday 2 to 8 days ahead: inside the patient's four-week window."""
    return next_weekday(1, after=timezone.localdate() + timedelta(days=1))


@pytest.fixture
def booked(clinician):
    return confirm(submit(), start=at(soon_tuesday(), 10), clinician=clinician)


def change_url(consultation):
    return reverse("bookings:reschedule", args=[consultation.reference, consultation.token])


def week_showing(day):
    """The ?week= of the change page that lists `day`."""
    first, _ = services.patient_reschedule_window()
    return (day - first).days // 7


def unfold(text):
    return text.replace("\r\n ", "")


def invite_lines(message):
    (part,) = [a for a in message.attachments if getattr(a, "get_content_type", lambda: "")() == "text/calendar"]
    return unfold(part.get_payload(decode=True).decode()).split("\r\n")


def test_the_status_page_offers_to_change_the_time(client, booked):
    html = client.get(booked.status_path()).content.decode()
    assert f'href="{change_url(booked)}"' in html and "Choose another time" in html


def test_the_change_page_lists_free_times_with_the_same_clinician_and_leaves_out_taken_ones(client, booked, clinician):
    other = confirm(submit(), start=at(soon_tuesday(), 11), clinician=clinician)
    html = client.get(change_url(booked), {"week": week_showing(soon_tuesday())}).content.decode()
    assert f'value="{slot_value(at(soon_tuesday(), 11, 30), clinician)}"' in html
    assert f'value="{slot_value(other.confirmed_start, clinician)}"' not in html
    assert f'value="{slot_value(booked.confirmed_start, clinician)}"' not in html  # their own time
    assert other.reference not in html


def test_another_clinician_can_be_chosen(client, booked):
    other = make_clinician(name="Dr Rafael Other")
    query = {"clinician": other.pk, "week": week_showing(soon_tuesday())}
    html = client.get(change_url(booked), query).content.decode()
    assert f"|{other.pk}" in html and f'|{booked.clinician_id}"' not in html


def test_a_clinician_on_leave_offers_no_times_that_week(client, booked, clinician):
    first, _ = services.patient_reschedule_window()
    Leave.objects.create(clinician=clinician, first_day=first, last_day=first + timedelta(days=6))
    html = client.get(change_url(booked)).content.decode()
    assert "There are no free times this week" in html


def test_moving_sends_an_updated_invite_and_tells_the_clinic(
    client, booked, clinician, mailoutbox, django_capture_on_commit_callbacks, settings
):
    new_start = at(soon_tuesday(), 15)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(change_url(booked), {"slot": slot_value(new_start, clinician)})
    assert response.status_code == 302 and response["Location"] == booked.status_path()
    booked.refresh_from_db()
    assert (booked.status, booked.confirmed_start) == (Status.CONFIRMED, new_start)
    change = booked.status_changes.last()
    assert change.by is None and "The patient moved it online" in change.note
    to_patient = next(m for m in mailoutbox if m.to == [booked.email])
    lines = invite_lines(to_patient)
    assert any(line.startswith(f"UID:{booked.reference}@") for line in lines)
    assert "SEQUENCE:1" in lines
    to_clinic = next(m for m in mailoutbox if m.to == [settings.CLINIC_STAFF_EMAIL])
    assert booked.reference in to_clinic.subject and "15:00" in to_clinic.body
    assert list(booked.notifications.values_list("kind", flat=True))[-2:] == [
        NotificationKind.RESCHEDULED,
        NotificationKind.RESCHEDULE_NOTICE,
    ]
    page = client.get(booked.status_path()).content.decode()
    assert "Your consultation is moved to" in page


def test_a_time_taken_meanwhile_is_refused_without_naming_the_other_patient(client, booked, clinician):
    new_start = at(soon_tuesday(), 15)
    taker = confirm(submit(), start=new_start, clinician=clinician)
    response = client.post(change_url(booked), {"slot": slot_value(new_start, clinician)}, follow=True)
    html = response.content.decode()
    assert "has just been taken" in html and taker.reference not in html
    booked.refresh_from_db()
    assert booked.confirmed_start == at(soon_tuesday(), 10)


def test_within_24_hours_the_patient_is_told_to_phone(client, clinician):
    soon = confirm(submit(), start=timezone.now() + timedelta(hours=20), clinician=clinician)
    html = client.get(change_url(soon)).content.decode()
    assert "less than 24 hours away, so it can no longer be moved online" in html
    response = client.post(change_url(soon), {"slot": slot_value(at(soon_tuesday(), 15), clinician)}, follow=True)
    assert "can no longer be moved online" in response.content.decode()
    assert "Choose another time" not in client.get(soon.status_path()).content.decode()


def test_a_time_outside_the_window_is_refused_with_the_window(booked, clinician):
    far = at(next_weekday(1, weeks=6), 10)
    with pytest.raises(services.SlotUnavailable, match="Choose a time between"):
        services.reschedule_request(consultation=booked, start=far, clinician=clinician, by=None)


def test_the_same_slot_rules_as_staff_apply(booked, clinician):
    with pytest.raises(services.SlotUnavailable, match="outside opening hours"):
        services.reschedule_request(consultation=booked, start=at(soon_tuesday(), 7), clinician=clinician, by=None)


@pytest.mark.parametrize("value", ["", "nonsense", "2027-01-01T10:00|x", "9" * 50])
def test_a_bad_choice_is_refused_beside_the_times(client, booked, value):
    response = client.post(change_url(booked), {"slot": value})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Choose" in html
    assert ConsultationRequest.objects.get(pk=booked.pk).confirmed_start == booked.confirmed_start


def test_a_wrong_token_cannot_see_or_move(client, booked):
    url = reverse("bookings:reschedule", args=[booked.reference, "wrong-token"])
    assert client.get(url).status_code == 404
    assert client.post(url, {"slot": "x"}).status_code == 404
