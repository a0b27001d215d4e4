"""The home page: the clinic, its conditions, featured treatments, and how to ask for a consultation."""

import pytest

from tests.factories import make_clinician, make_condition, make_treatment
from treatments.models import PublicationStatus

pytestmark = pytest.mark.django_db


def test_home_shows_conditions_featured_treatments_team_and_a_consultation_link(client):
    make_condition(title="Ice pick scars")
    make_condition(title="Draft condition", status=PublicationStatus.DRAFT)
    make_treatment(title="Microneedling", slug="microneedling", offered_here=True)
    make_treatment(title="Fractional laser", slug="fractional-laser", offered_here=True)
    make_treatment(title="Punch excision", offered_here=False)
    make_clinician(name="Dr Imogen Example")
    html = client.get("/").text
    assert "Ice pick scars" in html and "Draft condition" not in html
    assert "Microneedling" in html and "Fractional laser" in html and "Punch excision" not in html
    assert 'href="/treatments/compare/?t=' in html
    assert 'href="/consultations/request/"' in html
    assert "Dr Imogen Example" in html
    assert 'action="/search/"' in html


def test_home_without_content_still_reads_well(client):
    response = client.get("/")
    assert response.status_code == 200
    assert "will appear here soon" in response.text
