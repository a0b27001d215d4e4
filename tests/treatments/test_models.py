"""The content models: visibility, structured facts and their validation."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from tests.factories import make_comment, make_condition, make_faq, make_reference, make_takeaway, make_treatment
from treatments.models import (
    FAQ,
    Comment,
    Condition,
    HelpfulVote,
    KeyTakeaway,
    Page,
    PublicationStatus,
    Reference,
    Treatment,
    load_page_parts,
)
from treatments.services import record_helpful_vote

pytestmark = pytest.mark.django_db


def test_published_leaves_out_drafts():
    published = make_condition()
    make_condition(status=PublicationStatus.DRAFT)
    assert list(Condition.objects.published()) == [published]


def test_bookable_treatments_are_published_and_offered_here():
    offered = make_treatment(offered_here=True)
    make_treatment(offered_here=False)
    make_treatment(offered_here=True, status=PublicationStatus.DRAFT)
    assert list(Treatment.objects.bookable()) == [offered]


def test_course_length_runs_from_the_first_to_the_last_session():
    # 3 sessions 6 weeks apart: weeks 0, 6 and 12, so 12 weeks; a fourth session makes it 18.
    treatment = make_treatment(sessions_min=3, sessions_max=4, weeks_between_sessions=6)
    assert (treatment.course_weeks_min, treatment.course_weeks_max) == (12, 18)


def test_a_single_session_course_takes_no_weeks():
    treatment = make_treatment(sessions_min=1, sessions_max=1)
    assert (treatment.course_weeks_min, treatment.course_weeks_max) == (0, 0)


def test_course_length_is_unknown_without_an_interval():
    treatment = make_treatment(sessions_min=3, sessions_max=4)
    assert treatment.course_weeks_min is None


def test_a_range_whose_top_is_below_its_bottom_is_refused():
    treatment = Treatment(title="T", slug="t", summary="s", sessions_min=5, sessions_max=2, downtime_days_min=4)
    treatment.downtime_days_max = 1
    with pytest.raises(ValidationError) as error:
        treatment.full_clean()
    assert set(error.value.message_dict) >= {"sessions_max", "downtime_days_max"}


def test_next_review_must_come_after_the_last_review():
    condition = Condition(
        title="C",
        slug="c",
        summary="s",
        reviewed_on=datetime.date(2026, 5, 1),
        next_review_due=datetime.date(2026, 4, 1),
    )
    with pytest.raises(ValidationError) as error:
        condition.full_clean()
    assert "next_review_due" in error.value.message_dict


def test_downtime_filter_uses_the_longest_usual_downtime_and_skips_unknown():
    quick = make_treatment(downtime_days_min=1, downtime_days_max=3)
    single_figure = make_treatment(downtime_days_min=2)
    make_treatment(downtime_days_min=3, downtime_days_max=7)
    make_treatment()
    assert set(Treatment.objects.with_downtime_at_most(3)) == {quick, single_figure}


def test_other_names_are_split_into_a_clean_list():
    treatment = make_treatment(other_names="skin needling,  collagen induction therapy ,")
    assert treatment.other_names_list == ["skin needling", "collagen induction therapy"]


def test_page_parts_come_back_in_the_editors_order_and_only_for_that_page():
    condition, other = make_condition(), make_condition()
    make_faq(condition, question="Second?", order=2)
    make_faq(condition, question="First?", order=1)
    make_faq(other, question="Elsewhere?")
    make_takeaway(condition, text="Only takeaway")
    make_reference(condition, citation="Ref B", url="https://example.org/b", order=2)
    make_reference(condition, citation="Ref A", order=1)
    faqs, takeaways, references = load_page_parts(condition)
    assert [f.question for f in faqs] == ["First?", "Second?"]
    assert [t.text for t in takeaways] == ["Only takeaway"]
    assert [(r.citation, r.url) for r in references] == [("Ref A", ""), ("Ref B", "https://example.org/b")]


def test_a_condition_and_a_treatment_each_have_their_own_page_that_leads_back_to_them():
    condition, treatment = make_condition(slug="ice-pick-scars"), make_treatment(slug="microneedling")
    assert condition.page != treatment.page
    assert Page.objects.get(pk=condition.page_id).specific == condition
    assert Page.objects.get(pk=treatment.page_id).get_absolute_url() == "/treatments/microneedling/"


@pytest.mark.parametrize("make_page", [make_condition, make_treatment])
def test_deleting_a_page_deletes_what_belongs_to_it(make_page):
    page, other = make_page(), make_page()
    for each in (page, other):
        make_faq(each), make_takeaway(each), make_reference(each), make_comment(each)
        record_helpful_vote(page=each, visitor_key="visitor", helpful=True)
    type(page).objects.filter(pk=page.pk).delete()  # as admin's bulk delete does
    assert not Page.objects.filter(pk=page.page_id).exists()
    for model in (FAQ, KeyTakeaway, Reference, Comment, HelpfulVote):
        assert list(model.objects.values_list("page", flat=True)) == [other.page_id], model.__name__
