"""A patient's course: started and advanced by completed sessions, the "next session
due" email and the page to book it, shown on the status page, ended by either side."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from bookings import services
from bookings.models import ConsultationRequest, Course, NotificationKind, Status
from bookings.scheduling import slot_value
from tests.bookings.conftest import at, confirm, make_staff_member, make_treatment, next_weekday, submit

pytestmark = pytest.mark.django_db


@pytest.fixture
def needling():
    return make_treatment(
        title="Microneedling", slug="microneedling", sessions_min=3, sessions_max=4, weeks_between_sessions=6
    )


def completed_on(day, clinician, treatments, course=None):
    """A consultation confirmed on `day` at 10:00 and completed."""
    request = confirm(submit(treatments=treatments), start=at(day, 10), clinician=clinician)
    if course is not None:
        ConsultationRequest.objects.filter(pk=request.pk).update(course=course)
        request.refresh_from_db()
    later = at(day, 10) + timedelta(hours=1)
    return services.complete_request(consultation=request, by=make_staff_member(), now=later)


def test_a_completed_consultation_for_a_treatment_in_sessions_starts_a_course(clinician, needling):
    day = timezone.localdate() - timedelta(days=3)
    done = completed_on(day, clinician, [needling])
    course = done.course
    assert (course.treatment, course.sessions_done, course.sessions_range) == (needling, 1, "3–4")
    assert course.next_due == day + timedelta(weeks=6)
    assert course.summary() == f"session 2 of 3–4, due around {(day + timedelta(weeks=6)):%-d %B}"


def test_a_treatment_without_sessions_starts_no_course(clinician):
    single = make_treatment(title="Punch excision", slug="punch-excision", sessions_max=1)
    done = completed_on(timezone.localdate() - timedelta(days=3), clinician, [single])
    assert done.course is None and not Course.objects.exists()


def test_each_completed_session_advances_the_course_and_the_last_one_ends_it(clinician, needling):
    first_day = timezone.localdate() - timedelta(days=30)
    course = completed_on(first_day, clinician, [needling]).course
    for n, offset in enumerate([20, 10, 2], start=2):
        completed_on(timezone.localdate() - timedelta(days=offset), clinician, [needling], course=course)
        course.refresh_from_db()
        assert course.sessions_done == n
    assert course.ended_at is not None and "Every session" in course.end_reason


def test_the_status_page_shows_the_session_due_and_a_link_to_book_it(client, clinician, needling):
    day = timezone.localdate() - timedelta(days=3)
    done = completed_on(day, clinician, [needling])
    html = client.get(done.status_path()).content.decode()
    due = day + timedelta(weeks=6)
    assert f"Session 2 of 3–4, due around {due:%-d %B}" in html
    assert reverse("bookings:next_session", args=[done.reference, done.token]) in html


def test_the_due_email_goes_once_a_week_before_with_the_booking_link(
    clinician, needling, mailoutbox, django_capture_on_commit_callbacks
):
    done = completed_on(timezone.localdate() - timedelta(weeks=5, days=1), clinician, [needling])  # due in 6 days
    with django_capture_on_commit_callbacks(execute=True):
        call_command("send_session_reminders", stdout=open("/dev/null", "w"))
    (email,) = mailoutbox
    assert email.to == [done.email]
    assert "Microneedling" in email.subject
    assert done.next_session_url() in email.body and "session 2 of 3–4" in email.body
    assert services.send_session_due_emails() == 0  # not twice for one session
    assert list(done.notifications.filter(kind=NotificationKind.SESSION_DUE).values_list("kind", flat=True)) == [
        NotificationKind.SESSION_DUE
    ]


def test_no_due_email_while_the_session_is_weeks_away(clinician, needling, mailoutbox):
    completed_on(timezone.localdate() - timedelta(days=3), clinician, [needling])
    assert services.send_session_due_emails() == 0


def test_the_patient_books_the_next_session_in_the_window_and_gets_the_confirmation(
    client, clinician, needling, mailoutbox, django_capture_on_commit_callbacks
):
    done = completed_on(timezone.localdate() - timedelta(weeks=5, days=1), clinician, [needling])
    url = reverse("bookings:next_session", args=[done.reference, done.token])
    first, _ = services.next_session_window(done.course)
    tuesday = next_weekday(1, after=first)
    html = client.get(url, {"week": (tuesday - first).days // 7}).content.decode()
    value = slot_value(at(tuesday, 11), clinician)
    assert f'value="{value}"' in html
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"slot": value})
    assert response.status_code == 302
    session = ConsultationRequest.objects.exclude(pk=done.pk).get(course=done.course)
    assert (session.status, session.confirmed_start, session.full_name) == (
        Status.CONFIRMED,
        at(tuesday, 11),
        done.full_name,
    )
    assert [m.to for m in mailoutbox] == [[done.email]]
    assert "already booked" in client.get(done.status_path()).content.decode()


def test_a_session_outside_the_window_is_refused(clinician, needling):
    done = completed_on(timezone.localdate() - timedelta(days=3), clinician, [needling])
    with pytest.raises(services.SlotUnavailable, match="Choose a time between"):
        services.book_next_session(consultation=done, start=at(next_weekday(1), 10), clinician=clinician)


def test_the_patient_can_end_their_course_and_is_not_reminded_again(client, clinician, needling):
    done = completed_on(timezone.localdate() - timedelta(weeks=5, days=1), clinician, [needling])
    response = client.post(done.status_path(), {"action": "end_course"}, follow=True)
    assert "Your course is ended" in response.content.decode()
    done.course.refresh_from_db()
    assert done.course.ended_at is not None and done.course.ended_by is None
    assert services.send_session_due_emails() == 0


def test_staff_can_end_a_course_from_admin(reception_client, reception_user, clinician, needling):
    course = completed_on(timezone.localdate() - timedelta(days=3), clinician, [needling]).course
    url = reverse("admin:bookings_course_changelist")
    reception_client.post(url, {"action": "end_selected", "_selected_action": [course.pk]})
    course.refresh_from_db()
    assert course.ended_by == reception_user


def test_the_scheduler_sends_the_reminders_every_morning(clinician, needling):
    from jobs.registry import discover

    job = discover()["send_course_session_reminders"]
    assert job.cron == "0 7 * * *"
    completed_on(timezone.localdate() - timedelta(weeks=5, days=1), clinician, [needling])
    assert job.task.call() == 1
    assert job.task.call() == 0
