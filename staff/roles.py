"""The staff roles, written once: which group may do what in admin.

Editors write and review condition and treatment pages and moderate comments;
Clinicians write and medically review pages, answer patients and read their
consultation requests; Reception handles consultation requests and keeps the
diary. Nobody in a role deletes pages or requests: superusers do.

`apply_roles` makes each role's group hold exactly the permissions listed here.
It runs after every `migrate` (staff/apps.py), so a new model's permissions
reach the groups by adding them below, without a data migration. The groups
are the code's: a superuser who wants a different set for someone makes
another group rather than editing these three, which the next deploy resets.
"""

import logging

from django.apps import apps as global_apps
from django.db import DEFAULT_DB_ALIAS
from django.db.models import Q

logger = logging.getLogger(__name__)

EDITORS = "Editors"
RECEPTION = "Reception"
CLINICIANS = "Clinicians"

EDIT = ("add", "change", "view")
ALL = (*EDIT, "delete")


def model_permissions(model, actions):
    """`"app_label.model"` and actions → `["app_label.action_model", ...]`, as `has_perm` spells them."""
    app_label, model_name = model.split(".")
    return [f"{app_label}.{action}_{model_name}" for action in actions]


# The parts of a page editors and clinicians add and remove freely.
PAGE_PARTS = ["treatments.conditiontreatment", "treatments.faq", "treatments.keytakeaway", "treatments.reference"]

ROLES = {
    EDITORS: frozenset(
        [
            # Pages: unpublished rather than deleted.
            *model_permissions("treatments.condition", EDIT),
            *model_permissions("treatments.treatment", EDIT),
            *[permission for part in PAGE_PARTS for permission in model_permissions(part, ALL)],
            *model_permissions("treatments.searchsynonym", ALL),
            *model_permissions("treatments.consultationfee", EDIT),
            *model_permissions("treatments.comment", EDIT),
            "treatments.view_helpfulvote",
            *model_permissions("staff.clinician", ALL),
            "bookings.view_clinichours",
            "bookings.view_closure",
        ]
    ),
    CLINICIANS: frozenset(
        [
            *model_permissions("treatments.condition", (*EDIT, "sign_off")),
            *model_permissions("treatments.treatment", (*EDIT, "sign_off")),
            *[permission for part in PAGE_PARTS for permission in model_permissions(part, ALL)],
            *model_permissions("treatments.comment", EDIT),
            "treatments.view_helpfulvote",
            "staff.view_clinician",
            "staff.change_clinician",
            # Requests with the patient's details and, alone among staff, the screening
            # answers; reception changes them.
            "bookings.view_consultationrequest",
            "bookings.view_patient_details",
            "bookings.view_screening_answers",
            "bookings.view_statuschange",
        ]
    ),
    RECEPTION: frozenset(
        [
            # Requests: entered by phone, worked through the workflow, exported.
            *model_permissions("bookings.consultationrequest", (*EDIT, "export")),
            "bookings.view_patient_details",
            "bookings.view_statuschange",
            *model_permissions("bookings.declinereason", EDIT),
            # The diary: opening hours, closures, clinicians' weeks and leave.
            *model_permissions("bookings.clinichours", EDIT),
            *model_permissions("bookings.closure", EDIT),
            "bookings.view_clinicianavailability",
            "bookings.change_clinicianavailability",
            *model_permissions("bookings.workinghours", ALL),
            *model_permissions("bookings.break", ALL),
            *model_permissions("bookings.leave", ALL),
            # Looked up when arranging consultations.
            "treatments.view_treatment",
            "staff.view_clinician",
        ]
    ),
}


def apply_roles(app_label=None, *, apps=global_apps, using=DEFAULT_DB_ALIAS):
    """Make each role's group (created if missing) hold exactly the permissions in
    ROLES: those of `app_label` only when given, else of every app.

    Permissions not in the database yet (their model not migrated) are skipped;
    tests/staff/test_roles.py holds that every one named exists once migrated.
    Returns the changes as `[(group name, "added" | "removed", "app_label.codename")]`.
    """
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    in_app = Q(content_type__app_label=app_label) if app_label else Q()
    groups = {group.name: group for group in Group.objects.using(using).filter(name__in=ROLES)}
    for name in ROLES.keys() - groups.keys():
        groups[name] = Group.objects.using(using).create(name=name)
    wanted_names = {name for permissions in ROLES.values() for name in permissions}
    if app_label:
        wanted_names = {name for name in wanted_names if name.startswith(f"{app_label}.")}
    by_name = {}
    if wanted_names:
        for permission in Permission.objects.using(using).filter(in_app).select_related("content_type"):
            name = f"{permission.content_type.app_label}.{permission.codename}"
            if name in wanted_names:
                by_name[name] = permission
    Through = Group.permissions.through
    held = {}
    rows = (
        Through.objects.using(using)
        .filter(group__in=groups.values())
        .filter(**({"permission__content_type__app_label": app_label} if app_label else {}))
    )
    for group_id, app, codename in rows.values_list(
        "group_id", "permission__content_type__app_label", "permission__codename"
    ):
        held.setdefault(group_id, set()).add(f"{app}.{codename}")
    changes = []
    for name, group in groups.items():
        wanted = {permission for permission in ROLES[name] if permission in by_name}
        current = held.get(group.pk, set())
        extra = current - wanted
        if extra:
            Through.objects.using(using).filter(group=group).filter(
                permission__in=_permissions(Permission, using, extra)
            ).delete()
        missing = wanted - current
        Through.objects.using(using).bulk_create(
            [Through(group=group, permission=by_name[permission]) for permission in sorted(missing)]
        )
        changes += [(name, "removed", permission) for permission in sorted(extra)]
        changes += [(name, "added", permission) for permission in sorted(missing)]
    for name in ROLES:
        for action in ("added", "removed"):
            if names := [permission for group, done, permission in changes if (group, done) == (name, action)]:
                logger.info("Staff role %s: %s %s", name, action, ", ".join(names))
    return changes


def _permissions(Permission, using, names):
    query = Q(pk__in=[])
    for name in names:
        app_label, codename = name.split(".", 1)
        query |= Q(content_type__app_label=app_label, codename=codename)
    return Permission.objects.using(using).filter(query)


def apply_roles_after_migrate(sender, using=DEFAULT_DB_ALIAS, apps=global_apps, **kwargs):
    """post_migrate receiver: once an app's permissions exist, give them to the roles."""
    try:
        apps.get_model("auth", "Permission")
    except LookupError:  # auth not migrated (yet) on this database
        return
    apply_roles(sender.label, apps=apps, using=using)
