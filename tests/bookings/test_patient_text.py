"""Words staff write for a patient's email are checked for health details first: the
screening topics and obvious health terms are refused until reworded or confirmed."""

import pytest
from django.urls import reverse

from bookings.models import SCREENING_FIELDS, ConsultationRequest, DeclineReason, Status
from bookings.patient_text import SCREENING_TOPICS, health_terms_in
from tests.bookings.conftest import in_review, submit

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:bookings_consultationrequest_changelist"


def decline_url(request):
    return f"/admin/bookings/consultationrequest/{request.pk}/decline/"


def test_every_screening_question_has_words_that_give_its_answer_away():
    assert set(SCREENING_TOPICS) == set(SCREENING_FIELDS)


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("As you are pregnant we cannot treat you.", ["pregnant"]),
        ("Not while breastfeeding or taking Roaccutane.", ["breastfeeding", "Roaccutane"]),
        ("Your keloid scars and the infection on your lip.", ["keloid", "infection"]),
        (
            "A cold sore must heal first; your GP's diagnosis and medication matter.",
            ["cold sore", "diagnosis", "medication"],
        ),
        ("Isotretinoin, isotretinoin and ISOTRETINOIN.", ["Isotretinoin"]),
        ("We are not taking new patients this month.", []),
        ("We do not offer this treatment for your skin type. Please ask your GP.", []),
        ("", []),
    ],
)
def test_health_terms_are_found_as_written_once_each(text, found):
    assert health_terms_in(text) == found


def test_a_decline_mentioning_a_health_detail_is_held_until_reworded_or_confirmed(
    reception_client, mailoutbox, django_capture_on_commit_callbacks
):
    request = in_review()
    words = "As you told us you are pregnant, we cannot offer microneedling now."
    held = reception_client.post(decline_url(request), {"standard_reason": "", "details": words})
    html = held.content.decode()
    assert held.status_code == 200
    assert "This text mentions “pregnant”" in html
    assert 'name="send_as_written"' in html
    assert words in html  # nothing typed is lost
    request.refresh_from_db()
    assert request.status == Status.IN_REVIEW and mailoutbox == []

    reworded = "We cannot offer microneedling at the moment. We would be glad to see you later in the year."
    with django_capture_on_commit_callbacks(execute=True):
        reception_client.post(decline_url(request), {"standard_reason": "", "details": reworded})
    request.refresh_from_db()
    assert request.status == Status.DECLINED and reworded in mailoutbox[0].body


def test_confirmed_words_are_sent_as_written(reception_client, mailoutbox, django_capture_on_commit_callbacks):
    request = in_review()
    words = "Please stop isotretinoin for six months first, as we discussed on the phone."
    with django_capture_on_commit_callbacks(execute=True):
        reception_client.post(decline_url(request), {"details": words, "send_as_written": "on"})
    request.refresh_from_db()
    assert request.status == Status.DECLINED and words in mailoutbox[0].body


def test_a_decline_without_health_details_needs_no_confirmation(reception_client):
    html = reception_client.get(decline_url(in_review())).content.decode()
    assert 'name="send_as_written"' not in html


def test_declining_several_requests_checks_the_words_too(reception_client, mailoutbox):
    requests = [submit(), in_review()]
    data = {
        "action": "decline_selected",
        "apply": "yes",
        "_selected_action": [r.pk for r in requests],
        "details": "Not while your skin infection heals.",
    }
    response = reception_client.post(reverse(CHANGELIST), data)
    assert response.status_code == 200 and "This text mentions “infection”" in response.content.decode()
    assert not ConsultationRequest.objects.filter(status=Status.DECLINED).exists()
    assert mailoutbox == []


def test_a_reusable_reason_with_a_health_detail_needs_confirming(admin_client):
    add = reverse("admin:bookings_declinereason_add")
    data = {"title": "Pregnancy", "text": "We do not treat during pregnancy.", "is_active": "on", "order": "5"}
    refused = admin_client.post(add, data)
    assert refused.status_code == 200 and "This text mentions “pregnancy”" in refused.content.decode()
    assert not DeclineReason.objects.filter(title="Pregnancy").exists()
    admin_client.post(add, {**data, "send_as_written": "on"})
    assert DeclineReason.objects.filter(title="Pregnancy").exists()
