"""A staff member sets up their authenticator app in a real browser, through the set-up
link a superuser gave them: the QR code shows under the strict Content-Security-Policy,
the backup codes are shown once, and the pages pass axe and the Nu HTML Checker."""

import re
from base64 import b32decode

import pytest
from django.urls import reverse
from django_otp.oath import totp
from playwright.sync_api import expect

from tests.e2e.conftest import describe_violations, run_axe, validate_html

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "correct-horse-battery-staple"


@pytest.fixture
def set_up_link(live_server):
    from django.contrib.auth import get_user_model

    from accounts.services import issue_enrolment_link

    user = get_user_model().objects.create_user("nadia", password=PASSWORD, is_staff=True)
    _link, token = issue_enrolment_link(user=user, by=None)
    return live_server.url + reverse("admin:signin_enrol", args=[token])


def open_set_up_page(page, link):
    page.goto(link)
    expect(page.locator(".messagelist")).to_contain_text("Sign in with your password to set up")
    page.get_by_label("Username").fill("nadia")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", name=re.compile("Set up your authenticator app"))).to_be_visible()


def test_a_staff_member_sets_up_their_app_with_the_qr_code_and_keeps_backup_codes(set_up_link, new_page, screenshot):
    page = new_page()
    open_set_up_page(page, set_up_link)
    qr = page.locator("#totp-qr")
    expect(qr).to_be_visible()
    assert qr.evaluate("image => image.complete && image.naturalWidth > 0")  # not blocked by the CSP
    screenshot(page, "enrolment-01-set-up-page")

    key = "".join(page.locator("#totp-secret").inner_text().split())
    code = f"{totp(b32decode(key), step=30, t0=0, digits=6):06d}"
    page.get_by_label("Code from your authenticator app").fill(code)
    page.get_by_role("button", name="Confirm and sign in").click()
    expect(page.locator("#backup-codes li")).to_have_count(10)
    screenshot(page, "enrolment-02-backup-codes")
    page.get_by_role("link", name="I have kept them: continue").click()
    expect(page.get_by_role("link", name="Backup codes")).to_be_visible()


def test_the_set_up_pages_have_no_accessibility_violations_and_valid_html(live_server, set_up_link, audit_page):
    documents = {}
    audit_page.goto(live_server.url + reverse("admin:signin_enrol", args=["no-such-link"]))
    expect(audit_page.get_by_role("heading")).to_contain_text("This set-up link no longer works")
    documents["set-up-link-invalid"] = audit_page.content()
    open_set_up_page(audit_page, set_up_link)
    documents["set-up"] = audit_page.content()  # before axe adds its script to the page
    violations = run_axe(audit_page)
    assert not violations, describe_violations(violations)
    key = "".join(audit_page.locator("#totp-secret").inner_text().split())
    audit_page.get_by_label("Code from your authenticator app").fill(f"{totp(b32decode(key), step=30, t0=0):06d}")
    audit_page.get_by_role("button", name="Confirm and sign in").click()
    documents["backup-codes"] = audit_page.content()
    violations = run_axe(audit_page)
    assert not violations, describe_violations(violations)
    assert validate_html(documents) == {}
