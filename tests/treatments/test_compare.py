"""Comparing 2–4 treatments side by side, and what happens with anything else."""

import pytest
from django.urls import reverse

from tests.factories import make_condition, make_link, make_reference, make_treatment
from treatments.models import Discomfort, Numbing, PublicationStatus, Suitability

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
        discomfort=Discomfort.MILD,
        downtime_days_min=1,
        downtime_days_max=3,
        results_weeks_min=4,
        results_weeks_max=6,
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
        discomfort=Discomfort.MODERATE,
        downtime_days_min=3,
        downtime_days_max=5,
        results_weeks_min=6,
        results_weeks_max=8,
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
    assert '<th scope="row">Time from first to last session</th>' in html
    # 3–4 sessions 6 weeks apart: 12–18 weeks; 4–5 sessions 4 weeks apart: 12–16 weeks.
    assert "About 3–4 months (12–18 weeks)" in html and "About 3–4 months (12–16 weeks)" in html
    assert "Course length (sessions × interval)" not in html


def test_the_short_answer_says_which_is_faster_hurts_less_and_is_quicker_to_recover(client, needling, laser):
    html = compare(client, "microneedling", "fractional-laser").text
    # 12–18 and 12–16 weeks both read "about 3–4 months": neither is called the shorter.
    assert (
        "<strong>Shortest course:</strong>\n      similar for all of them (about 3–4 months), so none is marked."
        in html
    )
    assert "<strong>Least discomfort:</strong>\n      Microneedling (mild)." in html
    assert "<strong>Least downtime:</strong>\n      Microneedling (1–3 days)." in html
    assert "<strong>Earliest results:</strong>\n      Microneedling (4–6 weeks after the first session)." in html


def test_numbing_is_described_but_never_crowned(client, needling, laser):
    html = compare(client, "microneedling", "fractional-laser").text
    assert "Gentlest numbing" not in html
    assert "Numbing cream or local anaesthetic" in html


def test_the_best_cell_on_each_row_is_marked_with_words_not_only_colour(client, needling, laser):
    html = compare(client, "microneedling", "fractional-laser").text
    assert html.count('<span class="badge badge-best">Shortest course</span>') == 0  # both about 3–4 months
    assert html.count('<span class="badge badge-best">Least downtime</span>') == 1
    assert html.count('<span class="badge badge-best">Least discomfort</span>') == 1
    assert html.count('<span class="badge badge-best">Earliest results</span>') == 1


def test_a_single_session_treatment_has_the_shortest_course(client, needling, excision):
    html = compare(client, "microneedling", "punch-excision").text
    assert "Punch excision (one session)." in html


def test_a_course_of_one_or_more_sessions_reads_as_words_in_the_short_answer(client, excision):
    make_treatment(
        title="Laser resurfacing", slug="laser-resurfacing", sessions_min=1, sessions_max=3, weeks_between_sessions=8
    )  # one session, or 16 weeks for three
    make_treatment(title="Peel", slug="peel", sessions_min=6, sessions_max=8, weeks_between_sessions=6)
    html = compare(client, "laser-resurfacing", "peel").text
    assert "Laser resurfacing (one session, or about 4 months)." in html
    assert "0 weeks" not in html


def test_courses_that_read_the_same_in_words_are_not_split_by_the_badge(client, needling, laser):
    """12–18 and 12–16 weeks both read "about 3–4 months": picking one would be a silent coin toss."""
    html = compare(client, "microneedling", "fractional-laser").text
    assert "Fractional laser (about 3–4 months)" not in html
    assert "similar for all of them (about 3–4 months)" in html
    assert "Shortest course</span>" not in html


def test_of_three_the_two_courses_that_read_the_same_are_both_marked_shortest(client, needling, laser):
    make_treatment(
        title="Chemical peel", slug="chemical-peel", sessions_min=6, sessions_max=8, weeks_between_sessions=6
    )  # 30–42 weeks: about 7–10 months
    html = compare(client, "microneedling", "fractional-laser", "chemical-peel").text
    assert "<strong>Shortest course:</strong>\n      Microneedling and Fractional laser (about 3–4 months)." in html
    assert html.count('<span class="badge badge-best">Shortest course</span>') == 2


def punch(title, slug, first_week, last_week, **facts):
    return make_treatment(
        title=title,
        slug=slug,
        sessions_min=1,
        sessions_max=1,
        results_weeks_min=first_week,
        results_weeks_max=last_week,
        **facts,
    )


def test_results_that_start_in_the_same_week_share_earliest_results(client):
    """The caption compares results on the earliest week they can show: 1–8 and 1–6 weeks both
    start in week 1, so neither is earlier because the other's changes finish sooner."""
    punch("Punch excision", "punch-excision", 1, 8)
    punch("Punch replacement grafting", "punch-replacement-grafting", 4, 6)
    punch("Punch elevation", "punch-elevation", 1, 6)
    html = compare(client, "punch-excision", "punch-replacement-grafting", "punch-elevation").text
    assert (
        "<strong>Earliest results:</strong>\n      Punch excision and Punch elevation"
        " (from week 1 after the first session)." in html
    )
    assert html.count('<span class="badge badge-best">Earliest results</span>') == 2
    assert "1–8 weeks after the first session. <span" in html and "1–6 weeks after the first session. <span" in html
    assert "4–6 weeks after the first session.</td>" in html  # grafting starts in week 4: not marked


def test_results_all_starting_in_the_same_week_mark_none(client):
    punch("Punch excision", "punch-excision", 1, 8)
    punch("Punch elevation", "punch-elevation", 1, 6)
    html = compare(client, "punch-excision", "punch-elevation").text
    assert (
        "<strong>Earliest results:</strong>\n      similar for all of them"
        " (from week 1 after the first session), so none is marked." in html
    )
    assert "Earliest results</span>" not in html


def test_downtime_is_ranked_on_the_longest_it_can_last(client):
    """The caption compares ranges on their upper figure: "up to 3 days" and "1–3 days" both
    mean planning for three days off, so both have the least downtime."""
    punch("Punch excision", "punch-excision", 1, 8, downtime_days_min=0, downtime_days_max=3)
    punch("Punch elevation", "punch-elevation", 1, 6, downtime_days_min=1, downtime_days_max=3)
    punch("Subcision", "subcision", 2, 8, downtime_days_min=3, downtime_days_max=5)
    html = compare(client, "punch-excision", "punch-elevation", "subcision").text
    assert "<strong>Least downtime:</strong>\n      Punch excision and Punch elevation (up to 3 days)." in html
    assert html.count('<span class="badge badge-best">Least downtime</span>') == 2


def test_courses_ending_by_the_same_week_share_the_shortest_course(client, laser):
    """One session or three 8 weeks apart (up to 16 weeks) and 4–5 sessions 4 weeks apart
    (12–16 weeks) both run 16 weeks at the longest."""
    make_treatment(
        title="Laser resurfacing", slug="laser-resurfacing", sessions_min=1, sessions_max=3, weeks_between_sessions=8
    )
    make_treatment(title="Peel", slug="peel", sessions_min=6, sessions_max=8, weeks_between_sessions=6)
    html = compare(client, "laser-resurfacing", "fractional-laser", "peel").text
    assert (
        "<strong>Shortest course:</strong>\n      Laser resurfacing and Fractional laser"
        " (up to about 4 months)." in html
    )
    assert html.count('<span class="badge badge-best">Shortest course</span>') == 2


# --- Compared for a condition ------------------------------------------------------------


@pytest.fixture
def scars(needling, laser):
    """Ice pick scars, for which microneedling and fractional laser are well suited and
    microdermabrasion, the quickest and gentlest of the three, has limited effect."""
    condition = make_condition(title="Ice pick scars", slug="ice-pick-scars")
    evidence = make_reference(condition, citation="Fernandes D. Minimally invasive percutaneous collagen induction.")
    make_link(condition, needling, suitability=Suitability.WELL_SUITED, suitability_reference=evidence)
    make_link(condition, laser, suitability=Suitability.WELL_SUITED)
    polish = make_treatment(
        title="Microdermabrasion",
        slug="microdermabrasion",
        sessions_min=6,
        sessions_max=10,
        weeks_between_sessions=2,
        discomfort=Discomfort.MILD,
        downtime_days_min=0,
        downtime_days_max=0,
        results_weeks_min=2,
        results_weeks_max=4,
    )
    make_link(condition, polish, suitability=Suitability.LIMITED_EFFECT)
    return condition


def test_compared_for_a_condition_each_treatment_says_how_well_it_works_for_it(client, scars):
    html = client.get(COMPARE, {"t": ["microneedling", "microdermabrasion"], "condition": "ice-pick-scars"}).text
    assert '<th scope="row">For ice pick scars</th>' in html
    assert "Well suited" in html and "Limited effect" in html
    assert "Evidence: Fernandes D. Minimally invasive percutaneous collagen induction." in html


def test_badges_rank_only_the_treatments_suited_to_the_condition(client, scars):
    query = {"t": ["microneedling", "fractional-laser", "microdermabrasion"], "condition": "ice-pick-scars"}
    html = client.get(COMPARE, query).text
    assert "<strong>Least downtime:</strong>\n      Microneedling (1–3 days)." in html
    assert "<strong>Earliest results:</strong>\n      Microneedling (4–6 weeks after the first session)." in html
    assert "Not ranked: Microdermabrasion" in html
    # Without the condition, the gentle polish wins on downtime.
    html = client.get(COMPARE, {"t": query["t"]}).text
    assert "<strong>Least downtime:</strong>\n      Microdermabrasion (None: back to normal the same day)." in html


def test_comparing_from_a_condition_page_carries_the_condition(client, scars):
    html = client.get("/conditions/ice-pick-scars/").text
    assert 'href="/treatments/compare/?t=microneedling&amp;t=fractional-laser&amp;condition=ice-pick-scars"' in html
    assert '<input type="hidden" name="condition" value="ice-pick-scars">' in html
    assert "For this condition: <strong>Well suited</strong>" in html


def test_an_unknown_condition_is_ignored_with_a_note(client, needling, laser):
    response = client.get(COMPARE, {"t": ["microneedling", "fractional-laser"], "condition": "no-such-thing"})
    assert response.status_code == 200
    assert "We have no condition page by that name" in response.text
    assert "For no-such-thing" not in response.text


def test_suitability_evidence_must_be_one_of_the_conditions_references(scars, laser):
    from django.core.exceptions import ValidationError

    other = make_reference(make_condition(), citation="Unrelated paper.")
    link = scars.treatment_links.get(treatment=laser)
    link.suitability_reference = other
    with pytest.raises(ValidationError, match="Choose one of this condition's own references."):
        link.full_clean()


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
