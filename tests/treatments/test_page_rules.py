"""Rules every condition and treatment page obeys, whoever is at the keyboard:
published only with an author, a medical reviewer and a review date; editors and
clinicians unpublish, only superusers delete."""

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse

from tests.bookings.conftest import make_staff_member
from tests.conftest import staff_login
from tests.factories import make_condition, make_treatment
from tests.treatments.test_admin import condition_form
from treatments.models import Condition, PublicationStatus, Treatment

pytestmark = pytest.mark.django_db


def signed_in(group):
    return staff_login(Client(), make_staff_member(group=group))


def test_admin_refuses_to_publish_a_page_without_author_reviewer_and_review_date(admin_client):
    data = condition_form(author="", medical_reviewer="", reviewed_on="")
    response = admin_client.post(reverse("admin:treatments_condition_add"), data)
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert errors["author"] == ["A published page needs an author: add it, or save the page as a draft."]
    assert errors["medical_reviewer"] == [
        "A published page needs a medical reviewer: add it, or save the page as a draft."
    ]
    assert errors["reviewed_on"] == [
        "A published page needs the date of its medical review: add it, or save the page as a draft."
    ]
    assert not Condition.objects.exists()


def test_admin_saves_the_same_page_as_a_draft(admin_client):
    data = condition_form(author="", medical_reviewer="", reviewed_on="", status=PublicationStatus.DRAFT)
    assert admin_client.post(reverse("admin:treatments_condition_add"), data).status_code == 302
    assert Condition.objects.get().status == PublicationStatus.DRAFT


@pytest.mark.parametrize("model", [Condition, Treatment])
def test_the_database_refuses_it_too_so_commands_and_the_shell_obey(model):
    with pytest.raises(IntegrityError), transaction.atomic():
        model.objects.create(title="Bare", slug="bare", summary="S.", status=PublicationStatus.PUBLISHED)


def test_full_clean_names_the_missing_fields():
    page = make_treatment(status=PublicationStatus.DRAFT)
    page.status = PublicationStatus.PUBLISHED
    with pytest.raises(ValidationError) as caught:
        page.full_clean()
    assert set(caught.value.message_dict) == {"author", "medical_reviewer", "reviewed_on"}


@pytest.mark.parametrize("group", ["Editors", "Clinicians"])
@pytest.mark.parametrize("model", ["condition", "treatment"])
def test_editors_and_clinicians_cannot_delete_a_page(group, model):
    page = make_condition() if model == "condition" else make_treatment()
    client = signed_in(group)
    response = client.post(reverse(f"admin:treatments_{model}_delete", args=[page.pk]), {"post": "yes"})
    assert response.status_code == 403
    assert type(page).objects.filter(pk=page.pk).exists()
    changelist = client.get(reverse(f"admin:treatments_{model}_changelist")).content.decode()
    assert "Delete selected" not in changelist
    assert "Unpublish selected pages" in changelist


def test_no_staff_group_holds_the_permission_to_delete_pages():
    held = Group.objects.filter(permissions__codename__in=["delete_condition", "delete_treatment"])
    assert list(held.values_list("name", flat=True)) == []


def test_a_superuser_can_delete_a_page(admin_client):
    page = make_condition()
    response = admin_client.post(reverse("admin:treatments_condition_delete", args=[page.pk]), {"post": "yes"})
    assert response.status_code == 302
    assert not Condition.objects.filter(pk=page.pk).exists()


def test_an_editor_unpublishes_a_page_which_leaves_the_site_but_stays_in_admin(client):
    page = make_treatment(title="Microneedling", slug="microneedling")
    draft = make_treatment(status=PublicationStatus.DRAFT)
    editor = signed_in("Editors")
    response = editor.post(
        reverse("admin:treatments_treatment_changelist"),
        {"action": "unpublish", "index": 0, "_selected_action": [page.pk, draft.pk]},
        follow=True,
    )
    shown = [str(m) for m in response.context["messages"]]
    assert "Unpublished 1 page: they are drafts now." in shown
    assert f"“{draft.title}”: It is a draft already." in shown
    page.refresh_from_db()
    assert page.status == PublicationStatus.DRAFT
    assert client.get("/treatments/microneedling/").status_code == 404
    assert editor.get(reverse("admin:treatments_treatment_change", args=[page.pk])).status_code == 200


def test_every_fresh_database_has_the_clinicians_group():
    clinicians = Group.objects.get(name="Clinicians")
    held = set(clinicians.permissions.values_list("codename", flat=True))
    assert {"sign_off_condition", "sign_off_treatment", "view_screening_answers", "change_treatment"} <= held
    assert "view_screening_answers" not in set(
        Group.objects.get(name="Reception").permissions.values_list("codename", flat=True)
    )
