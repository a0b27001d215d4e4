"""Search over published conditions and treatments, on SQLite and on PostgreSQL."""

import pytest
from django.urls import reverse

from tests.factories import make_clinician, make_comment, make_condition, make_faq, make_takeaway, make_treatment
from treatments.models import CommentStatus, PublicationStatus, SearchSynonym

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
    """The titles found, best first."""
    results = response.context["results"]
    return [hit.page.title for hit in results.hits] if results else []


def test_search_finds_conditions_and_treatments_with_a_snippet(client, pages):
    response = search(client, "scars")
    assert response.status_code == 200
    assert set(found(response)) == {"Ice pick scars", "Microneedling", "Fractional laser"}
    assert "<mark>" in response.text
    assert '<span class="badge text-bg-light search-kind">Condition</span>' in response.text
    assert '<span class="badge text-bg-light search-kind">Treatment</span>' in response.text


def test_search_matches_other_names_and_body_text(client, pages):
    assert found(search(client, "needling")) == ["Microneedling"]
    response = search(client, "squeeze")
    assert found(response) == ["Ice pick scars"]
    assert "<mark>squeeze</mark>" in response.text


def test_search_is_case_insensitive(client, pages):
    assert found(search(client, "MICRONEEDLING")) == ["Microneedling"]


def test_a_title_match_ranks_above_a_mention(client, pages):
    make_treatment(title="Chemical peel", slug="peel", summary="Often combined with a laser.")
    assert found(search(client, "laser"))[0] == "Fractional laser"


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


# --- Everything a patient can read is searched ------------------------------------------


def test_a_hit_in_an_faq_links_to_that_question_on_its_page(client, pages):
    needling = pages_by_slug("microneedling")
    faq = make_faq(needling, question="Does it hurt?", answer="Most people feel *pressure* rather than pain.")
    response = search(client, "does it hurt")
    assert found(response) == ["Microneedling"]
    link = f'Question on this page: <a href="/treatments/microneedling/#faq-{faq.pk}">Does it hurt?</a>'
    assert link in response.text
    assert "rather than <mark>pain</mark>." in response.text
    assert f'id="faq-{faq.pk}"' in client.get("/treatments/microneedling/").text


def test_takeaways_and_published_clinic_answers_are_searched(client, pages):
    laser = pages_by_slug("fractional-laser")
    make_takeaway(laser, text="Sunscreen every day for a month afterwards.")
    question = make_comment(laser, body="Can I swim afterwards?", is_question=True)
    answer = make_comment(
        laser, parent=question, body="Wait 48 hours before chlorinated pools.", clinician=make_clinician()
    )
    assert found(search(client, "sunscreen")) == ["Fractional laser"]
    response = search(client, "chlorinated")
    assert found(response) == ["Fractional laser"]
    link = f'<a href="/treatments/fractional-laser/#comment-{answer.pk}">an answer from the clinic</a>'
    assert link in response.text


def test_patients_own_comments_and_unpublished_answers_are_not_searched(client, pages):
    laser = pages_by_slug("fractional-laser")
    make_comment(laser, body="My aunt had it at a spa in Marrakesh.")
    pending = {"clinician": make_clinician(), "status": CommentStatus.PENDING}
    make_comment(laser, body="Pending answer about Marrakesh.", **pending)
    assert found(search(client, "marrakesh")) == []


def test_faqs_of_drafts_are_never_found(client, pages):
    draft = pages_by_slug("draft")
    make_faq(draft, question="Is the secret recipe vanilla?", answer="Yes.")
    assert found(search(client, "vanilla")) == []


def test_conditions_and_treatments_share_one_ranked_list(client, pages):
    response = search(client, "scars")
    assert found(response)[0] == "Ice pick scars"


# --- Synonyms ----------------------------------------------------------------------------


def test_the_first_synonyms_come_with_every_database():
    groups = [group.term_list for group in SearchSynonym.objects.all()]
    assert ["accutane", "roaccutane", "isotretinoin"] in groups
    assert any({"needling", "microneedling", "skin needling", "dermaroller"} <= set(group) for group in groups)
    assert any({"rf", "radiofrequency"} <= set(group) for group in groups)


def test_a_synonym_finds_the_page_that_uses_the_other_word(client, pages):
    make_treatment(title="Radiofrequency", slug="radiofrequency", summary="Heat tightens the skin.")
    assert found(search(client, "RF")) == ["Radiofrequency"]
    assert found(search(client, "dermaroller")) == ["Microneedling"]


def test_editors_add_synonyms_in_admin_and_search_uses_them_at_once(admin_client, client, pages):
    assert found(search(client, "pockmarks")) == []
    response = admin_client.post(
        reverse("admin:treatments_searchsynonym_add"), {"terms": "pockmarks, acne scars"}, follow=True
    )
    assert response.status_code == 200
    assert set(found(search(client, "pockmarks"))) == {"Ice pick scars", "Fractional laser"}


def test_a_synonym_group_needs_two_terms(admin_client):
    response = admin_client.post(reverse("admin:treatments_searchsynonym_add"), {"terms": "alone"})
    assert response.status_code == 200
    assert "Give at least two words or phrases, separated by commas." in response.text
    assert not SearchSynonym.objects.filter(terms="alone").exists()


# --- Typos -------------------------------------------------------------------------------


def test_a_misspelt_word_is_searched_as_the_closest_word_on_the_site(client, pages):
    response = search(client, "lazer")
    assert found(response) == ["Fractional laser"]
    assert "Also searched for “<strong>laser</strong>” instead of “lazer”." in response.text
    assert found(search(client, "micronedling")) == ["Microneedling"]


def test_did_you_mean_is_offered_when_nothing_matches(client, pages):
    response = search(client, "microneeeedlling")
    assert found(response) == []
    assert "Nothing found for “microneeeedlling”." in response.text
    assert 'Did you mean <a href="/search/?q=microneedling">“microneedling”</a>?' in response.text


def test_words_that_are_not_typos_are_left_alone(client, pages):
    response = search(client, "xylophone scars")
    assert "Also searched for" not in response.text
    assert "Ice pick scars" in found(response)


# --- Snippets ----------------------------------------------------------------------------


def test_snippets_mark_the_words_that_matched_and_no_others(client, pages):
    make_treatment(
        title="Microdermabrasion", slug="microdermabrasion", summary="Unlike microneedling, it only polishes."
    )
    response = search(client, "microneedling")
    assert "Unlike <mark>microneedling</mark>, it only polishes." in response.text
    assert "<mark>Microdermabrasion" not in response.text and "<mark>microdermabrasion" not in response.text


def pages_by_slug(slug):
    from treatments.models import Condition, Treatment

    return Treatment.objects.filter(slug=slug).first() or Condition.objects.get(slug=slug)
