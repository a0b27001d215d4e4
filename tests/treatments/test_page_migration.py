"""Migrations 0023-0025 move every part of a page onto its one Page, and back."""

import pytest

from tests.migrating import latest_migrations, migrate

BEFORE = [("treatments", "0022_clinicians_move_to_staff")]
AFTER = [("treatments", "0025_page_required")]


def make_pages(apps):
    """A condition and a treatment page with one of everything that belongs to a page, the old way."""
    Condition, Treatment = apps.get_model("treatments", "Condition"), apps.get_model("treatments", "Treatment")
    scars = Condition.objects.create(slug="ice-pick-scars", title="Ice pick scars", summary="S.", status="draft")
    needling = Treatment.objects.create(slug="microneedling", title="Microneedling", summary="S.", status="draft")
    for owner in ({"condition": scars}, {"treatment": needling}):
        apps.get_model("treatments", "FAQ").objects.create(**owner, question="Does it hurt?", answer="A little.")
        apps.get_model("treatments", "KeyTakeaway").objects.create(**owner, text="It takes months.")
        apps.get_model("treatments", "Reference").objects.create(**owner, citation="A study. 2020.")
        apps.get_model("treatments", "HelpfulVote").objects.create(**owner, helpful=True, visitor_key="visitor")
        apps.get_model("treatments", "Comment").objects.create(**owner, author_name="Jo", body="Thanks.")
        apps.get_model("treatments", "OldSlug").objects.create(**owner, slug="old-address")
        apps.get_model("treatments", "PageReview").objects.create(**owner, content={}, base_digest="d")
    return scars, needling


PARTS = ("faq", "keytakeaway", "reference", "helpfulvote", "comment", "oldslug", "pagereview")


# No serialized_rollback, as in tests/notifications/test_history_migration.py: this
# transactional test leaves an emptied database that later tests fill themselves.
@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_every_part_of_a_page_moves_to_its_page_and_back():
    old = migrate(BEFORE)
    try:
        scars, needling = make_pages(old)
        new = migrate(AFTER)
        Page = new.get_model("treatments", "Page")
        scars_page = new.get_model("treatments", "Condition").objects.get(pk=scars.pk).page
        needling_page = new.get_model("treatments", "Treatment").objects.get(pk=needling.pk).page
        assert (scars_page.kind, needling_page.kind, Page.objects.count()) == ("condition", "treatment", 2)
        for name in PARTS:
            model = new.get_model("treatments", name)
            assert sorted(model.objects.values_list("page__kind", flat=True)) == ["condition", "treatment"], name
            assert model.objects.filter(page=scars_page).count() == 1, name

        back = migrate(BEFORE)
        for name in PARTS:
            model = back.get_model("treatments", name)
            assert model.objects.filter(condition=scars.pk, treatment__isnull=True).count() == 1, name
            assert model.objects.filter(treatment=needling.pk, condition__isnull=True).count() == 1, name
    finally:
        migrate(latest_migrations())
