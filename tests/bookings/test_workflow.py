"""bookings/services.py, the staff workflow: review, confirm, propose, move, decline,
complete, no-show, cancel; their emails and invites; their history; double booking."""

import smtplib
import threading
from datetime import timedelta
from unittest import mock

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection
from django.utils import timezone

from bookings import services
from bookings.models import (
    ConsultationRequest,
    DeclineReason,
    NotificationKind,
    ProposedTime,
    Status,
    StatusChange,
)
from tests.bookings.conftest import (
    at,
    confirm,
    confirm_at_once,
    in_review,
    make_clinician,
    move,
    open_day,
    open_the_demo_week,
    submit,
)

pytestmark = pytest.mark.django_db

FAILING_SEND = "django.core.mail.backends.locmem.EmailBackend.send_messages"


def unfold(text):
    return text.replace("\r\n ", "")


def invite_of(message):
    """The calendar part attached to an email: (MIME part, its text unfolded)."""
    (part,) = [a for a in message.attachments if getattr(a, "get_content_type", lambda: "")() == "text/calendar"]
    return part, unfold(part.get_payload(decode=True).decode())


# --- Start review -------------------------------------------------------------------------


def test_starting_a_review_records_who_and_when(reception_user):
    request = services.start_review(consultation=submit(), by=reception_user, note="Looks straightforward")
    change = request.status_changes.last()
    assert request.status == Status.IN_REVIEW
    assert (change.from_status, change.to_status, change.by, change.note) == (
        Status.NEW,
        Status.IN_REVIEW,
        reception_user,
        "Looks straightforward",
    )
    assert timezone.now() - change.at < timedelta(seconds=5)


@pytest.mark.parametrize("status", [Status.IN_REVIEW, Status.TIME_PROPOSED, Status.CANCELLED])
def test_only_a_new_request_can_be_put_in_review_and_the_refusal_says_why(status, reception_user):
    path = {
        Status.IN_REVIEW: [Status.IN_REVIEW],
        Status.TIME_PROPOSED: [Status.IN_REVIEW, Status.TIME_PROPOSED],
        Status.CANCELLED: [Status.CANCELLED],
    }[status]
    request = move(submit(), *path)
    before = request.status_changes.count()
    with pytest.raises(services.TransitionNotAllowed, match="only requests that are new can be put in review"):
        services.start_review(consultation=request, by=reception_user)
    request.refresh_from_db()
    assert request.status == status and request.status_changes.count() == before


# --- Confirm ------------------------------------------------------------------------------


def test_confirming_books_the_slot_records_it_and_emails_the_patient_an_invite(
    reception_user, clinician, mailoutbox, django_capture_on_commit_callbacks, settings
):
    request = in_review(email="zoe@example.com", full_name="Zoë Sample")
    start = at(open_day(), 10, 30)
    with django_capture_on_commit_callbacks(execute=True):
        confirmed = services.confirm_request(consultation=request, start=start, clinician=clinician, by=reception_user)
    assert (confirmed.status, confirmed.confirmed_start, confirmed.clinician) == (Status.CONFIRMED, start, clinician)
    change = confirmed.status_changes.last()
    assert (change.from_status, change.to_status, change.by) == (Status.IN_REVIEW, Status.CONFIRMED, reception_user)
    assert "10:30" in change.note and "Dr Imogen Sample" in change.note

    (message,) = mailoutbox
    assert message.to == ["zoe@example.com"]
    assert request.reference in message.subject and "10:30" in message.subject
    assert "Dr Imogen Sample" in message.body and settings.CLINIC_ADDRESS in message.body
    assert request.status_url() in message.body
    part, ics = invite_of(message)
    assert part.get_param("method") == "REQUEST"
    assert part.get_filename() == "invite.ics"
    assert "METHOD:REQUEST" in ics
    assert f"DTSTART;TZID={settings.TIME_ZONE}:{start:%Y%m%d}T103000" in ics
    assert "ORGANIZER;CN=" in ics and 'ATTENDEE;CN="Zoë Sample"' in ics and "mailto:zoe@example.com" in ics
    assert "SEQUENCE:0" in ics
    raw = message.message().as_string()
    assert 'Content-Type: text/calendar; charset="utf-8"; method="REQUEST"' in raw


def test_the_confirmation_carries_no_health_details(
    reception_user, clinician, mailoutbox, django_capture_on_commit_callbacks
):
    request = in_review(help_with="Painful cystic acne", isotretinoin_recent="yes")
    with django_capture_on_commit_callbacks(execute=True):
        services.confirm_request(
            consultation=request, start=at(open_day(), 10), clinician=clinician, by=reception_user
        )
    (message,) = mailoutbox
    _, ics = invite_of(message)
    everything = " ".join([message.subject, message.body, message.alternatives[0][0], ics]).lower()
    assert "cystic" not in everything and "isotretinoin" not in everything


def test_the_patients_status_page_shows_the_confirmed_appointment(reception_user, clinician, client):
    request = in_review()
    services.confirm_request(consultation=request, start=at(open_day(), 14), clinician=clinician, by=reception_user)
    html = client.get(request.status_path()).content.decode()
    assert "Your appointment" in html and "14:00" in html and "Dr Imogen Sample" in html
    assert request.invite_path() in html


@pytest.mark.parametrize(
    "when, words",
    [
        (lambda: timezone.now() - timedelta(days=1), "has already passed"),
        (lambda: at(open_day(), 7), "outside opening hours"),
        (lambda: at(open_day(), 17, 45), "outside opening hours"),
        (lambda: at(open_day(), 10, 5), "not on the consultation grid"),
    ],
    ids=["past", "before opening", "ends after closing", "off grid"],
)
def test_a_confirmation_at_a_time_that_cannot_be_booked_changes_nothing(
    when, words, reception_user, clinician, mailoutbox, django_capture_on_commit_callbacks
):
    request = in_review()
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(services.SlotUnavailable, match=words):
        services.confirm_request(consultation=request, start=when(), clinician=clinician, by=reception_user)
    request.refresh_from_db()
    assert (request.status, request.confirmed_start, request.clinician) == (Status.IN_REVIEW, None, None)
    assert mailoutbox == []
    assert not request.notifications.filter(kind=NotificationKind.CONFIRMATION).exists()


def test_a_confirmation_on_a_closed_day_says_why(reception_user, clinician):
    from bookings.models import Closure

    request = in_review()
    Closure.objects.create(date=open_day(), reason="Staff training day")
    with pytest.raises(services.SlotUnavailable, match="Staff training day"):
        services.confirm_request(
            consultation=request, start=at(open_day(), 10), clinician=clinician, by=reception_user
        )


def test_a_clinician_cannot_be_booked_twice_at_one_time(reception_user, clinician):
    start = at(open_day(), 11)
    first = confirm(submit(), start=start, clinician=clinician)
    second = in_review()
    with pytest.raises(
        services.SlotUnavailable, match=f"already has a confirmed consultation \\({first.reference}\\)"
    ):
        services.confirm_request(consultation=second, start=start, clinician=clinician, by=reception_user)
    second.refresh_from_db()
    assert second.status == Status.IN_REVIEW


def test_a_clash_that_slips_past_the_checks_is_stopped_by_the_database_and_reported_clearly(reception_user, clinician):
    start = at(open_day(), 11)
    confirm(submit(), start=start, clinician=clinician)
    second = in_review()
    # As if another server confirmed the slot between this one's checks and its write.
    with (
        mock.patch("bookings.services.slot_problem", return_value=None),
        mock.patch.object(ConsultationRequest, "validate_constraints"),
    ):
        with pytest.raises(services.SlotUnavailable, match="has just been booked .* by someone else"):
            services.confirm_request(consultation=second, start=start, clinician=clinician, by=reception_user)
    second.refresh_from_db()
    assert (second.status, second.confirmed_start) == (Status.IN_REVIEW, None)
    assert second.status_changes.count() == 2


def test_a_clash_found_by_the_models_own_check_is_reported_the_same_way(reception_user, clinician):
    start = at(open_day(), 11)
    confirm(submit(), start=start, clinician=clinician)
    second = in_review()
    with mock.patch("bookings.services.slot_problem", return_value=None):
        with pytest.raises(services.SlotUnavailable, match="has just been booked"):
            services.confirm_request(consultation=second, start=start, clinician=clinician, by=reception_user)
    second.refresh_from_db()
    assert second.status == Status.IN_REVIEW


def test_a_request_is_confirmed_only_from_review_or_proposed_times(reception_user, clinician):
    request = submit()
    with pytest.raises(services.TransitionNotAllowed, match="only requests that are in review or times proposed"):
        services.confirm_request(
            consultation=request, start=at(open_day(), 10), clinician=clinician, by=reception_user
        )


# --- Under real concurrency (PostgreSQL) ----------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_two_confirmations_of_one_slot_at_the_same_moment_book_it_once():
    if connection.vendor != "postgresql":
        pytest.skip("SQLite runs one write transaction at a time, so there is no race to test; run on PostgreSQL")
    open_the_demo_week()
    clinician = make_clinician(name="Dr Imogen Sample")
    requests = [in_review(), in_review()]
    start = at(open_day(), 11)
    both_checked = threading.Barrier(2)
    real_check = services.slot_problem

    def check_then_wait_for_the_other(*args, **kwargs):
        problem = real_check(*args, **kwargs)
        both_checked.wait(timeout=10)  # both have found the slot free; neither has written yet
        return problem

    outcomes = confirm_at_once(
        [(request, start) for request in requests], clinician=clinician, check=check_then_wait_for_the_other
    )

    assert sorted(outcomes.values(), key=lambda v: v != "confirmed")[0] == "confirmed"
    refused = [message for message in outcomes.values() if message != "confirmed"]
    assert len(refused) == 1 and "has just been booked" in refused[0], outcomes
    assert ConsultationRequest.objects.filter(status=Status.CONFIRMED, clinician=clinician).count() == 1
    loser = ConsultationRequest.objects.get(pk=next(pk for pk, v in outcomes.items() if v != "confirmed"))
    assert (loser.status, loser.confirmed_start, loser.clinician) == (Status.IN_REVIEW, None, None)
    assert not loser.status_changes.filter(to_status=Status.CONFIRMED).exists()
    assert not loser.notifications.filter(kind=NotificationKind.CONFIRMATION).exists()


# --- Move (reschedule) ---------------------------------------------------------------------


def test_moving_a_confirmed_consultation_is_recorded_and_sends_an_updated_invite(
    reception_user, clinician, mailoutbox, django_capture_on_commit_callbacks
):
    request = confirm(submit(), start=at(open_day(), 10), clinician=clinician)
    other = make_clinician(name="Dr Other")
    new_start = at(open_day(weeks=2), 15)
    with django_capture_on_commit_callbacks(execute=True):
        moved = services.reschedule_request(consultation=request, start=new_start, clinician=other, by=reception_user)
    assert (moved.status, moved.confirmed_start, moved.clinician) == (Status.CONFIRMED, new_start, other)
    change = moved.status_changes.last()
    assert (change.from_status, change.to_status, change.by) == (Status.CONFIRMED, Status.CONFIRMED, reception_user)
    assert "10:00 with Dr Imogen Sample" in change.note and "15:00 with Dr Other" in change.note
    (message,) = mailoutbox
    assert "moved" in message.subject.lower()
    _, ics = invite_of(message)
    assert "SEQUENCE:1" in ics and "METHOD:REQUEST" in ics
    assert f"UID:{request.reference}@" in ics


def test_a_move_to_a_taken_slot_changes_nothing(reception_user, clinician):
    taken = at(open_day(), 11)
    confirm(submit(), start=taken, clinician=clinician)
    request = confirm(submit(), start=at(open_day(), 10), clinician=clinician)
    with pytest.raises(services.SlotUnavailable):
        services.reschedule_request(consultation=request, start=taken, clinician=clinician, by=reception_user)
    request.refresh_from_db()
    assert request.confirmed_start == at(open_day(), 10)
    assert request.status_changes.filter(from_status=Status.CONFIRMED).count() == 0


def test_a_request_that_is_not_confirmed_cannot_be_moved(reception_user, clinician):
    with pytest.raises(services.TransitionNotAllowed, match="only requests that are confirmed"):
        services.reschedule_request(
            consultation=in_review(), start=at(open_day(), 10), clinician=clinician, by=reception_user
        )


# --- Propose other times; the patient accepts or asks to be contacted -----------------------


def test_offering_two_times_records_them_and_emails_the_patient(
    reception_user, clinician, mailoutbox, django_capture_on_commit_callbacks
):
    request = in_review()
    slots = [(at(open_day(weeks=2), 9), clinician), (at(open_day(weeks=2), 16, 30), clinician)]
    with django_capture_on_commit_callbacks(execute=True):
        proposed = services.propose_times(consultation=request, slots=slots, by=reception_user)
    assert proposed.status == Status.TIME_PROPOSED
    assert [(p.start, p.clinician) for p in proposed.proposed_times.all()] == slots
    assert "09:00" in proposed.status_changes.last().note and "16:30" in proposed.status_changes.last().note
    (message,) = mailoutbox
    assert message.to == [request.email]
    assert "09:00" in message.body and "16:30" in message.body and request.status_url() in message.body
    assert not message.attachments
    assert "We cannot offer you a consultation when you asked to come in" in message.body


def test_an_offer_on_the_day_asked_for_is_not_emailed_as_another_day(
    reception_user, clinician, mailoutbox, django_capture_on_commit_callbacks
):
    request = in_review()
    slots = [(at(request.first_preferred_date, 15), clinician)]
    with django_capture_on_commit_callbacks(execute=True):
        services.propose_times(consultation=request, slots=slots, by=reception_user)
    (message,) = mailoutbox
    assert "when you asked to come in" not in message.body
    assert "We can offer you these times:" in message.body
    html = message.alternatives[0][0]
    assert "when you asked to come in" not in html and "We can offer you these times:" in html


@pytest.mark.parametrize("count", [0, 3])
def test_one_or_two_times_are_offered_never_none_or_more(count, reception_user, clinician):
    slots = [(at(open_day(weeks=2), 9 + n), clinician) for n in range(count)]
    with pytest.raises(ValidationError, match="Offer one or 2"):
        services.propose_times(consultation=in_review(), slots=slots, by=reception_user)


def test_offered_times_follow_the_same_rules_as_a_confirmation(reception_user, clinician):
    request = in_review()
    slots = [(at(open_day(), 10), clinician), (at(open_day(), 20), clinician)]
    with pytest.raises(services.SlotUnavailable, match="outside opening hours"):
        services.propose_times(consultation=request, slots=slots, by=reception_user)
    request.refresh_from_db()
    assert request.status == Status.IN_REVIEW and not request.proposed_times.exists()


def test_the_patient_accepting_a_time_confirms_it_and_tells_both_sides(
    clinician, mailoutbox, django_capture_on_commit_callbacks, settings
):
    request = services.propose_times(
        consultation=in_review(), slots=[(at(open_day(weeks=2), 11), clinician)], by=make_staff()
    )
    proposal = request.proposed_times.get()
    with django_capture_on_commit_callbacks(execute=True):
        confirmed = services.accept_proposed_time(consultation=request, proposed_time_id=proposal.pk)
    assert (confirmed.status, confirmed.confirmed_start, confirmed.clinician) == (
        Status.CONFIRMED,
        proposal.start,
        clinician,
    )
    change = confirmed.status_changes.last()
    assert (change.from_status, change.by) == (Status.TIME_PROPOSED, None)
    kinds = sorted(m.to[0] for m in mailoutbox)
    assert kinds == sorted([request.email, settings.CLINIC_STAFF_EMAIL])
    to_patient = next(m for m in mailoutbox if m.to == [request.email])
    assert invite_of(to_patient)[0].get_param("method") == "REQUEST"


def make_staff():
    from tests.bookings.conftest import make_staff_member

    return make_staff_member()


def test_a_proposed_time_taken_meanwhile_is_refused_kindly_and_nothing_changes(clinician, mailoutbox):
    start = at(open_day(weeks=2), 11)
    request = services.propose_times(consultation=in_review(), slots=[(start, clinician)], by=make_staff())
    taker = confirm(submit(), start=start, clinician=clinician)
    with pytest.raises(services.SlotUnavailable) as refusal:
        services.accept_proposed_time(consultation=request, proposed_time_id=request.proposed_times.get().pk)
    assert "no longer available" in refusal.value.messages[0]
    assert taker.reference not in refusal.value.messages[0]  # never another patient's reference
    request.refresh_from_db()
    assert request.status == Status.TIME_PROPOSED and request.confirmed_start is None


def test_a_time_that_was_not_offered_cannot_be_accepted(clinician):
    request = services.propose_times(
        consultation=in_review(), slots=[(at(open_day(weeks=2), 11), clinician)], by=make_staff()
    )
    stranger = services.propose_times(
        consultation=in_review(), slots=[(at(open_day(weeks=2), 12), clinician)], by=make_staff()
    )
    for bad in [stranger.proposed_times.get().pk, "abc", "", None]:
        with pytest.raises(ValidationError, match="one of the times we offered"):
            services.accept_proposed_time(consultation=request, proposed_time_id=bad)
    request.refresh_from_db()
    assert request.status == Status.TIME_PROPOSED


def test_the_patient_asking_to_be_contacted_puts_the_request_back_in_review_with_their_note(
    clinician, mailoutbox, django_capture_on_commit_callbacks, settings
):
    request = services.propose_times(
        consultation=in_review(), slots=[(at(open_day(weeks=2), 11), clinician)], by=make_staff()
    )
    with django_capture_on_commit_callbacks(execute=True):
        reviewed = services.back_to_review(consultation=request, by=None, note="Any weekday after 4pm")
    assert reviewed.status == Status.IN_REVIEW
    change = reviewed.status_changes.last()
    assert change.by is None and "Any weekday after 4pm" in change.note and "asked to be contacted" in change.note
    (notice,) = mailoutbox
    assert notice.to == [settings.CLINIC_STAFF_EMAIL]
    assert "Any weekday" not in notice.body  # the patient's words stay in admin


def test_staff_can_take_proposed_times_back_and_offer_new_ones(reception_user, clinician):
    request = services.propose_times(
        consultation=in_review(), slots=[(at(open_day(weeks=2), 11), clinician)], by=reception_user
    )
    request = services.back_to_review(consultation=request, by=reception_user, note="Patient phoned")
    request = services.propose_times(
        consultation=request, slots=[(at(open_day(weeks=3), 12), clinician)], by=reception_user
    )
    assert [timezone.localtime(p.start).hour for p in request.proposed_times.all()] == [12]


# --- Decline --------------------------------------------------------------------------------


def test_declining_needs_a_reason_and_changes_nothing_without_one(reception_user, mailoutbox):
    request = in_review()
    with pytest.raises(ValidationError) as refusal:
        services.decline_request(consultation=request, by=reception_user, details="   ")
    assert "details" in refusal.value.message_dict
    request.refresh_from_db()
    assert request.status == Status.IN_REVIEW


def test_a_standard_reason_and_free_text_are_both_sent_to_the_patient(
    reception_user, mailoutbox, django_capture_on_commit_callbacks
):
    reason = DeclineReason.objects.get(title="Treatment not offered")
    request = in_review()
    with django_capture_on_commit_callbacks(execute=True):
        declined = services.decline_request(
            consultation=request, by=reception_user, standard_reason=reason, details="We recommend a dermatologist."
        )
    assert declined.status == Status.DECLINED and declined.declined_for == reason
    assert declined.decline_reason == f"{reason.text}\n\nWe recommend a dermatologist."
    (message,) = mailoutbox
    assert reason.text in message.body and "We recommend a dermatologist." in message.body
    assert declined.status_changes.last().by == reception_user


@pytest.mark.parametrize("status", [Status.CONFIRMED, Status.DECLINED])
def test_a_confirmed_or_closed_request_cannot_be_declined(status, reception_user, clinician):
    request = confirm(submit(), clinician=clinician) if status == Status.CONFIRMED else move(submit(), status)
    with pytest.raises(services.TransitionNotAllowed, match="can be declined"):
        services.decline_request(consultation=request, by=reception_user, details="No")


# --- Completed and no-show ----------------------------------------------------------------


@pytest.mark.parametrize(
    "service, status", [(services.complete_request, Status.COMPLETED), (services.mark_no_show, Status.NO_SHOW)]
)
def test_a_consultation_is_marked_completed_or_missed_only_once_it_has_begun(
    service, status, reception_user, clinician
):
    start = at(open_day(), 10)
    request = confirm(submit(), start=start, clinician=clinician)
    with pytest.raises(services.TransitionNotAllowed, match="only once it has begun"):
        service(consultation=request, by=reception_user)
    request.refresh_from_db()
    assert request.status == Status.CONFIRMED
    marked = service(consultation=request, by=reception_user, now=start + timedelta(minutes=1))
    assert marked.status == status
    assert marked.status_changes.last().by == reception_user


def test_only_a_confirmed_consultation_can_be_completed(reception_user):
    with pytest.raises(services.TransitionNotAllowed, match="only requests that are confirmed"):
        services.complete_request(consultation=in_review(), by=reception_user)


# --- Cancel on the patient's behalf -----------------------------------------------------------


def test_staff_cancelling_a_booked_consultation_sends_a_calendar_cancellation(
    reception_user, clinician, mailoutbox, django_capture_on_commit_callbacks
):
    request = confirm(submit(), start=at(open_day(), 10), clinician=clinician)
    with django_capture_on_commit_callbacks(execute=True):
        cancelled = services.cancel_request(consultation=request, by=reception_user, note="Patient phoned")
    assert cancelled.status == Status.CANCELLED
    (message,) = mailoutbox
    part, ics = invite_of(message)
    assert part.get_param("method") == "CANCEL"
    assert "STATUS:CANCELLED" in ics and "SEQUENCE:1" in ics and f"UID:{request.reference}@" in ics


def test_staff_cannot_cancel_a_closed_request(reception_user):
    request = move(submit(), Status.DECLINED)
    with pytest.raises(services.TransitionNotAllowed, match="can be cancelled"):
        services.cancel_request(consultation=request, by=reception_user)


# --- Resend and retry -------------------------------------------------------------------------


def test_resending_sends_the_latest_email_to_the_patient_again(
    reception_user, clinician, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        request = submit()
        services.start_review(consultation=request, by=reception_user)
        services.confirm_request(
            consultation=request, start=at(open_day(), 10), clinician=clinician, by=reception_user
        )
    mailoutbox.clear()
    first = request.notifications.get(kind=NotificationKind.CONFIRMATION)
    notification = services.resend_last_email(consultation=request)
    # A new email in the outbox: the record of the first one stays as it was.
    assert notification.kind == NotificationKind.CONFIRMATION and notification.pk != first.pk
    assert (notification.state, notification.attempts) == ("sent", 1)
    assert request.notifications.filter(kind=NotificationKind.CONFIRMATION, state="sent").count() == 2
    (message,) = mailoutbox
    assert message.to == [request.email] and invite_of(message)


def test_a_failed_email_is_retried_and_its_record_updated(mailoutbox, django_capture_on_commit_callbacks):
    with mock.patch(FAILING_SEND, side_effect=smtplib.SMTPServerDisconnected("gone")):
        with django_capture_on_commit_callbacks(execute=True):
            request = submit()
    assert request.notifications.in_trouble().count() == 2
    sent, failed = services.retry_failed_emails(notifications=request.notifications.all())
    assert (sent, failed) == (2, 0)
    assert not request.notifications.in_trouble().exists()
    assert len(mailoutbox) == 2


def test_a_retry_that_fails_again_is_counted_and_kept(django_capture_on_commit_callbacks):
    with mock.patch(FAILING_SEND, side_effect=smtplib.SMTPServerDisconnected("gone")):
        with django_capture_on_commit_callbacks(execute=True):
            request = submit()
        sent, failed = services.retry_failed_emails(notifications=request.notifications.all())
    assert (sent, failed) == (0, 2)
    assert all(n.attempts == 2 for n in request.notifications.all())


def test_an_email_failure_never_undoes_a_confirmation(reception_user, clinician, django_capture_on_commit_callbacks):
    request = in_review()
    with mock.patch(FAILING_SEND, side_effect=ConnectionRefusedError()):
        with django_capture_on_commit_callbacks(execute=True):
            services.confirm_request(
                consultation=request, start=at(open_day(), 10), clinician=clinician, by=reception_user
            )
    request.refresh_from_db()
    assert request.status == Status.CONFIRMED
    assert request.notifications.in_trouble().get().kind == NotificationKind.CONFIRMATION


# --- The audit trail --------------------------------------------------------------------------


def test_every_step_of_a_request_is_in_its_history_with_who_did_it(reception_user, clinician):
    request = submit()
    services.start_review(consultation=request, by=reception_user)
    services.propose_times(consultation=request, slots=[(at(open_day(), 9), clinician)], by=reception_user)
    services.accept_proposed_time(
        consultation=request, proposed_time_id=ProposedTime.objects.get(consultation=request).pk
    )
    services.reschedule_request(
        consultation=request, start=at(open_day(), 9, 30), clinician=clinician, by=reception_user
    )
    steps = list(StatusChange.objects.filter(consultation=request).values_list("from_status", "to_status", "by"))
    assert steps == [
        ("", Status.NEW, None),
        (Status.NEW, Status.IN_REVIEW, reception_user.pk),
        (Status.IN_REVIEW, Status.TIME_PROPOSED, reception_user.pk),
        (Status.TIME_PROPOSED, Status.CONFIRMED, None),
        (Status.CONFIRMED, Status.CONFIRMED, reception_user.pk),
    ]


def test_the_database_still_refuses_a_double_booking_made_behind_the_services_back(clinician):
    start = at(open_day(), 11)
    confirm(submit(), start=start, clinician=clinician)
    other = in_review()
    from django.db import transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        ConsultationRequest.objects.filter(pk=other.pk).update(
            status=Status.CONFIRMED, clinician=clinician, confirmed_start=start
        )
