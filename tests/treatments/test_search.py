"""Search over published conditions and treatments, on SQLite and on PostgreSQL."""

import pytest
from django.urls import reverse

from tests.factories import make_condition, make_treatment
from treatments.models import PublicationStatus

pytestmark = pytest.mark.django_db

SEARCH = reverse("treatments:search")


@pytest.fixture
def pages():
    make_condition(
        title="Ice pick scars",
        slug="ice-pick-scars",
        summary="Narrow, deep acne scars.",
        body="## Prevention\n\nTreat acne early and never squeeze spots.",
    )
    make_treatment(
        title="Microneedling",
        slug="microneedling",
        other_names="skin needling",
        summary="Fine needles build collagen under scars.",
        body="Numbing cream is applied first.",
    )
    make_treatment(title="Fractional laser", slug="fractional-laser", summary="A laser that treats acne scars.")
    make_treatment(title="Secret draft scars", slug="draft", status=PublicationStatus.DRAFT)


def search(client, query):
    return client.get(SEARCH, {"q": query})


def found(response):
    results = response.context["results"] or {}
    return [page.title for kind in ("conditions", "treatments") for page in results.get(kind, [])]


def test_search_finds_conditions_and_treatments_with_a_snippet(client, pages):
    response = search(client, "scars")
    assert response.status_code == 200
    assert set(found(response)) == {"Ice pick scars", "Microneedling", "Fractional laser"}
    assert "<mark>" in response.text
    assert "Conditions</h2>" in response.text and "Treatments</h2>" in response.text


def test_search_matches_other_names_and_body_text(client, pages):
    assert found(search(client, "needling")) == ["Microneedling"]
    response = search(client, "squeeze")
    assert found(response) == ["Ice pick scars"]
    assert "<mark>squeeze</mark>" in response.text


def test_search_is_case_insensitive(client, pages):
    assert found(search(client, "MICRONEEDLING")) == ["Microneedling"]


def test_a_title_match_ranks_above_a_mention(client, pages):
    make_treatment(title="Chemical peel", slug="peel", summary="Often combined with a laser.")
    results = search(client, "laser").context["results"]["treatments"]
    assert results[0].title == "Fractional laser"


def test_drafts_are_never_found(client, pages):
    assert "Secret draft scars" not in found(search(client, "secret"))


def test_no_match_explains_what_to_try(client, pages):
    response = search(client, "xylophone")
    assert response.status_code == 200
    assert "Nothing found for “xylophone”." in response.text


def test_an_empty_search_invites_a_query(client, pages):
    for response in (client.get(SEARCH), search(client, "   ")):
        assert response.status_code == 200
        assert "Type a condition, a treatment or a question" in response.text


def test_a_huge_query_is_refused_politely(client, pages):
    response = search(client, "scar " * 2000)
    assert response.status_code == 200
    assert "Please shorten your search to 200 characters or fewer." in response.text
    assert response.context["results"] is None


@pytest.mark.parametrize(
    "query",
    [
        '"ice pick',
        "&|!:*",
        "scars & | ! : * ( ) <-> \\",
        "'; DROP TABLE treatments_treatment; --",
        "x' OR '1'='1",
        "scars\x00",
        "\x00",
        "cicatrices d’acné — 痤疮疤痕 🙂",
        "-scars",
        "or",
        "%_%",
        "<script>alert(1)</script>",
    ],
)
def test_odd_queries_get_a_clear_page_never_an_error(client, pages, query):
    response = search(client, query)
    assert response.status_code == 200
    assert "<script>alert(1)</script>" not in response.text
    assert "\x00" not in response.text


def test_a_nul_byte_is_ignored_rather_than_sent_to_the_database(client, pages):
    assert found(search(client, "scars\x00")) == found(search(client, "scars"))


def test_search_results_are_not_indexed_by_search_engines(client, pages):
    assert '<meta name="robots" content="noindex">' in search(client, "scars").text
