"""DJANGO_TRUSTED_PROXIES: whose address rate limits and sign-in lockouts count by,
behind proxies and with forged X-Forwarded-For headers."""

import pytest
from axes.models import AccessAttempt
from django.contrib.auth import get_user_model
from django.http import HttpResponse
from django.test import Client, RequestFactory
from django.urls import reverse

from clinic.client_ip import client_address
from clinic.ratelimit import ratelimit

PROXY = "10.0.0.5"  # the load balancer: every request arrives from it


@ratelimit("proxy-test-form", limit=2, window_seconds=60)
def form_view(request):
    return HttpResponse("stored")


def post(forwarded_for=None, remote=PROXY):
    extra = {"HTTP_X_FORWARDED_FOR": forwarded_for} if forwarded_for is not None else {}
    return form_view(RequestFactory().post("/", REMOTE_ADDR=remote, **extra)).status_code


def address(forwarded_for, remote=PROXY):
    return client_address(RequestFactory().get("/", REMOTE_ADDR=remote, HTTP_X_FORWARDED_FOR=forwarded_for))


@pytest.mark.parametrize(
    "trusted, forwarded_for, expected",
    [
        (0, "198.51.100.7", PROXY),  # header ignored: the connecting address
        (1, "198.51.100.7", "198.51.100.7"),
        (1, "6.6.6.6, 198.51.100.7", "198.51.100.7"),  # the client's forged entry is left of the proxy's
        (2, "6.6.6.6, 198.51.100.7, 172.16.0.9", "198.51.100.7"),  # CDN appended the client, LB the CDN
        (2, "198.51.100.7", "198.51.100.7"),  # fewer entries than proxies: the outermost one's
        (1, "198.51.100.7:51234", "198.51.100.7"),
        (1, "[2001:db8::1]:443", "2001:db8::1"),
        (1, "not-an-address", PROXY),
        (1, "", PROXY),
    ],
)
def test_the_client_address_is_the_entry_the_outermost_trusted_proxy_appended(
    settings, trusted, forwarded_for, expected
):
    settings.TRUSTED_PROXIES = trusted
    assert address(forwarded_for) == expected


@pytest.mark.django_db
def test_without_trusted_proxies_a_forged_header_does_not_escape_the_limit(settings):
    settings.TRUSTED_PROXIES = 0
    assert [post("198.51.100.1"), post("198.51.100.2"), post("198.51.100.3")] == [200, 200, 429]


@pytest.mark.django_db
def test_behind_one_proxy_patients_are_limited_each_on_their_own(settings):
    settings.TRUSTED_PROXIES = 1
    assert [post("198.51.100.7"), post("198.51.100.7"), post("198.51.100.7")] == [200, 200, 429]
    assert post("203.0.113.20") == 200  # another patient behind the same proxy is not refused


@pytest.mark.django_db
def test_behind_one_proxy_a_forged_header_does_not_escape_the_limit(settings):
    settings.TRUSTED_PROXIES = 1
    statuses = [post(f"6.6.6.{n}, 198.51.100.7") for n in range(3)]
    assert statuses == [200, 200, 429]


@pytest.mark.django_db
def test_behind_one_proxy_wrong_passwords_lock_out_the_guesser_not_the_staff_member(settings):
    settings.TRUSTED_PROXIES = 1
    get_user_model().objects.create_user("rosa", password="correct-horse-battery-7", is_staff=True)

    def sign_in(password, client_address):
        return Client(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=client_address).post(
            reverse("admin:login"), {"username": "rosa", "password": password}
        )

    statuses = [sign_in("wrong-password", f"6.6.6.{n}, 198.51.100.66").status_code for n in range(5)]
    assert statuses == [200, 200, 200, 200, 429]
    assert AccessAttempt.objects.get().ip_address == "198.51.100.66"
    assert sign_in("correct-horse-battery-7", "203.0.113.20").status_code == 302  # the real Rosa, elsewhere


@pytest.mark.django_db
def test_with_the_header_ignored_every_sign_in_counts_by_the_connecting_address(settings):
    settings.TRUSTED_PROXIES = 0
    get_user_model().objects.create_user("rosa", password="correct-horse-battery-7", is_staff=True)
    Client(REMOTE_ADDR="198.51.100.66", HTTP_X_FORWARDED_FOR="6.6.6.6").post(
        reverse("admin:login"), {"username": "rosa", "password": "wrong-password"}
    )
    assert AccessAttempt.objects.get().ip_address == "198.51.100.66"
