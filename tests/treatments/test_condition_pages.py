"""The condition list and condition pages, as a patient reads them."""

import datetime

import pytest
from django.contrib.sessions.models import Session
from django.urls import reverse

from tests.factories import (
    make_clinician,
    make_condition,
    make_faq,
    make_link,
    make_reference,
    make_staff_user,
    make_takeaway,
    make_treatment,
)
from treatments.models import Numbing, PublicationStatus

pytestmark = pytest.mark.django_db


@pytest.fixture
def condition():
    author = make_clinician(name="Nurse Writer", credentials="RN")
    reviewer = make_clinician(name="Dr Reviewer", credentials="MBBS, MD")
    return make_condition(
        title="Ice pick scars",
        slug="ice-pick-scars",
        summary="Narrow, deep acne scars.",
        body="## What they are\n\nDeep and narrow [ref:1].\n\n## Prevention\n\nDo not pick spots.",
        author=author,
        medical_reviewer=reviewer,
        reviewed_on=datetime.date(2026, 10, 1),
        next_review_due=datetime.date(2027, 10, 1),
    )


def detail(condition):
    return reverse("treatments:condition_detail", args=[condition.slug])


def test_condition_list_shows_published_conditions_with_their_treatment_count(client, condition):
    make_condition(title="Secret draft", status=PublicationStatus.DRAFT)
    make_link(condition, make_treatment())
    make_link(condition, make_treatment(status=PublicationStatus.DRAFT))
    response = client.get(reverse("treatments:condition_list"))
    assert response.status_code == 200
    assert "Ice pick scars" in response.text and "Secret draft" not in response.text
    assert "1 treatment option explained" in response.text


def test_condition_page_shows_summary_sections_and_contents(client, condition):
    response = client.get(detail(condition))
    assert response.status_code == 200
    assert "<h1" in response.text and "Narrow, deep acne scars." in response.text
    assert '<h2 id="what-they-are">What they are</h2>' in response.text
    assert 'href="#prevention">Prevention</a>' in response.text


def test_byline_names_author_reviewer_and_review_dates(client, condition):
    response = client.get(detail(condition))
    assert "Written by" in response.text and "Nurse Writer</a>, RN" in response.text
    assert "Medically reviewed by" in response.text and "Dr Reviewer</a>, MBBS, MD" in response.text
    assert 'Reviewed on <time datetime="2026-10-01">1 October 2026</time>' in response.text
    assert 'Next review due <time datetime="2027-10-01">1 October 2027</time>' in response.text


def test_a_page_past_its_review_date_says_so(client, condition):
    condition.reviewed_on = datetime.date(2020, 1, 1)
    condition.next_review_due = datetime.date(2021, 1, 1)
    condition.save()
    assert "past its review date" in client.get(detail(condition)).text


def test_treatment_options_are_cards_in_order_with_key_numbers_and_note(client, condition):
    later = make_treatment(title="Fractional laser", sessions_min=4, sessions_max=5, weeks_between_sessions=4)
    first = make_treatment(
        title="Microneedling",
        sessions_min=3,
        sessions_max=4,
        weeks_between_sessions=6,
        downtime_days_min=1,
        downtime_days_max=3,
        numbing=Numbing.CREAM,
        offered_here=True,
    )
    make_link(condition, later, order=2, note="Monthly sessions")
    make_link(condition, first, order=1, note="Little downtime")
    html = client.get(detail(condition)).text
    assert html.index("Microneedling") < html.index("Fractional laser")
    assert "Little downtime" in html and "Monthly sessions" in html
    assert "3–4 sessions" in html and "About 3–4 months (12–18 weeks)" in html and "1–3 days" in html
    assert "Offered at this clinic" in html and "Information only" in html
    assert f'name="t" value="{first.slug}"' in html


def test_draft_treatments_are_not_offered_on_a_condition_page(client, condition):
    make_link(condition, make_treatment(title="Unpublished laser", status=PublicationStatus.DRAFT))
    assert "Unpublished laser" not in client.get(detail(condition)).text


def test_numbered_citations_link_to_the_reference_list(client, condition):
    make_reference(condition, citation="Jacob CI et al. Acne scarring. 2001.", url="https://example.org/paper")
    html = client.get(detail(condition)).text
    assert 'href="#ref-1"' in html
    assert '<li id="ref-1">Jacob CI et al. Acne scarring. 2001.' in html
    assert 'href="https://example.org/paper"' in html


def test_faq_and_key_takeaways_are_shown(client, condition):
    make_faq(condition, question="Can retinol help?", answer="A **little**.")
    make_takeaway(condition, text="Do not pick spots.")
    html = client.get(detail(condition)).text
    assert "Frequently asked questions" in html and "Can retinol help?" in html
    assert "A <strong>little</strong>." in html
    assert "Key takeaways" in html and "Do not pick spots." in html


def test_call_to_action_requests_a_consultation_about_this_condition(client, condition):
    html = client.get(detail(condition)).text
    assert 'href="/consultations/request/?condition=ice-pick-scars"' in html


def test_unknown_condition_is_a_friendly_404(client):
    response = client.get(reverse("treatments:condition_detail", args=["no-such-condition"]))
    assert response.status_code == 404
    assert "We could not find that page" in response.text


def test_a_draft_is_404_to_the_public(client):
    draft = make_condition(status=PublicationStatus.DRAFT)
    assert client.get(detail(draft)).status_code == 404


def test_staff_who_may_view_conditions_can_preview_a_draft(client):
    draft = make_condition(title="Rolling scars", status=PublicationStatus.DRAFT)
    client.force_login(make_staff_user("treatments.view_condition", "treatments.change_condition"))
    response = client.get(detail(draft))
    assert response.status_code == 200
    assert "Draft preview" in response.text and "Rolling scars" in response.text
    assert "no-store" in response["Cache-Control"] and response["X-Robots-Tag"] == "noindex"
    assert reverse("admin:treatments_condition_change", args=[draft.pk]) in response.text
    assert "Was this page helpful?" not in response.text


def test_staff_without_view_permission_get_404_for_a_draft(client):
    draft = make_condition(status=PublicationStatus.DRAFT)
    client.force_login(make_staff_user())
    assert client.get(detail(draft)).status_code == 404


def test_reading_a_page_creates_no_session(client, condition):
    response = client.get(detail(condition))
    assert "sessionid" not in response.cookies
    assert not Session.objects.exists()
