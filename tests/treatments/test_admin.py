"""Editors' admin for conditions, treatments, clinicians and reader feedback."""

import datetime

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tests.conftest import staff_login
from tests.factories import make_clinician, make_condition, make_link, make_reference, make_treatment
from treatments.models import Condition, HelpfulVote, PublicationStatus
from treatments.services import record_helpful_vote

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def changelist(model, app="treatments"):
    return reverse(f"admin:{app}_{model}_changelist")


def test_editors_group_can_open_every_content_list(client, django_user_model):
    from django.contrib.auth.models import Group

    editor = django_user_model.objects.create_user("editor", password="x", is_staff=True)
    editor.groups.add(Group.objects.get(name="Editors"))
    staff_login(client, editor)
    for app, model in [("treatments", "condition"), ("treatments", "treatment"), ("staff", "clinician")]:
        assert client.get(changelist(model, app)).status_code == 200, model
    assert client.get(changelist("helpfulvote")).status_code == 200


@pytest.mark.parametrize("model", ["condition", "treatment"])
def test_changelists_run_a_fixed_number_of_queries(admin_client, model):
    author = make_clinician(name="Author")
    make_page = make_condition if model == "condition" else make_treatment

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert admin_client.get(changelist(model)).status_code == 200
        return len(queries)

    page = make_page(author=author, medical_reviewer=author)
    record_helpful_vote(page=page, visitor_key="v" * 64, helpful=True)
    small = count()
    for n in range(15):
        page = make_page(author=make_clinician(name=f"Author {n}"), medical_reviewer=author)
        record_helpful_vote(page=page, visitor_key="v" * 64, helpful=False)
    assert count() == small


def test_review_filters_find_overdue_pages_and_pages_due_within_30_days(admin_client):
    make_condition(title="Overdue page", next_review_due=TODAY - datetime.timedelta(days=1))
    make_condition(title="Due soon page", next_review_due=TODAY + datetime.timedelta(days=20))
    make_condition(title="Fine page", next_review_due=TODAY + datetime.timedelta(days=200))
    overdue = admin_client.get(changelist("condition"), {"review": "overdue"})
    soon = admin_client.get(changelist("condition"), {"review": "due_30"})
    assert [c.title for c in overdue.context["cl"].result_list] == ["Overdue page"]
    assert [c.title for c in soon.context["cl"].result_list] == ["Due soon page"]
    assert "Review overdue" in overdue.text and "Review due within 30 days" in overdue.text
    overdue_since = TODAY - datetime.timedelta(days=1)
    assert f'<strong class="review-overdue">Overdue since {overdue_since:%d %b %Y}</strong>' in overdue.text
    assert '<strong class="review-soon">Due ' in soon.text


def test_vote_totals_show_in_the_list_and_many_no_votes_stand_out(admin_client):
    liked = make_condition(title="Liked page")
    disliked = make_condition(title="Disliked page")
    for n in range(2):
        record_helpful_vote(page=liked, visitor_key=f"{n}" * 64, helpful=True)
    for n in range(6):
        record_helpful_vote(page=disliked, visitor_key=f"{n}" * 64, helpful=False)
    response = admin_client.get(changelist("condition"))
    assert "2 yes · 0 no" in response.text
    assert '<strong class="feedback-alert">Needs attention: 0 yes · 6 no</strong>' in response.text
    many_no = admin_client.get(changelist("condition"), {"feedback": "many_no"})
    assert [c.title for c in many_no.context["cl"].result_list] == ["Disliked page"]


def test_change_form_shows_what_readers_said_was_missing(admin_client):
    condition = make_condition()
    record_helpful_vote(page=condition, visitor_key="a" * 64, helpful=False, missing="Prices, please")
    response = admin_client.get(reverse("admin:treatments_condition_change", args=[condition.pk]))
    assert "Prices, please" in response.text
    assert "0 said the page helped, 1 said it did not." in response.text


def test_change_form_has_inlines_markdown_help_slug_prepopulation_and_view_on_site(admin_client):
    condition = make_condition(slug="ice-pick-scars")
    html = admin_client.get(reverse("admin:treatments_condition_change", args=[condition.pk])).text
    for prefix in ("treatment_links", "takeaways", "faqs", "references"):
        assert f'name="{prefix}-TOTAL_FORMS"' in html, prefix
    assert "Cite the page's reference N (its position in the References list) as [ref:N]" in html
    assert 'id="django-admin-prepopulated-fields-constants"' in html and "#id_slug" in html
    view_on_site = reverse("admin:view_on_site", args=[ContentType.objects.get_for_model(Condition).pk, condition.pk])
    assert f'href="{view_on_site}"' in html and "View on site" in html
    assert admin_client.get(view_on_site)["Location"].endswith("/conditions/ice-pick-scars/")


def test_the_evidence_menu_numbers_each_reference_as_the_text_cites_it(admin_client):
    condition = make_condition()
    make_reference(condition, order=2, citation="Second study. 2021.")
    make_reference(condition, order=1, citation="First study. 2020.")
    make_link(condition, make_treatment(title="Microneedling"))
    html = admin_client.get(reverse("admin:treatments_condition_change", args=[condition.pk])).text
    assert ">[ref:1] First study. 2020.</option>" in html
    assert ">[ref:2] Second study. 2021.</option>" in html


def inline_management(prefix, total=0):
    return {f"{prefix}-TOTAL_FORMS": str(total), f"{prefix}-INITIAL_FORMS": "0"}


def condition_form(**fields):
    reviewer = make_clinician(name="Dr Form Reviewer")
    data = {
        "title": "Rolling scars",
        "slug": "rolling-scars",
        "status": PublicationStatus.PUBLISHED,
        "author": str(reviewer.pk),
        "medical_reviewer": str(reviewer.pk),
        "reviewed_on": "2026-10-21",
        "summary": "Broad, soft dips in the skin.",
        "meta_description": "",
        "body": "## What they are\n\nShallow dips [ref:1].",
        **inline_management("treatment_links"),
        **inline_management("takeaways"),
        **inline_management("faqs"),
        **inline_management("references", 1),
        "references-0-order": "1",
        "references-0-citation": "A study. 2020.",
        "references-0-url": "",
    }
    data.update(fields)
    return data


def test_an_editor_can_add_a_condition_with_an_ordered_treatment_and_a_reference(admin_client):
    treatment = make_treatment(title="Microneedling")
    data = condition_form(
        **inline_management("treatment_links", 1),
        **{"treatment_links-0-order": "1", "treatment_links-0-treatment": str(treatment.pk)},
        **{"treatment_links-0-note": "Builds collagen"},
    )
    response = admin_client.post(reverse("admin:treatments_condition_add"), data)
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    condition = Condition.objects.get(slug="rolling-scars")
    assert condition.references.get().citation == "A study. 2020."
    assert condition.treatment_links.get().note == "Builds collagen"
    assert 'href="#ref-1"' in condition.body_html


def test_citing_a_reference_that_does_not_exist_is_refused(admin_client):
    data = condition_form(body="Deep [ref:1] and [ref:3].")
    response = admin_client.post(reverse("admin:treatments_condition_add"), data)
    assert response.status_code == 200
    assert "The text cites [ref:3], but this page has 1 reference." in response.text
    assert not Condition.objects.filter(slug="rolling-scars").exists()


def test_a_treatment_cannot_take_the_comparison_pages_address(admin_client):
    data = {
        "title": "Compare",
        "slug": "compare",
        "status": PublicationStatus.DRAFT,
        "summary": "x",
        "numbing": "none",
        "invasiveness": "non_invasive",
        **inline_management("condition_links"),
        **inline_management("takeaways"),
        **inline_management("faqs"),
        **inline_management("references"),
    }
    response = admin_client.post(reverse("admin:treatments_treatment_add"), data)
    assert response.status_code == 200
    assert "is taken by another page of the site" in response.text


def test_helpful_votes_are_read_only_in_admin_with_totals_by_answer(admin_client):
    condition = make_condition(title="Ice pick scars")
    record_helpful_vote(page=condition, visitor_key="a" * 64, helpful=False, missing="More photos")
    vote = HelpfulVote.objects.get()
    response = admin_client.get(changelist("helpfulvote"))
    assert "Ice pick scars" in response.text and "More photos" in response.text
    assert reverse("admin:treatments_helpfulvote_add") not in response.text
    detail = admin_client.get(reverse("admin:treatments_helpfulvote_change", args=[vote.pk]))
    assert detail.status_code == 200 and 'name="missing"' not in detail.text


def test_treatment_changelist_filters_by_offered_here(admin_client):
    make_treatment(title="Offered", offered_here=True)
    make_treatment(title="Not offered", offered_here=False)
    response = admin_client.get(changelist("treatment"), {"offered_here__exact": "1"})
    assert [t.title for t in response.context["cl"].result_list] == ["Offered"]


def test_condition_treatment_links_can_be_edited_from_the_treatment_too(admin_client):
    treatment = make_treatment()
    make_link(make_condition(title="Ice pick scars"), treatment, note="Deep scars")
    html = admin_client.get(reverse("admin:treatments_treatment_change", args=[treatment.pk])).text
    assert 'name="condition_links-TOTAL_FORMS" value="1"' in html and "Deep scars" in html
