"""Staff groups and their permissions, used by data migrations.

Editors write and review condition and treatment pages and moderate comments;
Reception handles consultation requests. Each app's migrations grant its own
models' permissions, so every fresh database has complete groups.
"""

from django.contrib.auth.management import create_permissions

EDITORS = "Editors"
RECEPTION = "Reception"
CLINICIANS = "Clinicians"


def grant(apps, group_name, app_label, codenames):
    """Give `group_name` the named permissions of `app_label`, creating both
    the group and (on a fresh database) the permissions themselves."""
    app_config = apps.get_app_config(app_label)
    # Permissions are normally made after migrate; make them now so they can be granted.
    # (A migration's app registry has no models module; the real one keeps its own.)
    models_module = getattr(app_config, "models_module", None)
    app_config.models_module = models_module or True
    try:
        create_permissions(app_config, apps=apps, verbosity=0)
    finally:
        app_config.models_module = models_module

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=group_name)
    permissions = Permission.objects.filter(content_type__app_label=app_label, codename__in=codenames)
    missing = set(codenames) - set(permissions.values_list("codename", flat=True))
    if missing:
        raise LookupError(f"Unknown permissions for {app_label}: {sorted(missing)}")
    group.permissions.add(*permissions)


def model_permissions(model_names, actions=("add", "change", "delete", "view")):
    return [f"{action}_{model}" for model in model_names for action in actions]
