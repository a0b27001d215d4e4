"""Screening answers stay with clinicians: reception sees that answers exist and
whether any is "yes" or "not sure", never what they are (admin, CSV, email)."""

import csv
import io

import pytest
from django.test import Client
from django.urls import reverse

from tests.bookings.conftest import make_staff_member, submit
from tests.conftest import staff_login

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:bookings_consultationrequest_changelist")
QUESTIONS = ["Isotretinoin (e.g. Roaccutane)", "Pregnant or breastfeeding", "Tendency to keloid scars"]


def signed_in(group):
    return staff_login(Client(), make_staff_member(group=group))


@pytest.fixture
def answered_yes():
    return submit(isotretinoin_recent="yes", pregnant_or_breastfeeding="no", keloid_tendency="not_sure")


def change_page(client, request):
    response = client.get(reverse("admin:bookings_consultationrequest_change", args=[request.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_reception_sees_that_there_is_a_yes_and_a_not_sure_but_not_the_answers(answered_yes):
    html = change_page(signed_in("Reception"), answered_yes)
    assert "Answered, with at least one “yes” and “not sure”" in html
    assert "book a longer consultation" in html
    for question in QUESTIONS:
        assert question not in html


def test_reception_is_told_when_every_answer_is_no():
    html = change_page(signed_in("Reception"), submit(keloid_tendency="no"))
    assert "Answered: every answer is “no”." in html


def test_a_clinician_sees_every_answer_and_the_yes_stands_out(answered_yes):
    html = change_page(signed_in("Clinicians"), answered_yes)
    for question in QUESTIONS:
        assert question in html
    assert '<strong class="screening-flag screening-yes">Yes</strong>' in html
    assert html.count("screening-yes") == 1


def test_a_superuser_sees_the_answers(admin_client, answered_yes):
    html = change_page(admin_client, answered_yes)
    assert "Pregnant or breastfeeding" in html
    assert '<strong class="screening-flag screening-yes">Yes</strong>' in html


def test_the_request_list_flags_yes_and_not_sure_for_reception(answered_yes):
    submit()  # all "no" but one "not sure" (the form's default data)
    html = signed_in("Reception").get(CHANGELIST).content.decode()
    assert html.count('class="screening-flag screening-yes"') == 1
    assert html.count('class="screening-flag screening-not_sure"') == 2


def read_export(client, requests):
    response = client.post(
        CHANGELIST, {"action": "export_csv", "index": 0, "_selected_action": [r.pk for r in requests]}
    )
    assert response.status_code == 200
    header, *rows = csv.reader(io.StringIO(response.content.decode("utf-8-sig")))
    return [dict(zip(header, row, strict=True)) for row in rows]


def test_receptions_export_has_the_flag_but_not_the_answers(answered_yes):
    [record] = read_export(signed_in("Reception"), [answered_yes])
    assert record["Screening"] == "a yes, a not sure"
    assert not any("isotretinoin" in column.lower() or "keloid" in column.lower() for column in record)


def test_a_superusers_export_has_the_answers(admin_client, answered_yes):
    [record] = read_export(admin_client, [answered_yes])
    assert record["Screening: isotretinoin (e.g. Roaccutane) in the last 6 months"] == "Yes"
    assert record["Screening: pregnant or breastfeeding"] == "No"
    assert record["Screening: tendency to keloid scars"] == "Not sure"


def test_the_clinic_inbox_email_says_only_that_there_is_a_yes(mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        submit(isotretinoin_recent="yes", keloid_tendency="no")
    [notice] = [m for m in mailoutbox if "New consultation request" in m.subject]
    html = notice.alternatives[0][0]
    for text in (notice.body, html):
        assert "at least one “yes”" in text
        assert "isotretinoin" not in text.lower() and "keloid" not in text.lower()


def test_the_form_and_the_privacy_notice_make_the_same_promise(client):
    promise = (
        "Only our clinicians see your answers to these questions. Reception, who arrange your appointment, "
        "see only whether any answer is “yes” or “not sure” (so they can book a longer consultation), "
        "never which question it was."
    )
    assert promise in client.get(reverse("bookings:request")).content.decode()
    assert promise in client.get("/privacy/").content.decode()
