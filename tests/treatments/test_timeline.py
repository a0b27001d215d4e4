"""The comparison's timeline: sessions along the weeks, downtime after each, when
results show; drawn as SVG on the server, with the same facts in a table."""

import pytest
from django.urls import reverse

from tests.factories import make_treatment
from treatments.timeline import timeline

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
        downtime_days_min=1,
        downtime_days_max=3,
        results_weeks_min=4,
        results_weeks_max=6,
    )


@pytest.fixture
def excision():
    return make_treatment(
        title="Punch excision",
        slug="punch-excision",
        sessions_min=1,
        sessions_max=1,
        downtime_days_min=5,
        downtime_days_max=7,
        results_weeks_min=1,
        results_weeks_max=8,
    )


def test_sessions_fall_on_their_weeks_with_the_extra_one_marked_as_only_if_needed(needling, excision):
    drawn = timeline([needling, excision])
    needling_row, excision_row = drawn.rows
    assert [(s.week, s.optional) for s in needling_row.sessions] == [(0, False), (6, False), (12, False), (18, True)]
    assert [(s.week, s.optional) for s in excision_row.sessions] == [(0, False)]
    # Week 18 plus 3 days of downtime fits in a scale of 20 weeks.
    assert drawn.weeks == 20
    assert [week for _, week in drawn.ticks] == [0, 4, 8, 12, 16, 20]


def test_downtime_follows_every_session_and_results_span_their_weeks(needling):
    drawn = timeline([needling])
    row = drawn.rows[0]
    assert len(row.downtime) == 4
    assert [x for x, _ in row.downtime] == [s.x for s in row.sessions]
    week = (drawn.rows[0].sessions[1].x - drawn.rows[0].sessions[0].x) / 6
    start, width = row.results
    assert start == pytest.approx(row.sessions[0].x + 4 * week, abs=0.2)
    assert width == pytest.approx(2 * week, abs=0.2)


def test_the_comparison_draws_the_timeline_and_says_it_in_words(client, needling, excision):
    html = client.get(COMPARE, {"t": ["microneedling", "punch-excision"]}).text
    assert '<svg class="timeline-svg" viewBox="0 0 640 180" role="img"' in html
    assert '<title id="timeline-svg-title">Timeline of Microneedling, Punch excision over 20 weeks</title>' in html
    # Three usual needling sessions and the excision, plus the legend's sample of each kind.
    assert html.count('class="tl-session"') == 3 + 1 + 1
    assert html.count('class="tl-session tl-optional"') == 1 + 1
    words = html[html.index("<caption>The timeline in words</caption>") :]
    assert (
        '<td data-label="Sessions (weeks after the first)">'
        "Weeks 0, 6 and 12, and week 18 if another session is needed</td>" in words
    )
    assert '<td data-label="Downtime">1–3 days, after each session</td>' in words
    assert '<td data-label="Results usually start to show">4–6 weeks after the first session</td>' in words
    assert (
        '<td data-label="Sessions (weeks after the first)">One session, in week 0</td>'
        '<td data-label="Downtime">5–7 days</td>'
        '<td data-label="Results usually start to show">1–8 weeks after the first session</td>'
    ) in words


def test_a_treatment_without_figures_is_not_drawn_but_explained(client, needling):
    make_treatment(title="New method", slug="new-method")
    html = client.get(COMPARE, {"t": ["microneedling", "new-method"]}).text
    assert "Not enough figures to draw: see the table" in html
    assert "Not known: ask your clinician</td>" in html
