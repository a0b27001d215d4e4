"""Patients' privacy: nothing personal in the logs, and everything held about one
email address exported as a file or erased, by the right staff, on the record."""

import json
import logging
from io import StringIO

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.core.management import CommandError, call_command
from django.urls import reverse

from bookings import services as bookings_services
from bookings.demo import DEMO_HOURS
from bookings.models import ClinicHours, ConsultationRequest, Status
from notifications import tasks
from privacy import services
from privacy.models import PrivacyRequest, subject_hash
from tests.bookings.conftest import at, form_data, make_staff_member, open_day, submit
from tests.conftest import staff_login
from tests.factories import make_clinician, make_comment, make_treatment
from treatments.comment_emails import record_email
from treatments.models import Comment

pytestmark = pytest.mark.django_db

NAME = "Philippa Quennell-Ashdown"
EMAIL = "philippa.qa@example.org"
PHONE_TYPED, PHONE_STORED = "07823 456789", "+447823456789"
HEALTH = "Deep boxcar scarring after isotretinoin, and keloids on my shoulder"
SECRET_DETAILS = [NAME, "Quennell", EMAIL, "philippa.qa", PHONE_TYPED, PHONE_STORED, "7823456789", HEALTH, "keloids"]


@pytest.fixture(autouse=True)
def clinic_week(db):
    for weekday, (opens, closes) in DEMO_HOURS.items():
        ClinicHours.objects.create(weekday=weekday, opens=opens, closes=closes)


@pytest.fixture
def every_logger_at_debug(caplog):
    """Capture every logger at DEBUG, whatever level the settings give it."""
    caplog.set_level(logging.DEBUG)
    for name, logger in list(logging.root.manager.loggerDict.items()):
        if isinstance(logger, logging.Logger):
            caplog.set_level(logging.DEBUG, logger=name)
    return caplog


def logged(caplog):
    return "\n".join(f"{record.getMessage()} {record.args!r} {record.__dict__!r}" for record in caplog.records)


# --- Logs -----------------------------------------------------------------------------------------


def test_a_whole_submission_and_review_logs_nothing_about_the_patient(
    client, admin_client, every_logger_at_debug, django_capture_on_commit_callbacks, settings
):
    treatment = make_treatment(title="Subcision", slug="subcision", offered_here=True)
    reception = make_staff_member()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/consultations/request/",
            form_data(full_name=NAME, email=EMAIL, phone=PHONE_TYPED, help_with=HEALTH, treatments=[treatment.pk]),
        )
    assert response.status_code == 302
    consultation = ConsultationRequest.objects.get()
    assert consultation.full_name == NAME
    client.get(response["Location"])
    client.get(consultation.status_path())

    with django_capture_on_commit_callbacks(execute=True):
        bookings_services.start_review(consultation=consultation, by=reception)
        bookings_services.confirm_request(
            consultation=consultation, start=at(open_day(), 10), clinician=make_clinician(), by=reception
        )
    admin_client.get(reverse("admin:bookings_consultationrequest_change", args=[consultation.pk]))
    admin_client.get(reverse("admin:bookings_consultationrequest_changelist"), {"q": EMAIL})

    # The patient cancels; then an email fails, and a stale link is followed: both are logged.
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 2
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(consultation.status_path(), {"confirm": "yes", "reason": HEALTH})
    assert response.status_code == 302
    consultation.refresh_from_db()
    assert consultation.status == Status.CANCELLED
    assert client.get(consultation.invite_path()).status_code == 404

    text = logged(every_logger_at_debug)
    assert "failed" in text and "Not Found" in text  # the logs did record what happened
    for detail in SECRET_DETAILS:
        assert detail not in text, detail
    assert consultation.token not in text  # the status link's key: see clinic.log_filters
    assert f"/consultations/{consultation.reference}/[token]/invite.ics" in text


def test_comments_and_their_emails_log_nothing_about_the_commenter(
    client, every_logger_at_debug, django_capture_on_commit_callbacks, settings
):
    import time

    from treatments.form_signing import sign_form_time

    page = make_treatment(slug="microneedling")
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 2
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/treatments/microneedling/comments/",
            {"author_name": NAME, "email": EMAIL, "body": HEALTH, "shown_at": sign_form_time(time.time() - 60)},
        )
    assert response.status_code == 302 and page.page.comments.count() == 1
    text = logged(every_logger_at_debug)
    assert "(comment_received, attempt 1) failed: ConnectionRefusedError" in text
    for detail in SECRET_DETAILS:
        assert detail not in text, detail


def test_status_link_tokens_are_blanked_in_logged_paths(caplog):
    logging.getLogger("django.request").warning("Not Found: %s", "/consultations/CR-7KD2QX/s3cr3t-t0ken/invite.ics")
    logging.getLogger("django.request").warning("Not Found: %s", "/consultations/request/")
    assert caplog.messages == [
        "Not Found: /consultations/CR-7KD2QX/[token]/invite.ics",
        "Not Found: /consultations/request/",
    ]


# --- Export and erasure --------------------------------------------------------------------------


@pytest.fixture
def privacy_officer():
    """Staff in both groups: they may change consultation requests and comments."""
    user = make_staff_member(group="Reception")
    user.groups.add(Group.objects.get(name="Editors"))
    return user


@pytest.fixture
def officer_client(client, privacy_officer):
    return staff_login(client, privacy_officer)


@pytest.fixture
def patient_data(django_capture_on_commit_callbacks):
    """A closed and a confirmed request and two comments by one patient (with their
    address typed differently), and someone else's request and comment."""
    treatment = make_treatment(title="Subcision", slug="subcision", offered_here=True)
    staff = make_staff_member()
    with django_capture_on_commit_callbacks(execute=True):
        closed = submit(full_name=NAME, email=EMAIL, phone=PHONE_STORED, help_with=HEALTH, treatments=[treatment])
        bookings_services.cancel_request(consultation=closed, by=None, note="Feeling better, thanks.")
        confirmed = submit(full_name=NAME, email=EMAIL.upper(), phone=PHONE_STORED, help_with="Second request")
        bookings_services.start_review(consultation=confirmed, by=staff)
        bookings_services.confirm_request(
            consultation=confirmed, start=at(open_day(), 11), clinician=make_clinician(), by=staff
        )
        other = submit(full_name="Someone Else", email="someone@example.com")
    comment = make_comment(treatment, author_name=NAME, email=EMAIL, body=HEALTH, notify_on_reply=True)
    reply = make_comment(treatment, author_name="Pippa", email=EMAIL.title(), body="And a reply.", parent=comment)
    others_comment = make_comment(treatment, author_name="Someone Else", email="someone@example.com")
    LogEntry.objects.create(
        user=staff,
        content_type=ContentType.objects.get_for_model(Comment),
        object_id=str(comment.pk),
        object_repr=str(comment),
        action_flag=CHANGE,
        change_message="Approved.",
    )
    return {
        "closed": closed,
        "confirmed": confirmed,
        "other": other,
        "comment": comment,
        "reply": reply,
        "others_comment": others_comment,
    }


def test_staff_export_everything_held_about_an_address_as_a_json_file(officer_client, privacy_officer, patient_data):
    response = officer_client.post(reverse("admin:privacy_export"), {"email": f"  {EMAIL.upper()} "})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="personal-data-')
    assert "no-store" in response["Cache-Control"]
    data = json.loads(response.content)

    requests = {item["reference"]: item for item in data["consultation_requests"]}
    assert set(requests) == {patient_data["closed"].reference, patient_data["confirmed"].reference}
    closed = requests[patient_data["closed"].reference]
    assert (closed["full_name"], closed["phone"], closed["help_with"]) == (NAME, PHONE_STORED, HEALTH)
    assert closed["treatments"] == ["Subcision"] and closed["status"] == "Cancelled"
    assert [step["to"] for step in closed["history"]] == ["New", "Cancelled"]
    assert closed["history"][1] == {**closed["history"][1], "by": "patient", "note": "Feeling better, thanks."}
    assert {email["kind"] for email in closed["emails"]} >= {"Request received (to patient)"}
    assert "token" not in closed and "idempotency_key" not in closed
    assert [c["id"] for c in data["comments"]] == [patient_data["comment"].pk, patient_data["reply"].pk]
    assert data["comments"][0]["text"] == HEALTH and data["comments"][1]["is_reply"]
    assert "Someone Else" not in response.content.decode()

    record = PrivacyRequest.objects.get()
    assert (record.kind, record.outcome, record.requested_by, record.via) == (
        "export",
        "done",
        privacy_officer,
        "admin",
    )
    assert record.subject == subject_hash(EMAIL) and EMAIL not in json.dumps(record.consultation_requests)
    assert sorted(record.consultation_requests) == sorted(requests)
    # The audit trail is searched by address, though it keeps only the hash.
    listed = officer_client.get(reverse("admin:privacy_privacyrequest_changelist"), {"q": EMAIL})
    assert listed.context["cl"].result_count == 1
    assert (
        officer_client.get(reverse("admin:privacy_privacyrequest_changelist"), {"q": "x@y.z"})
        .context["cl"]
        .result_count
        == 0
    )


def test_the_export_holds_every_email_sent_to_the_patient_and_what_went_wrong_with_it(
    django_capture_on_commit_callbacks,
):
    from unittest import mock

    with mock.patch("django.core.mail.backends.locmem.EmailBackend.send_messages", side_effect=TimeoutError()):
        with django_capture_on_commit_callbacks(execute=True):
            submit(full_name=NAME, email=EMAIL, help_with=HEALTH)
    [consultation] = services.personal_data(EMAIL)["consultation_requests"]
    to_patient = [email for email in consultation["emails"] if email["kind"] == "Request received (to patient)"]
    assert [(email["to"], email["error"]) for email in to_patient] == [(EMAIL, "TimeoutError")]
    assert consultation["history"][0]["note"] == "Submitted online by the patient."


def test_erasure_waits_until_every_request_is_closed(officer_client, patient_data):
    preview = officer_client.post(reverse("admin:privacy_erase"), {"email": EMAIL})
    assert f"{patient_data['confirmed'].reference} (confirmed)" in preview.text
    assert "Erase for good" not in preview.text
    response = officer_client.post(reverse("admin:privacy_erase"), {"email": EMAIL, "confirm": "yes"}, follow=True)
    assert "Nothing was erased" in response.text
    assert ConsultationRequest.objects.filter(full_name=NAME).count() == 2
    assert Comment.objects.filter(author_name=NAME).count() == 1
    refusal = PrivacyRequest.objects.get()
    assert (refusal.kind, refusal.outcome) == ("erasure", "refused")
    assert refusal.consultation_requests == [patient_data["confirmed"].reference]


def test_staff_erase_an_address_once_its_requests_are_closed(
    officer_client, patient_data, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        bookings_services.cancel_request(consultation=patient_data["confirmed"], by=make_staff_member())
    preview = officer_client.post(reverse("admin:privacy_erase"), {"email": EMAIL})
    assert "anonymise 2 consultation requests" in preview.text and "2 comments" in preview.text
    response = officer_client.post(reverse("admin:privacy_erase"), {"email": EMAIL, "confirm": "yes"}, follow=True)
    assert "2 consultation request(s) anonymised, 2 comment(s) erased" in response.text

    for key in ["closed", "confirmed"]:
        consultation = ConsultationRequest.objects.get(pk=patient_data[key].pk)
        assert consultation.is_anonymised
        assert (consultation.email, consultation.phone, consultation.help_with, consultation.token) == ("", "", "", "")
        assert NAME not in consultation.full_name
        assert not consultation.notifications.exclude(to="").exists()
        assert not consultation.status_changes.filter(note__icontains="feeling").exists()
    for key in ["comment", "reply"]:
        comment = Comment.objects.get(pk=patient_data[key].pk)
        assert (comment.author_name, comment.email, comment.erased_at is not None) == ("Former patient", "", True)
    assert NAME not in LogEntry.objects.get(object_id=str(patient_data["comment"].pk)).object_repr
    # Other people's data is untouched.
    assert ConsultationRequest.objects.get(pk=patient_data["other"].pk).full_name == "Someone Else"
    assert Comment.objects.get(pk=patient_data["others_comment"].pk).author_name == "Someone Else"

    record = PrivacyRequest.objects.get(kind="erasure")
    assert record.outcome == "done" and len(record.consultation_requests) == 2 and len(record.comments) == 2
    # Nothing is left to export, and an email about an erased comment goes to no one.
    left = services.personal_data(EMAIL)
    assert (left["consultation_requests"], left["comments"]) == ([], [])
    mailoutbox.clear()
    erased = Comment.objects.get(pk=patient_data["comment"].pk)
    email = record_email("comment_approved", comment=erased)
    assert tasks.deliver(email.pk) == "cancelled" and mailoutbox == []
    email.refresh_from_db()
    assert email.error == "no one to send it to: details erased"


@pytest.mark.parametrize("groups", [["Editors"], ["Reception"], []])
def test_only_superusers_and_staff_with_both_bookings_and_comment_rights_may_export_or_erase(
    client, groups, patient_data
):
    user = make_staff_member(group=None)
    for name in groups:
        user.groups.add(Group.objects.get(name=name))
    staff_login(client, user)
    for name in ["admin:privacy_export", "admin:privacy_erase", "admin:privacy_privacyrequest_changelist"]:
        assert client.get(reverse(name)).status_code == 403, name
        assert client.post(reverse(name), {"email": EMAIL, "confirm": "yes"}).status_code == 403, name
    assert "privacy" not in client.get(reverse("admin:index")).text.lower()
    assert not PrivacyRequest.objects.exists()
    assert ConsultationRequest.objects.filter(full_name=NAME).count() == 2


def test_superusers_and_privacy_officers_see_the_privacy_pages(admin_client, officer_client):
    for client in (admin_client, officer_client):
        index = client.get(reverse("admin:index")).text
        assert reverse("admin:privacy_privacyrequest_changelist") in index
        changelist = client.get(reverse("admin:privacy_privacyrequest_changelist")).text
        assert reverse("admin:privacy_export") in changelist and reverse("admin:privacy_erase") in changelist
        assert client.get(reverse("admin:privacy_erase")).status_code == 200


def test_an_address_that_is_not_one_is_refused(officer_client):
    response = officer_client.post(reverse("admin:privacy_export"), {"email": "not an address"})
    assert response.status_code == 200 and "Enter a valid email address" in response.text
    assert not PrivacyRequest.objects.exists()


# --- The same from the command line ---------------------------------------------------------------


def test_export_personal_data_prints_the_same_json_and_records_who_asked(patient_data, privacy_officer, tmp_path):
    out = StringIO()
    call_command("export_personal_data", EMAIL, "--by", privacy_officer.username, stdout=out)
    data = json.loads(out.getvalue())
    assert len(data["consultation_requests"]) == 2 and len(data["comments"]) == 2
    target = tmp_path / "export.json"
    call_command("export_personal_data", EMAIL, "--output", str(target), stderr=StringIO())
    assert json.loads(target.read_text())["email"] == EMAIL
    records = PrivacyRequest.objects.order_by("at")
    assert [(r.via, r.requested_by) for r in records] == [("command", privacy_officer), ("command", None)]


def test_erase_personal_data_says_what_it_would_do_then_erases_with_yes(
    patient_data, django_capture_on_commit_callbacks
):
    with pytest.raises(CommandError, match="still open"):
        call_command("erase_personal_data", EMAIL)
    with django_capture_on_commit_callbacks(execute=True):
        bookings_services.cancel_request(consultation=patient_data["confirmed"], by=make_staff_member())
    out = StringIO()
    call_command("erase_personal_data", EMAIL, stdout=out)
    assert "Would anonymise 2 consultation request(s)" in out.getvalue() and "--yes" in out.getvalue()
    assert ConsultationRequest.objects.filter(full_name=NAME).count() == 2
    call_command("erase_personal_data", EMAIL, "--yes", stdout=out)
    assert "2 consultation request(s) anonymised" in out.getvalue()
    assert not ConsultationRequest.objects.filter(full_name=NAME).exists()
    assert PrivacyRequest.objects.get().via == "command"


def test_the_commands_refuse_something_that_is_not_an_email_address():
    with pytest.raises(CommandError, match="is not an email address"):
        call_command("export_personal_data", "nobody")
    with pytest.raises(CommandError, match="is not an email address"):
        call_command("erase_personal_data", "nobody", "--yes")
