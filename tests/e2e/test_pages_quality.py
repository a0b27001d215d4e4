"""Every public page passes axe (WCAG 2.x A and AA) with zero violations and
the Nu HTML Checker with zero errors."""

import re
from io import StringIO
from urllib.parse import urlparse

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
    "compare-for-condition": (
        "/treatments/compare/?t=microneedling&t=fractional-laser&t=microdermabrasion&condition=ice-pick-scars"
    ),
    "search-results": "/search/?q=acne+scars",
    "search-no-results": "/search/?q=zzqqxx",
    "search-faq-hit": "/search/?q=does+microneedling+hurt",
    "search-typo": "/search/?q=lazer",
    "search-did-you-mean": "/search/?q=microneeeedlling",
    "search-prices": "/search/?q=how+much+does+microneedling+cost",
    "search-empty": "/search/",
    "consultation-form": "/consultations/request/?treatment=microneedling",
    "clinicians": "/clinicians/",
    "clinician": "/clinicians/dr-imogen-hartwell/",
    "contact": "/contact/",
    "cookies": "/cookies/",
    "accessibility": "/accessibility/",
    "complaints": "/complaints/",
    "not-found": "/no-such-page/",
}


@pytest.fixture
def demo_site(live_server):
    call_command("load_demo_content", stdout=StringIO())
    return live_server


def submitted_request(page, live_server, name="Siobhán O'Connor-Ng"):
    """A request made through the form, as a patient would; returns its status path."""
    page.goto(live_server.url + PUBLIC_PAGES["consultation-form"])
    fill_consultation_form(page, name=name)
    page.get_by_role("button", name="Send my request").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("your request is sent")
    return ConsultationRequest.objects.order_by("-pk").first().status_path()


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


def test_every_public_page_is_valid_html(demo_site, audit_page):
    page = audit_page
    client = Client()
    documents = {name: client.get(path).content.decode() for name, path in PUBLIC_PAGES.items()}
    documents["consultation-form-errors"] = client.post("/consultations/request/", {}).content.decode()
    status_path = submitted_request(page, demo_site)
    documents["thanks"] = client.get(urlparse(page.url).path).content.decode()
    documents["status-new"] = client.get(status_path).content.decode()
    documents["cancel-confirmation"] = client.get(status_path + "cancel/").content.decode()
    errors = validate_html(documents)
    assert errors == {}, errors


def requests_in_every_status(page, live_server):
    """One request per status, moved there by the real workflow services; {status: status path}."""
    from datetime import timedelta

    from django.contrib.auth import get_user_model

    from bookings import services
    from bookings.availability import Availability
    from bookings.models import Status
    from tests.e2e.test_patient_journeys import open_dates

    staff = get_user_model().objects.create_user("reception-desk", is_staff=True)
    # Free slots from the clinic's own availability (working hours, breaks, leave),
    # on the first open day with enough of them: fixed hours would fall in a lunch break.
    for day in open_dates(7):
        free = [(slot.start, slot.clinician) for slot in Availability(day, day).free_slots()]
        if len(free) >= 6:
            break
    free.reverse()

    made = {}
    for number, status in enumerate(Status.values):
        # Different answers each time: the same answers again would be the same request.
        submitted_request(page, live_server, name=f"Patient {'ABCDEFGH'[number]}")
        consultation = ConsultationRequest.objects.order_by("-pk").first()
        made[status] = consultation.status_path()
        if status == Status.NEW:
            continue
        if status == Status.CANCELLED:
            services.cancel_request(consultation=consultation)
            continue
        services.start_review(consultation=consultation, by=staff)
        if status == Status.TIME_PROPOSED:
            services.propose_times(consultation=consultation, slots=[free.pop(), free.pop()], by=staff)
        elif status == Status.DECLINED:
            services.decline_request(consultation=consultation, by=staff, details="We do not treat this skin type.")
        elif status in (Status.CONFIRMED, Status.COMPLETED, Status.NO_SHOW):
            start, clinician = free.pop()
            services.confirm_request(consultation=consultation, start=start, clinician=clinician, by=staff)
            later = start + timedelta(hours=2)
            if status == Status.COMPLETED:
                services.complete_request(consultation=consultation, by=staff, now=later)
            elif status == Status.NO_SHOW:
                services.mark_no_show(consultation=consultation, by=staff, now=later)
    assert {ConsultationRequest.objects.get(reference=path.split("/")[2]).status for path in made.values()} == set(
        Status.values
    )
    return made


def test_the_status_page_in_every_status_is_accessible_and_valid(demo_site, audit_page):
    paths = requests_in_every_status(audit_page, demo_site)
    violations, documents = {}, {}
    client = Client()
    for status, path in paths.items():
        audit_page.goto(demo_site.url + path)
        if found := run_axe(audit_page):
            violations[status] = describe_violations(found)
        documents[f"status-{status}"] = client.get(path).content.decode()
    assert violations == {}, violations
    assert validate_html(documents) == {}


def test_the_admin_pages_reception_uses_have_no_serious_accessibility_problems(demo_site, audit_page, make_staff):
    from django.urls import reverse

    from tests.e2e.conftest import sign_in_to_admin

    submitted_request(audit_page, demo_site)
    consultation = ConsultationRequest.objects.order_by("-pk").first()
    sign_in_to_admin(audit_page, demo_site, make_staff("reception", "Reception"))
    pages = {
        "index": reverse("admin:index"),
        "list": reverse("admin:bookings_consultationrequest_changelist"),
        "change": reverse("admin:bookings_consultationrequest_change", args=[consultation.pk]),
        "diary day": reverse("bookings_diary"),
        "diary week": reverse("bookings_diary") + "?view=week",
        "phone booking": reverse("admin:bookings_consultationrequest_add"),
    }
    found = {}
    for name, path in pages.items():
        audit_page.goto(demo_site.url + path)
        found[name] = run_axe(audit_page)
    audit_page.goto(demo_site.url + pages["change"])
    audit_page.get_by_role("button", name="Start review").click()
    audit_page.get_by_role("link", name="Confirm a time…").click()
    found["confirm"] = run_axe(audit_page)
    serious = {
        name: describe_violations([v for v in violations if v["impact"] in ("serious", "critical")])
        for name, violations in found.items()
        if any(v["impact"] in ("serious", "critical") for v in violations)
    }
    assert serious == {}, serious
