"""Every admin list answers a malformed filter, search, ordering or page number with
its normal page, never a 500: generated for every registered ModelAdmin, so a list
added later is checked too."""

import pytest
from django.contrib import admin
from django.db import models
from django.urls import reverse

from tests.factories import make_comment, make_treatment

pytestmark = pytest.mark.django_db

# Values a person could type or tamper with: too large for any column or date, negative,
# a NUL byte (which PostgreSQL refuses in text), not a number at all.
HOSTILE = ["99999999999999999999", "-1", "0", "\x00", "abc"]
NOT_APPLIED = "That filter or search could not be applied, so the whole list is shown."


def changelist_url(model):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")


def registered_admins():
    return [
        pytest.param(model_admin, id=f"{model._meta.app_label}.{model._meta.model_name}")
        for model, model_admin in admin.site._registry.items()
    ]


def hostile_queries(model_admin):
    """Malformed values for the search box, ordering, page number, each list filter, the
    date hierarchy, and the model's first date field, relation and primary key."""
    model = model_admin.model
    queries = [{"q": "\x00"}, {"q": "9" * 40}, {"o": "99.-1"}, {"p": "9" * 30}, {"p": "-1"}]
    fields = set()
    for entry in model_admin.list_filter:
        name = entry[0] if isinstance(entry, tuple | list) else entry
        if isinstance(name, str):
            fields.add(name)
        else:
            queries += [{name.parameter_name: value} for value in HOSTILE if getattr(name, "parameter_name", None)]
    if model_admin.date_hierarchy:
        fields.add(model_admin.date_hierarchy)
    for kind in (models.DateField, models.ForeignKey, models.AutoField | models.BigAutoField):
        fields.update([field.name for field in model._meta.concrete_fields if isinstance(field, kind)][:1])
    for name in sorted(fields):
        queries += [{f"{name}__exact": value} for value in HOSTILE] + [{f"{name}__in": "\x00,1"}]
        field = model._meta.get_field(name.split("__")[0])
        if isinstance(field, models.DateField):
            queries += [{f"{name}__year": value} for value in HOSTILE]
            queries += [
                {f"{name}__year": "2026", f"{name}__month": "13"},
                {f"{name}__year": "2026", f"{name}__day": "-1"},
            ]
    return queries


@pytest.mark.parametrize("model_admin", registered_admins())
def test_every_admin_list_answers_hostile_query_strings_with_its_page(admin_client, model_admin):
    make_comment(make_treatment())
    url = changelist_url(model_admin.model)
    failures = []
    for query in hostile_queries(model_admin):
        response = admin_client.get(url, query)
        if response.status_code != 200 and response.get("Location") != f"{url}?e=1":
            failures.append((query, response.status_code))
    assert admin_client.get(f"{url}?e=1").status_code == 200
    assert failures == []


@pytest.mark.parametrize(
    "query",
    [
        {"created_at__year": "99999999999999999999"},
        {"created_at__year": "-1"},
        {"status__exact": "\x00"},
        {"id__exact": "99999999999999999999"},
        {"q": "\x00"},
    ],
)
def test_a_malformed_filter_on_the_comment_list_shows_the_whole_list_and_says_why(admin_client, query):
    comment = make_comment(make_treatment(), body="Does it hurt?")
    response = admin_client.get("/admin/treatments/comment/", query, follow=True)
    assert response.status_code == 200
    assert response.redirect_chain in ([], [("/admin/treatments/comment/?e=1", 302)])
    if response.redirect_chain:
        assert NOT_APPLIED in response.content.decode()
        assert comment.body[:12] in response.content.decode()


def test_a_well_formed_filter_still_filters(admin_client):
    make_comment(make_treatment(), body="Does it hurt?")
    response = admin_client.get("/admin/treatments/comment/", {"created_at__year": "1999"})
    assert response.status_code == 200
    assert "0 comments" in response.content.decode() or "Does it hurt?" not in response.content.decode()
