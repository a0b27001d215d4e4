"""Every booking email renders all its variables: Django prints nothing for a name
the context lacks, so a misspelt or renamed variable would silently drop text (a
reference, a date, a clinician) from the patient's email. With TEMPLATES'
`string_if_invalid` set to a marker, any such miss shows up in the output."""

import copy
from datetime import timedelta

import pytest
from django.conf import settings
from django.test import override_settings
from django.utils import timezone

from bookings import email_messages
from bookings.models import ConsultationRequest, Course, NotificationKind, ProposedTime
from notifications import outbox
from tests.bookings.conftest import at, confirm, make_treatment, open_day, submit

pytestmark = pytest.mark.django_db

MISSING = "<<MISSING VARIABLE>>"


def templates_marking_misses():
    templates = copy.deepcopy(settings.TEMPLATES)
    templates[0]["OPTIONS"]["string_if_invalid"] = MISSING
    return templates


@pytest.fixture
def consultation_in_a_course(clinician):
    """A confirmed consultation, part of a course, with times proposed: every
    variable any booking email uses has a value."""
    needling = make_treatment(title="Microneedling", slug="microneedling", sessions_min=3, sessions_max=4)
    first, second = open_day(), open_day() + timedelta(days=1)
    consultation = confirm(
        submit(treatments=[needling], second_preferred_date=second), start=at(first, 10), clinician=clinician
    )
    course = Course.objects.create(
        treatment=needling, sessions_min=3, sessions_max=4, weeks_between=6, last_session_on=timezone.localdate()
    )
    ConsultationRequest.objects.filter(pk=consultation.pk).update(course=course, decline_reason="Not for your skin.")
    ProposedTime.objects.create(consultation=consultation, start=at(second, 11), clinician=clinician)
    consultation.refresh_from_db()
    return consultation


@pytest.mark.parametrize("kind", list(NotificationKind))
def test_each_booking_email_fills_every_variable(kind, consultation_in_a_course):
    email = outbox.record(kind.value, about=consultation_in_a_course, to=consultation_in_a_course.email)
    with override_settings(TEMPLATES=templates_marking_misses()):
        subject, text, html = email_messages.render(email)
    for part in (subject, text, html):
        assert part.strip()
        assert MISSING not in part
        assert "MISSING VARIABLE" not in part  # escaped in HTML too


def test_a_subject_shows_a_treatment_name_as_written(consultation_in_a_course):
    # A subject line is plain text: "&" must reach the patient as "&", not "&amp;".
    consultation_in_a_course.course.treatment.title = "Subcision & fillers"
    consultation_in_a_course.course.treatment.save()
    email = outbox.record(NotificationKind.SESSION_DUE.value, about=consultation_in_a_course, to="p@example.com")
    subject, _text, _html = email_messages.render(email)
    assert subject.startswith("Your next Subcision & fillers session is due around")
