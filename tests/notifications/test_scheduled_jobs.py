"""The scheduled jobs: appointment reminders, the reviewers' digest, retention.
Each is idempotent (a second run, or a second scheduler, records nothing new)."""

from datetime import datetime, time, timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from bookings import reminders, services
from bookings.models import ConsultationRequest, NotificationKind, Status, StatusChange
from bookings.scheduling import slot_problem
from bookings.tasks import purge_consultations
from jobs.tasks import prune_task_results
from notifications import tasks
from notifications.tasks import send_email
from tests.bookings.conftest import at, confirm, in_review, make_staff_member, move, open_day, submit
from tests.bookings.test_workflow import invite_of
from tests.factories import make_clinician, make_condition, make_treatment
from treatments import digest

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clinic_week")]


@pytest.fixture
def booked():
    """A consultation confirmed for 10:00 on a day at least a week ahead."""
    clinician = make_clinician(name="Dr Imogen Sample", credentials="MBBS")
    return confirm(submit(help_with="Ice pick scars on both cheeks."), start=at(open_day(), 10), clinician=clinician)


def test_reminders_come_48_hours_before_then_on_the_day_before_with_the_details_and_an_invite_with_alarms(
    booked, mailoutbox, django_capture_on_commit_callbacks
):
    start = booked.confirmed_start
    assert reminders.queue_due_reminders(now=start - timedelta(hours=49)) == 0
    with django_capture_on_commit_callbacks(execute=True):
        assert reminders.queue_due_reminders(now=start - timedelta(hours=47)) == 1
        assert reminders.queue_due_reminders(now=start - timedelta(hours=46)) == 0  # the job runs again: nothing new
    (message,) = mailoutbox
    assert message.to == [booked.email] and message.subject.startswith("Reminder: your consultation on ")
    assert "10:00" in message.body and "Dr Imogen Sample" in message.body
    assert "14 Larch Row, London N1 7QX" in message.body and booked.status_url() in message.body
    assert "change or cancel" in message.body
    assert "scars" not in (message.body + message.alternatives[0][0]).lower()  # no health details
    _, ics = invite_of(message)
    assert ics.count("BEGIN:VALARM") == 2 and "TRIGGER:-P1D" in ics and "TRIGGER:-PT2H" in ics

    day_before = timezone.make_aware(
        datetime.combine(timezone.localtime(start).date() - timedelta(days=1), time(9, 5))
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert reminders.queue_due_reminders(now=day_before - timedelta(minutes=10)) == 0  # not before 09:00
        assert reminders.queue_due_reminders(now=day_before) == 1
        assert reminders.queue_due_reminders(now=day_before + timedelta(minutes=10)) == 0
    assert len(mailoutbox) == 2
    assert booked.notifications.filter(kind=NotificationKind.REMINDER, state="sent").count() == 2


def test_a_consultation_booked_less_than_48_hours_ahead_gets_its_reminder_at_once_and_no_second_one_hours_later(
    booked,
):
    start = booked.confirmed_start
    evening_before = timezone.make_aware(
        datetime.combine(timezone.localtime(start).date() - timedelta(days=1), time(20))
    )
    assert reminders.queue_due_reminders(now=evening_before) == 1
    morning = evening_before + timedelta(hours=1)
    assert reminders.queue_due_reminders(now=morning) == 0  # the day-before one would only repeat it


def bookable_within_48_hours(clinician):
    """The first whole hour from 3 hours ahead, and under 48 hours ahead, that `clinician` can be booked for."""
    soon = timezone.localtime().replace(minute=0, second=0, microsecond=0) + timedelta(hours=3)
    for hours in range(44):
        start = soon + timedelta(hours=hours)
        if slot_problem(start, clinician=clinician) is None:
            return start
    raise AssertionError("no bookable hour in the next two days")


def reminder_subjects(mailoutbox):
    return [message.subject for message in mailoutbox if message.subject.startswith("Reminder:")]


def test_a_consultation_confirmed_less_than_48_hours_ahead_is_reminded_at_confirmation_and_only_once(
    mailoutbox, django_capture_on_commit_callbacks
):
    clinician = make_clinician(name="Dr Imogen Sample")
    start = bookable_within_48_hours(clinician)
    with django_capture_on_commit_callbacks(execute=True):
        booked = services.confirm_request(
            consultation=in_review(), start=start, clinician=clinician, by=make_staff_member()
        )
    assert len(reminder_subjects(mailoutbox)) == 1  # sent with the confirmation, not at the job's next run
    (reminder,) = [message for message in mailoutbox if message.subject.startswith("Reminder:")]
    assert reminder.to == [booked.email] and f"{timezone.localtime(start):%H:%M}" in reminder.body
    with django_capture_on_commit_callbacks(execute=True):
        assert reminders.queue_due_reminders() == 0  # the job's next run records nothing more
    assert len(reminder_subjects(mailoutbox)) == 1


def test_a_consultation_confirmed_a_week_ahead_gets_no_reminder_at_confirmation(
    mailoutbox, django_capture_on_commit_callbacks
):
    clinician, request = make_clinician(name="Dr Imogen Sample"), in_review()
    with django_capture_on_commit_callbacks(execute=True):
        services.confirm_request(consultation=request, start=at(open_day(), 10), clinician=clinician, by=None)
    (confirmation,) = mailoutbox
    assert confirmation.subject.startswith("Your consultation is booked") and reminder_subjects(mailoutbox) == []


def test_a_consultation_moved_to_less_than_48_hours_ahead_is_reminded_of_its_new_time_at_once(
    booked, mailoutbox, django_capture_on_commit_callbacks
):
    start = bookable_within_48_hours(booked.clinician)
    with django_capture_on_commit_callbacks(execute=True):
        services.reschedule_request(
            consultation=booked, start=start, clinician=booked.clinician, by=make_staff_member()
        )
    (reminder,) = [message for message in mailoutbox if message.subject.startswith("Reminder:")]
    assert f"{timezone.localtime(start):%H:%M}" in reminder.body


def test_a_moved_consultation_never_gets_the_reminder_of_its_old_time(booked, mailoutbox):
    start = booked.confirmed_start
    reminders.queue_due_reminders(now=start - timedelta(hours=47))
    old = booked.notifications.get(kind=NotificationKind.REMINDER)
    new_start = start + timedelta(days=1)
    ConsultationRequest.objects.filter(pk=booked.pk).update(confirmed_start=new_start)
    assert tasks.deliver(old.pk) == "cancelled" and mailoutbox == []
    old.refresh_from_db()
    assert old.error == "consultation moved"
    # The new time gets its own reminders.
    assert reminders.queue_due_reminders(now=new_start - timedelta(hours=47)) == 1


def test_a_cancelled_consultation_gets_no_reminder(booked, mailoutbox):
    start = booked.confirmed_start
    reminders.queue_due_reminders(now=start - timedelta(hours=47))
    recorded = booked.notifications.get(kind=NotificationKind.REMINDER)
    cancelled = move(booked, Status.CANCELLED)
    assert tasks.deliver(recorded.pk) == "cancelled" and mailoutbox == []
    assert reminders.queue_due_reminders(now=start - timedelta(hours=20)) == 0
    assert cancelled.notifications.filter(kind=NotificationKind.REMINDER).count() == 1


def test_each_medical_reviewer_gets_one_weekly_digest_of_pages_overdue_or_due_within_30_days(
    mailoutbox, django_capture_on_commit_callbacks
):
    today = timezone.localdate()
    user = get_user_model().objects.create_user("reviewer", email="imogen@larchfield-clinic.example")
    reviewer = make_clinician(name="Dr Imogen Sample", user=user)
    other = make_clinician(name="Dr Other Reviewer")
    make_treatment(title="Microneedling", medical_reviewer=reviewer, next_review_due=today - timedelta(days=3))
    make_condition(title="Acne scars", medical_reviewer=reviewer, next_review_due=today + timedelta(days=20))
    make_treatment(title="Chemical peels", medical_reviewer=reviewer, next_review_due=today + timedelta(days=60))
    make_treatment(title="Laser resurfacing", medical_reviewer=other, next_review_due=today - timedelta(days=3))
    with django_capture_on_commit_callbacks(execute=True):
        assert digest.queue_review_digests(today=today) == 1
        assert digest.queue_review_digests(today=today) == 0  # a second scheduler, or a second run
    (message,) = mailoutbox
    assert message.to == ["imogen@larchfield-clinic.example"]
    assert message.subject == "2 pages due for medical review"
    assert "Microneedling: OVERDUE since" in message.body and "Acne scars: due" in message.body
    assert "Chemical peels" not in message.body and "Laser resurfacing" not in message.body


def test_the_retention_job_anonymises_closed_requests_past_the_retention_period(settings):
    settings.CONSULTATION_RETENTION_DAYS = 30
    old = move(submit(full_name="Zoë Sample"), Status.IN_REVIEW, Status.CANCELLED)
    long_ago = timezone.now() - timedelta(days=31)
    ConsultationRequest.objects.filter(pk=old.pk).update(updated_at=long_ago)
    StatusChange.objects.filter(consultation=old).update(at=long_ago)
    recent = move(submit(full_name="Recent Patient"), Status.IN_REVIEW, Status.CANCELLED)
    assert purge_consultations.call() == 1
    assert purge_consultations.call() == 0
    assert ConsultationRequest.objects.get(pk=old.pk).full_name == "Anonymised"
    assert ConsultationRequest.objects.get(pk=recent.pk).full_name == "Recent Patient"


def test_the_worker_s_records_of_finished_tasks_go_after_two_weeks_failed_ones_after_sixty_days(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
    settings.TASK_RESULTS_KEEP_DAYS, settings.TASK_RESULTS_FAILED_KEEP_DAYS = 14, 60
    now = timezone.now()

    def task_record(status, days_ago):
        record = send_email.enqueue(1)
        finished = now - timedelta(days=days_ago) if status in {"SUCCESSFUL", "FAILED"} else None
        DBTaskResult.objects.filter(id=record.id).update(
            status=status, enqueued_at=now - timedelta(days=days_ago), finished_at=finished
        )
        return record.id

    sent_long_ago, sent_lately = task_record("SUCCESSFUL", 15), task_record("SUCCESSFUL", 13)
    failed_a_while_ago, failed_long_ago = task_record("FAILED", 15), task_record("FAILED", 61)
    never_run = task_record("READY", 90)
    assert prune_task_results.call() == ["default"]
    kept = {str(pk) for pk in DBTaskResult.objects.values_list("id", flat=True)}
    assert kept == {sent_lately, failed_a_while_ago, never_run}
    assert not {sent_long_ago, failed_long_ago} & kept
    prune_task_results.call()  # a second run (a second scheduler) removes nothing more
    assert DBTaskResult.objects.count() == 3


def test_every_job_runs_by_hand_by_name(capsys):
    call_command("run_job")
    listed = capsys.readouterr().out
    jobs = ["send_appointment_reminders", "send_review_digests", "purge_consultations", "deliver_due_emails"]
    for name in [*jobs, "prune_task_results"]:
        assert name in listed
    call_command("run_job", "send_appointment_reminders")
    assert "send_appointment_reminders: 0" in capsys.readouterr().out
