"""`manage.py load_demo_content`: the demo pages, their facts, and running it twice."""

import pytest
from django.core.management import call_command
from django.urls import reverse

from staff.models import Clinician
from treatments.models import FAQ, Condition, ConditionTreatment, KeyTakeaway, Numbing, Reference, Treatment

pytestmark = pytest.mark.django_db

EXPECTED_TREATMENTS = {
    "punch-excision",
    "punch-replacement-grafting",
    "punch-elevation",
    "dermabrasion",
    "microdermabrasion",
    "microneedling",
    "chemical-peel",
    "laser-resurfacing",
    "fractional-laser",
    "tca-cross",
    "radiofrequency",
}


def snapshot():
    """Every row the loader writes, as plain values."""
    return {
        model.__name__: sorted(map(repr, model.objects.values()))
        for model in (Clinician, Condition, Treatment, ConditionTreatment, FAQ, KeyTakeaway, Reference)
    }


@pytest.fixture
def demo():
    call_command("load_demo_content", verbosity=0)


def test_running_the_loader_twice_changes_nothing(demo):
    before = snapshot()
    call_command("load_demo_content", verbosity=0)
    assert snapshot() == before


def test_the_loader_leaves_an_editors_changes_alone(demo):
    Treatment.objects.filter(slug="microneedling").update(summary="Edited by an editor.")
    FAQ.objects.filter(page__condition__slug="ice-pick-scars").first().delete()
    faq_count = FAQ.objects.count()
    call_command("load_demo_content", verbosity=0)
    assert Treatment.objects.get(slug="microneedling").summary == "Edited by an editor."
    assert FAQ.objects.count() == faq_count


def test_every_professional_treatment_has_its_own_published_page(demo, client):
    assert set(Treatment.objects.published().values_list("slug", flat=True)) == EXPECTED_TREATMENTS
    for slug in EXPECTED_TREATMENTS:
        assert client.get(reverse("treatments:treatment_detail", args=[slug])).status_code == 200


def test_ice_pick_scars_lists_every_treatment_in_order_with_a_note(demo):
    condition = Condition.objects.get(slug="ice-pick-scars")
    links = list(condition.treatment_links.select_related("treatment"))
    assert {link.treatment.slug for link in links} == EXPECTED_TREATMENTS
    assert [link.order for link in links] == sorted(link.order for link in links)
    assert all(link.note for link in links)
    assert "boxcar" in next(link.note for link in links if link.treatment.slug == "punch-elevation")


def test_ice_pick_scars_page_has_its_sections_faqs_takeaways_and_references(demo):
    condition = Condition.objects.get(slug="ice-pick-scars")
    titles = " ".join(section["title"] for section in condition.body_sections).lower()
    for words in ("what ice pick scars are", "develop", "hard to treat", "home remedies", "prevention"):
        assert words in titles
    questions = " ".join(condition.faqs.values_list("question", flat=True)).lower()
    for topic in ("how long", "retinol", "tretinoin", "isotretinoin", "dermaroller"):
        assert topic in questions
    assert condition.takeaways.count() >= 3
    assert condition.references.count() >= 3
    assert condition.author and condition.medical_reviewer and condition.next_review_due


def test_the_clinic_offers_microneedling_and_fractional_laser_only(demo):
    assert set(Treatment.objects.bookable().values_list("slug", flat=True)) == {"microneedling", "fractional-laser"}


def test_microneedling_facts_match_the_sources(demo):
    t = Treatment.objects.get(slug="microneedling")
    assert (t.sessions_min, t.sessions_max, t.weeks_between_sessions) == (3, 4, 6)
    assert t.numbing == Numbing.CREAM_OR_LOCAL
    assert t.downtime_days_max <= 3
    assert "skin needling" in t.other_names_list
    assert "sunscreen" in t.aftercare.lower()


def test_fractional_laser_facts_match_the_sources(demo):
    t = Treatment.objects.get(slug="fractional-laser")
    assert (t.sessions_min, t.sessions_max, t.weeks_between_sessions) == (4, 5, 4)
    assert (t.numbing, t.numbing_minutes_min, t.numbing_minutes_max) == (Numbing.CREAM, 45, 60)
    assert t.session_minutes_max == 30
    assert (t.downtime_days_min, t.downtime_days_max) == (3, 5)
    assert "24 hours" in t.aftercare and "sunscreen" in t.aftercare.lower()
    assert "two or three days" in t.body


def test_grafting_and_tca_cross_carry_their_figures(demo):
    assert "20 or more" in Treatment.objects.get(slug="punch-replacement-grafting").body
    tca = Treatment.objects.get(slug="tca-cross")
    assert "70%" in tca.body and "100%" in tca.body


def test_every_citation_in_the_demo_pages_has_its_reference(demo):
    from treatments.markdown import cited_numbers

    for model in (Condition, Treatment):
        for page in model.objects.prefetch_related("page__references", "page__faqs"):
            texts = [page.body, *(faq.answer for faq in page.page.faqs.all())]
            cited = {n for text in texts for n in cited_numbers(text)}
            assert cited <= set(range(1, len(page.page.references.all()) + 1)), page.slug


def test_demo_clinicians_are_marked_as_fictional(demo):
    assert Clinician.objects.count() == 3
    assert all(c.is_sample and "Fictional" in c.bio for c in Clinician.objects.all())


def test_demo_pages_name_nobody_from_the_source_pages(demo, client):
    pages = ["/", "/conditions/ice-pick-scars/", *(f"/treatments/{slug}/" for slug in EXPECTED_TREATMENTS)]
    html = " ".join(client.get(path).content.decode() for path in pages)
    for name in ("Somodyuti", "Chandra", "Ramona", "Sinha", "StyleCraze", "Advanced Dermatology", "taylor22"):
        assert name not in html
