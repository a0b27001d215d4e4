"""Answers that look empty are no answers, and names keep no direction controls: the
consultation form and the staff pages that write to patients (clinic/text.py)."""

import pytest

from bookings.models import ConsultationRequest
from tests.bookings.conftest import form_data, in_review

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("field", "typed", "message"),
    [
        ("full_name", "\u200b\u200b", "Enter your full name."),
        ("full_name", "\u3164", "Enter your full name."),
        ("full_name", "\u2067\u2069", "Enter your full name."),
        ("phone", "\u2800", "Enter a phone number we can reach you on."),
    ],
)
def test_a_consultation_request_whose_answers_look_empty_is_refused(client, field, typed, message):
    response = client.post("/consultations/request/", form_data(**{field: typed}))
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])
    assert ConsultationRequest.objects.count() == 0


def test_a_description_that_looks_empty_counts_as_no_description(client):
    response = client.post("/consultations/request/", form_data(help_with="\u3164\u200b\n\u2800"))
    assert response.status_code == 200
    assert "treatments" in response.context["form"].errors or "help_with" in response.context["form"].errors
    assert ConsultationRequest.objects.count() == 0


def test_a_name_with_direction_controls_is_stored_and_emailed_in_the_order_it_reads(
    client, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/consultations/request/", form_data(full_name="Zelda \u202egnp.exe\u202c"))
    assert response.status_code == 302
    assert ConsultationRequest.objects.get().full_name == "Zelda gnp.exe"
    assert "Dear Zelda gnp.exe" in mailoutbox[0].body


def test_a_decline_reason_that_looks_empty_is_no_reason(reception_client, mailoutbox):
    request = in_review()
    response = reception_client.post(
        f"/admin/bookings/consultationrequest/{request.pk}/decline/",
        {"standard_reason": "", "details": "\u3164\u200b"},
    )
    assert response.status_code == 200
    assert "Give a reason, picked from the list or written here" in response.content.decode()
    assert mailoutbox == []


@pytest.mark.parametrize(
    ("stored", "exported"),
    [("Zelda \u202egnp.exe\u202c", "Zelda gnp.exe"), ("\u202e=HYPERLINK(1)", "'=HYPERLINK(1)"), ("Alex", "Alex")],
)
def test_the_csv_export_drops_direction_controls_stored_before_the_forms_refused_them(stored, exported):
    from bookings.export import spreadsheet_safe

    assert spreadsheet_safe(stored) == exported


def test_a_description_typed_over_several_lines_is_kept_with_plain_line_breaks(client):
    typed = "Scars on both cheeks.\r\nSome on the chin."
    response = client.post("/consultations/request/", form_data(help_with=typed))
    assert response.status_code == 302
    assert ConsultationRequest.objects.get().help_with == "Scars on both cheeks.\nSome on the chin."
