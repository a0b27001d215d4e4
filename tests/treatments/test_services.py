"""treatments.services: recording "Was this page helpful?" answers."""

import pytest

from tests.factories import make_condition, make_treatment
from treatments.models import HelpfulVote, PublicationStatus
from treatments.services import record_helpful_vote

pytestmark = pytest.mark.django_db


def test_a_first_answer_is_stored_as_a_new_vote():
    condition = make_condition()
    vote, created = record_helpful_vote(page=condition, visitor_key="a" * 64, helpful=True)
    assert created and vote.page.specific == condition and vote.helpful


def test_answering_again_changes_the_vote_instead_of_adding_one():
    treatment = make_treatment()
    record_helpful_vote(page=treatment, visitor_key="a" * 64, helpful=True)
    vote, created = record_helpful_vote(page=treatment, visitor_key="a" * 64, helpful=False, missing="Prices")
    assert not created
    assert HelpfulVote.objects.count() == 1
    assert (vote.helpful, vote.missing) == (False, "Prices")


def test_a_later_no_without_a_note_keeps_the_note_already_given():
    treatment = make_treatment()
    record_helpful_vote(page=treatment, visitor_key="k" * 64, helpful=False, missing="Costs")
    vote, _ = record_helpful_vote(page=treatment, visitor_key="k" * 64, helpful=False)
    assert vote.missing == "Costs"


def test_a_yes_never_keeps_a_what_was_missing_note():
    condition = make_condition()
    vote, _ = record_helpful_vote(page=condition, visitor_key="k" * 64, helpful=True, missing="ignored")
    assert vote.missing == ""


def test_the_same_visitor_can_vote_on_different_pages():
    record_helpful_vote(page=make_condition(), visitor_key="k" * 64, helpful=True)
    record_helpful_vote(page=make_treatment(), visitor_key="k" * 64, helpful=True)
    assert HelpfulVote.objects.count() == 2


def test_drafts_take_no_votes():
    draft = make_condition(status=PublicationStatus.DRAFT)
    with pytest.raises(ValueError):
        record_helpful_vote(page=draft, visitor_key="k" * 64, helpful=True)
    assert not HelpfulVote.objects.exists()


def test_arguments_must_be_named():
    with pytest.raises(TypeError):
        record_helpful_vote(make_condition(), "k" * 64, True)
