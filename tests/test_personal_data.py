"""Every field of every model that holds a patient's data is classified (clinic.personal_data):
a field added later fails here until someone says whether it is personal, and so
whether it is hidden, exported and erased."""

from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from clinic.personal_data import KEPT, PersonalData

# The models whose rows are about one patient, each with a `personal_data` declaration.
HOLDING_PATIENTS_DATA = {
    "bookings.ConsultationRequest",
    "bookings.StatusChange",
    "bookings.ProposedTime",
    "bookings.Course",
    "notifications.Email",
    "privacy.PrivacyRequest",
    "treatments.Comment",
    "treatments.HelpfulVote",
}
# Pages, opening hours, staff and settings: nothing about any patient.
HOLDING_NO_PATIENTS_DATA = {
    "accounts.EnrolmentLink",
    "bookings.Break",
    "bookings.ClinicHours",
    "bookings.ClinicianAvailability",
    "bookings.Closure",
    "bookings.DeclineReason",
    "bookings.Leave",
    "bookings.WorkingHours",
    "staff.Clinician",
    "treatments.Condition",
    "treatments.ConditionTreatment",
    "treatments.ConsultationFee",
    "treatments.FAQ",
    "treatments.KeyTakeaway",
    "treatments.OldSlug",
    "treatments.Page",
    "treatments.PageReview",
    "treatments.Reference",
    "treatments.SearchSynonym",
    "treatments.Treatment",
}


def project_models():
    base = Path(settings.BASE_DIR).resolve()
    return {
        model._meta.label: model
        for config in apps.get_app_configs()
        if Path(config.path).resolve().is_relative_to(base) and ".venv" not in Path(config.path).parts
        for model in config.get_models()
    }


def test_every_model_of_the_project_says_whether_it_holds_patients_data():
    found = set(project_models())
    assert found - HOLDING_PATIENTS_DATA - HOLDING_NO_PATIENTS_DATA == set(), "new models: classify them here"
    assert (HOLDING_PATIENTS_DATA | HOLDING_NO_PATIENTS_DATA) - found == set(), "models gone or renamed"


@pytest.mark.parametrize("label", sorted(HOLDING_PATIENTS_DATA))
def test_every_field_of_a_model_holding_patients_data_is_classified(label):
    model = apps.get_model(label)
    declaration = model.__dict__.get("personal_data")
    assert isinstance(declaration, PersonalData), f"{label} declares no personal_data"
    unclassified, not_fields = declaration.unclassified()
    assert unclassified == [], f"{label}: say whether these are personal, screening, internal or not personal"
    assert not_fields == [], f"{label}: these are declared but are not fields"


def test_a_field_in_two_groups_is_refused():
    with pytest.raises(ImproperlyConfigured, match="'email' is declared both personal and not_personal"):
        PersonalData(personal={"email": ""}, not_personal=["email"])


def test_the_patients_own_details_are_personal_and_their_answers_screening():
    from bookings.models import ConsultationRequest

    declaration = ConsultationRequest.personal_data
    assert {name: declaration.kind(name) for name in ["full_name", "email", "phone", "help_with"]} == dict.fromkeys(
        ["full_name", "email", "phone", "help_with"], "personal"
    )
    assert declaration.screening == [
        "isotretinoin_recent",
        "pregnant_or_breastfeeding",
        "keloid_tendency",
        "active_skin_infection",
    ]
    assert declaration.kind("token") == "internal" and declaration.kind("status") == "not_personal"


def test_erasing_sets_each_erasable_field_to_its_declared_value_and_keeps_the_rest():
    from bookings.models import ConsultationRequest

    consultation = ConsultationRequest(
        full_name="Zoë Sample", email="zoe@example.com", contact_preference="phone", token="secret", reference="CR-X"
    )
    changed = ConsultationRequest.personal_data.erase(consultation)
    assert (consultation.full_name, consultation.email, consultation.token) == ("Anonymised", "", "")
    assert (consultation.contact_preference, consultation.reference) == ("phone", "CR-X")
    assert "contact_preference" not in changed and "full_name" in changed
    assert repr(KEPT) == "KEPT"


def test_a_field_left_out_of_a_declaration_is_reported_as_unclassified():
    from bookings.models import ConsultationRequest

    declaration = PersonalData(personal={"full_name": "", "no_such_field": ""})
    declaration.contribute_to_class(type("Stand-in", (), {"_meta": ConsultationRequest._meta}), "personal_data")
    unclassified, not_fields = declaration.unclassified()
    assert {"email", "phone", "token", "treatments"} <= set(unclassified) and "full_name" not in unclassified
    assert not_fields == ["no_such_field"]


def test_an_admin_column_that_does_not_say_what_it_shows_is_refused(rf):
    from django.contrib import admin

    from bookings.admin.requests import ConsultationRequestAdmin
    from bookings.models import ConsultationRequest

    class Careless(ConsultationRequestAdmin):
        list_display = ["reference", "initials"]

    request = rf.get("/")
    request.user = type("Staff", (), {"has_perm": lambda self, perm: True})()
    with pytest.raises(ImproperlyConfigured, match="'initials'"):
        Careless(ConsultationRequest, admin.site).get_list_display(request)


def internal_fields_with_an_admin_list():
    """(model, field) for each internal field but the primary key of a model with an admin list."""
    from django.contrib import admin

    return [
        pytest.param(model, name, id=f"{model._meta.label}.{name}")
        for model in admin.site._registry
        if isinstance(model.__dict__.get("personal_data"), PersonalData)
        for name, kind in model.personal_data.kinds.items()
        if kind == "internal" and not model._meta.get_field(name).primary_key
    ]


@pytest.mark.django_db
@pytest.mark.parametrize(("model", "name"), internal_fields_with_an_admin_list())
def test_no_admin_list_can_be_filtered_on_a_hash_token_or_key(admin_client, model, name):
    """Even a superuser's list refuses `?client_hash=...`: grouping rows by a visitor's
    hash would tell staff which comments or votes came from one person."""
    from django.urls import reverse

    changelist = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    assert admin_client.get(changelist).status_code == 200
    for lookup in [name, f"{name}__startswith", f"{name}__isnull"]:
        assert admin_client.get(changelist, {lookup: "a"}).status_code == 400, lookup


def test_the_hashes_that_tell_visitors_apart_are_among_the_fields_checked():
    checked = {param.id for param in internal_fields_with_an_admin_list()}
    assert {"treatments.Comment.client_hash", "treatments.HelpfulVote.visitor_key"} <= checked
    assert {"bookings.ConsultationRequest.token", "privacy.PrivacyRequest.subject"} <= checked
