"""The staff workflow in admin, through the client: the list, the request page and its
buttons, each step's page, list actions, hand-made bad posts, permissions per group."""

import csv
import io
import smtplib
from datetime import timedelta
from unittest import mock

import pytest
from django.contrib.admin.models import LogEntry
from django.urls import reverse
from django.utils import timezone

from bookings import workflow
from bookings.models import Closure, ConsultationRequest, DeclineReason, Status
from bookings.scheduling import slot_value
from notifications.models import Email
from tests.bookings.conftest import (
    at,
    confirm,
    in_review,
    make_staff_member,
    make_treatment,
    move,
    open_day,
    submit,
)
from tests.conftest import staff_login

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:bookings_consultationrequest_changelist"
FAILING_SEND = "django.core.mail.backends.locmem.EmailBackend.send_messages"


def step_url(step, request):
    return reverse(f"admin:bookings_consultationrequest_{step}", args=[request.pk])


def change_url(request):
    return reverse("admin:bookings_consultationrequest_change", args=[request.pk])


def messages_of(response):
    return [str(message) for message in response.context["messages"]] if response.context else []


def follow(client, response):
    assert response.status_code == 302, response.status_code
    return client.get(response["Location"])


def action(client, name, requests, **extra):
    return client.post(
        reverse(CHANGELIST),
        {"action": name, "index": 0, "_selected_action": [r.pk for r in requests], **extra},
    )


# --- The list and the home page ----------------------------------------------------------


def test_the_list_shows_what_reception_needs_at_a_glance(reception_client, clinician):
    treatment = make_treatment(title="Microneedling")
    second_date = open_day(weeks=2)
    request = submit(
        full_name="Zoë Sample", treatments=[treatment], second_preferred_date=second_date, time_of_day="afternoon"
    )
    html = reception_client.get(reverse(CHANGELIST)).content.decode()
    for expected in [
        request.reference,
        "Zoë Sample",
        "Microneedling",
        f"{request.first_preferred_date:%a}\u00a0{request.first_preferred_date.day}\u00a0",
        f"{second_date:%a}\u00a0{second_date.day}\u00a0{second_date:%b}",
        "afternoon",
        'class="status-badge status-new"',
        "minute",  # the request's age
    ]:
        assert expected in html, expected


def test_failed_emails_stand_out_in_the_list(reception_client, django_capture_on_commit_callbacks):
    with mock.patch(FAILING_SEND, side_effect=ConnectionRefusedError()):
        with django_capture_on_commit_callbacks(execute=True):
            submit()
    html = reception_client.get(reverse(CHANGELIST)).content.decode()
    assert '<span class="email-trouble">2 failed emails</span>' in html
    filtered = reception_client.get(reverse(CHANGELIST), {"email_trouble": "failed"})
    assert filtered.context["cl"].result_count == 1


def test_new_requests_come_first_then_the_newest(reception_client):
    older_new = submit()
    reviewed = in_review()
    newest_new = submit()
    listed = list(reception_client.get(reverse(CHANGELIST)).context["cl"].result_list)
    assert listed == [newest_new, older_new, reviewed]


@pytest.mark.parametrize(
    "params, count",
    [
        ({"status__exact": "in_review"}, 1),
        ({"preferred": "next_30_days"}, 2),
        ({"created_at__gte": "2000-01-01 00:00:00+00:00"}, 2),
    ],
)
def test_the_list_filters_by_status_preferred_date_and_created_date(reception_client, params, count):
    submit()
    in_review()
    assert reception_client.get(reverse(CHANGELIST), params).context["cl"].result_count == count


def test_the_list_filters_by_treatment(reception_client):
    treatment = make_treatment(title="Microneedling")
    submit(treatments=[treatment])
    submit()
    response = reception_client.get(reverse(CHANGELIST), {"treatments__id__exact": treatment.pk})
    assert response.context["cl"].result_count == 1


@pytest.mark.parametrize("term", ["reference", "Zoë", "zoe@example.com", "07911 123456", "+44 7911 123456"])
def test_reception_finds_a_request_by_reference_name_email_or_phone(reception_client, term):
    wanted = submit(full_name="Zoë Sample", email="zoe@example.com", phone="+447911123456")
    submit(full_name="Alex Other", email="alex@example.com", phone="+442079460000")
    term = wanted.reference if term == "reference" else term
    result = list(reception_client.get(reverse(CHANGELIST), {"q": term}).context["cl"].result_list)
    assert result == [wanted]


def test_the_list_costs_the_same_number_of_queries_for_one_request_or_thirty(
    reception_client, clinician, django_assert_num_queries
):
    treatments = [make_treatment(), make_treatment()]

    def make(n):
        for i in range(n):
            request = submit(treatments=treatments)
            if i % 3 == 0:
                confirm(request, start=at(open_day(), 9) + timedelta(minutes=30 * (i // 3)), clinician=clinician)

    make(1)
    reception_client.get(reverse(CHANGELIST))  # warm the session and content types
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as one:
        reception_client.get(reverse(CHANGELIST))
    ConsultationRequest.objects.all().delete()
    make(30)
    with CaptureQueriesContext(connection) as thirty:
        response = reception_client.get(reverse(CHANGELIST))
    assert response.context["cl"].result_count == 30
    assert len(thirty) == len(one), [q["sql"] for q in thirty.captured_queries]


def test_the_admin_home_counts_new_and_in_review_requests_and_lists_todays_consultations(reception_client, clinician):
    submit()
    submit()
    in_review()
    today_start = timezone.now().replace(second=0, microsecond=0) + timedelta(minutes=5)
    today = confirm(submit(full_name="Zoë Sample"), start=today_start, clinician=clinician)
    confirm(submit(), start=at(open_day(), 10), clinician=clinician)
    html = reception_client.get(reverse("admin:index")).content.decode()
    counts = html[html.index('id="consultation-counts"') :]
    assert "New, waiting for review</a></th>\n        <td>2</td>" in counts
    assert "In review</a></th>\n        <td>1</td>" in counts
    assert "Confirmed consultations today</a></th>\n        <td>1</td>" in counts
    assert today.reference in counts and "Zoë Sample" in counts


def test_an_expired_offer_is_not_counted_as_waiting_for_the_patient(reception_client, clinician):
    from bookings import services

    def offer(hour):
        return services.propose_times(
            consultation=in_review(), slots=[(at(open_day(weeks=2), hour), clinician)], by=make_staff_member()
        )

    waiting = offer(9)
    expired = offer(14)
    expired.proposed_times.update(proposed_at=timezone.now() - timedelta(days=30))
    html = reception_client.get(reverse("admin:index")).content.decode()
    counts = html[html.index('id="consultation-counts"') :]
    assert "Times offered, waiting for the patient</a></th>\n        <td>1</td>" in counts
    assert "Times offered, offer expired</a></th>\n        <td>1</td>" in counts
    listed = reception_client.get(reverse(CHANGELIST), {"status__exact": "time_proposed", "offer": "open"})
    assert list(listed.context["cl"].result_list) == [waiting]
    listed = reception_client.get(reverse(CHANGELIST), {"status__exact": "time_proposed", "offer": "expired"})
    assert list(listed.context["cl"].result_list) == [expired]


def test_the_admin_home_has_a_count_for_every_status_that_waits_for_the_clinic(reception_client):
    """The rows are written out for their wording; a new open status must get one."""
    html = reception_client.get(reverse("admin:index")).content.decode()
    counts = html[html.index('id="consultation-counts"') :]
    for status in workflow.OPEN_STATUSES:
        assert f"?status__exact={status}" in counts, status


def test_the_home_page_shows_the_comment_counts_and_the_consultation_counts_side_by_side(admin_client):
    html = admin_client.get(reverse("admin:index")).content.decode()
    waiting = html[html.index('id="waiting-counts"') :]
    assert waiting.index('id="comment-counts"') < waiting.index('id="consultation-counts"')


def test_todays_link_on_the_home_page_lists_exactly_todays_consultations(reception_client, clinician):
    today = confirm(submit(), start=timezone.now() + timedelta(minutes=5), clinician=clinician)
    confirm(submit(), start=at(open_day(), 10), clinician=clinician)
    response = reception_client.get(reverse(CHANGELIST), {"status__exact": "confirmed", "appointment": "today"})
    assert list(response.context["cl"].result_list) == [today]


# --- The request page ----------------------------------------------------------------------


def test_the_request_page_has_fieldsets_for_patient_request_scheduling_and_notes(reception_client):
    html = reception_client.get(change_url(submit())).content.decode()
    for legend in ["Patient", "Request", "Scheduling", "Staff notes", "History"]:
        assert f">{legend}<" in html, legend


def test_a_new_request_offers_review_decline_and_cancel_only(reception_client):
    request = submit()
    response = reception_client.get(change_url(request))
    labels = [item["step"].label for item in response.context["workflow_steps"]]
    assert labels == ["Start review", "Decline…", "Cancel…"]


def test_a_request_in_review_offers_confirm_propose_decline_and_cancel(reception_client):
    response = reception_client.get(change_url(in_review()))
    labels = [item["step"].label for item in response.context["workflow_steps"]]
    assert labels == ["Confirm a time…", "Offer other times…", "Decline…", "Cancel…"]


def test_a_closed_request_offers_nothing_more(reception_client):
    html = reception_client.get(change_url(move(submit(), Status.DECLINED))).content.decode()
    assert "Nothing more to do" in html


# --- What each status offers ------------------------------------------------------------------


@pytest.mark.parametrize(
    "status, begun, buttons",
    [
        (Status.NEW, False, ["Start review", "Decline…", "Cancel…"]),
        (Status.IN_REVIEW, False, ["Confirm a time…", "Offer other times…", "Decline…", "Cancel…"]),
        (Status.TIME_PROPOSED, False, ["Confirm a time…", "Back to review…", "Decline…", "Cancel…"]),
        (Status.CONFIRMED, False, ["Move…", "Cancel…"]),
        (Status.CONFIRMED, True, ["Mark completed…", "Mark no-show…"]),
        (Status.COMPLETED, True, []),
        (Status.NO_SHOW, True, []),
        (Status.DECLINED, False, []),
        (Status.CANCELLED, False, []),
    ],
)
def test_each_status_offers_exactly_its_buttons_in_order(reception_client, clinician, status, begun, buttons):
    start = timezone.now() - timedelta(minutes=30) if begun else at(open_day(), 10)
    paths = {
        Status.TIME_PROPOSED: [Status.IN_REVIEW, Status.TIME_PROPOSED],
        Status.CONFIRMED: [Status.IN_REVIEW, Status.CONFIRMED],
        Status.COMPLETED: [Status.IN_REVIEW, Status.CONFIRMED, Status.COMPLETED],
        Status.NO_SHOW: [Status.IN_REVIEW, Status.CONFIRMED, Status.NO_SHOW],
    }
    consultation = move(
        submit(),
        *paths.get(status, [status] if status != Status.NEW else []),
        confirmed_start=start,
        clinician=clinician,
    )
    page = reception_client.get(change_url(consultation))
    assert [item["step"].label for item in page.context["workflow_steps"]] == buttons
    html = page.content.decode()
    for label in buttons:
        assert label in html


def test_the_list_offers_the_workflow_actions_in_this_order(reception_client):
    submit()
    choices = reception_client.get(reverse(CHANGELIST)).context["action_form"].fields["action"].choices
    assert [(name, str(description)) for name, description in choices][1:6] == [
        ("start_review_selected", "Start review of the selected new requests"),
        ("complete_selected", "Mark the selected consultations completed"),
        ("no_show_selected", "Mark the selected consultations as no-shows"),
        ("decline_selected", "Decline the selected requests…"),
        ("cancel_selected", "Cancel the selected requests…"),
    ]


def test_the_history_shows_who_changed_what_and_when(reception_client, reception_user):
    reception_client.post(step_url("start_review", submit()), {"note": "Picked up"})
    request = ConsultationRequest.objects.get()
    html = reception_client.get(change_url(request)).content.decode()
    assert str(reception_user) in html and "Picked up" in html and "In review" in html


# --- Start review ---------------------------------------------------------------------------


def test_the_start_review_button_puts_a_request_in_review(reception_client, reception_user):
    request = submit()
    page = follow(reception_client, reception_client.post(step_url("start_review", request)))
    request.refresh_from_db()
    assert request.status == Status.IN_REVIEW
    assert f"{request.reference} is in review." in messages_of(page)
    assert LogEntry.objects.filter(object_id=str(request.pk), user=reception_user).exists()


def test_starting_review_of_the_selected_requests_reports_each(reception_client):
    new, reviewed = submit(), in_review()
    page = follow(reception_client, action(reception_client, "start_review_selected", [new, reviewed]))
    new.refresh_from_db()
    assert new.status == Status.IN_REVIEW
    shown = " ".join(messages_of(page))
    assert f"Put in review: {new.reference}." in shown
    assert f"{reviewed.reference} is in review: only requests that are new can be put in review." in shown


# --- Confirm --------------------------------------------------------------------------------


def test_the_confirm_page_shows_the_free_slots_of_the_preferred_dates(reception_client, clinician):
    request = in_review(first_preferred_date=open_day(), time_of_day="morning")
    taken = confirm(submit(), start=at(open_day(), 9), clinician=clinician)
    html = reception_client.get(step_url("confirm", request)).content.decode()
    assert "first preferred date" in html
    assert f'value="{slot_value(at(open_day(), 9, 30), clinician)}"' in html
    assert f'value="{slot_value(at(open_day(), 9), clinician)}"' not in html
    assert f"Booked ({taken.reference})" in html
    assert "preferred</span>" in html
    assert 'type="radio"' in html and "<legend" in html


def test_the_confirm_page_can_show_another_day(reception_client, clinician):
    request = in_review()
    other_day = open_day(weeks=3)
    html = reception_client.get(step_url("confirm", request), {"date": other_day.isoformat()}).content.decode()
    assert "the day you chose" in html
    assert f'value="{slot_value(at(other_day, 10), clinician)}"' in html


def test_confirming_a_slot_from_the_page_books_it_and_emails_the_patient(
    reception_client, clinician, mailoutbox, django_capture_on_commit_callbacks
):
    request = in_review()
    start = at(open_day(), 10, 30)
    with django_capture_on_commit_callbacks(execute=True):
        response = reception_client.post(step_url("confirm", request), {"slot": slot_value(start, clinician)})
    page = follow(reception_client, response)
    request.refresh_from_db()
    assert (request.status, request.confirmed_start, request.clinician) == (Status.CONFIRMED, start, clinician)
    assert any("is confirmed for" in message for message in messages_of(page))
    (message,) = mailoutbox
    assert [a.get_content_type() for a in message.attachments] == ["text/calendar"]


@pytest.mark.parametrize(
    "slot, words",
    [
        (lambda c: slot_value(timezone.now() - timedelta(days=2), c), "has already passed"),
        (lambda c: slot_value(at(open_day(), 6), c), "outside opening hours"),
        (lambda c: slot_value(at(open_day(), 10, 7), c), "not on the consultation grid"),
        (lambda c: f"{open_day():%Y-%m-%d}T10:00|999999", "That clinician does not exist"),
        (lambda c: "next tuesday", "Choose a time from the grid"),
        (lambda c: f"{open_day():%Y-%m-%d}T10:00|{'9' * 30}", "Choose a time from the grid"),
        (lambda c: "", "Choose a time from the grid"),
        (lambda c: "2027-02-30T10:00|1", "Choose a time from the grid"),
    ],
    ids=["past", "outside hours", "off grid", "no such clinician", "garbage", "huge id", "empty", "no such date"],
)
def test_a_hand_made_confirmation_that_cannot_be_booked_is_refused_on_the_page(
    reception_client, clinician, slot, words, mailoutbox
):
    request = in_review()
    response = reception_client.post(step_url("confirm", request), {"slot": slot(clinician)})
    assert response.status_code == 200
    assert words in response.content.decode()
    assert "Nothing has changed yet." in response.content.decode()
    request.refresh_from_db()
    assert (request.status, request.confirmed_start) == (Status.IN_REVIEW, None)
    assert mailoutbox == []


def test_a_confirmation_of_a_slot_taken_meanwhile_says_so(reception_client, clinician):
    start = at(open_day(), 11)
    request = in_review()
    other = confirm(submit(), start=start, clinician=clinician)
    response = reception_client.post(step_url("confirm", request), {"slot": slot_value(start, clinician)})
    assert response.status_code == 200
    assert f"already has a confirmed consultation ({other.reference})" in response.content.decode()


@pytest.mark.parametrize("step", ["confirm", "reschedule"])
def test_a_time_taken_meanwhile_is_named_even_when_the_note_is_refused_too(reception_client, clinician, step):
    day = open_day()
    request = in_review() if step == "confirm" else confirm(submit(), start=at(day, 15), clinician=clinician)
    other = confirm(submit(), start=at(day, 11), clinician=clinician)
    response = reception_client.post(
        step_url(step, request), {"slot": slot_value(at(day, 11), clinician), "note": "be\x07ll"}
    )
    html = response.content.decode()
    assert "remove the special control characters" in html
    assert html.count(f"already has a confirmed consultation ({other.reference}) at {day:%A} {day.day}") == 1
    assert "Choose a time from the grid" not in html


def test_offering_a_time_taken_meanwhile_names_it_even_when_the_note_is_refused_too(reception_client, clinician):
    day = open_day()
    request = in_review()
    other = confirm(submit(), start=at(day, 11), clinician=clinician)
    slots = [slot_value(at(day, 11), clinician), slot_value(at(day, 14), clinician)]
    response = reception_client.post(step_url("propose", request), {"slots": slots, "note": "be\x07ll"})
    html = response.content.decode()
    assert f"already has a confirmed consultation ({other.reference}) at {day:%A} {day.day}" in html
    assert f'value="{slots[1]}" checked' in html  # the free one stays ticked


def test_a_confirmation_of_a_request_in_the_wrong_state_sends_staff_back_with_the_reason(reception_client, clinician):
    request = move(submit(), Status.DECLINED)
    response = reception_client.post(step_url("confirm", request), {"slot": slot_value(at(open_day(), 10), clinician)})
    assert response["Location"] == change_url(request)
    page = follow(reception_client, response)
    assert any("only requests that are in review or times proposed can be confirmed" in m for m in messages_of(page))
    request.refresh_from_db()
    assert request.status == Status.DECLINED


def test_a_request_changed_by_someone_else_while_the_page_was_open_is_left_alone(reception_client, clinician):
    request = in_review()
    page = reception_client.get(step_url("confirm", request))
    assert page.status_code == 200
    move(request, Status.DECLINED)  # a colleague declined it meanwhile
    response = reception_client.post(step_url("confirm", request), {"slot": slot_value(at(open_day(), 10), clinician)})
    assert response["Location"] == change_url(request)
    request.refresh_from_db()
    assert request.status == Status.DECLINED


# --- Move a confirmed consultation ------------------------------------------------------------


def test_moving_a_consultation_from_its_page_records_it_even_though_the_status_stays(
    reception_client, reception_user, clinician
):
    request = confirm(submit(), start=at(open_day(), 10), clinician=clinician)
    page = reception_client.get(step_url("reschedule", request)).content.decode()
    assert "Current appointment" in page
    new_start = at(open_day(), 15)
    follow(
        reception_client,
        reception_client.post(step_url("reschedule", request), {"slot": slot_value(new_start, clinician)}),
    )
    request.refresh_from_db()
    assert request.confirmed_start == new_start and request.status == Status.CONFIRMED
    last = request.status_changes.last()
    assert (last.from_status, last.to_status, last.by) == (Status.CONFIRMED, Status.CONFIRMED, reception_user)


# --- Propose other times ------------------------------------------------------------------------


def test_offering_two_times_from_the_page_emails_the_patient(
    reception_client, clinician, mailoutbox, django_capture_on_commit_callbacks
):
    request = in_review()
    html = reception_client.get(step_url("propose", request)).content.decode()
    assert 'type="checkbox"' in html and "next open day" in html
    slots = [slot_value(at(open_day(weeks=2), 9), clinician), slot_value(at(open_day(weeks=2), 14), clinician)]
    with django_capture_on_commit_callbacks(execute=True):
        follow(reception_client, reception_client.post(step_url("propose", request), {"slots": slots}))
    request.refresh_from_db()
    assert request.status == Status.TIME_PROPOSED and request.proposed_times.count() == 2
    assert len(mailoutbox) == 1


@pytest.mark.parametrize("count, words", [(0, "Choose the time or times to offer"), (3, "Offer at most 2 times")])
def test_offering_no_times_or_too_many_is_refused_on_the_page(reception_client, clinician, count, words):
    request = in_review()
    slots = [slot_value(at(open_day(weeks=2), 9 + n), clinician) for n in range(count)]
    response = reception_client.post(step_url("propose", request), {"slots": slots})
    assert response.status_code == 200 and words in response.content.decode()
    request.refresh_from_db()
    assert request.status == Status.IN_REVIEW


def test_a_slot_offered_to_another_patient_is_held_for_them_in_the_grid(reception_client, clinician):
    start = at(open_day(weeks=2), 9)
    offered = in_review()
    reception_client.post(step_url("propose", offered), {"slots": [slot_value(start, clinician)]})
    other = in_review(first_preferred_date=open_day(weeks=2))
    html = reception_client.get(step_url("confirm", other)).content.decode()
    assert f"Held for {offered.reference}" in html
    assert f'value="{slot_value(start, clinician)}"' not in html  # not a choice for anyone else


def test_taking_proposed_times_back_returns_the_request_to_review(reception_client, clinician):
    request = in_review()
    reception_client.post(step_url("propose", request), {"slots": [slot_value(at(open_day(weeks=2), 9), clinician)]})
    follow(reception_client, reception_client.post(step_url("back_to_review", request), {"note": "Phoned"}))
    request.refresh_from_db()
    assert request.status == Status.IN_REVIEW


# --- Decline ----------------------------------------------------------------------------------


def test_the_decline_page_offers_the_reusable_reasons(reception_client):
    html = reception_client.get(step_url("decline", in_review())).content.decode()
    for reason in DeclineReason.objects.active():
        assert reason.title in html and reason.text in html
    assert "<legend>A reason we often give</legend>" in html


def test_declining_without_a_reason_is_refused_beside_the_field(reception_client, mailoutbox):
    request = in_review()
    response = reception_client.post(step_url("decline", request), {"standard_reason": "", "details": "  "})
    assert response.status_code == 200
    assert "Give a reason, picked from the list or written here" in response.content.decode()
    request.refresh_from_db()
    assert request.status == Status.IN_REVIEW and mailoutbox == []


def test_a_reason_that_does_not_exist_is_refused(reception_client):
    request = in_review()
    response = reception_client.post(step_url("decline", request), {"standard_reason": "99999", "details": ""})
    assert response.status_code == 200
    assert "That reason is no longer offered" in response.content.decode()


def test_declining_with_a_picked_reason_emails_it_to_the_patient(
    reception_client, mailoutbox, django_capture_on_commit_callbacks
):
    request = in_review()
    reason = DeclineReason.objects.get(title="GP or specialist first")
    with django_capture_on_commit_callbacks(execute=True):
        follow(reception_client, reception_client.post(step_url("decline", request), {"standard_reason": reason.pk}))
    request.refresh_from_db()
    assert request.status == Status.DECLINED and request.decline_reason == reason.text
    assert reason.text in mailoutbox[0].body


def test_declining_several_requests_asks_for_the_reason_once_then_declines_each(
    reception_client, mailoutbox, django_capture_on_commit_callbacks
):
    requests = [submit(), in_review()]
    booked = confirm(submit())
    first = action(reception_client, "decline_selected", [*requests, booked])
    html = first.content.decode()
    assert first.status_code == 200 and "Decline and email the patient (2)" in html
    assert f"Left as it is: {booked.reference} is confirmed" in html
    data = {
        "action": "decline_selected",
        "apply": "yes",
        "_selected_action": [r.pk for r in requests],
        "details": "We are not taking new patients this month.",
    }
    missing = reception_client.post(reverse(CHANGELIST), {**data, "details": ""})
    assert missing.status_code == 200 and "Give a reason" in missing.content.decode()
    assert not ConsultationRequest.objects.filter(status=Status.DECLINED).exists()
    with django_capture_on_commit_callbacks(execute=True):
        reception_client.post(reverse(CHANGELIST), data)
    assert ConsultationRequest.objects.filter(status=Status.DECLINED).count() == 2
    assert sum("not taking new patients" in m.body for m in mailoutbox) == 2


# --- Completed, no-show, cancel -----------------------------------------------------------------


def test_a_bulk_step_that_applies_to_none_of_the_selection_says_why_for_each(reception_client):
    closed = [move(submit(), Status.DECLINED), move(submit(), Status.CANCELLED)]
    page = follow(reception_client, action(reception_client, "cancel_selected", closed))
    shown = messages_of(page)
    assert len(shown) == 2 and all("only requests that are" in message for message in shown)


def test_completed_and_no_show_are_offered_only_once_the_consultation_has_begun(reception_client, clinician):
    upcoming = confirm(submit(), start=at(open_day(), 10), clinician=clinician)
    page = reception_client.get(change_url(upcoming))
    labels = [i["step"].label for i in page.context["workflow_steps"]]
    assert "Mark completed…" not in labels and "Mark no-show…" not in labels
    assert "can be marked once the consultation has begun" in page.content.decode()
    refused = follow(reception_client, reception_client.post(step_url("no_show", upcoming)))
    assert any("only once it has begun" in m for m in messages_of(refused))
    upcoming.refresh_from_db()
    assert upcoming.status == Status.CONFIRMED

    begun = confirm(submit(), start=timezone.now() - timedelta(minutes=40), clinician=clinician)
    labels = [i["step"].label for i in reception_client.get(change_url(begun)).context["workflow_steps"]]
    assert "Mark completed…" in labels and "Mark no-show…" in labels
    follow(reception_client, reception_client.post(step_url("complete", begun), {"note": "All well"}))
    begun.refresh_from_db()
    assert begun.status == Status.COMPLETED


def test_marking_the_days_no_shows_from_the_list(reception_client, clinician):
    missed = confirm(submit(), start=timezone.now() - timedelta(hours=2), clinician=clinician)
    upcoming = confirm(submit(), start=at(open_day(), 10), clinician=clinician)
    page = follow(reception_client, action(reception_client, "no_show_selected", [missed, upcoming]))
    missed.refresh_from_db()
    upcoming.refresh_from_db()
    assert (missed.status, upcoming.status) == (Status.NO_SHOW, Status.CONFIRMED)
    assert any("only once it has begun" in m for m in messages_of(page))


def test_cancelling_on_the_patients_behalf_emails_them(
    reception_client, clinician, mailoutbox, django_capture_on_commit_callbacks
):
    request = confirm(submit(), start=at(open_day(), 10), clinician=clinician)
    page = reception_client.get(step_url("cancel", request)).content.decode()
    assert "Cancel and email the patient" in page
    with django_capture_on_commit_callbacks(execute=True):
        follow(reception_client, reception_client.post(step_url("cancel", request), {"note": "Phoned to cancel"}))
    request.refresh_from_db()
    assert request.status == Status.CANCELLED
    assert [m.to for m in mailoutbox] == [[request.email]]


@pytest.mark.parametrize(
    "step", ["start_review", "confirm", "propose", "reschedule", "back_to_review", "decline", "complete", "no_show"]
)
def test_no_step_can_be_forced_on_a_closed_request(reception_client, clinician, step):
    request = move(submit(), Status.CANCELLED)
    response = reception_client.post(
        step_url(step, request),
        {"slot": slot_value(at(open_day(), 10), clinician), "slots": [], "details": "x", "note": ""},
    )
    assert response.status_code == 302 and response["Location"] == change_url(request)
    request.refresh_from_db()
    assert request.status == Status.CANCELLED
    assert request.status_changes.count() == 2


def test_a_step_on_a_request_that_does_not_exist_goes_back_to_the_list_with_a_message(reception_client):
    response = reception_client.get(reverse("admin:bookings_consultationrequest_confirm", args=[999999]))
    assert response.status_code == 302


def test_a_note_with_control_characters_is_refused(reception_client):
    request = submit()
    response = reception_client.post(step_url("start_review", request), {"note": "bad\x00note"})
    assert response.status_code == 200
    request.refresh_from_db()
    assert request.status == Status.NEW


# --- Emails: resend and retry -------------------------------------------------------------------


def test_the_emails_page_lists_each_email_and_resends_the_last(
    reception_client, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        request = submit()
    mailoutbox.clear()
    page = reception_client.get(reverse("admin:bookings_consultationrequest_emails", args=[request.pk]))
    assert "Request received (to patient)" in page.content.decode()
    done = follow(
        reception_client,
        reception_client.post(
            reverse("admin:bookings_consultationrequest_emails", args=[request.pk]), {"send": "last"}
        ),
    )
    assert "Sent again: Request received (to patient)." in messages_of(done)
    assert [m.to for m in mailoutbox] == [[request.email]]


def test_a_failed_email_is_retried_from_the_emails_page(reception_client, django_capture_on_commit_callbacks):
    with mock.patch(FAILING_SEND, side_effect=smtplib.SMTPServerDisconnected("gone")):
        with django_capture_on_commit_callbacks(execute=True):
            request = submit()
    failed = request.notifications.in_trouble().first()
    url = reverse("admin:bookings_consultationrequest_emails", args=[request.pk])
    assert "Retry" in reception_client.get(url).content.decode()
    follow(reception_client, reception_client.post(url, {"send": str(failed.pk)}))
    failed.refresh_from_db()
    assert failed.state == "sent" and failed.sent_at and failed.attempts == 2


@pytest.mark.parametrize("value", ["", "abc", "99999999", "1" * 40])
def test_resending_an_email_that_is_not_this_requests_is_refused(reception_client, value):
    request = submit()
    other = submit()
    value = str(other.notifications.first().pk) if value == "99999999" else value
    url = reverse("admin:bookings_consultationrequest_emails", args=[request.pk])
    page = follow(reception_client, reception_client.post(url, {"send": value}))
    assert page.status_code == 200
    assert messages_of(page) and "Sent again" not in " ".join(messages_of(page))


def test_retrying_failed_emails_of_the_selected_requests(
    reception_client, mailoutbox, django_capture_on_commit_callbacks
):
    with mock.patch(FAILING_SEND, side_effect=ConnectionRefusedError()):
        with django_capture_on_commit_callbacks(execute=True):
            request = submit()
    page = follow(reception_client, action(reception_client, "retry_failed_emails_selected", [request]))
    assert "2 failed emails sent." in messages_of(page)
    assert not Email.objects.in_trouble().exists()


def test_resending_the_last_email_to_each_selected_patient(
    reception_client, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        requests = [submit(), submit()]
    mailoutbox.clear()
    follow(reception_client, action(reception_client, "resend_last_email_selected", requests))
    assert len(mailoutbox) == 2


def test_failed_emails_can_be_sent_again_from_the_emails_list(reception_client, django_capture_on_commit_callbacks):
    with mock.patch(FAILING_SEND, side_effect=ConnectionRefusedError()):
        with django_capture_on_commit_callbacks(execute=True):
            submit()
    failed = list(Email.objects.in_trouble())
    reception_client.post(
        reverse("admin:notifications_email_changelist"),
        {"action": "send_again", "index": 0, "_selected_action": [n.pk for n in failed]},
    )
    assert not Email.objects.in_trouble().exists()


# --- CSV export ---------------------------------------------------------------------------------


def read_csv(response):
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_the_export_is_a_csv_of_the_selected_requests(reception_client, clinician):
    treatment = make_treatment(title="Microneedling")
    wanted = confirm(
        submit(full_name="Zoë Sample", treatments=[treatment]), start=at(open_day(), 10), clinician=clinician
    )
    submit()
    response = action(reception_client, "export_csv", [wanted])
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="consultation-requests-')
    header, row = read_csv(response)
    record = dict(zip(header, row, strict=True))
    assert record["Reference"] == wanted.reference and record["Name"] == "Zoë Sample"
    assert record["Treatments"] == "Microneedling" and record["Clinician"] == "Dr Imogen Sample"
    assert record["Consultation"].endswith("10:00")
    assert "isotretinoin" not in " ".join(header).lower()


@pytest.mark.parametrize(
    "name", ['=HYPERLINK("http://evil")', "+SUM(A1)", "-2+3", "@cmd", "\tTab", "\rReturn", "＝１＋１"]
)
def test_exported_values_cannot_run_as_spreadsheet_formulas(reception_client, name):
    request = submit()
    ConsultationRequest.objects.filter(pk=request.pk).update(full_name=name)  # as if it had got past the form
    header, row = read_csv(action(reception_client, "export_csv", [request]))
    cell = dict(zip(header, row, strict=True))["Name"]
    assert cell == "'" + name


def test_phone_numbers_are_exported_as_text(reception_client):
    header, row = read_csv(action(reception_client, "export_csv", [submit(phone="+447911123456")]))
    assert dict(zip(header, row, strict=True))["Phone"] == "'+447911123456"


def test_exporting_nothing_says_so_instead_of_an_empty_file(reception_client):
    request = submit()
    response = reception_client.post(
        reverse(CHANGELIST), {"action": "export_csv", "index": 0, "_selected_action": [request.pk + 1000]}
    )
    page = follow(reception_client, response)
    assert "There is nothing to export: no requests were selected." in messages_of(page)
    no_selection = follow(
        reception_client, reception_client.post(reverse(CHANGELIST), {"action": "export_csv", "index": 0})
    )
    assert any("Items must be selected" in m for m in messages_of(no_selection))


@pytest.mark.parametrize("selected", [["abc"], ["1; DROP TABLE"], ["9" * 40], ["\x00"]])
def test_a_malformed_selection_gets_a_message_not_an_error(reception_client, selected):
    response = reception_client.post(
        reverse(CHANGELIST), {"action": "export_csv", "index": 0, "_selected_action": selected}
    )
    page = follow(reception_client, response)
    assert "That selection is not valid. Tick the items again." in messages_of(page)


# --- Who sees and does what ---------------------------------------------------------------------


@pytest.fixture
def editor_client(client):
    return staff_login(client, make_staff_member(group="Editors"))


@pytest.fixture
def superuser_client(admin_client):
    return admin_client


def test_reception_sees_the_workflow_actions_but_not_delete(reception_client):
    submit()
    actions = [
        name for name, _ in reception_client.get(reverse(CHANGELIST)).context["action_form"].fields["action"].choices
    ]
    assert "start_review_selected" in actions and "export_csv" in actions
    assert "delete_selected" not in actions


def test_a_superuser_can_delete_requests(superuser_client):
    request = submit()
    actions = [
        name for name, _ in superuser_client.get(reverse(CHANGELIST)).context["action_form"].fields["action"].choices
    ]
    assert "delete_selected" in actions
    superuser_client.post(reverse("admin:bookings_consultationrequest_delete", args=[request.pk]), {"post": "yes"})
    assert not ConsultationRequest.objects.exists()


def test_even_a_member_of_staff_given_delete_permission_cannot_delete_unless_superuser(client):
    from django.contrib.auth.models import Permission

    user = make_staff_member()
    user.user_permissions.add(Permission.objects.get(codename="delete_consultationrequest"))
    staff_login(client, user)
    request = submit()
    assert (
        client.post(
            reverse("admin:bookings_consultationrequest_delete", args=[request.pk]), {"post": "yes"}
        ).status_code
        == 403
    )


def test_editors_cannot_see_requests_their_emails_or_any_step(editor_client):
    request = in_review()
    assert editor_client.get(reverse(CHANGELIST)).status_code == 403
    assert editor_client.get(change_url(request)).status_code == 403
    # The outbox shows editors the emails about comments only.
    outbox_page = editor_client.get(reverse("admin:notifications_email_changelist")).content.decode()
    assert "0 emails" in outbox_page and "consultationrequest" not in outbox_page
    for step in ["start_review", "confirm", "decline", "cancel", "emails"]:
        assert editor_client.get(step_url(step, request)).status_code == 403, step
        assert editor_client.post(step_url(step, request), {"details": "x"}).status_code == 403, step
    home = editor_client.get(reverse("admin:index")).content.decode()
    assert 'id="consultation-counts"' not in home
    request.refresh_from_db()
    assert request.status == Status.IN_REVIEW


def test_staff_who_may_only_view_requests_get_no_actions_and_no_steps(client):
    from django.contrib.auth.models import Permission

    user = make_staff_member(group=None)
    user.user_permissions.add(Permission.objects.get(codename="view_consultationrequest"))
    staff_login(client, user)
    request = submit(full_name="Zoë Sample", email="zoe@example.com")
    listing = client.get(reverse(CHANGELIST))
    assert listing.status_code == 200
    assert listing.context["action_form"] is None or not [
        c for c, _ in listing.context["action_form"].fields["action"].choices if c
    ]
    assert client.get(step_url("confirm", request)).status_code == 403
    assert client.post(step_url("start_review", request)).status_code == 403
    page = client.get(change_url(request)).content.decode()
    # Without the patient-details permission, no name, contact details or answers.
    assert "Zoë Sample" not in page and "zoe@example.com" not in page and "Screening answers" not in page
    assert "Zoë Sample" not in listing.content.decode()
    request.refresh_from_db()
    assert request.status == Status.NEW


def test_reception_has_the_permissions_the_workflow_needs_and_deletes_nothing():
    from django.contrib.auth.models import Group

    permissions = set(Group.objects.get(name="Reception").permissions.values_list("codename", flat=True))
    assert {
        "view_consultationrequest",
        "change_consultationrequest",
        "view_patient_details",
        "export_consultationrequest",
        "view_declinereason",
        "change_declinereason",
    } <= permissions
    # Only rows of the clinicians' working week and leave can go (a cancelled holiday); no records.
    deletable = {p for p in permissions if p.startswith("delete_")}
    assert deletable <= {"delete_workinghours", "delete_break", "delete_leave"}


def test_reception_can_edit_the_reusable_decline_reasons(reception_client):
    url = reverse("admin:bookings_declinereason_add")
    response = reception_client.post(
        url, {"title": "Fully booked", "text": "We are fully booked.", "is_active": "on", "order": 9}
    )
    assert response.status_code == 302
    assert DeclineReason.objects.filter(title="Fully booked").exists()


def test_closures_still_stop_bookings_made_after_they_were_added(reception_client, clinician):
    request = in_review()
    Closure.objects.create(date=open_day(), reason="Bank holiday")
    response = reception_client.post(step_url("confirm", request), {"slot": slot_value(at(open_day(), 10), clinician)})
    assert "Bank holiday" in response.content.decode()


def test_the_step_pages_use_no_inline_scripts_or_styles(reception_client, clinician):
    request = in_review()
    for step in ["confirm", "propose", "decline", "cancel"]:
        html = reception_client.get(step_url(step, request)).content.decode()
        assert "<script>" not in html and " style=" not in html and "<style" not in html, step
        assert " onclick=" not in html and " onchange=" not in html
    html = reception_client.get(change_url(request)).content.decode()
    assert " style=" not in html and "<style" not in html


def test_the_export_action_is_hidden_from_staff_without_the_export_permission(client):
    from django.contrib.auth.models import Permission

    user = make_staff_member(group=None)
    user.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_consultationrequest", "change_consultationrequest"])
    )
    staff_login(client, user)
    submit()
    choices = [c for c, _ in client.get(reverse(CHANGELIST)).context["action_form"].fields["action"].choices]
    assert "export_csv" not in choices and "start_review_selected" in choices
    response = client.post(reverse(CHANGELIST), {"action": "export_csv", "index": 0, "_selected_action": [1]})
    assert response.status_code in {200, 302} and response.get("Content-Type", "").startswith("text/html")


# --- Hostile input ------------------------------------------------------------------------------


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01", "2026-13-45", "x" * 300, "2020-01-01"])
def test_any_day_asked_for_in_the_grid_gets_a_page_not_an_error(reception_client, day):
    response = reception_client.get(step_url("confirm", in_review()), {"date": day})
    assert response.status_code == 200


@pytest.mark.parametrize("when", ["9999-12-31T23:30", "0001-01-01T00:00", "2026-03-29T01:30"])
def test_extreme_or_impossible_times_are_refused_with_a_message(reception_client, clinician, when):
    request = in_review()
    response = reception_client.post(step_url("confirm", request), {"slot": f"{when}|{clinician.pk}"})
    assert response.status_code == 200 and "Nothing has changed yet." in response.content.decode()
    request.refresh_from_db()
    assert request.status == Status.IN_REVIEW


@pytest.mark.parametrize("object_id", ["abc", "0", "99999999999999999999999", "1%00"])
def test_a_malformed_request_id_in_a_step_url_is_not_an_error(reception_client, object_id):
    url = reverse("admin:bookings_consultationrequest_confirm", args=["PLACEHOLDER"]).replace("PLACEHOLDER", object_id)
    assert reception_client.get(url).status_code in {302, 404}
    assert reception_client.post(url, {"slot": "x"}).status_code in {302, 404}


@pytest.mark.parametrize("changelist", ["admin:notifications_email_changelist", "admin:bookings_closure_changelist"])
def test_a_malformed_selection_in_the_other_bookings_lists_is_not_an_error(admin_client, changelist):
    action_name = "send_again" if "notification" in changelist else "delete_selected"
    response = admin_client.post(reverse(changelist), {"action": action_name, "index": 0, "_selected_action": ["abc"]})
    assert response.status_code == 302
    assert "That selection is not valid" in " ".join(messages_of(follow(admin_client, response)))


def test_an_export_without_the_patient_details_permission_leaves_out_names_and_contacts(client):
    from django.contrib.auth.models import Permission

    user = make_staff_member(group=None)
    user.user_permissions.add(
        *Permission.objects.filter(
            codename__in=["view_consultationrequest", "change_consultationrequest", "export_consultationrequest"]
        )
    )
    staff_login(client, user)
    request = submit(full_name="Zoë Sample")
    header, row = read_csv(action(client, "export_csv", [request]))
    assert "Name" not in header and "Email" not in header and "Zoë Sample" not in row


def test_a_view_only_member_of_staff_is_not_told_an_open_request_is_closed(client):
    from django.contrib.auth.models import Permission

    user = make_staff_member(group=None)
    user.user_permissions.add(Permission.objects.get(codename="view_consultationrequest"))
    staff_login(client, user)
    html = client.get(change_url(submit())).content.decode()
    assert "this request is closed" not in html
