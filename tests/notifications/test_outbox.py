"""The outbox in one process: what is recorded, when it is sent, how failures are
retried, and that one email is never claimed twice. (Real worker processes and a
real mail server: test_worker_faults.py.)"""

import smtplib
from datetime import timedelta
from unittest import mock

import pytest
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from bookings.models import ConsultationRequest, NotificationKind
from notifications import outbox, tasks
from notifications.models import Email
from tests.bookings.conftest import form_data, make_treatment, submit

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clinic_week")]

SEND = "django.core.mail.backends.locmem.EmailBackend.send_messages"
DATABASE_QUEUE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}


@pytest.fixture
def database_queue(settings):
    """Tasks go to the database queue for a worker, as in production (nothing runs here)."""
    settings.TASKS = DATABASE_QUEUE


def test_a_submission_only_records_its_emails_and_their_tasks_for_the_worker(client, database_queue, mailoutbox):
    make_treatment()
    response = client.post("/consultations/request/", form_data())
    assert response.status_code == 302
    request = ConsultationRequest.objects.get()
    emails = request.notifications.order_by("kind")
    assert [(email.kind, email.state, email.attempts) for email in emails] == [
        ("acknowledgement", "queued", 0),
        ("new_request_notice", "queued", 0),
    ]
    assert mailoutbox == []  # the mail server is not touched by the web request
    queued = DBTaskResult.objects.filter(task_path="notifications.tasks.send_email")
    assert sorted(task.args_kwargs["args"][0] for task in queued) == sorted(email.pk for email in emails)


def test_a_rolled_back_change_leaves_neither_an_email_nor_a_task(database_queue):
    with pytest.raises(RuntimeError), transaction.atomic():
        submit()
        raise RuntimeError("the change fails after its emails were recorded")
    assert (Email.objects.count(), DBTaskResult.objects.count()) == (0, 0)


def test_the_worker_sends_a_recorded_email_once(database_queue, mailoutbox):
    email = submit().notifications.get(kind=NotificationKind.ACKNOWLEDGEMENT)
    assert tasks.deliver(email.pk) == "sent"
    assert tasks.deliver(email.pk) is None  # a second task for it (or a second worker) finds nothing to do
    email.refresh_from_db()
    assert (email.state, email.attempts, email.error) == ("sent", 1, "")
    assert [message.to for message in mailoutbox] == [["alex.patient@example.com"]]


def test_an_email_being_sent_is_not_taken_by_another_worker_until_its_lease_runs_out(
    database_queue, mailoutbox, settings
):
    settings.OUTBOX_SENDING_LEASE_SECONDS = 300
    email = submit().notifications.get(kind=NotificationKind.ACKNOWLEDGEMENT)
    started = timezone.now()
    Email.objects.filter(pk=email.pk).update(state="sending", claimed_at=started, attempts=1)
    assert tasks.deliver(email.pk, now=started + timedelta(seconds=299)) is None
    assert tasks.deliver_due(now=started + timedelta(seconds=299)) == 1  # only the clinic's notice
    assert [message.to for message in mailoutbox] == [[settings.CLINIC_STAFF_EMAIL]]
    # Its worker died mid-send: after the lease another worker takes it over.
    assert tasks.deliver_due(now=started + timedelta(seconds=301)) == 1
    email.refresh_from_db()
    assert (email.state, email.attempts) == ("sent", 2)


def test_a_temporary_failure_is_retried_later_and_longer_each_time_then_given_up(database_queue, mailoutbox, settings):
    settings.OUTBOX_RETRY_SECONDS, settings.OUTBOX_MAX_ATTEMPTS = 60, 3
    email = submit().notifications.get(kind=NotificationKind.ACKNOWLEDGEMENT)
    with mock.patch(SEND, side_effect=smtplib.SMTPServerDisconnected("Connection unexpectedly closed")):
        assert tasks.deliver(email.pk) == "queued"
        email.refresh_from_db()
        assert email.next_attempt_at - email.failed_at == timedelta(seconds=60)
        assert tasks.deliver(email.pk) is None  # not due yet
        assert tasks.deliver(email.pk, now=email.next_attempt_at) == "queued"
        email.refresh_from_db()
        assert email.next_attempt_at - email.failed_at == timedelta(seconds=180)
        assert tasks.deliver(email.pk, now=email.next_attempt_at) == "failed"
    email.refresh_from_db()
    assert (email.state, email.attempts, email.error) == ("failed", 3, "SMTPServerDisconnected")
    # Each retry was queued for the worker at its time.
    sends = DBTaskResult.objects.filter(task_path="notifications.tasks.send_email")
    assert [task.args_kwargs["args"] for task in sends].count([email.pk]) == 3  # the first, then two retries


def test_a_refused_address_fails_at_once_with_the_kind_of_error_only(database_queue, mailoutbox):
    email = submit(email="zoe@example.com").notifications.get(kind=NotificationKind.ACKNOWLEDGEMENT)
    refused = smtplib.SMTPRecipientsRefused({"zoe@example.com": (550, b"5.1.1 <zoe@example.com> No such user")})
    with mock.patch(SEND, side_effect=refused):
        assert tasks.deliver(email.pk) == "failed"
    email.refresh_from_db()
    assert (email.state, email.attempts, email.error) == ("failed", 1, "SMTPRecipientsRefused 550")


def test_an_email_about_an_anonymised_request_is_not_sent(database_queue, mailoutbox):
    email = submit().notifications.get(kind=NotificationKind.ACKNOWLEDGEMENT)
    Email.objects.filter(pk=email.pk).update(to="")
    assert tasks.deliver(email.pk) == "cancelled" and mailoutbox == []


def test_recording_with_a_key_twice_records_one_email(database_queue):
    request = submit()
    first = outbox.record(NotificationKind.REMINDER, about=request, to=request.email, key="reminder-test-1")
    second = outbox.record(NotificationKind.REMINDER, about=request, to=request.email, key="reminder-test-1")
    assert first.pk == second.pk
    assert Email.objects.filter(key="reminder-test-1").count() == 1


def test_an_unknown_kind_is_refused_before_anything_is_recorded():
    with pytest.raises(KeyError):
        outbox.record("no_such_kind", to="someone@example.com")
    assert not Email.objects.exists()


def test_the_outbox_page_shows_state_attempts_next_attempt_and_error_and_sends_again(
    admin_client, mailoutbox, django_capture_on_commit_callbacks
):
    with mock.patch(SEND, side_effect=TimeoutError()):
        with django_capture_on_commit_callbacks(execute=True):
            request = submit()
    page = admin_client.get(reverse("admin:notifications_email_changelist")).content.decode()
    assert page.count('<td class="field-state">queued</td>') == 2 and page.count("TimeoutError") == 2
    assert "Request received (to patient)" in page and "New request (to clinic)" in page
    failed = admin_client.get(reverse("admin:notifications_email_changelist"), {"state": "failed"})
    assert "0 emails" in failed.content.decode()

    response = admin_client.post(
        reverse("admin:notifications_email_changelist"),
        {"action": "send_again", "_selected_action": [email.pk for email in request.notifications.all()]},
        follow=True,
    )
    assert "2 emails sent." in response.content.decode()
    assert len(mailoutbox) == 2
    assert {email.state for email in request.notifications.all()} == {"sent"}


def test_reception_sees_the_emails_about_requests_and_not_those_about_comments(
    reception_client, django_capture_on_commit_callbacks
):
    from tests.factories import make_condition
    from treatments.services import post_comment

    with django_capture_on_commit_callbacks(execute=True):
        request = submit()
        post_comment(page=make_condition(), author_name="Jo", email="jo@example.com", body="Does it hurt?")
    assert Email.objects.count() == 3
    page = reception_client.get(reverse("admin:notifications_email_changelist")).content.decode()
    assert f"/consultationrequest/{request.pk}/change/" in page
    assert "/treatments/comment/" not in page


def test_staff_who_may_not_see_patients_details_see_neither_addresses_nor_failures_in_the_outbox(
    reception_client, django_capture_on_commit_callbacks
):
    from django.contrib.auth.models import Permission
    from django.test import Client

    from tests.bookings.conftest import make_staff_member
    from tests.conftest import staff_login

    with mock.patch(SEND, side_effect=TimeoutError()):
        with django_capture_on_commit_callbacks(execute=True):
            submit(email="zoe@example.com")
    user = make_staff_member(group=None)
    user.user_permissions.add(Permission.objects.get(codename="view_consultationrequest"))
    client = staff_login(Client(), user)

    page = client.get(reverse("admin:notifications_email_changelist")).content.decode()
    assert "Request received (to patient)" in page
    assert "zoe@example.com" not in page and "TimeoutError" not in page
    reception = reception_client.get(reverse("admin:notifications_email_changelist")).content.decode()
    assert "zoe@example.com" in reception and "TimeoutError" in reception
