"""Staff journeys in a real browser: moderating and answering, confirming a consultation."""

import re
from io import StringIO

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from tests.e2e.conftest import sign_in_to_admin

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def demo_site(live_server):
    call_command("load_demo_content", stdout=StringIO())
    return live_server


def test_a_question_is_moderated_and_answered_by_a_named_clinician(
    demo_site, browser, make_staff, settings, screenshot
):
    settings.COMMENT_MIN_SECONDS_TO_POST = 0
    patient = browser.new_context().new_page()
    patient.goto(demo_site.url + "/treatments/fractional-laser/")
    patient.get_by_label("Display name").fill("Tomasz")
    patient.get_by_label("Email").fill("tomasz@example.com")
    patient.get_by_label("Your comment or question").fill("How soon after a session can I wear make-up?")
    patient.get_by_label("This is a question for the clinic").check()
    patient.get_by_role("button", name="Post comment").click()
    expect(patient.locator("main")).to_contain_text("once a moderator approves it")
    expect(patient.locator("main")).not_to_contain_text("How soon after a session can I wear make-up?")
    screenshot(patient, "journey2-01-question-awaits-moderation")

    editor = make_staff("morgan", "Editors")
    staff = browser.new_context().new_page()
    sign_in_to_admin(staff, demo_site, editor)
    staff.get_by_role("link", name="Comments").first.click()
    row = staff.get_by_role("row").filter(has_text="How soon after a session")
    row.get_by_role("checkbox").check()
    staff.get_by_label("Action:").select_option(label="Approve (publish) selected comments")
    staff.get_by_role("button", name="Go").click()
    expect(staff.locator(".messagelist")).to_contain_text("1 comment approved")
    screenshot(staff, "journey2-02-moderation-queue")

    staff.get_by_role("row").filter(has_text="How soon after a session").get_by_role(
        "link", name="Answer as a clinician"
    ).click()
    staff.get_by_label("Answer as:").select_option(label="Dr Rafael Okonjo, MBChB, MRCP (Derm)")
    staff.get_by_label("Answer:", exact=True).fill(
        "Mineral make-up is usually fine from the second day, once the skin has settled."
    )
    screenshot(staff, "journey2-03-answer-form")
    staff.get_by_role("button", name=re.compile("Publish")).click()
    expect(staff.locator(".messagelist")).to_contain_text("Published the answer")

    patient.reload()
    thread = patient.locator("article", has_text="How soon after a session can I wear make-up?").first
    expect(thread).to_contain_text("Mineral make-up is usually fine from the second day")
    expect(thread).to_contain_text("Dr Rafael Okonjo")
    expect(thread).to_contain_text("Clinic answer")
    screenshot(patient, "journey2-04-answer-on-the-page")
