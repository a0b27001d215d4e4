"""What reception sees in admin: requests, their history, email failures, hours and closures."""

import smtplib
from unittest import mock

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from bookings.models import ClinicHours, ConsultationRequest, Status
from tests.bookings.conftest import confirm, make_condition, make_staff_member, make_treatment, move, submit
from tests.conftest import staff_login

pytestmark = pytest.mark.django_db


def inline_data(page):
    """What the browser would post back for the read-only inlines on an admin change page."""
    data = {}
    for inline in page.context["inline_admin_formsets"]:
        formset = inline.formset
        for name in formset.management_form.fields:
            data[f"{formset.prefix}-{name}"] = formset.management_form[name].value()
        for form in formset.forms:
            for name in form.fields:
                if (value := form[name].value()) is not None:
                    data[form.add_prefix(name)] = value
    return data


def test_reception_can_view_change_and_add_requests_and_view_their_history_but_delete_nothing():
    permissions = set(Group.objects.get(name="Reception").permissions.values_list("codename", flat=True))
    assert {
        "view_consultationrequest",
        "change_consultationrequest",
        "add_consultationrequest",  # bookings taken by phone or at the desk
        "view_statuschange",
    } <= permissions
    assert not {p for p in permissions if p.startswith("delete_") and "consultation" in p}
    assert "delete_statuschange" not in permissions
    assert "change_statuschange" not in permissions


def test_reception_sees_the_request_list_with_status_and_failed_emails(reception_client):
    # The fixed number of queries is asserted in test_admin_workflow (1 request or 30).
    for _ in range(5):
        submit(full_name="Zoë Sample")
    response = reception_client.get(reverse("admin:bookings_consultationrequest_changelist"))
    html = response.content.decode()
    assert response.status_code == 200
    assert html.count('class="status-badge status-new"') == 5
    assert "Zoë Sample" in html


def test_the_request_list_links_to_the_last_four_years_and_their_months_without_reading_every_request(
    reception_client,
):
    submit()
    year = timezone.localdate().year
    changelist = reverse("admin:bookings_consultationrequest_changelist")
    with CaptureQueriesContext(connection) as queries:
        html = reception_client.get(changelist).content.decode()
    for listed in range(year - 3, year + 1):
        assert f"?created_at__year={listed}" in html
    assert f"?created_at__year={year + 1}" not in html and f"?created_at__year={year - 4}" not in html
    # No query over every request for its first and last dates, or its years.
    assert not [q["sql"] for q in queries if "MIN(" in q["sql"].upper() or "DISTINCT" in q["sql"].upper()]
    a_year = reception_client.get(changelist, {"created_at__year": year - 1}).content.decode()
    assert f"created_at__month=12&amp;created_at__year={year - 1}" in a_year


def test_reception_can_search_requests_by_reference(reception_client):
    wanted, other = submit(), submit()
    response = reception_client.get(reverse("admin:bookings_consultationrequest_changelist"), {"q": wanted.reference})
    assert wanted.reference in response.content.decode()
    assert other.reference not in response.content.decode()


def test_a_request_page_shows_the_answers_history_and_email_failures(
    reception_client, django_capture_on_commit_callbacks
):
    condition = make_condition(title="Ice pick scars")
    treatment = make_treatment(title="Microneedling")
    with mock.patch(
        "django.core.mail.backends.locmem.EmailBackend.send_messages",
        side_effect=smtplib.SMTPServerDisconnected("connection lost"),
    ):
        with django_capture_on_commit_callbacks(execute=True):
            request = submit(
                treatments=[treatment], isotretinoin_recent="yes", source_page=condition.page, help_with="Scars"
            )
    request = move(request, Status.IN_REVIEW)
    response = reception_client.get(reverse("admin:bookings_consultationrequest_change", args=[request.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert request.reference in html
    assert "Microneedling" in html
    assert f'The condition page <a href="{condition.get_absolute_url()}">Ice pick scars</a>' in html
    assert "Screening answers" in html
    assert "History" in html and "In review" in html and "Patient" in html
    assert "SMTPServerDisconnected" in html
    assert "failed" in html
    assert request.token not in html


def test_staff_cannot_change_a_status_or_the_patients_answers_by_hand(reception_client):
    request = submit(full_name="Alex Patient")
    url = reverse("admin:bookings_consultationrequest_change", args=[request.pk])
    data = {"status": "confirmed", "full_name": "Someone Else", "staff_notes": "Called back, no answer."}
    response = reception_client.post(url, {**inline_data(reception_client.get(url)), **data})
    assert response.status_code == 302
    request.refresh_from_db()
    assert request.status == Status.NEW
    assert request.full_name == "Alex Patient"
    assert request.staff_notes == "Called back, no answer."


def test_adding_a_request_in_admin_is_a_phone_or_desk_booking(reception_client):
    response = reception_client.get(reverse("admin:bookings_consultationrequest_add"))
    assert response.status_code == 200 and "taken by phone or at the desk" in response.content.decode()


def test_reception_cannot_delete_a_request(reception_client):
    request = submit()
    url = reverse("admin:bookings_consultationrequest_delete", args=[request.pk])
    assert reception_client.post(url, {"post": "yes"}).status_code == 403
    assert ConsultationRequest.objects.filter(pk=request.pk).exists()


def test_failed_emails_are_listed_for_staff(reception_client, django_capture_on_commit_callbacks):
    with mock.patch(
        "django.core.mail.backends.locmem.EmailBackend.send_messages", side_effect=ConnectionRefusedError()
    ):
        with django_capture_on_commit_callbacks(execute=True):
            request = submit()
    response = reception_client.get(reverse("admin:notifications_email_changelist"), {"failed_at__isnull": "False"})
    html = response.content.decode()
    assert response.status_code == 200
    assert f'/admin/bookings/consultationrequest/{request.pk}/change/"' in html
    assert html.count("ConnectionRefusedError") == 2


def test_a_confirmed_request_shows_its_appointment_in_the_list(reception_client):
    request = confirm(submit())
    html = reception_client.get(reverse("admin:bookings_consultationrequest_changelist")).content.decode()
    assert 'class="status-badge status-confirmed"' in html
    assert str(request.clinician) in html


def test_reception_manages_opening_hours_and_closures(reception_client):
    assert reception_client.get(reverse("admin:bookings_clinichours_changelist")).status_code == 200
    assert reception_client.get(reverse("admin:bookings_closure_changelist")).status_code == 200
    response = reception_client.post(
        reverse("admin:bookings_closure_add"), {"date": "2031-12-25", "reason": "Christmas Day"}
    )
    assert response.status_code == 302
    hours = ClinicHours.objects.get(weekday=0)
    change = reverse("admin:bookings_clinichours_change", args=[hours.pk])
    refused = reception_client.post(change, {"weekday": 0, "opens": "18:00", "closes": "09:00"})
    assert refused.status_code == 200
    assert "Closing time must be after opening time." in refused.content.decode()


def test_a_new_closure_is_named_in_the_message_as_the_list_shows_its_date(reception_client):
    response = reception_client.post(
        reverse("admin:bookings_closure_add"), {"date": "2031-12-09", "reason": "Staff training"}, follow=True
    )
    [message] = [str(m) for m in response.context["messages"]]
    assert "9 Dec 2031 (Staff training)" in message and "09 Dec" not in message
    listing = reception_client.get(reverse("admin:bookings_closure_changelist")).content.decode()
    assert "9 Dec 2031" in listing and "09 Dec" not in listing


def test_staff_without_bookings_permissions_see_no_requests(client):
    staff_login(client, make_staff_member(group="Editors"))
    submit()
    assert client.get(reverse("admin:bookings_consultationrequest_changelist")).status_code == 403
