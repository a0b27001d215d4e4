"""A consultation request is either stored and answered with the thanks page, or
not stored: under load (make bench) and when a write after the commit fails."""

from datetime import time

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import OperationalError, connection
from django.test import Client

from bookings.models import ClinicHours, ConsultationRequest
from notifications import tasks
from tests.bookings.conftest import form_data, make_treatment


@pytest.fixture
def clinic_week(db):
    for weekday in range(6):
        ClinicHours.objects.create(weekday=weekday, opens=time(9), closes=time(17))


@pytest.mark.django_db(transaction=True)
def test_a_write_failing_after_the_request_is_stored_still_thanks_the_patient(clinic_week, monkeypatch):
    """Whatever runs after the request commits (here, tasks run at once: the email's
    delivery) may fail ("database is locked"): the patient still sees the thanks
    page for the request that was stored, once."""
    treatment = make_treatment()

    def locked_after_commit(*args, **kwargs):
        raise OperationalError("database is locked")

    monkeypatch.setattr(tasks, "deliver", locked_after_commit)
    response = Client().post("/consultations/request/", form_data(treatments=[treatment.pk]))
    assert response.status_code == 302
    consultation = ConsultationRequest.objects.get()
    assert response["Location"] == consultation.thanks_path()


@pytest.mark.django_db
def test_a_submission_writes_no_session(clinic_week):
    """Nothing is written after the request's transaction, and the patient's later
    page views stay cacheable (a session cookie would bypass the page cache)."""
    treatment = make_treatment()
    client = Client()
    response = client.post("/consultations/request/", form_data(treatments=[treatment.pk]))
    assert response.status_code == 302
    assert settings.SESSION_COOKIE_NAME not in response.cookies
    assert Session.objects.count() == 0
    remembered = response.cookies["clinic_recent_requests"]
    assert remembered["httponly"] and remembered["samesite"] == "Lax"
    assert ConsultationRequest.objects.get().reference in remembered.value  # signed, not secret


@pytest.mark.django_db
def test_a_tampered_recent_requests_cookie_is_ignored(clinic_week):
    treatment = make_treatment()
    client = Client()
    client.cookies["clinic_recent_requests"] = '[["x", "CR-AAAAAA", 9999999999]]:forged:signature'
    response = client.post("/consultations/request/", form_data(treatments=[treatment.pk]))
    assert response.status_code == 302
    assert ConsultationRequest.objects.count() == 1


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite settings")
def test_sqlite_writers_queue_for_the_lock_instead_of_failing():
    database = settings.DATABASES["default"]
    assert database["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
    assert database["OPTIONS"]["timeout"] >= 5
    assert "journal_mode=WAL" in database["OPTIONS"]["init_command"]
    assert database["CONN_MAX_AGE"] > 0
