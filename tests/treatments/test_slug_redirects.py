"""A changed slug keeps the old address working (301), for pages and comparisons."""

import pytest
from django.test import Client
from django.urls import reverse

from tests.bookings.conftest import make_staff_member
from tests.conftest import staff_login
from tests.factories import make_condition, make_treatment
from tests.treatments.admin_forms import change_form_data
from treatments.models import OldSlug, PublicationStatus
from treatments.services import record_slug_change

pytestmark = pytest.mark.django_db


@pytest.fixture
def editor():
    return staff_login(Client(), make_staff_member(group="Editors"))


def rename(client, page, slug):
    url = reverse(f"admin:treatments_{page._meta.model_name}_change", args=[page.pk])
    response = client.post(url, change_form_data(client.get(url), slug=slug))
    assert response.status_code == 302, response.context and response.context["adminform"].form.errors
    page.refresh_from_db()
    return page


def test_a_renamed_treatment_redirects_permanently_from_its_old_address(editor, client):
    page = make_treatment(title="Microneedling", slug="skin-needling")
    rename(editor, page, "microneedling")
    response = client.get("/treatments/skin-needling/?comments_page=2")
    assert response.status_code == 301
    assert response["Location"] == "/treatments/microneedling/?comments_page=2"
    assert client.get("/treatments/microneedling/").status_code == 200


def test_a_renamed_condition_redirects_and_renaming_twice_never_chains(editor, client):
    page = make_condition(slug="icepick-scars")
    rename(editor, page, "ice-pick-scar")
    rename(editor, page, "ice-pick-scars")
    for old in ["/conditions/icepick-scars/", "/conditions/ice-pick-scar/"]:
        response = client.get(old)
        assert (response.status_code, response["Location"]) == (301, "/conditions/ice-pick-scars/")


def test_renaming_a_to_b_and_back_makes_no_loop(editor, client):
    page = make_treatment(slug="a-page")
    rename(editor, page, "b-page")
    rename(editor, page, "a-page")
    assert client.get("/treatments/a-page/").status_code == 200
    response = client.get("/treatments/b-page/")
    assert (response.status_code, response["Location"]) == (301, "/treatments/a-page/")
    assert list(OldSlug.objects.values_list("slug", flat=True)) == ["b-page"]


def test_a_new_page_may_take_an_old_address_which_then_is_its_own(editor, client):
    page = make_treatment(slug="old-name")
    rename(editor, page, "new-name")
    record_slug_change(page=make_treatment(title="Another", slug="old-name"), old_slug=None)  # as admin's add does
    assert client.get("/treatments/old-name/").status_code == 200
    assert b"Another" in client.get("/treatments/old-name/").content


def test_the_old_address_of_an_unpublished_page_is_not_found(editor, client):
    page = make_treatment(slug="was-here")
    rename(editor, page, "is-here")
    page.status = PublicationStatus.DRAFT
    page.save()
    assert client.get("/treatments/was-here/").status_code == 404


def test_a_comparison_with_an_old_address_redirects_to_the_current_one(editor, client):
    laser = make_treatment(slug="fractional-laser")
    page = make_treatment(slug="skin-needling")
    rename(editor, page, "microneedling")
    response = client.get("/treatments/compare/", {"t": ["skin-needling", laser.slug]})
    assert response.status_code == 301
    assert response["Location"] == "/treatments/compare/?t=microneedling&t=fractional-laser"
    assert client.get(response["Location"]).status_code == 200


def test_the_sitemap_lists_only_current_addresses(editor, client):
    page = make_treatment(slug="skin-needling")
    rename(editor, page, "microneedling")
    sitemap = client.get("/sitemap.xml").content.decode()
    assert "/treatments/microneedling/" in sitemap
    assert "skin-needling" not in sitemap
