"""The treatment list with its filters, and treatment pages."""

import pytest
from django.urls import reverse

from tests.factories import make_condition, make_faq, make_link, make_staff_user, make_treatment
from treatments.models import Discomfort, Invasiveness, Numbing, PublicationStatus

pytestmark = pytest.mark.django_db

LIST = reverse("treatments:treatment_list")


@pytest.fixture
def catalogue():
    """Three treatments for ice pick scars, one for another condition."""
    scars = make_condition(title="Ice pick scars", slug="ice-pick-scars")
    other = make_condition(title="Rosacea", slug="rosacea")
    treatments = {
        "needling": make_treatment(
            title="Microneedling",
            slug="microneedling",
            invasiveness=Invasiveness.MINIMALLY_INVASIVE,
            downtime_days_min=1,
            downtime_days_max=3,
            offered_here=True,
        ),
        "laser": make_treatment(
            title="Fractional laser",
            slug="fractional-laser",
            invasiveness=Invasiveness.NON_INVASIVE,
            downtime_days_min=3,
            downtime_days_max=5,
            offered_here=True,
        ),
        "excision": make_treatment(
            title="Punch excision",
            slug="punch-excision",
            invasiveness=Invasiveness.SURGICAL,
            downtime_days_min=5,
            downtime_days_max=7,
        ),
        "peel": make_treatment(
            title="Gentle peel", slug="gentle-peel", invasiveness=Invasiveness.NON_INVASIVE, downtime_days_max=0
        ),
    }
    for key in ("needling", "laser", "excision"):
        make_link(scars, treatments[key])
    make_link(other, treatments["peel"])
    return treatments


def titles(response):
    return [t.title for t in response.context["treatments"]]


def test_the_list_shows_every_published_treatment(client, catalogue):
    make_treatment(title="Draft therapy", status=PublicationStatus.DRAFT)
    response = client.get(LIST)
    assert response.status_code == 200
    assert sorted(titles(response)) == ["Fractional laser", "Gentle peel", "Microneedling", "Punch excision"]
    assert "Draft therapy" not in response.text


def test_filter_by_condition(client, catalogue):
    response = client.get(LIST, {"condition": "ice-pick-scars"})
    assert sorted(titles(response)) == ["Fractional laser", "Microneedling", "Punch excision"]


def test_filter_by_invasiveness(client, catalogue):
    response = client.get(LIST, {"invasiveness": Invasiveness.NON_INVASIVE})
    assert sorted(titles(response)) == ["Fractional laser", "Gentle peel"]


def test_filter_by_maximum_downtime(client, catalogue):
    assert sorted(titles(client.get(LIST, {"max_downtime": 3}))) == ["Gentle peel", "Microneedling"]
    assert titles(client.get(LIST, {"max_downtime": 0})) == ["Gentle peel"]


def test_filter_to_treatments_offered_here(client, catalogue):
    assert sorted(titles(client.get(LIST, {"offered_here": "on"}))) == ["Fractional laser", "Microneedling"]


def test_filters_combine_and_stay_selected_in_the_form(client, catalogue):
    response = client.get(LIST, {"condition": "ice-pick-scars", "max_downtime": "3", "invasiveness": ""})
    assert titles(response) == ["Microneedling"]
    assert '<option value="ice-pick-scars" selected>' in response.text
    assert '<option value="3" selected>' in response.text
    assert 'method="get"' in response.text


def test_nothing_matching_explains_what_to_do(client, catalogue):
    response = client.get(LIST, {"condition": "rosacea", "offered_here": "on"})
    assert titles(response) == []
    assert "No treatment matches all of these filters" in response.text


@pytest.mark.parametrize(
    "params", [{"condition": "no-such"}, {"max_downtime": "lots"}, {"invasiveness": "<script>"}, {"max_downtime": "5"}]
)
def test_a_bad_filter_value_is_explained_and_the_rest_still_apply(client, catalogue, params):
    response = client.get(LIST, {**params, "offered_here": "on"})
    assert response.status_code == 200
    assert "Some filters could not be used" in response.text
    assert sorted(titles(response)) == ["Fractional laser", "Microneedling"]
    assert "<script>" not in response.text


def treatment_page(client, slug):
    return client.get(reverse("treatments:treatment_detail", args=[slug]))


def test_treatment_page_shows_the_key_facts_table(client):
    make_treatment(
        title="Fractional laser",
        slug="fractional-laser",
        sessions_min=4,
        sessions_max=5,
        weeks_between_sessions=4,
        session_minutes_min=30,
        session_minutes_max=30,
        numbing=Numbing.CREAM,
        numbing_minutes_min=45,
        numbing_minutes_max=60,
        downtime_days_min=3,
        downtime_days_max=5,
        results_weeks_min=6,
        results_weeks_max=8,
        results_note="A few weeks after the second session",
        discomfort=Discomfort.MODERATE,
        discomfort_note="warm prickling",
    )
    html = treatment_page(client, "fractional-laser").text
    assert "<caption>Fractional laser at a glance." in html
    for label, value in [
        ("Sessions usually needed", "4–5 sessions"),
        ("Time between sessions", "4 weeks (about a month)"),
        ("Time from first to last session", "About 3–4 months (12–16 weeks)"),
        ("Numbing", "Numbing cream; the cream sits for 45–60 minutes first"),
        ("Each session takes", "30 minutes"),
        ("Downtime", "3–5 days"),
        ("How much it hurts", "Moderate: warm prickling"),
        ("When results usually show", "6–8 weeks after the first session. A few weeks after the second session."),
    ]:
        assert f'<th scope="row">{label}</th>\n                <td>{value}</td>' in html


def test_unknown_facts_say_to_ask_rather_than_showing_blanks(client):
    make_treatment(slug="new-thing")
    assert "Varies: ask your clinician" in treatment_page(client, "new-thing").text


def test_treatment_page_shows_body_aftercare_side_effects_conditions_and_faq(client):
    treatment = make_treatment(
        title="Microneedling",
        slug="microneedling",
        other_names="skin needling",
        body="## How it works\n\nTiny channels.\n\n## Before your session\n\nStop retinoids.",
        aftercare="- Wear **sunscreen** for several weeks.",
        side_effects="- Redness for 1–3 days.",
    )
    make_link(make_condition(title="Ice pick scars", slug="ice-pick-scars"), treatment, note="Builds collagen")
    make_link(make_condition(title="Hidden", status=PublicationStatus.DRAFT), treatment)
    make_faq(treatment, question="Does it hurt?", answer="Mostly pressure.")
    html = treatment_page(client, "microneedling").text
    assert "Also called skin needling" in html
    assert '<h2 id="how-it-works">How it works</h2>' in html
    assert "<strong>sunscreen</strong>" in html and "Redness for 1–3 days." in html
    assert 'href="/conditions/ice-pick-scars/">Ice pick scars</a>: Builds collagen' in html
    assert "Hidden" not in html
    assert "Does it hurt?" in html


def test_a_bookable_treatment_offers_a_consultation_for_it(client):
    make_treatment(slug="microneedling", offered_here=True)
    html = treatment_page(client, "microneedling").text
    assert 'href="/consultations/request/?treatment=microneedling"' in html
    assert "Request a consultation" in html


def test_a_treatment_not_offered_here_says_so_and_points_to_advice_on_the_condition(client):
    treatment = make_treatment(slug="punch-excision", offered_here=False)
    make_link(make_condition(slug="ice-pick-scars"), treatment)
    html = treatment_page(client, "punch-excision").text
    assert "not offered at this clinic" in html
    assert "?treatment=punch-excision" not in html
    assert 'href="/consultations/request/?condition=ice-pick-scars"' in html


def test_treatment_page_links_to_a_comparison_starting_with_it(client):
    make_treatment(title="Microneedling", slug="microneedling")
    assert 'href="/treatments/compare/?t=microneedling"' in treatment_page(client, "microneedling").text


def test_unknown_and_draft_treatments_are_404(client):
    make_treatment(slug="draft-laser", status=PublicationStatus.DRAFT)
    assert treatment_page(client, "no-such-treatment").status_code == 404
    assert treatment_page(client, "draft-laser").status_code == 404


def test_staff_who_may_view_treatments_can_preview_a_draft(client):
    make_treatment(title="Draft laser", slug="draft-laser", status=PublicationStatus.DRAFT)
    client.force_login(make_staff_user("treatments.view_treatment"))
    response = treatment_page(client, "draft-laser")
    assert response.status_code == 200 and "Draft preview" in response.text
