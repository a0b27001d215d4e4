"""Every public page passes axe (WCAG 2.x A and AA) with zero violations and
the Nu HTML Checker with zero errors."""

import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client
from playwright.sync_api import expect

from bookings.models import ConsultationRequest
from tests.e2e.conftest import describe_violations, run_axe, validate_html
from tests.e2e.test_patient_journeys import fill_consultation_form

pytestmark = pytest.mark.django_db(transaction=True)

PUBLIC_PAGES = {
    "home": "/",
    "privacy": "/privacy/",
    "conditions": "/conditions/",
    "condition": "/conditions/ice-pick-scars/",
    "treatments": "/treatments/",
    "treatments-filtered": "/treatments/?condition=ice-pick-scars&invasiveness=minimally_invasive&offered_here=on",
    "treatment": "/treatments/microneedling/",
    "treatment-info-only": "/treatments/punch-excision/",
    "compare": "/treatments/compare/?t=microneedling&t=fractional-laser&t=punch-excision",
    "compare-too-few": "/treatments/compare/?t=microneedling",
    "search-results": "/search/?q=acne+scars",
    "search-no-results": "/search/?q=zzqqxx",
    "search-empty": "/search/",
    "consultation-form": "/consultations/request/?treatment=microneedling",
    "not-found": "/no-such-page/",
}


@pytest.fixture
def demo_site(live_server):
    call_command("load_demo_content", stdout=StringIO())
    return live_server


def submitted_request(page, live_server):
    """A request made through the form, as a patient would; returns its status path."""
    page.goto(live_server.url + PUBLIC_PAGES["consultation-form"])
    fill_consultation_form(page)
    page.get_by_role("button", name="Send my request").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("your request is sent")
    return ConsultationRequest.objects.get().status_path()


def test_every_public_page_has_no_accessibility_violations(demo_site, audit_page, screenshot):
    found = {}
    for name, path in PUBLIC_PAGES.items():
        audit_page.goto(demo_site.url + path)
        violations = run_axe(audit_page)
        if violations:
            found[name] = describe_violations(violations)
    assert found == {}, "\n".join(f"{name}:\n{text}" for name, text in found.items())


def test_forms_showing_errors_and_the_request_pages_have_no_accessibility_violations(demo_site, audit_page):
    found = {}
    audit_page.goto(demo_site.url + PUBLIC_PAGES["consultation-form"])
    audit_page.get_by_role("button", name="Send my request").click()
    expect(audit_page.locator(".error-summary")).to_be_visible()
    found["consultation-form-errors"] = run_axe(audit_page)

    audit_page.goto(demo_site.url + "/treatments/fractional-laser/")
    audit_page.get_by_role("button", name=re.compile("Post comment")).click()
    found["comment-form-errors"] = run_axe(audit_page)

    status_path = submitted_request(audit_page, demo_site)
    found["thanks"] = run_axe(audit_page)
    audit_page.goto(demo_site.url + status_path)
    found["status-new"] = run_axe(audit_page)
    audit_page.get_by_role("link", name="Cancel my request").click()
    found["cancel-confirmation"] = run_axe(audit_page)
    audit_page.get_by_role("button", name="Yes, cancel my request").click()
    found["status-cancelled"] = run_axe(audit_page)

    problems = {name: describe_violations(v) for name, v in found.items() if v}
    assert problems == {}, "\n".join(f"{name}:\n{text}" for name, text in problems.items())


def test_every_public_page_is_valid_html(demo_site, page):
    client = Client()
    documents = {name: client.get(path).content.decode() for name, path in PUBLIC_PAGES.items()}
    documents["consultation-form-errors"] = client.post("/consultations/request/", {}).content.decode()
    status_path = submitted_request(page, demo_site)
    documents["status-new"] = client.get(status_path).content.decode()
    documents["cancel-confirmation"] = client.get(status_path + "cancel/").content.decode()
    errors = validate_html(documents)
    assert errors == {}, errors
