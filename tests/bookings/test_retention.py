"""Retention: `purge_consultations` anonymises closed requests older than the limit."""

import smtplib
from datetime import timedelta
from io import StringIO
from unittest import mock

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from bookings import services
from bookings.models import ConsultationRequest, DeclineReason, Status, StatusChange
from tests.bookings.conftest import at, confirm, make_clinician, make_treatment, move, open_day, submit

pytestmark = pytest.mark.django_db

FAILING_SEND = "django.core.mail.backends.locmem.EmailBackend.send_messages"


def age(request, days):
    """Make `request` and its history look `days` old."""
    then = timezone.now() - timedelta(days=days)
    ConsultationRequest.objects.filter(pk=request.pk).update(created_at=then, updated_at=then)
    StatusChange.objects.filter(consultation=request).update(at=then)
    return ConsultationRequest.objects.get(pk=request.pk)


def purge(*args):
    out = StringIO()
    call_command("purge_consultations", *args, stdout=out)
    return out.getvalue()


def declined_with_everything(django_capture_on_commit_callbacks):
    treatment = make_treatment(title="Microneedling")
    with mock.patch(FAILING_SEND, side_effect=smtplib.SMTPRecipientsRefused({"zoe@example.com": (550, b"no")})):
        with django_capture_on_commit_callbacks(execute=True):
            request = submit(
                full_name="Zoë Sample",
                email="zoe@example.com",
                phone="+447911123456",
                help_with="Scars on my cheeks",
                isotretinoin_recent="yes",
                treatments=[treatment],
            )
    ConsultationRequest.objects.filter(pk=request.pk).update(staff_notes="Zoë prefers mornings")
    request = move(request, Status.IN_REVIEW)
    services.decline_request(
        consultation=request,
        by=None,
        standard_reason=DeclineReason.objects.get(title="Not suitable at the moment"),
        details="Zoë, you told us you are expecting a baby.",
        note="Spoke to Zoë",
    )
    return request


def test_closed_requests_older_than_the_limit_lose_every_personal_detail(django_capture_on_commit_callbacks):
    request = age(declined_with_everything(django_capture_on_commit_callbacks), 400)
    token, reference = request.token, request.reference
    output = purge("--older-than-days", "365")
    assert "Anonymised 1 closed consultation request" in output and reference in output
    request.refresh_from_db()
    assert request.full_name == "Anonymised"
    for field in [
        "email",
        "phone",
        "help_with",
        "staff_notes",
        "decline_reason",
        "token",
        "isotretinoin_recent",
        "pregnant_or_breastfeeding",
        "keloid_tendency",
        "active_skin_infection",
    ]:
        assert getattr(request, field) == "", field
    assert request.anonymised_at is not None
    assert all(n.to == "" and n.error == "" for n in request.notifications.all())
    assert not request.status_changes.exclude(note="").exclude(note__contains="anonymised").exists()
    last = request.status_changes.last()
    assert "anonymised" in last.note and last.from_status == last.to_status == Status.DECLINED
    # What stays, for statistics:
    assert (request.reference, request.status) == (reference, Status.DECLINED)
    assert [t.title for t in request.treatments.all()] == ["Microneedling"]
    assert request.first_preferred_date and request.created_at
    assert request.declined_for.title == "Not suitable at the moment"
    # Nothing personal is left anywhere in the request's rows.
    everything = str(list(ConsultationRequest.objects.filter(pk=request.pk).values()))
    everything += str(list(request.notifications.all().values()))
    everything += str(list(StatusChange.objects.filter(consultation=request).values()))
    for personal in ["Zoë", "zoe@example.com", "7911123456", "cheeks", "expecting", "mornings", token]:
        assert personal not in everything, personal


def test_the_status_link_stops_working_once_anonymised(client, django_capture_on_commit_callbacks):
    request = age(declined_with_everything(django_capture_on_commit_callbacks), 400)
    path = request.status_path()
    purge()
    assert client.get(path).status_code == 404


@pytest.mark.parametrize("status", [Status.CANCELLED, Status.COMPLETED, Status.NO_SHOW, Status.DECLINED])
def test_every_closed_status_is_anonymised(status):
    clinician = make_clinician()
    request = submit()
    path = {
        Status.CANCELLED: [Status.CANCELLED],
        Status.COMPLETED: [Status.IN_REVIEW, Status.CONFIRMED, Status.COMPLETED],
        Status.NO_SHOW: [Status.IN_REVIEW, Status.CONFIRMED, Status.NO_SHOW],
        Status.DECLINED: [Status.DECLINED],
    }[status]
    request = age(move(request, *path, confirmed_start=at(open_day(), 10), clinician=clinician), 400)
    purge("--older-than-days", "365")
    request.refresh_from_db()
    assert request.is_anonymised and request.status == status
    if status in {Status.COMPLETED, Status.NO_SHOW}:
        assert request.clinician == clinician and request.confirmed_start == at(open_day(), 10)


def test_open_requests_and_recent_closed_ones_are_kept(clinician):
    open_ones = [age(submit(), 400), age(move(submit(), Status.IN_REVIEW), 400)]
    open_ones.append(age(confirm(submit(), clinician=clinician), 400))
    recent = age(move(submit(), Status.CANCELLED), 100)
    output = purge("--older-than-days", "365")
    assert "Anonymised 0 closed consultation requests" in output
    for request in [*open_ones, recent]:
        request.refresh_from_db()
        assert not request.is_anonymised and request.full_name == "Alex Patient"


def test_a_request_closed_recently_is_kept_even_if_it_was_made_long_ago():
    request = age(submit(), 400)
    services.cancel_request(consultation=request, by=None)
    purge("--older-than-days", "365")
    request.refresh_from_db()
    assert not request.is_anonymised


def test_a_dry_run_says_what_it_would_do_and_changes_nothing():
    request = age(move(submit(), Status.CANCELLED), 400)
    output = purge("--older-than-days", "365", "--dry-run")
    assert "Dry run: would anonymise 1 closed consultation request" in output and request.reference in output
    assert "Nothing was changed" in output
    request.refresh_from_db()
    assert request.full_name == "Alex Patient" and not request.is_anonymised


def test_running_it_twice_anonymises_once():
    request = age(move(submit(), Status.CANCELLED), 400)
    purge()
    assert "Anonymised 0" in purge()
    assert request.status_changes.filter(note__contains="anonymised").count() == 1


def test_the_limit_must_be_a_positive_number_of_days():
    with pytest.raises(CommandError):
        purge("--older-than-days", "0")


def test_an_open_request_cannot_be_anonymised_by_the_service():
    with pytest.raises(services.TransitionNotAllowed):
        services.anonymise_request(consultation=submit())


def test_an_anonymised_request_still_shows_in_admin_without_errors(admin_client):
    request = age(move(submit(), Status.CANCELLED), 400)
    purge()
    assert admin_client.get(reverse("admin:bookings_consultationrequest_change", args=[request.pk])).status_code == 200
    listing = admin_client.get(reverse("admin:bookings_consultationrequest_changelist"))
    assert "Anonymised" in listing.content.decode()
    emails = admin_client.get(reverse("admin:bookings_consultationrequest_emails", args=[request.pk]))
    assert "can no longer be sent" in emails.content.decode()
