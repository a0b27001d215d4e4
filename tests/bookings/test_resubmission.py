"""The consultation form sent again with the same hidden key never fails, whatever
happened to the first request since: cancelled, declined, completed, or erased."""

from datetime import timedelta

import pytest
from django.utils import timezone

from bookings import services
from bookings.models import ConsultationRequest, Status
from privacy.services import erase_personal_data
from tests.bookings.conftest import confirm, form_data, make_staff_member, move

pytestmark = pytest.mark.django_db

URL = "/consultations/request/"
ERASED = "That request has since been closed and its details erased"


def send_first(client):
    data = form_data()
    response = client.post(URL, data)
    assert response.status_code == 302
    return data, ConsultationRequest.objects.get()


def cancelled_by_the_patient(consultation):
    services.cancel_request(consultation=consultation, note="Feeling better.")


def declined(consultation):
    move(consultation, Status.IN_REVIEW, Status.DECLINED)


def completed(consultation):
    confirmed = confirm(consultation, start=timezone.now() - timedelta(days=1))
    services.complete_request(consultation=confirmed, by=make_staff_member())


@pytest.mark.parametrize("happened", [cancelled_by_the_patient, declined, completed])
def test_a_form_sent_again_after_the_request_closed_shows_that_requests_page(client, happened):
    data, consultation = send_first(client)
    happened(consultation)
    response = client.post(URL, data, follow=True)
    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == consultation.thanks_path()
    assert ConsultationRequest.objects.count() == 1


@pytest.mark.parametrize("erased_by", ["the patient's erasure", "the retention rule"])
def test_a_form_sent_again_after_cancelling_and_erasing_shows_the_form_with_the_answers_kept(client, erased_by):
    data, consultation = send_first(client)
    services.cancel_request(consultation=consultation)
    if erased_by == "the patient's erasure":
        erase_personal_data(email=data["email"], by=None, via="test")
    else:
        services.anonymise_request(consultation=consultation)

    for sender in (client, client.__class__()):  # this browser (with its cookie), and another
        response = sender.post(URL, data)
        assert response.status_code == 200
        html = response.content.decode()
        assert ERASED in html
        assert 'value="Alex Patient"' in html
        assert data["idempotency_key"] not in html  # a fresh key: sending it makes a new request
    assert ConsultationRequest.objects.count() == 1

    again = {**data, "idempotency_key": response.context["form"]["idempotency_key"].value()}
    assert client.post(URL, again).status_code == 302
    assert ConsultationRequest.objects.filter(full_name="Alex Patient", status=Status.NEW).count() == 1
