"""Comparing 2–4 treatments side by side, and what happens with anything else."""

import pytest
from django.urls import reverse

from tests.factories import make_treatment
from treatments.models import Numbing, PublicationStatus

pytestmark = pytest.mark.django_db

COMPARE = reverse("treatments:treatment_compare")


@pytest.fixture
def needling():
    return make_treatment(
        title="Microneedling",
        slug="microneedling",
        sessions_min=3,
        sessions_max=4,
        weeks_between_sessions=6,
        numbing=Numbing.CREAM_OR_LOCAL,
        downtime_days_min=1,
        downtime_days_max=3,
        results_weeks=6,
        offered_here=True,
    )


@pytest.fixture
def laser():
    return make_treatment(
        title="Fractional laser",
        slug="fractional-laser",
        sessions_min=4,
        sessions_max=5,
        weeks_between_sessions=4,
        numbing=Numbing.CREAM,
        downtime_days_min=3,
        downtime_days_max=5,
        results_weeks=6,
        offered_here=True,
    )


@pytest.fixture
def excision():
    return make_treatment(title="Punch excision", slug="punch-excision", sessions_min=1, sessions_max=1)


def compare(client, *slugs):
    return client.get(COMPARE, [("t", slug) for slug in slugs])


def test_two_treatments_side_by_side_in_an_accessible_table(client, needling, laser):
    response = compare(client, "microneedling", "fractional-laser")
    assert response.status_code == 200
    html = response.text
    assert "<caption>" in html
    assert '<th scope="col"><a href="/treatments/microneedling/">Microneedling</a></th>' in html
    assert '<th scope="row">Course length (sessions × interval)</th>' in html
    assert "18–24 weeks" in html and "16–20 weeks" in html


def test_the_short_answer_says_which_is_faster_gentler_and_quicker_to_recover(client, needling, laser):
    html = compare(client, "microneedling", "fractional-laser").text
    assert "<strong>Shortest course:</strong>\n      Fractional laser (16–20 weeks)." in html
    assert "<strong>Least downtime:</strong>\n      Microneedling (1–3 days)." in html
    assert "<strong>Gentlest numbing:</strong>\n      Fractional laser (numbing cream)." in html
    assert "<strong>Earliest results:</strong>\n      the same for all of them" in html


def test_the_best_cell_on_each_row_is_marked_with_words_not_only_colour(client, needling, laser):
    html = compare(client, "microneedling", "fractional-laser").text
    assert html.count('<span class="badge badge-best">Shortest course</span>') == 1
    assert html.count('<span class="badge badge-best">Least downtime</span>') == 1
    assert html.count('<span class="badge badge-best">Gentlest numbing</span>') == 1
    assert 'badge badge-best">Earliest results' not in html


def test_a_single_session_treatment_has_the_shortest_course(client, needling, excision):
    html = compare(client, "microneedling", "punch-excision").text
    assert "Punch excision (A single session)." in html


def test_bookable_treatments_offer_a_consultation_from_the_comparison(client, needling, excision):
    html = compare(client, "microneedling", "punch-excision").text
    assert 'href="/consultations/request/?treatment=microneedling"' in html
    assert "?treatment=punch-excision" not in html


def test_without_a_choice_the_page_offers_the_picker(client, needling, laser):
    response = client.get(COMPARE)
    assert response.status_code == 200
    assert "Choose treatments" in response.text
    assert 'name="t" value="microneedling"' in response.text
    assert 'role="alert"' not in response.text


@pytest.mark.parametrize(
    "slugs, message",
    [
        (["microneedling"], "Pick at least one more treatment"),
        (["microneedling", "microneedling"], "Each treatment can be picked only once"),
        (["microneedling", "no-such-thing"], "We have no treatment page called “no-such-thing”"),
        (["microneedling", "hidden-draft"], "We have no treatment page called “hidden-draft”"),
        (["microneedling", "fractional-laser", "punch-excision", "a", "b"], "We have no treatment page called"),
        ([""], "Pick at least two treatments"),
    ],
)
def test_a_bad_choice_gets_a_friendly_explanation_and_the_picker(client, needling, laser, excision, slugs, message):
    make_treatment(slug="hidden-draft", status=PublicationStatus.DRAFT)
    response = compare(client, *slugs)
    assert response.status_code == 200
    assert message in response.text
    assert 'role="alert"' in response.text and 'name="t" value="punch-excision"' in response.text
    assert '<meta name="robots" content="noindex">' in response.text


def test_more_than_four_treatments_is_explained(client, needling, laser, excision):
    extra = [make_treatment(slug=f"extra-{n}").slug for n in range(2)]
    response = compare(client, "microneedling", "fractional-laser", "punch-excision", *extra)
    assert response.status_code == 200
    assert "You picked 5 treatments. Pick no more than four" in response.text
    assert response.context["rows"] == []


def test_the_picker_keeps_the_treatment_chosen_so_far(client, needling, laser):
    html = compare(client, "microneedling").text
    assert 'value="microneedling" id="pick-microneedling" checked' in html
    assert 'value="fractional-laser" id="pick-fractional-laser">' in html
