from unittest import mock

import pytest
from django.core.cache import caches
from django.http import HttpResponse
from django.test import RequestFactory

from clinic.ratelimit import client_key, hit, ratelimit


@ratelimit("test-form", limit=2, window_seconds=60)
def form_view(request):
    return HttpResponse("stored")


@pytest.mark.django_db
def test_third_post_in_a_window_gets_a_clear_429_page():
    factory = RequestFactory()
    assert form_view(factory.post("/", REMOTE_ADDR="10.0.0.1")).status_code == 200
    assert form_view(factory.post("/", REMOTE_ADDR="10.0.0.1")).status_code == 200
    limited = form_view(factory.post("/", REMOTE_ADDR="10.0.0.1"))
    assert limited.status_code == 429
    assert b"Too many attempts" in limited.content
    assert limited["Retry-After"] == "60"


@pytest.mark.django_db
def test_limits_count_per_client_and_ignore_reads():
    factory = RequestFactory()
    for _ in range(2):
        form_view(factory.post("/", REMOTE_ADDR="10.0.0.1"))
    assert form_view(factory.post("/", REMOTE_ADDR="10.0.0.2")).status_code == 200
    assert form_view(factory.get("/", REMOTE_ADDR="10.0.0.1")).status_code == 200


def test_client_key_does_not_contain_the_address():
    request = RequestFactory().get("/", REMOTE_ADDR="203.0.113.9")
    assert "203.0.113.9" not in client_key(request)
    assert client_key(request) == client_key(RequestFactory().get("/", REMOTE_ADDR="203.0.113.9"))


def test_an_unreachable_cache_counts_in_the_process_instead_of_refusing_or_letting_all_through():
    with mock.patch.object(caches["limits"], "add", side_effect=ConnectionError("redis down")):
        assert hit("test-form", "client-during-outage", limit=2, window_seconds=60) is True
        assert hit("test-form", "client-during-outage", limit=2, window_seconds=60) is True
        assert hit("test-form", "client-during-outage", limit=2, window_seconds=60) is False
        assert hit("test-form", "another-client-during-outage", limit=2, window_seconds=60) is True


@pytest.mark.django_db
def test_limits_can_be_turned_off_for_a_load_test(settings):
    settings.RATE_LIMITS_ENABLED = False
    factory = RequestFactory()
    for _ in range(5):
        assert form_view(factory.post("/", REMOTE_ADDR="10.0.0.1")).status_code == 200
