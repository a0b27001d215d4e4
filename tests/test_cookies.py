"""The cookies page describes every cookie the site really sets.

A patient's and a staff member's whole visits are played through real
responses (every public page, the consultation form and its status page, a
helpful vote, a comment, staff sign-in with both steps, a lockout, sign-out),
recording every Set-Cookie header. The test fails when a response sets a
cookie `clinic.cookies` does not describe, sets it for another lifetime than
the page states, or when the page describes a cookie the site never sets.
"""

import time
from email.utils import parsedate_to_datetime

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from bookings.models import ConsultationRequest
from clinic.cookies import cookies, described
from tests.bookings.conftest import form_data as consultation_form_data
from treatments.form_signing import sign_form_time

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery-7"


class RecordingClient(Client):
    """A test client that remembers every cookie any response set: [(path, morsel)]."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.cookies_set = []

    def request(self, **request):
        response = super().request(**request)
        self.cookies_set += [(request["PATH_INFO"], morsel) for morsel in response.cookies.values()]
        return response


def is_deletion(morsel):
    if morsel["max-age"] in (0, "0"):
        return True
    return bool(morsel["expires"]) and parsedate_to_datetime(morsel["expires"]) < timezone.now()


def code_for(device):
    device.refresh_from_db()
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=device.drift):06d}"


@pytest.fixture
def demo(db):
    from io import StringIO

    call_command("load_demo_content", stdout=StringIO())


def patient_visit(client):
    pages = [
        "/",
        "/conditions/",
        "/conditions/ice-pick-scars/",
        "/treatments/",
        "/treatments/microneedling/",
        "/treatments/compare/?t=microneedling&t=fractional-laser",
        "/search/?q=scars",
        "/clinicians/",
        "/clinicians/dr-imogen-hartwell/",
        "/contact/",
        "/privacy/",
        "/cookies/",
        "/accessibility/",
        "/complaints/",
        "/consultations/request/?treatment=microneedling",
        "/no-such-page/",
        "/sitemap.xml",
        "/robots.txt",
    ]
    for path in pages:
        client.get(path)
    # A consultation request, its status page, and cancelling it.
    response = client.post("/consultations/request/", consultation_form_data(), follow=True)
    assert response.status_code == 200 and "your request is sent" in response.text
    status_path = ConsultationRequest.objects.get().status_path()
    client.get(status_path)
    client.get(f"{status_path}cancel/")
    client.post(f"{status_path}cancel/", follow=True)
    # "Was this page helpful?", then a comment: each thanks the visitor on the next page.
    client.post("/treatments/microneedling/helpful/", {"helpful": "yes"}, follow=True)
    client.post(
        "/treatments/microneedling/comments/",
        {"author_name": "Robin", "body": "Does it hurt?", "shown_at": sign_form_time(time.time() - 60)},
        follow=True,
    )


def staff_visit(client):
    user = get_user_model().objects.create_user("rosa", "rosa@clinic.example", PASSWORD, is_staff=True)
    device = TOTPDevice.objects.create(user=user, name="Phone", confirmed=True)
    client.get(reverse("admin:login"))
    client.post(reverse("admin:login"), {"username": "rosa", "password": "wrong-password-123"})
    client.post(reverse("admin:login"), {"username": "rosa", "password": PASSWORD}, follow=True)
    response = client.post(reverse("admin:signin_code"), {"code": code_for(device)}, follow=True)
    assert response.status_code == 200 and response.request["PATH_INFO"] == reverse("admin:index")
    client.get(reverse("admin:treatments_treatment_changelist"))
    client.post(reverse("admin:logout"), follow=True)
    # Someone guessing passwords until django-axes locks the account out.
    guesser = client.__class__()
    for _ in range(6):
        guesser.post(reverse("admin:login"), {"username": "rosa", "password": "guess-guess-guess"})
    client.cookies_set += guesser.cookies_set


def test_every_cookie_the_site_sets_is_on_the_cookies_page_with_its_real_lifetime(demo):
    client = RecordingClient()
    patient_visit(client)
    staff_visit(client)
    # A page served from the page cache to a new visitor sets its cookies too.
    from_cache = RecordingClient()
    from_cache.get("/treatments/microneedling/")
    client.cookies_set += from_cache.cookies_set

    undescribed = {f"{morsel.key} (set by {path})" for path, morsel in client.cookies_set if not described(morsel.key)}
    assert undescribed == set()

    wrong_lifetimes = set()
    for path, morsel in client.cookies_set:
        if is_deletion(morsel):
            continue
        expected = described(morsel.key).max_age_seconds
        actual = int(morsel["max-age"]) if morsel["max-age"] != "" else None
        if actual != expected:
            wrong_lifetimes.add(f"{morsel.key} set by {path} for {actual} seconds; the page says {expected}")
    assert wrong_lifetimes == set()

    never_set = {cookie.name for cookie in cookies()} - {morsel.key for _, morsel in client.cookies_set}
    assert never_set == set(), "the cookies page describes cookies the site never set"


def test_the_cookies_page_lists_each_cookie_with_its_purpose_and_lifetime_in_words(client, settings):
    settings.CSRF_COOKIE_AGE = 31449600  # Django's default: 52 weeks
    settings.SESSION_COOKIE_AGE = 1209600  # two weeks
    html = client.get("/cookies/").text
    assert '<th scope="row"><code>csrftoken</code></th>' in html
    assert '<th scope="row"><code>sessionid</code></th>' in html
    assert "Keeps clinic staff signed in" in html and "<td>2 weeks</td>" in html
    assert '<tr id="cookie-clinic_recent_requests">' in html and "<td>1 hour</td>" in html
    assert '<tr id="cookie-clinic_visitor">' in html and "<td>1 year</td>" in html
    assert "<td>Until you close your browser</td>" in html  # messages
    assert "no analytics, advertising or social media cookies" in html
