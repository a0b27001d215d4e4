"""Staff sessions: 30 minutes idle or 12 hours in all, and signed out everywhere when the
password changes or the authenticator app is reset."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.middleware import LAST_SEEN_SESSION_KEY, SIGNED_IN_AT_SESSION_KEY
from tests.accounts.conftest import PASSWORD, admin_opens, sign_in_password

pytestmark = pytest.mark.django_db


@pytest.fixture
def device(staff_member):
    return TOTPDevice.objects.create(user=staff_member, name="Phone", confirmed=True)


def signed_in_client(device, drift=0):
    """A browser where the staff member signed in with password and code."""
    client = Client()
    sign_in_password(client)
    code = f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=drift):06d}"
    response = client.post(reverse("admin:signin_code"), {"code": code})
    assert response.status_code == 302, response.text
    return client


def move_clocks_back(client, *, signed_in_by=0, last_seen_by=0):
    """As if the staff member signed in / was last seen that many seconds earlier."""
    session = client.session
    session[SIGNED_IN_AT_SESSION_KEY] -= signed_in_by
    session[LAST_SEEN_SESSION_KEY] -= last_seen_by
    session.save()


def test_a_staff_session_stays_open_while_used_within_thirty_minutes(device):
    client = signed_in_client(device)
    move_clocks_back(client, signed_in_by=29 * 60, last_seen_by=29 * 60)
    assert admin_opens(client)


def test_a_staff_session_ends_after_thirty_minutes_without_activity(device):
    client = signed_in_client(device)
    move_clocks_back(client, signed_in_by=31 * 60, last_seen_by=31 * 60)
    response = client.get(reverse("admin:index"), follow=True)
    assert "signed out after 30 minutes without activity" in response.text
    assert "_auth_user_id" not in client.session
    assert not admin_opens(client)


def test_a_staff_session_ends_twelve_hours_after_signing_in_however_active(device):
    client = signed_in_client(device)
    move_clocks_back(client, signed_in_by=12 * 3600 + 60)  # last seen just now
    response = client.get(reverse("admin:index"), follow=True)
    assert "a staff session lasts at most 12 hours" in response.text
    assert not admin_opens(client)


def test_the_session_cookie_itself_lasts_at_most_twelve_hours(device):
    client = signed_in_client(device)
    assert client.cookies["sessionid"]["max-age"] == 12 * 3600


def test_changing_the_password_signs_out_every_other_session(device, staff_member):
    elsewhere = signed_in_client(device)
    here = signed_in_client(device, drift=1)  # a new code: django-otp refuses a code used twice
    response = here.post(
        reverse("admin:password_change"),
        {"old_password": PASSWORD, "new_password1": "new-long-password-42", "new_password2": "new-long-password-42"},
    )
    assert response.status_code == 302
    assert admin_opens(here)
    assert not admin_opens(elsewhere)


def test_resetting_the_app_signs_out_every_session_it_verified(device):
    client = signed_in_client(device)
    call_command("reset_totp", "rosa", stdout=StringIO())
    response = client.get(reverse("admin:index"), follow=True)
    assert "the authenticator app of this account was reset" in response.text
    assert "_auth_user_id" not in client.session
