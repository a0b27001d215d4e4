"""Patient journeys in a real browser, acted out as a person would."""

import re
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone
from playwright.sync_api import expect

from bookings.models import ConsultationRequest, Status, preferred_date_problem
from tests.e2e.conftest import SCREENS

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def demo_site(live_server):
    call_command("load_demo_content", stdout=StringIO())
    return live_server


def open_dates(count=2):
    today = timezone.localdate()
    day, found = today, []
    while len(found) < count:
        day += timedelta(days=1)
        if preferred_date_problem(day, today=today) is None:
            found.append(day)
    return found


def fill_consultation_form(page, *, name="Siobhán O'Connor-Ng", phone="020 7946 0123"):
    first, second = open_dates()
    page.get_by_label("Full name").fill(name)
    page.get_by_label("Email address").fill("siobhan@example.com")
    page.get_by_label("Phone number").fill(phone)
    page.get_by_label("What would you like help with?").fill("Deep narrow scars on both cheeks.")
    page.get_by_label("First preferred date").fill(first.isoformat())
    page.get_by_label("Second preferred date (optional)").fill(second.isoformat())
    for question in ("Have you taken isotretinoin", "Are you pregnant", "keloid", "active skin infection"):
        page.get_by_role("group", name=re.compile(question)).get_by_label("No", exact=True).check()
    page.get_by_label(re.compile("I agree that")).check()


def test_a_patient_reads_compares_requests_a_consultation_and_cancels_it(demo_site, page, screenshot):
    page.goto(demo_site.url + "/")
    screenshot(page, "journey1-01-home")
    page.get_by_role("link", name="Ice pick scars").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Ice pick scars")
    screenshot(page, "journey1-02-condition")

    page.get_by_role("link", name="Microneedling", exact=True).first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Microneedling")
    screenshot(page, "journey1-03-treatment")

    page.get_by_role("link", name=re.compile("Compare Microneedling with other treatments")).first.click()
    page.get_by_label("Fractional laser").check()
    page.get_by_role("button", name="Compare").click()
    short_answer = page.locator("section", has=page.get_by_role("heading", name="The short answer"))
    # 12–18 and 12–16 weeks both read "about 3–4 months": neither is called shorter.
    expect(short_answer).to_contain_text("Shortest course: similar for all of them (about 3–4 months)")
    screenshot(page, "journey1-04-compare")

    # The column headings link to each treatment, on a phone too (a row of links above the stacked table).
    page.get_by_role("link", name="Microneedling", exact=True).first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Microneedling")
    page.get_by_role("link", name="Request a consultation").last.click()
    expect(page.get_by_label("Microneedling")).to_be_checked()
    expect(page.get_by_label("Fractional laser")).not_to_be_checked()
    fill_consultation_form(page)
    page.get_by_role("button", name="Send my request").click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("your request is sent")
    reference = page.locator(".reference").inner_text()
    assert re.fullmatch(r"CR-[A-Z2-9]{6}", reference)
    screenshot(page, "journey1-05-thanks")

    page.locator(".status-link a").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your consultation request")
    expect(page.locator("main")).to_contain_text(reference)
    screenshot(page, "journey1-06-status")
    page.get_by_role("link", name="Cancel my request").click()
    page.get_by_role("button", name="Yes, cancel my request").click()
    expect(page.locator("main")).to_contain_text("cancelled")
    screenshot(page, "journey1-07-cancelled")

    request = ConsultationRequest.objects.get(reference=reference)
    assert request.status == Status.CANCELLED
    assert request.full_name == "Siobhán O'Connor-Ng"
    assert [t.slug for t in request.treatments.all()] == ["microneedling"]


def test_wrong_input_is_explained_beside_each_field_and_nothing_typed_is_lost(demo_site, page, screenshot):
    page.goto(demo_site.url + "/consultations/request/")
    page.get_by_role("button", name="Send my request").click()
    summary = page.locator(".error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_be_focused()
    screenshot(page, "journey4-01-empty-form")

    yesterday = timezone.localdate() - timedelta(days=1)
    page.get_by_label("Full name").fill("Amira Haddad")
    page.get_by_label("Phone number").fill("12345")
    page.get_by_label("First preferred date").fill(yesterday.isoformat())
    page.get_by_label("What would you like help with?").fill("Scars from teenage acne.")
    page.get_by_role("button", name="Send my request").click()

    expect(page.locator(".error-summary")).to_be_focused()
    expect(page.locator("#div_id_phone")).to_contain_text("Enter a phone number we can call")
    expect(page.get_by_label("Phone number")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#div_id_first_preferred_date")).to_contain_text("Choose a date after today")
    expect(page.get_by_label("Full name")).to_have_value("Amira Haddad")
    expect(page.get_by_label("Phone number")).to_have_value("12345")
    expect(page.get_by_label("What would you like help with?")).to_have_value("Scars from teenage acne.")
    screenshot(page, "journey4-02-errors")
    assert ConsultationRequest.objects.count() == 0


def test_on_a_phone_the_navigation_opens_from_its_button(demo_site, browser, screenshot):
    page = browser.new_context(**SCREENS["phone"]).new_page()
    page.goto(demo_site.url + "/")
    nav_link = page.get_by_role("navigation", name="Main").get_by_role("link", name="Treatments")
    expect(nav_link).to_be_hidden()
    page.get_by_role("button", name="Show navigation").click()
    expect(nav_link).to_be_visible()
    screenshot(page, "journey5-navigation-open")
    nav_link.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Treatments")


def test_a_patient_checks_who_wrote_a_page_then_reads_their_answers_and_the_clinics_prices(
    demo_site, page, screenshot
):
    page.goto(demo_site.url + "/conditions/ice-pick-scars/")
    page.locator(".byline").get_by_role("link", name="Dr Imogen Hartwell").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Dr Imogen Hartwell")
    expect(page.get_by_text("General Medical Council (GMC) number 0900001 (fictional sample number)")).to_be_visible()
    screenshot(page, "journey-clinician-profile")

    page.get_by_role("link", name=re.compile("Read the whole answer")).first.click()
    expect(page).to_have_url(re.compile(r"/conditions/ice-pick-scars/#comment-\d+$"))
    expect(page.locator(":target")).to_contain_text("Thanks for asking")

    page.goto(demo_site.url + "/treatments/microneedling/")
    price = page.get_by_role("region", name="Price")
    expect(price).to_contain_text("£250–£300")
    expect(price).to_contain_text("about £750–£1,200")
    page.get_by_role("link", name="Contact", exact=True).click()
    expect(page.get_by_role("link", name="+44 20 7946 0321").first).to_have_attribute("href", "tel:+442079460321")
    screenshot(page, "journey-contact")
