import json

from django.db import migrations

# Step 2 of 3: a Page for every condition and treatment, and every FAQ, key
# takeaway, reference, old address, medical review, helpful vote and comment
# pointed at its page's Page. Saved versions (django-reversion) of pages and
# their parts are rewritten the same way, so "History" can still show and
# restore what was saved before this migration.

KINDS = ("condition", "treatment")
DEPENDENTS = ("faq", "keytakeaway", "reference", "oldslug", "pagereview", "helpfulvote", "comment")
VERSIONED_PARTS = ("faq", "keytakeaway", "reference")


def _versions(apps, model_name):
    Version = apps.get_model("reversion", "Version")
    ContentType = apps.get_model("contenttypes", "ContentType")
    content_type = ContentType.objects.filter(app_label="treatments", model=model_name).first()
    if content_type is None:
        return []
    return Version.objects.filter(content_type=content_type, format="json")


def _rewrite(version, change):
    """Apply `change` to the fields of each object in a saved version's JSON."""
    objects = json.loads(version.serialized_data)
    for item in objects:
        change(item["fields"])
    version.serialized_data = json.dumps(objects)
    version.save(update_fields=["serialized_data"])


def forwards(apps, schema_editor):
    Page = apps.get_model("treatments", "Page")
    page_of = {}
    for kind in KINDS:
        model = apps.get_model("treatments", kind)
        for item in model.objects.filter(page__isnull=True).only("pk"):
            page = Page.objects.create(kind=kind)
            model.objects.filter(pk=item.pk).update(page=page)
            page_of[kind, item.pk] = page.pk
            for name in DEPENDENTS:
                apps.get_model("treatments", name).objects.filter(**{kind: item.pk}).update(page=page)

    for kind in KINDS:
        for version in _versions(apps, kind):
            page = page_of.get((kind, int(version.object_id)))
            if page is not None:
                _rewrite(version, lambda fields, page=page: fields.setdefault("page", page))
    for name in VERSIONED_PARTS:
        for version in _versions(apps, name):

            def to_page(fields):
                for kind in KINDS:
                    owner = fields.pop(kind, None)
                    if owner is not None and (kind, owner) in page_of:
                        fields["page"] = page_of[kind, owner]

            _rewrite(version, to_page)


def backwards(apps, schema_editor):
    owner_of = {}
    for kind in KINDS:
        model = apps.get_model("treatments", kind)
        for item in model.objects.exclude(page__isnull=True).only("pk", "page"):
            owner_of[item.page_id] = (kind, item.pk)
            for name in DEPENDENTS:
                apps.get_model("treatments", name).objects.filter(page=item.page_id).update(**{kind: item.pk})

    for kind in KINDS:
        for version in _versions(apps, kind):
            _rewrite(version, lambda fields: fields.pop("page", None))
    for name in VERSIONED_PARTS:
        for version in _versions(apps, name):

            def to_owner(fields):
                owner = owner_of.get(fields.pop("page", None))
                if owner is not None:
                    fields.update({kind: None for kind in KINDS}, **{owner[0]: owner[1]})

            _rewrite(version, to_owner)


class Migration(migrations.Migration):
    dependencies = [
        ("treatments", "0023_page"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("reversion", "0002_add_index_on_version_for_content_type_and_db"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
