"""Setting up an authenticator app: only through a single-use, expiring set-up link a
superuser issues, a new key each time the page is shown, a QR code, backup codes.

The attacker in these tests knows a staff member's password (and, in the worst
case, has even opened their set-up link first): the key they see must never work.
"""

import re
from base64 import b32decode
from datetime import timedelta
from urllib.parse import unquote

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import EnrolmentLink
from accounts.services import issue_enrolment_link
from tests.accounts.conftest import PASSWORD, admin_opens, sign_in_password

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser():
    return get_user_model().objects.create_superuser("marguerite", "m@clinic.example", "another-long-password-3")


def link_path(token):
    return reverse("admin:signin_enrol", args=[token])


def new_link(user, by=None):
    _link, token = issue_enrolment_link(user=user, by=by)
    return link_path(token)


def shown_key(html):
    """The key the set-up page shows as text, as typed into an app."""
    shown = re.search(r'id="totp-secret">(.*?)</p>', html, re.DOTALL).group(1)
    return "".join(re.sub(r"<[^>]+>", "", shown).split())


def code_from(key, at_offset=0):
    """The code an authenticator app holding `key` (base32 text) shows now."""
    return f"{totp(b32decode(key), step=30, t0=0, digits=6, drift=at_offset):06d}"


def open_set_up_page(client, path, username="rosa"):
    """Open a set-up link, sign in with the password, and return the set-up page."""
    client.get(path)
    assert sign_in_password(client, username)["Location"] == reverse("admin:signin_setup")
    return client.get(reverse("admin:signin_setup"))


def test_an_attackers_captured_key_never_works(staff_member):
    link = new_link(staff_member)
    attacker, owner = Client(), Client()

    # With the password alone the attacker sees no key at all.
    sign_in_password(attacker)
    assert "Ask for a set-up link" in attacker.get(reverse("admin:signin_setup")).text
    assert not TOTPDevice.objects.exists()

    # Worst case: the attacker also opened the set-up link first and noted the key without confirming it.
    captured = shown_key(open_set_up_page(attacker, link).text)

    # The owner opens the same link later: a different key, and the attacker's is gone.
    owners_key = shown_key(open_set_up_page(owner, link).text)
    assert owners_key != captured
    assert TOTPDevice.objects.filter(user=staff_member).count() == 1
    response = owner.post(reverse("admin:signin_setup"), {"code": code_from(owners_key)})
    assert "Your authenticator app is set up" in response.text
    assert admin_opens(owner)

    # The captured key confirms nothing on the attacker's open set-up page...
    response = attacker.post(reverse("admin:signin_setup"), {"code": code_from(captured)})
    assert not admin_opens(attacker)
    # ...signs in nowhere with the password...
    later = Client()
    assert sign_in_password(later)["Location"] == reverse("admin:signin_code")
    for offset in (-1, 0, 1):
        later.post(reverse("admin:signin_code"), {"code": code_from(captured, offset)})
    assert not admin_opens(later)
    # ...and the used link sets up nothing more.
    assert "This set-up link no longer works" in Client().get(link).text
    assert TOTPDevice.objects.get(user=staff_member).confirmed


def test_the_set_up_page_shows_a_new_key_each_time_and_only_the_newest_confirms(client, staff_member):
    first = shown_key(open_set_up_page(client, new_link(staff_member)).text)
    second = shown_key(client.get(reverse("admin:signin_setup")).text)
    assert first != second
    response = client.post(reverse("admin:signin_setup"), {"code": code_from(first)})
    assert "That code did not work" in response.text and not admin_opens(client)
    TOTPDevice.objects.update(throttling_failure_count=0)  # as a few seconds later (django-otp slows retries)
    response = client.post(reverse("admin:signin_setup"), {"code": code_from(second)})
    assert "Your authenticator app is set up" in response.text and admin_opens(client)


def test_an_expired_link_sets_up_nothing(client, staff_member):
    link = new_link(staff_member)
    EnrolmentLink.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    response = client.get(link)
    assert response.status_code == 400 and "This set-up link no longer works" in response.text
    sign_in_password(client)
    assert "Ask for a set-up link" in client.get(reverse("admin:signin_setup")).text


def test_an_expiry_between_showing_the_key_and_confirming_it_refuses_the_code(client, staff_member):
    key = shown_key(open_set_up_page(client, new_link(staff_member)).text)
    EnrolmentLink.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    client.post(reverse("admin:signin_setup"), {"code": code_from(key)})
    assert not admin_opens(client)
    assert not TOTPDevice.objects.filter(confirmed=True).exists()


def test_a_newer_link_withdraws_the_older_one(client, staff_member):
    old = new_link(staff_member)
    new_link(staff_member)
    assert "This set-up link no longer works" in client.get(old).text


def test_a_link_for_another_account_does_not_set_up_this_one(client, staff_member):
    sam = get_user_model().objects.create_user("sam", password=PASSWORD, is_staff=True)
    client.get(new_link(sam))
    sign_in_password(client, "rosa")
    assert "Ask for a set-up link" in client.get(reverse("admin:signin_setup")).text
    assert not TOTPDevice.objects.exists()


def test_a_made_up_link_is_refused_with_a_clear_page(client):
    response = client.get(link_path("not-a-real-link"))
    assert response.status_code == 400 and "Ask a clinic administrator for a new one" in response.text


def test_a_superuser_issues_a_link_in_admin_and_admin_lists_it(staff_member, superuser):
    from tests.conftest import staff_login

    admin = staff_login(Client(), superuser)
    response = admin.post(reverse("admin:accounts_enrolmentlink_add"), {"user": staff_member.pk}, follow=True)
    shown = re.search(r"http://127\.0\.0\.1:8000(/admin/login/set-up/[^/\s]+/)", response.text).group(1)
    listing = admin.get(reverse("admin:accounts_enrolmentlink_changelist")).text
    assert "rosa" in listing and "waiting" in listing

    client = Client()
    key = shown_key(open_set_up_page(client, shown).text)
    client.post(reverse("admin:signin_setup"), {"code": code_from(key)})
    assert admin_opens(client)
    assert "used" in admin.get(reverse("admin:accounts_enrolmentlink_changelist")).text


def test_the_link_message_gives_the_expiry_as_the_list_does(staff_member, superuser):
    from tests.conftest import staff_login

    admin = staff_login(Client(), superuser)
    response = admin.post(reverse("admin:accounts_enrolmentlink_add"), {"user": staff_member.pk}, follow=True)
    expires = timezone.localtime(EnrolmentLink.objects.get().expires_at)
    shown = f"{expires.day} {expires:%b %Y}, {expires:%H:%M}"  # "1 Dec 2026, 12:28"
    [message] = [str(m) for m in response.context["messages"]]
    assert f"expires at {shown}:" in message
    assert shown in admin.get(reverse("admin:accounts_enrolmentlink_changelist")).text


def test_only_superusers_issue_links(staff_member):
    from django.contrib.auth.models import Permission

    from tests.conftest import staff_login

    staff_member.user_permissions.add(*Permission.objects.filter(codename__endswith="enrolmentlink"))
    client = staff_login(Client(), staff_member)
    assert client.get(reverse("admin:accounts_enrolmentlink_changelist")).status_code == 200
    assert client.get(reverse("admin:accounts_enrolmentlink_add")).status_code == 403


def test_a_new_phone_through_a_link_replaces_the_old_app(staff_member):
    old = TOTPDevice.objects.create(user=staff_member, name="Old phone", confirmed=True)
    client = Client()
    key = shown_key(open_set_up_page(client, new_link(staff_member)).text)
    client.post(reverse("admin:signin_setup"), {"code": code_from(key)})
    assert admin_opens(client)
    assert not TOTPDevice.objects.filter(pk=old.pk).exists()


# --- The QR code ------------------------------------------------------------------------------


def test_the_set_up_page_shows_the_key_as_a_qr_code_the_content_security_policy_allows(client, staff_member):
    import segno

    response = open_set_up_page(client, new_link(staff_member))
    html = response.text
    key = shown_key(html)
    uri = re.search(r'href="([^"]+)" id="totp-uri"', html).group(1).replace("&amp;", "&")
    assert uri.startswith("otpauth://totp/Larchfield%20Skin%20Clinic%3Arosa?") and f"secret={key}" in uri
    image = re.search(r'<img class="signin-qr" id="totp-qr" src="([^"]+)"', html).group(1).replace("&amp;", "&")
    assert image.startswith("data:image/svg+xml")
    assert "<svg" in unquote(image) and "<path" in unquote(image)
    # The image is the QR code of that otpauth:// link (the key beside it), drawn as the page draws it.
    assert image == segno.make(uri, error="m").svg_data_uri(scale=5, border=2, dark="#000", light="#fff")
    img_src = re.search(r"img-src ([^;]+)", response["Content-Security-Policy"]).group(1).split()
    assert "data:" in img_src


# --- Backup codes ---------------------------------------------------------------------------------


def set_up(client, staff_member):
    """Set up an app through a link; return (key, the set-up's last page, backup codes shown)."""
    key = shown_key(open_set_up_page(client, new_link(staff_member)).text)
    page = client.post(reverse("admin:signin_setup"), {"code": code_from(key)}).text
    return key, page, re.findall(r"<li><code>([a-z2-7]{8})</code></li>", page)


def test_ten_backup_codes_are_shown_once_at_set_up(client, staff_member):
    _key, page, codes = set_up(client, staff_member)
    assert len(codes) == 10 and len(set(codes)) == 10
    assert "they are not shown again" in page
    later = client.get(reverse("admin:backup_codes")).text
    assert "You have <strong" in later and not any(code in later for code in codes)


def test_a_backup_code_signs_in_instead_of_the_app_once(staff_member):
    _key, _page, codes = set_up(Client(), staff_member)
    client = Client()
    sign_in_password(client)
    response = client.post(reverse("admin:signin_code"), {"code": codes[0].upper()}, follow=True)
    assert "You signed in with a backup code; 9 left" in response.text
    assert admin_opens(client)

    again = Client()
    sign_in_password(again)
    response = again.post(reverse("admin:signin_code"), {"code": codes[0]})
    assert "That code did not work" in response.text and not admin_opens(again)


def test_renewing_backup_codes_shows_new_ones_and_the_old_ones_stop_working(staff_member):
    client = Client()
    _key, _page, old_codes = set_up(client, staff_member)
    page = client.get(reverse("admin:backup_codes")).text
    assert 'id="backup-codes-left">10<' in page
    page = client.post(reverse("admin:backup_codes")).text
    new_codes = re.findall(r"<li><code>([a-z2-7]{8})</code></li>", page)
    assert len(new_codes) == 10 and not set(new_codes) & set(old_codes)
    assert StaticToken.objects.filter(device__user=staff_member).count() == 10

    other = Client()
    sign_in_password(other)
    assert "That code did not work" in other.post(reverse("admin:signin_code"), {"code": old_codes[1]}).text
    StaticDevice.objects.update(throttling_failure_count=0)  # as a few seconds later (django-otp slows retries)
    other.post(reverse("admin:signin_code"), {"code": new_codes[1]})
    assert admin_opens(other)


def test_the_backup_codes_page_needs_a_signed_in_staff_member(client):
    response = client.get(reverse("admin:backup_codes"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("admin:login"))
