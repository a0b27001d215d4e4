"""The page cache and query strings: only pages whose query string is empty or made
of the parameters the page reads are stored, normalised; junk is served, not stored."""

import pytest
from django.core.cache import caches

from tests.factories import make_treatment
from tests.test_pagecache import get

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def page_cache_on(settings):
    """The page cache on, in a local-memory cache of its own whose entries the tests can count."""
    settings.CACHES = {
        **settings.CACHES,
        "pages": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "query-string-tests"},
    }
    settings.PAGE_CACHE_ALIAS = "pages"
    settings.PAGE_CACHE_SECONDS = 60
    yield
    caches["pages"].clear()


@pytest.fixture
def treatment():
    make_treatment(title="Laser", slug="laser")
    return make_treatment(title="Microneedling", slug="microneedling", offered_here=True)


def stored_pages():
    """How many pages the (local-memory) page cache holds."""
    return sum(1 for key in caches["pages"]._cache if "pagecache:page:" in key)


def test_junk_query_strings_add_nothing_to_the_cache(treatment):
    get("/treatments/microneedling/")
    assert stored_pages() == 1
    for n in range(30):  # the attack sent 300; each adds nothing, so 30 show it
        response, queries = get(f"/treatments/microneedling/?utm_campaign={n}")
        assert response.status_code == 200 and "Microneedling" in response.text
    assert stored_pages() == 1


def test_a_junk_query_string_is_rendered_each_time_never_served_from_the_cache(treatment):
    for _ in range(2):
        response, queries = get("/treatments/microneedling/?fbclid=abc123")
        assert response.status_code == 200 and queries > 0


def test_a_parameter_the_page_reads_plus_junk_is_not_stored(treatment):
    for _ in range(2):
        response, queries = get("/search/?q=needling&utm_source=newsletter")
        assert response.status_code == 200 and queries > 0
    assert stored_pages() == 0


@pytest.mark.parametrize(
    "first, then",
    [
        ("/treatments/?offered_here=on&invasiveness=", "/treatments/?invasiveness=&offered_here=on"),
        ("/search/?q=skin+needling", "/search/?q=skin%20needling"),
        ("/treatments/microneedling/?comments_page=1", "/treatments/microneedling/?comments_page=1"),
        ("/consultations/request/?treatment=laser", "/consultations/request/?treatment=laser"),
    ],
)
def test_the_parameters_a_page_reads_are_stored_once_whatever_their_order_or_encoding(treatment, first, then):
    get(first)
    response, queries = get(then)
    assert response.status_code == 200 and queries == 0
    assert stored_pages() == 1


def test_the_order_of_the_treatments_compared_still_makes_a_different_page(treatment):
    get("/treatments/compare/?t=laser&t=microneedling")
    response, queries = get("/treatments/compare/?t=microneedling&t=laser")
    assert response.status_code == 200 and queries > 0
    assert stored_pages() == 2


def test_a_query_string_with_too_many_parameters_is_answered_without_the_cache(treatment, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 5
    response, _ = get("/treatments/microneedling/?" + "&".join(f"a{n}=1" for n in range(10)))
    assert response.status_code in (200, 400)
    assert stored_pages() == 0
