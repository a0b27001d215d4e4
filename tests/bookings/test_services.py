"""bookings/services.py: submitting, the state machine, cancelling, and their emails."""

import inspect
import logging
import re
import smtplib
import threading
from datetime import timedelta
from itertools import product
from unittest import mock

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from bookings import services, workflow
from bookings.models import (
    REFERENCE_ALPHABET,
    Closure,
    ConsultationRequest,
    ConsultationRequestQuerySet,
    NotificationKind,
    Status,
    StatusChange,
)
from notifications import outbox
from notifications.models import Email
from tests.bookings.conftest import (
    confirm,
    form_data,
    make_clinician,
    make_treatment,
    move,
    open_day,
    slot,
    submit,
)

pytestmark = pytest.mark.django_db

FAILING_SEND = "django.core.mail.backends.locmem.EmailBackend.send_messages"


def test_a_submitted_request_is_new_with_a_reference_a_secret_token_and_its_first_status_change():
    request = submit()
    assert request.status == Status.NEW
    assert re.fullmatch(rf"CR-[{REFERENCE_ALPHABET}]{{6}}", request.reference)
    assert len(request.token) == 22  # 16 random bytes, URL-safe base64
    change = StatusChange.objects.get(consultation=request)
    assert (change.from_status, change.to_status, change.by) == ("", Status.NEW, None)


def test_references_use_no_characters_that_are_easily_confused():
    assert not set("0O1IL") & set(REFERENCE_ALPHABET)


def test_every_request_gets_its_own_token():
    assert submit().token != submit().token


def test_a_reference_collision_draws_a_new_reference():
    first = submit()
    with mock.patch("bookings.services.new_reference", side_effect=[first.reference, "CR-NEWONE"]):
        second = submit()
    assert second.reference == "CR-NEWONE"
    assert ConsultationRequest.objects.count() == 2


def test_the_same_idempotency_key_returns_the_stored_request_and_sends_nothing_more(
    mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        first = services.submit_request(**_details(idempotency_key="same-key-123"))
        again = services.submit_request(**_details(idempotency_key="same-key-123"))
    assert first.created and not again.created
    assert again.consultation == first.consultation
    assert ConsultationRequest.objects.count() == 1
    assert len(mailoutbox) == 2


def test_a_form_that_loses_a_race_with_its_own_resubmission_finds_the_winner():
    winner = submit(idempotency_key="raced-key-123")
    real_lookup = ConsultationRequest.objects.for_idempotency_key
    # The first look finds nothing (the other submission had not committed yet); the insert then collides.
    with mock.patch.object(
        type(ConsultationRequest.objects), "for_idempotency_key", side_effect=[None, real_lookup("raced-key-123")]
    ):
        result = services.submit_request(**_details(idempotency_key="raced-key-123"))
    assert not result.created
    assert result.consultation == winner
    assert ConsultationRequest.objects.count() == 1


def test_the_service_refuses_what_the_form_would_refuse():
    closed = open_day()
    Closure.objects.create(date=closed, reason="Training")
    withdrawn = make_treatment(offered_here=False)
    with pytest.raises(ValidationError) as refused:
        services.submit_request(
            **_details(
                consent=False,
                first_preferred_date=closed,
                second_preferred_date=closed,
                treatments=[withdrawn],
                help_with="",
            )
        )
    assert set(refused.value.message_dict) == {
        "consent",
        "treatments",
        "first_preferred_date",
        "second_preferred_date",
    }
    assert ConsultationRequest.objects.count() == 0


def test_nothing_is_half_saved_when_the_transaction_fails():
    with mock.patch("bookings.services._record", side_effect=RuntimeError("database went away")):
        with pytest.raises(RuntimeError):
            submit()
    assert ConsultationRequest.objects.count() == 0
    assert Email.objects.count() == 0


def test_no_email_is_sent_before_the_transaction_commits(mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        submit()
    assert mailoutbox == []
    assert len(callbacks) == 2


def test_the_patient_gets_an_acknowledgement_and_the_clinic_a_notice_after_commit(
    mailoutbox, django_capture_on_commit_callbacks, settings
):
    with django_capture_on_commit_callbacks(execute=True):
        request = submit(email="zoe@example.com")
    acknowledgement, notice = mailoutbox
    assert acknowledgement.to == ["zoe@example.com"]
    assert request.reference in acknowledgement.subject
    assert request.reference in acknowledgement.body
    assert request.status_url() in acknowledgement.body
    assert request.status_url().startswith(settings.SITE_URL + "/consultations/")
    assert "What happens next" in acknowledgement.body
    assert notice.to == [settings.CLINIC_STAFF_EMAIL]
    assert request.reference in notice.subject
    assert request.admin_url() in notice.body
    for message in mailoutbox:
        html, mimetype = message.alternatives[0]
        assert mimetype == "text/html"
        assert request.reference in html
    assert all(n.sent_at and not n.failed_at for n in request.notifications.all())


def test_neither_email_carries_health_details(mailoutbox, django_capture_on_commit_callbacks):
    treatment = make_treatment(title="Fractional laser resurfacing")
    with django_capture_on_commit_callbacks(execute=True):
        submit(
            treatments=[treatment],
            help_with="Painful cystic acne on my jaw",
            isotretinoin_recent="yes",
            pregnant_or_breastfeeding="yes",
        )
    for message in mailoutbox:
        everything = " ".join([message.subject, message.body, message.alternatives[0][0]]).lower()
        for detail in ["fractional laser", "cystic acne", "isotretinoin", "pregnan", "keloid", "infection"]:
            assert detail not in everything, (message.subject, detail)
        assert not [a for a in message.attachments if "calendar" in str(a)]


def test_a_failing_mail_server_keeps_the_request_and_records_the_failure_for_staff(
    mailoutbox, django_capture_on_commit_callbacks, caplog
):
    refused = smtplib.SMTPRecipientsRefused({"zoe@example.com": (550, b"No such user")})
    with mock.patch(FAILING_SEND, side_effect=refused):
        with django_capture_on_commit_callbacks(execute=True), caplog.at_level(logging.WARNING):
            request = submit(full_name="Zoë Sample", email="zoe@example.com", phone="+447911123456")
    assert ConsultationRequest.objects.get() == request
    assert request.status_changes.count() == 1
    failed = list(Email.objects.in_trouble().order_by("kind"))
    assert [n.kind for n in failed] == [NotificationKind.ACKNOWLEDGEMENT, NotificationKind.NEW_REQUEST_NOTICE]
    assert all(n.failed_at and n.sent_at is None and n.attempts == 1 for n in failed)
    assert "SMTPRecipientsRefused" in failed[0].error
    assert "SMTPRecipientsRefused" in caplog.text
    for personal in ["zoe@example.com", "Zoë", "7911123456", request.token]:
        assert personal not in caplog.text


def test_a_failed_email_can_be_sent_again_from_its_record(mailoutbox, django_capture_on_commit_callbacks):
    with mock.patch(FAILING_SEND, side_effect=smtplib.SMTPServerDisconnected("gone")):
        with django_capture_on_commit_callbacks(execute=True):
            submit()
    notification = Email.objects.in_trouble().get(kind=NotificationKind.ACKNOWLEDGEMENT)
    assert (notification.state, notification.error) == ("queued", "SMTPServerDisconnected")  # to be retried
    (again,) = outbox.send_again([notification])
    assert again.pk == notification.pk and again.state == "sent" and again.sent_at
    assert again.error == "" and again.attempts == 2
    assert len(mailoutbox) == 1


def test_a_failing_mail_server_does_not_break_the_form(client, django_capture_on_commit_callbacks):
    with mock.patch(FAILING_SEND, side_effect=ConnectionRefusedError("no SMTP")):
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post("/consultations/request/", form_data())
    stored = ConsultationRequest.objects.get()
    assert response.status_code == 302
    assert response["Location"] == stored.thanks_path()
    assert stored.notifications.in_trouble().count() == 2


# --- The state machine ---------------------------------------------------------------


def _details(**overrides):
    details = {
        "idempotency_key": f"details-{timezone.now().timestamp()}".replace(".", "-"),
        "full_name": "Alex Patient",
        "email": "alex.patient@example.com",
        "phone": "+447911123456",
        "contact_preference": "email",
        "help_with": "Scars",
        "first_preferred_date": open_day(),
        "time_of_day": "any",
        "isotretinoin_recent": "no",
        "pregnant_or_breastfeeding": "no",
        "keloid_tendency": "no",
        "active_skin_infection": "no",
        "consent": True,
    }
    return {**details, **overrides}


# The workflow as the clinic runs it: from each status, the steps staff can take and
# the status each leads to. Written out here, not read from bookings.workflow.
EXPECTED_STEPS = {
    Status.NEW: {"start_review": Status.IN_REVIEW, "decline": Status.DECLINED, "cancel": Status.CANCELLED},
    Status.IN_REVIEW: {
        "confirm": Status.CONFIRMED,
        "propose": Status.TIME_PROPOSED,
        "decline": Status.DECLINED,
        "cancel": Status.CANCELLED,
    },
    Status.TIME_PROPOSED: {
        "confirm": Status.CONFIRMED,
        "back_to_review": Status.IN_REVIEW,
        "decline": Status.DECLINED,
        "cancel": Status.CANCELLED,
    },
    Status.CONFIRMED: {
        "reschedule": Status.CONFIRMED,
        "complete": Status.COMPLETED,
        "no_show": Status.NO_SHOW,
        "cancel": Status.CANCELLED,
    },
    Status.COMPLETED: {},
    Status.NO_SHOW: {},
    Status.DECLINED: {},
    Status.CANCELLED: {},
}
# Steps that wait for the consultation to begin, and steps it being under way rules out.
EXPECTED_AFTER_THE_START = {"complete", "no_show"}
EXPECTED_BEFORE_THE_START = {"reschedule", "cancel"}


def test_the_step_registry_is_the_workflow_the_clinic_runs():
    registry = {
        status: {step.name: step.to_status for step in workflow.STEPS if status in step.from_statuses}
        for status in Status
    }
    assert registry == EXPECTED_STEPS
    assert {step.name for step in workflow.STEPS if step.only_after_start} == EXPECTED_AFTER_THE_START
    assert {step.name for step in workflow.STEPS if step.only_before_start} == EXPECTED_BEFORE_THE_START


# What patients may do from their status page: from which statuses, to which status.
EXPECTED_PATIENT_STEPS = {
    "take_offered_time": ({Status.TIME_PROPOSED}, Status.CONFIRMED),
    "ask_for_another_time": ({Status.TIME_PROPOSED}, Status.IN_REVIEW),
    "cancel": ({Status.NEW, Status.IN_REVIEW, Status.TIME_PROPOSED, Status.CONFIRMED}, Status.CANCELLED),
    "move_appointment": ({Status.CONFIRMED}, Status.CONFIRMED),
}
EXPECTED_OPEN = {Status.NEW, Status.IN_REVIEW, Status.TIME_PROPOSED}
EXPECTED_CLOSED = {Status.COMPLETED, Status.NO_SHOW, Status.DECLINED, Status.CANCELLED}
EXPECTED_SCHEDULED = {Status.CONFIRMED, Status.COMPLETED, Status.NO_SHOW}


def test_the_patients_steps_and_the_open_closed_and_scheduled_statuses_are_the_clinics():
    registry = {step.name: (set(step.from_statuses), step.to_status) for step in workflow.PATIENT_STEPS}
    assert registry == EXPECTED_PATIENT_STEPS
    assert set(workflow.OPEN_STATUSES) == EXPECTED_OPEN
    assert set(workflow.CLOSED_STATUSES) == EXPECTED_CLOSED
    assert set(workflow.SCHEDULED_STATUSES) == EXPECTED_SCHEDULED
    for step in workflow.PATIENT_STEPS:
        assert "consultation" in inspect.signature(getattr(services, step.service)).parameters, step.name


@pytest.mark.parametrize("status", list(Status))
def test_a_patient_may_take_an_offered_time_or_ask_for_another_only_while_times_are_offered(status):
    consultation = ConsultationRequest(reference="CR-TEST01", status=status)
    may = {name for name in ("take_offered_time", "ask_for_another_time") if consultation.patient_may(name)}
    assert may == ({"take_offered_time", "ask_for_another_time"} if status == Status.TIME_PROPOSED else set())


def test_each_step_names_a_service_that_takes_the_consultation_and_who_acts():
    for step in workflow.STEPS:
        parameters = inspect.signature(getattr(services, step.service)).parameters
        assert {"consultation", "by"} <= set(parameters), step.name


@pytest.mark.parametrize("status", list(Status))
@pytest.mark.parametrize("begun", [False, True])
def test_staff_may_take_exactly_the_expected_steps_from_each_status(status, begun):
    start = timezone.now() + (timedelta(hours=-1) if begun else timedelta(days=3))
    consultation = ConsultationRequest(reference="CR-TEST01", status=status, confirmed_start=start)
    allowed = {
        name
        for name in EXPECTED_STEPS[status]
        if not (name in EXPECTED_AFTER_THE_START and not begun)
        and not (name in EXPECTED_BEFORE_THE_START and begun and status == Status.CONFIRMED)
    }
    offered = {step.name for step in workflow.STEPS if services.step_problem(consultation, step.name) is None}
    assert offered == allowed


def _request_in(status, clinician=None):
    request = submit()
    paths = {
        Status.NEW: [],
        Status.IN_REVIEW: [Status.IN_REVIEW],
        Status.TIME_PROPOSED: [Status.IN_REVIEW, Status.TIME_PROPOSED],
        Status.CONFIRMED: [Status.IN_REVIEW, Status.CONFIRMED],
        Status.COMPLETED: [Status.IN_REVIEW, Status.CONFIRMED, Status.COMPLETED],
        Status.NO_SHOW: [Status.IN_REVIEW, Status.CONFIRMED, Status.NO_SHOW],
        Status.DECLINED: [Status.DECLINED],
        Status.CANCELLED: [Status.CANCELLED],
    }
    return move(request, *paths[status], confirmed_start=slot(days_ahead=10), clinician=clinician or make_clinician())


@pytest.mark.parametrize("from_status, to_status", list(product(Status, Status)))
def test_only_the_expected_changes_of_status_happen_and_each_is_recorded(from_status, to_status, reception_user):
    clinician = make_clinician()
    request = _request_in(from_status, clinician)
    changes_before = request.status_changes.count()
    extra = {}
    if to_status == Status.CONFIRMED:
        extra = {"confirmed_start": slot(days_ahead=20), "clinician": clinician}
    if to_status == Status.DECLINED:
        extra = {"decline_reason": "Not suitable."}
    if to_status != from_status and to_status in EXPECTED_STEPS[from_status].values():
        moved = services.transition(consultation=request, to_status=to_status, by=reception_user, note="ok", **extra)
        assert moved.status == to_status
        last = moved.status_changes.last()
        assert (last.from_status, last.to_status, last.by, last.note) == (from_status, to_status, reception_user, "ok")
    else:
        with pytest.raises(services.TransitionNotAllowed):
            services.transition(consultation=request, to_status=to_status, by=reception_user, **extra)
        request.refresh_from_db()
        assert request.status == from_status
        assert request.status_changes.count() == changes_before


def test_a_confirmed_consultation_needs_a_time_and_a_clinician():
    request = move(submit(), Status.IN_REVIEW)
    with pytest.raises(ValidationError):
        services.transition(consultation=request, to_status=Status.CONFIRMED, by=None)
    request.refresh_from_db()
    assert request.status == Status.IN_REVIEW


def test_one_clinician_cannot_have_two_confirmed_consultations_at_one_time():
    clinician, start = make_clinician(), slot(days_ahead=9, hour=11)
    confirm(submit(), start=start, clinician=clinician)
    with pytest.raises(ValidationError, match="already has a confirmed consultation"):
        confirm(submit(), start=start, clinician=clinician)
    assert ConsultationRequest.objects.filter(status=Status.CONFIRMED).count() == 1


def test_the_database_itself_forbids_a_double_booked_clinician():
    clinician, start = make_clinician(), slot(days_ahead=9, hour=11)
    confirm(submit(), start=start, clinician=clinician)
    other = move(submit(), Status.IN_REVIEW)
    with pytest.raises(IntegrityError), transaction.atomic():  # bypassing every check in Python
        ConsultationRequest.objects.filter(pk=other.pk).update(
            status=Status.CONFIRMED, clinician=clinician, confirmed_start=start
        )


def test_the_database_itself_forbids_a_confirmed_consultation_without_a_time():
    request = move(submit(), Status.IN_REVIEW)
    with pytest.raises(IntegrityError), transaction.atomic():
        ConsultationRequest.objects.filter(pk=request.pk).update(status=Status.CONFIRMED)


def test_a_cancelled_slot_can_be_confirmed_for_someone_else():
    clinician, start = make_clinician(), slot(days_ahead=9, hour=11)
    first = confirm(submit(), start=start, clinician=clinician)
    services.cancel_request(consultation=first, by=None)
    assert confirm(submit(), start=start, clinician=clinician).status == Status.CONFIRMED


def test_two_clinicians_can_see_patients_at_the_same_time():
    start = slot(days_ahead=9, hour=11)
    confirm(submit(), start=start)
    assert confirm(submit(), start=start).status == Status.CONFIRMED


# --- Cancelling -------------------------------------------------------------------------


@pytest.mark.parametrize("status", [Status.NEW, Status.IN_REVIEW, Status.TIME_PROPOSED, Status.CONFIRMED])
def test_the_patient_can_cancel_an_open_request(status, mailoutbox, django_capture_on_commit_callbacks, settings):
    request = _request_in(status)
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        cancelled = services.cancel_request(consultation=request, by=None, note="Found another clinic")
    assert cancelled.status == Status.CANCELLED
    change = cancelled.status_changes.last()
    assert (change.from_status, change.to_status, change.by, change.note) == (
        status,
        Status.CANCELLED,
        None,
        "Found another clinic",
    )
    assert sorted(m.to[0] for m in mailoutbox) == sorted([request.email, settings.CLINIC_STAFF_EMAIL])
    assert all(request.reference in m.subject for m in mailoutbox)


@pytest.mark.parametrize(
    "status, message",
    [
        (Status.CANCELLED, "already cancelled"),
        (Status.DECLINED, "was declined"),
        (Status.COMPLETED, "already taken place"),
        (Status.NO_SHOW, "already taken place"),
    ],
)
def test_a_closed_request_cannot_be_cancelled_and_nothing_changes(
    status, message, mailoutbox, django_capture_on_commit_callbacks
):
    request = _request_in(status)
    changes_before = request.status_changes.count()
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(services.CancellationNotAllowed, match=message):
            services.cancel_request(consultation=request, by=None)
    request.refresh_from_db()
    assert request.status == status
    assert request.status_changes.count() == changes_before
    assert mailoutbox == []


def test_the_patient_cannot_cancel_online_within_24_hours_of_the_consultation():
    request = confirm(submit(), start=timezone.now() + timedelta(hours=23))
    with pytest.raises(services.CancellationNotAllowed, match="less than 24 hours away"):
        services.cancel_request(consultation=request, by=None)
    request.refresh_from_db()
    assert request.status == Status.CONFIRMED


def test_the_patient_can_cancel_a_consultation_just_over_24_hours_away():
    request = confirm(submit(), start=timezone.now() + timedelta(hours=24, minutes=5))
    assert services.cancel_request(consultation=request, by=None).status == Status.CANCELLED


def test_staff_can_cancel_a_consultation_at_short_notice_and_only_the_patient_is_emailed(
    reception_user, mailoutbox, django_capture_on_commit_callbacks
):
    request = confirm(submit(), start=timezone.now() + timedelta(hours=3))
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        cancelled = services.cancel_request(consultation=request, by=reception_user, note="Clinician unwell")
    assert cancelled.status == Status.CANCELLED
    assert cancelled.status_changes.last().by == reception_user
    assert [m.to for m in mailoutbox] == [[request.email]]


def test_a_cancellation_email_names_the_freed_slot_for_the_clinic(mailoutbox, django_capture_on_commit_callbacks):
    clinician = make_clinician(name="Dr Imogen Sample")
    request = confirm(submit(), start=slot(days_ahead=12, hour=14, minute=30), clinician=clinician)
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.cancel_request(consultation=request, by=None)
    notice = next(m for m in mailoutbox if m.to != [request.email])
    assert "14:30" in notice.body
    assert "Dr Imogen Sample" in notice.body


# --- Under real concurrency (PostgreSQL) -------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_posts_of_one_form_store_one_request(mailoutbox):
    if connection.vendor != "postgresql":
        pytest.skip("needs a database server that runs two transactions at once")
    both_looked = threading.Barrier(2)
    real_lookup = ConsultationRequestQuerySet.for_idempotency_key
    first_look = threading.local()

    def look_then_wait_for_the_other(queryset, key):
        found = real_lookup(queryset, key)
        if not getattr(first_look, "done", False):
            first_look.done = True
            both_looked.wait(timeout=10)  # neither has stored anything yet
        return found

    results, errors = [], []

    def post_the_form():
        try:
            results.append(services.submit_request(**_details(idempotency_key="double-click-1")))
        except Exception as error:  # surfaced by the assertion below
            errors.append(error)
        finally:
            connection.close()

    with mock.patch.object(ConsultationRequestQuerySet, "for_idempotency_key", look_then_wait_for_the_other):
        threads = [threading.Thread(target=post_the_form) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
    assert errors == []
    stored = ConsultationRequest.objects.get()
    assert sorted(result.created for result in results) == [False, True]
    assert {result.consultation.pk for result in results} == {stored.pk}
    assert stored.status_changes.count() == 1
    assert len(mailoutbox) == 2
