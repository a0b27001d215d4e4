"""A consultation that has begun can be completed or marked a no-show, never moved or
cancelled, and every refusal gives the real reason."""

from datetime import timedelta

import pytest
from django.utils import timezone

from bookings import services
from bookings.models import ConsultationRequest, Status
from tests.bookings.conftest import at, confirm, make_clinician, open_day, submit

pytestmark = pytest.mark.django_db


@pytest.fixture
def started(clinician):
    booked = confirm(submit(), start=at(open_day(), 10), clinician=clinician)
    # It began ten minutes ago.
    ConsultationRequest.objects.filter(pk=booked.pk).update(confirmed_start=timezone.now() - timedelta(minutes=10))
    booked.refresh_from_db()
    return booked


def test_staff_cannot_cancel_a_consultation_that_has_begun(started, reception_user):
    with pytest.raises(services.TransitionNotAllowed, match="a consultation that has started cannot be cancelled"):
        services.cancel_request(consultation=started, by=reception_user)
    started.refresh_from_db()
    assert started.status == Status.CONFIRMED


def test_staff_cannot_move_a_consultation_that_has_begun(started, reception_user):
    with pytest.raises(services.TransitionNotAllowed, match="cannot be moved to another time"):
        services.reschedule_request(
            consultation=started, start=at(open_day(weeks=2), 10), clinician=make_clinician(), by=reception_user
        )


def test_a_consultation_that_has_begun_can_be_completed(started, reception_user):
    assert services.complete_request(consultation=started, by=reception_user).status == Status.COMPLETED


def test_the_patient_is_told_it_has_begun_not_that_it_is_less_than_24_hours_away(started):
    problem = started.patient_cancellation_problem()
    assert problem.startswith("Your consultation began at") and "24 hours" not in problem
    assert "can no longer be moved online" in started.patient_reschedule_problem()


def test_a_consultation_tomorrow_morning_is_less_than_24_hours_away(clinician):
    booked = confirm(submit(), start=timezone.now() + timedelta(hours=20), clinician=clinician)
    assert "less than 24 hours away" in booked.patient_cancellation_problem()
