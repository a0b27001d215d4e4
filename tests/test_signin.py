"""Staff sign-in: password, then a code from an authenticator app (TOTP); setting
an app up; lockout after repeated failures; the admin URL; password rules."""

import importlib
import re
from io import StringIO

import pytest
from axes.models import AccessAttempt
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import clear_url_caches, reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.conftest import staff_login

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery-7"


def code_for(device):
    """The code the staff member's authenticator app shows now."""
    device.refresh_from_db()
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=device.drift):06d}"


@pytest.fixture
def staff_member():
    user = get_user_model().objects.create_user("rosa", "rosa@clinic.example", PASSWORD, is_staff=True)
    user.groups.add(Group.objects.get(name="Reception"))
    return user


@pytest.fixture
def device(staff_member):
    return TOTPDevice.objects.create(user=staff_member, name="Phone", confirmed=True)


def sign_in_password(client, username="rosa", password=PASSWORD, **extra):
    return client.post(reverse("admin:login"), {"username": username, "password": password}, **extra)


def admin_opens(client):
    return client.get(reverse("admin:index")).status_code == 200


def test_a_staff_member_signs_in_with_password_then_code(client, device):
    response = sign_in_password(client)
    assert response.status_code == 302 and response["Location"] == reverse("admin:signin_code")
    assert not admin_opens(client)  # the password alone opens nothing

    page = client.get(reverse("admin:signin_code"))
    assert "Step 2 of 2" in page.text and 'autocomplete="one-time-code"' in page.text
    response = client.post(reverse("admin:signin_code"), {"code": code_for(device)})
    assert response.status_code == 302 and response["Location"] == reverse("admin:index")
    assert admin_opens(client)


def test_the_password_step_does_not_sign_the_session_in(client, device):
    sign_in_password(client)
    assert "_auth_user_id" not in client.session


def test_a_code_is_required_even_for_a_session_signed_in_with_the_password_alone(client, staff_member):
    client.force_login(staff_member)  # as a password-only sign-in would be
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("admin:login"))


def test_the_page_asked_for_first_opens_after_both_steps(client, device):
    wanted = reverse("admin:bookings_clinichours_changelist")
    login_page = client.get(wanted, follow=True)
    assert login_page.status_code == 200 and f'name="next" value="{wanted}"' in login_page.text
    client.post(reverse("admin:login"), {"username": "rosa", "password": PASSWORD, "next": wanted})
    response = client.post(reverse("admin:signin_code"), {"code": code_for(device)})
    assert response["Location"] == wanted


def test_a_next_address_on_another_site_is_ignored(client, device):
    client.post(reverse("admin:login"), {"username": "rosa", "password": PASSWORD, "next": "https://evil.example/"})
    response = client.post(reverse("admin:signin_code"), {"code": code_for(device)})
    assert response["Location"] == reverse("admin:index")


def test_a_wrong_code_is_refused_with_a_clear_message(client, device):
    sign_in_password(client)
    wrong = f"{(int(code_for(device)) + 1) % 1_000_000:06d}"
    response = client.post(reverse("admin:signin_code"), {"code": wrong})
    assert response.status_code == 200
    assert "That code did not work" in response.text
    assert not admin_opens(client)


def test_a_malformed_code_asks_for_six_digits(client, device):
    sign_in_password(client)
    response = client.post(reverse("admin:signin_code"), {"code": "12ab"})
    assert "Enter the six digits" in response.text


def test_the_code_step_without_the_password_step_goes_back_to_sign_in(client, device):
    response = client.post(reverse("admin:signin_code"), {"code": code_for(device)})
    assert response.status_code == 302 and response["Location"] == reverse("admin:login")
    assert not admin_opens(client)


def test_the_code_must_follow_the_password_within_five_minutes(client, device, settings):
    sign_in_password(client)
    settings.STAFF_SIGNIN_PENDING_SECONDS = -1
    response = client.post(reverse("admin:signin_code"), {"code": code_for(device)}, follow=True)
    assert "Please sign in again" in response.text
    assert not admin_opens(client)


def test_a_password_change_between_the_steps_ends_the_sign_in(client, device, staff_member):
    sign_in_password(client)
    staff_member.set_password("another-long-password-9")
    staff_member.save()
    response = client.post(reverse("admin:signin_code"), {"code": code_for(device)})
    assert response["Location"] == reverse("admin:login")


def test_people_who_are_not_staff_cannot_sign_in(client, staff_member):
    staff_member.is_staff = False
    staff_member.save()
    response = sign_in_password(client)
    assert response.status_code == 200
    assert "staff account" in response.text


# --- Setting up an authenticator app (more in tests/test_signin_enrolment.py) --------------


def test_without_a_set_up_link_the_password_alone_sets_up_no_app(client, staff_member):
    response = sign_in_password(client)
    assert response["Location"] == reverse("admin:signin_setup")
    page = client.get(reverse("admin:signin_setup"))
    assert "Ask for a set-up link" in page.text and 'id="totp-secret"' not in page.text
    assert not TOTPDevice.objects.exists()
    assert not admin_opens(client)


def test_a_staff_member_with_an_app_and_no_link_cannot_set_up_another_one(client, device):
    sign_in_password(client)
    response = client.get(reverse("admin:signin_setup"))
    assert response["Location"] == reverse("admin:signin_code")
    assert TOTPDevice.objects.count() == 1


def test_reset_totp_removes_the_app_and_prints_a_new_set_up_link(client, device):
    out = StringIO()
    call_command("reset_totp", "rosa", stdout=out)
    assert "Removed rosa's authenticator app" in out.getvalue()
    assert not TOTPDevice.objects.exists()
    link = re.search(r"http://127.0.0.1:8000(/admin/login/set-up/\S+/)", out.getvalue()).group(1)
    client.get(link)
    assert sign_in_password(client)["Location"] == reverse("admin:signin_setup")
    assert 'id="totp-secret"' in client.get(reverse("admin:signin_setup")).text


def test_reset_totp_names_an_unknown_username():
    with pytest.raises(CommandError, match="no account with the username 'nobody'"):
        call_command("reset_totp", "nobody")


# --- Lockout ---------------------------------------------------------------------------------


def test_five_wrong_passwords_lock_the_username_out_from_that_address_for_an_hour(client, device):
    for _ in range(4):
        assert sign_in_password(client, password="wrong-password").status_code == 200
    response = sign_in_password(client, password="wrong-password")
    assert response.status_code == 429
    assert "Signing in is paused" in response.text and "for an hour" in response.text
    assert response["Retry-After"] == "3600"
    assert AccessAttempt.objects.get(username="rosa").failures_since_start == 5

    # The right password no longer helps, from a new session too: the count is in the database.
    response = sign_in_password(Client(), password=PASSWORD)
    assert response.status_code == 429 and "Signing in is paused" in response.text
    # Another address is not locked out of the account, and another account not from this address.
    assert sign_in_password(Client(), REMOTE_ADDR="203.0.113.9").status_code == 302
    get_user_model().objects.create_user("sam", password=PASSWORD, is_staff=True)
    assert sign_in_password(Client(), username="sam").status_code == 302


def test_wrong_codes_count_as_failed_sign_ins_too(client, device):
    sign_in_password(client)
    wrong = f"{(int(code_for(device)) + 1) % 1_000_000:06d}"
    statuses = [client.post(reverse("admin:signin_code"), {"code": wrong}).status_code for _ in range(5)]
    assert statuses == [200, 200, 200, 200, 429]
    response = client.post(reverse("admin:signin_code"), {"code": code_for(device)})
    assert response.status_code == 429
    assert not admin_opens(client)


def test_a_successful_sign_in_clears_earlier_failures(client, device):
    for _ in range(3):
        sign_in_password(client, password="wrong-password")
    sign_in_password(client)
    client.post(reverse("admin:signin_code"), {"code": code_for(device)})
    assert admin_opens(client)
    assert AccessAttempt.objects.filter(username="rosa").count() == 0


# --- Helpers the other tests rely on ------------------------------------------------------------


def test_staff_login_signs_in_any_staff_member_with_any_groups(client):
    user = get_user_model().objects.create_user("editor-and-reception", is_staff=True)
    user.groups.add(Group.objects.get(name="Editors"), Group.objects.get(name="Reception"))
    staff_login(client, user)
    assert admin_opens(client)
    staff_login(Client(), user)  # twice for one user: the same authenticator app
    assert TOTPDevice.objects.filter(user=user).count() == 1


def test_admin_client_is_signed_in_with_both_steps(admin_client):
    assert admin_opens(admin_client)


def test_client_login_still_checks_the_password_but_admin_still_asks_for_the_code(client, staff_member):
    assert not client.login(username="rosa", password="wrong")
    assert client.login(username="rosa", password=PASSWORD)
    assert not admin_opens(client)


# --- Admin address and passwords ------------------------------------------------------------------


def test_the_admin_address_comes_from_the_environment(client, settings):
    import clinic.urls

    settings.ADMIN_URL = "staff-7f3a/"
    try:
        importlib.reload(clinic.urls)
        clear_url_caches()
        assert reverse("admin:login") == "/staff-7f3a/login/"
        assert client.get("/staff-7f3a/login/").status_code == 200
        assert client.get("/admin/login/").status_code == 404
    finally:
        settings.ADMIN_URL = "admin/"
        importlib.reload(clinic.urls)
        clear_url_caches()
    assert reverse("admin:login") == "/admin/login/"


@pytest.mark.multiprocess
@pytest.mark.parametrize("value", ["/", "  ", "admin/../x", "ad min/"])
def test_a_malformed_admin_address_stops_start_up(value):
    import os
    import subprocess
    import sys

    env = {**os.environ, "DJANGO_ADMIN_URL": value, "DJANGO_SECRET_KEY": "x" * 50}
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        env={**env, "DJANGO_SETTINGS_MODULE": "clinic.settings"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0 and "DJANGO_ADMIN_URL must be a path" in result.stderr


@pytest.mark.parametrize(
    "password, ok",
    [
        ("Short-pass1", False),  # 11 characters
        ("tidal-ferns-9", True),  # 13 characters
        ("123456789012345", False),  # numbers only
        ("password1234", False),  # common
    ],
)
def test_staff_passwords_need_twelve_characters_and_pass_djangos_checks(password, ok, staff_member):
    if ok:
        validate_password(password, staff_member)
    else:
        with pytest.raises(ValidationError):
            validate_password(password, staff_member)


def test_changing_a_password_in_admin_refuses_a_short_one(admin_client, admin_user):
    url = reverse("admin:auth_user_password_change", args=[admin_user.pk])
    data = {"password1": "Short-pass1", "password2": "Short-pass1", "usable_password": "true"}
    response = admin_client.post(url, data)
    assert response.status_code == 200
    assert "at least 12 characters" in response.text


def test_after_one_wrong_code_the_wait_reads_as_one_second(client, device):
    sign_in_password(client)
    wrong = f"{(int(code_for(device)) + 1) % 1_000_000:06d}"
    response = client.post(reverse("admin:signin_code"), {"code": wrong})
    if "Wait " in response.text:  # django-otp's throttle: 1 second after the first failure
        assert "Wait 1 second," in response.text or "Wait 2 seconds," in response.text
        assert "Wait 1 seconds" not in response.text
