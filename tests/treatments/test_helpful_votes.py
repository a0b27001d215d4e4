"""'Was this page helpful?': one vote per visitor, CSRF, a follow-up question after "no"."""

import re

import pytest
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse

from tests.factories import make_condition, make_treatment
from treatments.models import HelpfulVote, PublicationStatus
from treatments.views import VISITOR_COOKIE

pytestmark = pytest.mark.django_db


@pytest.fixture
def condition():
    return make_condition(title="Ice pick scars", slug="ice-pick-scars")


def vote_url(page):
    name = "condition_helpful" if page._meta.model_name == "condition" else "treatment_helpful"
    return reverse(f"treatments:{name}", args=[page.slug])


def test_every_page_asks_whether_it_helped_with_a_csrf_protected_form(client, condition):
    html = client.get(condition.get_absolute_url()).text
    assert "Was this page helpful?" in html
    assert f'action="{vote_url(condition)}"' in html and "csrfmiddlewaretoken" in html
    assert 'name="helpful" value="yes"' in html and 'name="helpful" value="no"' in html


def test_a_yes_is_recorded_and_the_reader_is_thanked_on_the_page(client, condition):
    response = client.post(vote_url(condition), {"helpful": "yes"}, follow=True)
    assert response.redirect_chain[-1][0] == condition.get_absolute_url()
    assert "Thank you for your feedback" in response.text
    vote = HelpfulVote.objects.get()
    assert vote.page.specific == condition and vote.helpful


def test_a_no_asks_what_was_missing_and_keeps_the_answer_for_editors(client, condition):
    response = client.post(vote_url(condition), {"helpful": "no"})
    assert response.status_code == 302 and response["Location"] == vote_url(condition)
    form_page = client.get(vote_url(condition))
    assert "What was missing or unclear? (optional)" in form_page.text
    assert '<meta name="robots" content="noindex">' in form_page.text
    client.post(vote_url(condition), {"helpful": "no", "missing": "The cost of each treatment."})
    vote = HelpfulVote.objects.get()
    assert (vote.helpful, vote.missing) == (False, "The cost of each treatment.")


def test_what_was_missing_is_never_shown_on_the_public_page(client, condition):
    client.post(vote_url(condition), {"helpful": "no", "missing": "Private note for editors"})
    assert "Private note for editors" not in client.get(condition.get_absolute_url()).text


def test_a_second_vote_from_the_same_visitor_does_not_count_twice(client, condition):
    client.post(vote_url(condition), {"helpful": "yes"})
    client.post(vote_url(condition), {"helpful": "yes"})
    client.post(vote_url(condition), {"helpful": "no"})
    assert HelpfulVote.objects.count() == 1
    assert HelpfulVote.objects.get().helpful is False


def test_different_visitors_each_get_a_vote(condition):
    for _ in range(3):
        Client().post(vote_url(condition), {"helpful": "yes"})
    assert HelpfulVote.objects.filter(helpful=True).count() == 3


def test_the_visitor_is_known_by_a_signed_cookie_and_stored_only_as_a_hash(client, condition):
    response = client.post(vote_url(condition), {"helpful": "yes"})
    cookie = response.cookies[VISITOR_COOKIE]
    assert cookie["httponly"] and cookie["samesite"] == "Lax"
    visitor_id = cookie.value.split(":")[0]
    vote = HelpfulVote.objects.get()
    assert len(vote.visitor_key) == 64 and visitor_id not in vote.visitor_key


def test_a_tampered_cookie_counts_as_a_new_visitor(client, condition):
    client.post(vote_url(condition), {"helpful": "yes"})
    client.cookies[VISITOR_COOKIE] = "forged-id:bad-signature"
    client.post(vote_url(condition), {"helpful": "yes"})
    assert HelpfulVote.objects.count() == 2


def test_voting_creates_no_session(client, condition):
    response = client.post(vote_url(condition), {"helpful": "yes"})
    assert "sessionid" not in response.cookies
    assert not Session.objects.exists()


def test_a_vote_without_the_csrf_token_is_refused(condition):
    response = Client(enforce_csrf_checks=True).post(vote_url(condition), {"helpful": "yes"})
    assert response.status_code == 403
    assert not HelpfulVote.objects.exists()


def test_a_vote_with_the_pages_csrf_token_is_accepted(condition):
    browser = Client(enforce_csrf_checks=True)
    page = browser.get(condition.get_absolute_url())
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)  # as a browser sends it
    response = browser.post(vote_url(condition), {"helpful": "yes", "csrfmiddlewaretoken": token})
    assert response.status_code == 302
    assert HelpfulVote.objects.count() == 1


def test_a_vote_with_no_answer_is_asked_again(client, condition):
    response = client.post(vote_url(condition), {"helpful": "maybe"})
    assert response.status_code == 200
    assert "Select a valid choice" in response.text or "Choose yes or no" in response.text
    assert not HelpfulVote.objects.exists()


def test_an_overlong_note_is_refused_with_a_message(client, condition):
    response = client.post(vote_url(condition), {"helpful": "no", "missing": "x" * 501})
    assert response.status_code == 200
    assert "at most 500 characters" in response.text
    assert not HelpfulVote.objects.exists()


def test_treatment_pages_take_votes_too(client):
    treatment = make_treatment(slug="microneedling")
    assert "Was this page helpful?" in client.get(treatment.get_absolute_url()).text
    client.post(vote_url(treatment), {"helpful": "yes"})
    assert HelpfulVote.objects.get().page.specific == treatment


def test_drafts_and_unknown_pages_take_no_votes(client):
    draft = make_condition(slug="draft", status=PublicationStatus.DRAFT)
    assert client.post(vote_url(draft), {"helpful": "yes"}).status_code == 404
    assert client.post("/conditions/no-such/helpful/", {"helpful": "yes"}).status_code == 404
    assert not HelpfulVote.objects.exists()


def test_votes_are_rate_limited_per_client(client, condition, settings):
    settings.RATE_LIMITS_ENABLED = True
    statuses = [Client().post(vote_url(condition), {"helpful": "yes"}).status_code for _ in range(31)]
    assert statuses[:30] == [302] * 30
    assert statuses[30] == 429
