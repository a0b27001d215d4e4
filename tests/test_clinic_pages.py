"""The clinic's own pages: contact and opening hours, and the statements a UK clinic
publishes (privacy, cookies, accessibility, complaints), with the footer that
links them and shows the regulator registration."""

from datetime import time, timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from bookings.models import ClinicHours, Closure, ConsultationRequest
from tests.bookings.conftest import form_data as consultation_form_data

pytestmark = pytest.mark.django_db

CLINIC_PAGES = ["/contact/", "/privacy/", "/cookies/", "/accessibility/", "/complaints/"]


@pytest.fixture
def demo():
    call_command("load_demo_content", stdout=StringIO())


@pytest.mark.parametrize("path", [*CLINIC_PAGES, "/clinicians/", "/clinicians/dr-imogen-hartwell/"])
def test_every_page_answers_with_the_demo_content_and_the_footer_links_them_all(client, demo, path):
    response = client.get(path)
    assert response.status_code == 200
    for link in [*CLINIC_PAGES, "/clinicians/"]:
        assert f'href="{link}"' in response.text


def test_the_contact_page_says_what_a_consultation_costs_and_covers_in_whole_sentences(client, demo):
    """The fee's "what it covers" is read straight after "A consultation costs £75.": a
    noun phrase there ("An appointment with one of our clinicians, who …") left a
    sentence without a main verb."""
    html = client.get("/contact/").text
    assert (
        "A consultation costs £75. You see one of our clinicians, who examines your skin, tells you which "
        "treatments suit it (including ones we do not offer) and gives you a written plan with the number of "
        "sessions and their price. If you go ahead within three months, the fee comes off your first session."
    ) in html
    assert "An appointment with one of our clinicians" not in html


def test_the_footer_shows_the_regulator_registration_marked_as_sample_data(client, settings):
    html = client.get("/").text
    assert "Registered with the" in html and "Care Quality Commission (CQC)" in html
    assert "number 1-000000000 (fictional sample number)" in html


def test_the_contact_page_has_address_tap_to_call_email_directions_and_the_request_button(client, demo):
    html = client.get("/contact/").text
    assert "14 Larch Row, London N1 7QX" in html
    assert '<a href="tel:+442079460321">+44 20 7946 0321</a>' in html
    assert '<a href="mailto:hello@larchfield-clinic.example">' in html
    assert "From Angel Underground station" in html
    assert '<a class="btn btn-primary btn-lg" href="/consultations/request/">Request a consultation</a>' in html
    assert "google" not in html.lower() and "<iframe" not in html


def test_the_contact_page_shows_the_same_hours_and_closures_as_the_request_form(client):
    ClinicHours.objects.create(weekday=0, opens=time(9), closes=time(17, 30))
    soon = timezone.localdate() + timedelta(days=10)
    Closure.objects.create(date=soon, reason="Staff training")
    Closure.objects.create(date=timezone.localdate() + timedelta(days=200), reason="Far away")
    contact, form = client.get("/contact/").text, client.get("/consultations/request/").text
    for html in (contact, form):
        assert "09:00–17:30" in html
        assert f"{soon:%A} {soon.day} {soon:%B} (Staff training)" in html
        assert "Far away" not in html


def test_the_privacy_notice_names_the_data_controller_from_settings(client, settings):
    settings.CLINIC_NAME = "Birchwood Skin Clinic"
    settings.CLINIC_ADDRESS = "2 Birch Lane, Leeds LS1 1AA"
    html = client.get("/privacy/").text
    assert "Birchwood Skin Clinic, 2 Birch Lane, Leeds LS1 1AA, is the data controller" in html


def test_the_privacy_notice_gives_lawful_bases_including_the_condition_for_health_data(client):
    html = client.get("/privacy/").text
    assert "Article 6(1)(b)" in html and "Article 9(2)(h)" in html
    assert "Schedule 1, paragraph 2 of the Data Protection Act 2018" in html


def test_the_privacy_notice_quotes_the_retention_period_the_purge_command_uses(client, settings):
    settings.CONSULTATION_RETENTION_DAYS = 200
    assert "then for 200 days after the request is closed" in client.get("/privacy/").text


def test_the_purge_command_keeps_requests_for_the_period_the_privacy_notice_states(settings):
    from bookings.management.commands.purge_consultations import Command

    parser = Command().create_parser("manage.py", "purge_consultations")
    assert parser.parse_args([]).older_than_days == settings.CONSULTATION_RETENTION_DAYS


def test_the_privacy_notice_says_only_clinicians_see_the_health_answers_as_the_form_does(client):
    said = "Only our clinicians see your answers to these questions."
    assert said in client.get("/consultations/request/").text
    assert f"<strong>Your answers to the health questions:</strong> {said}" in client.get("/privacy/").text


def test_the_privacy_notice_explains_rights_and_the_right_to_complain_to_the_ico(client):
    html = client.get("/privacy/").text
    assert "A copy of your data comes as one file" in html
    assert '<a href="https://ico.org.uk/make-a-complaint/">' in html


def test_the_version_a_patient_agrees_to_is_the_version_the_privacy_notice_shows(client, demo):
    client.post("/consultations/request/", consultation_form_data())
    stored = ConsultationRequest.objects.get().privacy_notice_version
    assert f"Version {stored}." in client.get("/privacy/").text


def test_the_accessibility_statement_names_the_standard_how_it_is_tested_and_how_to_report(client):
    html = client.get("/accessibility/").text
    assert "WCAG) version 2.2 at level AA" in html
    assert "axe-core" in html and "Nu HTML Checker" in html
    assert "What we know is not yet right" in html
    assert '<a href="tel:+442079460321">' in html


def test_the_complaints_page_goes_from_the_clinic_to_the_regulator(client):
    html = client.get("/complaints/").text
    assert html.index("1. Tell us") < html.index("3. If you are not satisfied")
    assert "within 20 working days" in html
    assert "Care Quality Commission (CQC)" in html and "1-000000000 (a fictional sample number)" in html


def test_a_real_registration_number_from_the_environment_is_not_called_a_sample(monkeypatch):
    import importlib

    from clinic import settings as clinic_settings

    monkeypatch.setenv("CLINIC_REGULATOR_NUMBER", "1-123456789")
    try:
        reloaded = importlib.reload(clinic_settings)
        assert (reloaded.CLINIC_REGULATOR_NUMBER, reloaded.CLINIC_REGULATOR_NUMBER_IS_SAMPLE) == ("1-123456789", False)
    finally:
        monkeypatch.delenv("CLINIC_REGULATOR_NUMBER")
        importlib.reload(clinic_settings)


def test_the_sitemap_lists_the_clinic_pages_and_every_clinicians_profile(client, demo, settings):
    xml = client.get("/sitemap.xml").text
    for path in [*CLINIC_PAGES, "/clinicians/", "/clinicians/dr-imogen-hartwell/", "/clinicians/nadia-petrov/"]:
        assert f"<loc>{settings.SITE_URL}{path}</loc>" in xml


@pytest.mark.parametrize("path", [*CLINIC_PAGES, "/clinicians/", "/clinicians/dr-imogen-hartwell/"])
def test_the_pages_are_cached_like_the_content_pages(demo, settings, path):
    settings.PAGE_CACHE_SECONDS = 60
    Client().get(path)
    with CaptureQueriesContext(connection) as queries:
        response = Client().get(path)
    assert response.status_code == 200
    assert len(queries) == 0


def test_the_contact_page_costs_the_same_queries_whatever_the_closures(settings):
    settings.PAGE_CACHE_SECONDS = 0

    def count():
        Client().get("/contact/")  # the opening hours and the fee are cached after the first look
        with CaptureQueriesContext(connection) as queries:
            Client().get("/contact/")
        return len(queries)

    before = count()
    for n in range(20):
        Closure.objects.create(date=timezone.localdate() + timedelta(days=n + 1), reason=f"Closed {n}")
    assert count() == before <= 1


def test_the_contact_page_describes_the_clinic_and_its_hours_for_search_engines(client):
    import json
    import re

    ClinicHours.objects.create(weekday=0, opens=time(9), closes=time(17, 30))
    html = client.get("/contact/").text
    (block,) = re.findall(r'<script type="application/ld\+json">(.*?)</script>', html)
    data = json.loads(block)
    assert data["@type"] == "MedicalClinic" and data["telephone"] == "+44 20 7946 0321"
    assert data["openingHoursSpecification"] == [
        {
            "@type": "OpeningHoursSpecification",
            "dayOfWeek": "https://schema.org/Monday",
            "opens": "09:00",
            "closes": "17:30",
        }
    ]
