"""The patient's status page when the clinic has offered other times: take one, or ask to be contacted."""

import pytest

from bookings import services
from bookings.models import Status
from tests.bookings.conftest import at, confirm, in_review, make_staff_member, open_day, submit

pytestmark = pytest.mark.django_db


@pytest.fixture
def offered(clinician):
    """A request with two times offered: Tuesday in two weeks at 09:00 and 14:00."""
    return services.propose_times(
        consultation=in_review(),
        slots=[(at(open_day(weeks=2), 9), clinician), (at(open_day(weeks=2), 14), clinician)],
        by=make_staff_member(),
    )


def test_the_status_page_lists_the_offered_times_with_a_form_to_take_one(client, offered):
    response = client.get(offered.status_path())
    html = response.content.decode()
    assert "Times we can offer" in html
    assert "09:00 with Dr Imogen Sample" in html and "14:00 with Dr Imogen Sample" in html
    assert 'type="radio"' in html and "Book this time" in html
    assert "Please contact me about another time" in html
    # A page with forms that post back must let the browser send its origin (see views.private_page).
    assert response["Referrer-Policy"] == "same-origin"
    assert '<meta name="referrer" content="same-origin">' in html


def test_taking_an_offered_time_books_it_and_emails_the_invite(
    client, offered, mailoutbox, django_capture_on_commit_callbacks
):
    proposal = offered.proposed_times.get(start=at(open_day(weeks=2), 14))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(offered.status_path(), {"action": "accept", "proposal": proposal.pk})
    assert response.status_code == 302 and response["Location"] == offered.status_path()
    page = client.get(offered.status_path()).content.decode()
    assert "Your consultation is booked" in page and "Your appointment" in page and "14:00" in page
    offered.refresh_from_db()
    assert offered.status == Status.CONFIRMED and offered.confirmed_start == proposal.start
    assert any(m.to == [offered.email] and m.attachments for m in mailoutbox)


def test_a_time_taken_by_someone_else_meanwhile_is_explained_and_nothing_changes(client, offered, clinician):
    proposal = offered.proposed_times.first()
    confirm(submit(), start=proposal.start, clinician=clinician)
    response = client.post(offered.status_path(), {"action": "accept", "proposal": proposal.pk}, follow=True)
    html = response.content.decode()
    assert "is no longer available" in html and "Times we can offer" in html
    offered.refresh_from_db()
    assert offered.status == Status.TIME_PROPOSED and offered.confirmed_start is None


@pytest.mark.parametrize("proposal", ["", "abc", "999999", "1" * 50])
def test_a_post_without_a_real_offered_time_is_refused_beside_the_choices(client, offered, proposal):
    response = client.post(offered.status_path(), {"action": "accept", "proposal": proposal})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Choose one of the times" in html or "Please choose one of the times we offered" in html
    offered.refresh_from_db()
    assert offered.status == Status.TIME_PROPOSED


def test_asking_to_be_contacted_puts_the_request_back_in_review(
    client, offered, mailoutbox, django_capture_on_commit_callbacks, settings
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(offered.status_path(), {"action": "contact", "note": "Weekday evenings, please"})
    page = client.get(response["Location"]).content.decode()
    assert "We will contact you" in page and "Times we can offer" not in page
    offered.refresh_from_db()
    assert offered.status == Status.IN_REVIEW
    assert "Weekday evenings, please" in offered.status_changes.last().note
    assert [m.to for m in mailoutbox] == [[settings.CLINIC_STAFF_EMAIL]]


def test_a_note_that_is_too_long_is_refused_beside_the_field(client, offered):
    response = client.post(offered.status_path(), {"action": "contact", "note": "x" * 501})
    assert response.status_code == 200 and "500 characters" in response.content.decode()
    offered.refresh_from_db()
    assert offered.status == Status.TIME_PROPOSED


def test_accepting_when_nothing_is_on_offer_changes_nothing(client, clinician):
    request = confirm(submit(), clinician=clinician)
    for data in [{"action": "accept", "proposal": "1"}, {"action": "contact", "note": ""}]:
        response = client.post(request.status_path(), data, follow=True)
        assert response.status_code == 200
    request.refresh_from_db()
    assert request.status == Status.CONFIRMED


def test_a_wrong_token_cannot_accept_a_time(client, offered):
    path = offered.status_path().replace(offered.token, "x" * len(offered.token))
    assert client.post(path, {"action": "accept", "proposal": offered.proposed_times.first().pk}).status_code == 404
    offered.refresh_from_db()
    assert offered.status == Status.TIME_PROPOSED


def test_the_page_says_until_when_the_times_are_held(client, offered, settings):
    settings.OFFER_HOLD_HOURS = 48
    html = client.get(offered.status_path()).content.decode()
    assert "We hold these times for you until" in html


def test_an_expired_offer_disappears_with_a_line_saying_so(client, offered):
    from datetime import timedelta

    from django.utils import timezone

    offered.proposed_times.update(proposed_at=timezone.now() - timedelta(hours=49))
    html = client.get(offered.status_path()).content.decode()
    assert "were held for you until" in html and "have been released" in html
    assert 'type="radio"' not in html and "Book this time" not in html
    assert "Please contact me about another time" in html


def test_a_time_booked_by_someone_else_disappears_with_a_line_saying_so(client, offered, clinician):
    taken = offered.proposed_times.get(start=at(open_day(weeks=2), 9))
    confirm(submit(), start=taken.start, clinician=clinician)  # past the hold, as a database import might
    html = client.get(offered.status_path()).content.decode()
    assert "has been booked by someone else, so it is no longer offered" in html
    assert "14:00 with Dr Imogen Sample" in html and "09:00 with Dr Imogen Sample" not in html


def test_a_time_that_has_passed_is_never_offered(client, offered):
    from datetime import timedelta

    from django.utils import timezone

    past = offered.proposed_times.get(start=at(open_day(weeks=2), 9))
    past.start = timezone.now() - timedelta(hours=1)
    past.save()
    html = client.get(offered.status_path()).content.decode()
    assert "has passed" in html
    response = client.post(offered.status_path(), {"action": "accept", "proposal": past.pk}, follow=True)
    assert "has passed. Please ask us to contact you" in response.content.decode()
    offered.refresh_from_db()
    assert offered.status == Status.TIME_PROPOSED


def test_an_expired_offer_is_not_described_as_times_on_offer(client, offered):
    from datetime import timedelta

    from django.utils import timezone

    offered.proposed_times.update(proposed_at=timezone.now() - timedelta(hours=49))
    html = client.get(offered.status_path()).content.decode()
    assert "we are offering the times below" not in html
    assert "The times we suggested are no longer on offer." in html


def test_times_on_the_day_the_patient_asked_for_are_not_said_to_be_another_day(client, clinician):
    consultation = in_review()
    asked = consultation.first_preferred_date
    offered = services.propose_times(
        consultation=consultation, slots=[(at(asked, 15), clinician)], by=make_staff_member()
    )
    html = client.get(offered.status_path()).content.decode()
    assert "We cannot see you when you asked to come in" not in html
    assert "We are offering the times below." in html
    assert "15:00 with Dr Imogen Sample" in html


def test_times_on_other_days_say_why_they_are_offered(client, offered):
    html = client.get(offered.status_path()).content.decode()
    assert "We cannot see you when you asked to come in, so we are offering the times below." in html
