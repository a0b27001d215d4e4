"""The staff roles (staff/roles.py): which group may do what, applied after every migrate."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.management.sql import emit_post_migrate_signal
from django.urls import reverse

from staff import roles
from tests.conftest import staff_login
from tests.factories import make_clinician, make_treatment

pytestmark = pytest.mark.django_db

EDIT = ["add", "change", "view"]
ALL = ["add", "change", "delete", "view"]

# What each group holds on a fresh database, written out: app → model → actions.
EXPECTED = {
    "Editors": {
        "bookings": {"clinichours": ["view"], "closure": ["view"]},
        "staff": {"clinician": ALL},
        "treatments": {
            "comment": EDIT,
            "condition": EDIT,
            "conditiontreatment": ALL,
            "consultationfee": EDIT,
            "faq": ALL,
            "helpfulvote": ["view"],
            "keytakeaway": ALL,
            "reference": ALL,
            "searchsynonym": ALL,
            "treatment": EDIT,
        },
    },
    "Clinicians": {
        "bookings": {
            "consultationrequest": ["view", "view_patient_details", "view_screening_answers"],
            "statuschange": ["view"],
        },
        "staff": {"clinician": ["change", "view"]},
        "treatments": {
            "comment": EDIT,
            "condition": [*EDIT, "sign_off"],
            "conditiontreatment": ALL,
            "faq": ALL,
            "helpfulvote": ["view"],
            "keytakeaway": ALL,
            "reference": ALL,
            "treatment": [*EDIT, "sign_off"],
        },
    },
    "Reception": {
        "bookings": {
            "break": ALL,
            "clinichours": EDIT,
            "clinicianavailability": ["change", "view"],
            "closure": EDIT,
            "consultationrequest": [*EDIT, "export", "view_patient_details"],
            "declinereason": EDIT,
            "leave": ALL,
            "statuschange": ["view"],
            "workinghours": ALL,
        },
        "staff": {"clinician": ["view"]},
        "treatments": {"treatment": ["view"]},
    },
}


# Permissions named in full in EXPECTED rather than as an action on the model.
WHOLE_CODENAMES = {"view_patient_details", "view_screening_answers"}


def expected_names(group):
    """EXPECTED as has_perm names: "bookings.view_closure", ..."""
    return {
        f"{app}.{action if action in WHOLE_CODENAMES else f'{action}_{model}'}"
        for app, models in EXPECTED[group].items()
        for model, actions in models.items()
        for action in actions
    }


def held(group):
    permissions = Group.objects.get(name=group).permissions.select_related("content_type")
    return {f"{permission.content_type.app_label}.{permission.codename}" for permission in permissions}


@pytest.mark.parametrize("group", ["Editors", "Clinicians", "Reception"])
def test_each_group_holds_its_role_on_a_fresh_database(group):
    assert held(group) == expected_names(group)


def test_every_permission_a_role_names_exists():
    for group, names in roles.ROLES.items():
        for name in names:
            app_label, codename = name.split(".")
            assert Permission.objects.filter(content_type__app_label=app_label, codename=codename).exists(), (
                group,
                name,
            )


def after_migrate():
    """What `migrate` (and a test database's flush) does once the tables are up to date."""
    emit_post_migrate_signal(verbosity=0, interactive=False, db="default")


def test_a_permission_added_to_a_role_reaches_the_group_without_a_migration(monkeypatch):
    reception = roles.ROLES[roles.RECEPTION]
    monkeypatch.setitem(roles.ROLES, roles.RECEPTION, reception | {"notifications.view_email"})
    after_migrate()
    assert "notifications.view_email" in held("Reception")


def test_a_permission_taken_from_a_role_leaves_the_group(monkeypatch):
    editors = roles.ROLES[roles.EDITORS]
    monkeypatch.setitem(roles.ROLES, roles.EDITORS, editors - {"staff.delete_clinician"})
    after_migrate()
    assert "staff.delete_clinician" not in held("Editors")
    assert "staff.change_clinician" in held("Editors")


def test_a_deleted_group_comes_back_and_a_hand_made_grant_is_undone():
    Group.objects.filter(name="Clinicians").delete()
    reception = Group.objects.get(name="Reception")
    reception.permissions.add(
        Permission.objects.get(content_type__app_label="treatments", codename="change_treatment")
    )
    after_migrate()
    assert held("Clinicians") == expected_names("Clinicians")
    assert held("Reception") == expected_names("Reception")


def member_of(client, group):
    user = get_user_model().objects.create_user(username=group.lower(), password="x", is_staff=True)
    user.groups.add(Group.objects.get(name=group))
    staff_login(client, user)
    return client


def test_an_editor_changes_a_treatment_page_but_cannot_open_consultation_requests(client):
    treatment = make_treatment()
    editor = member_of(client, "Editors")
    assert editor.get(reverse("admin:treatments_treatment_change", args=[treatment.pk])).status_code == 200
    assert editor.get(reverse("admin:bookings_consultationrequest_changelist")).status_code == 403
    assert editor.get(reverse("admin:treatments_treatment_delete", args=[treatment.pk])).status_code == 403


def test_reception_opens_consultation_requests_but_only_reads_treatments_and_clinicians(client):
    treatment, clinician = make_treatment(), make_clinician()
    reception = member_of(client, "Reception")
    assert reception.get(reverse("admin:bookings_consultationrequest_changelist")).status_code == 200
    page = reception.get(reverse("admin:treatments_treatment_change", args=[treatment.pk]))
    assert page.status_code == 200
    assert b'name="_save"' not in page.content
    profile = reception.get(reverse("admin:staff_clinician_change", args=[clinician.pk]))
    assert profile.status_code == 200
    assert b'name="_save"' not in profile.content
    assert reception.get(reverse("admin:staff_clinician_add")).status_code == 403
