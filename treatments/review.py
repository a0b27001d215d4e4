"""A page's content as one plain value, for medical review and versions.

`page_content` reads a condition or treatment page with its FAQs, key
takeaways, references and treatment links into JSON-ready data;
`content_changes` lists what differs between two such values in words;
`apply_content` writes one back. treatments.services uses them to hold an
edit of a published page until a clinician approves it.

Page metadata is exempt from medical review (METADATA_FIELDS): the address
(slug), the SEO meta description, the publication status, whether the clinic
offers the treatment, and its prices. Everything else a reader sees is content.
"""

import hashlib
import json

from django.contrib.contenttypes.models import ContentType
from django.core.serializers.json import DjangoJSONEncoder
from django.utils.text import capfirst

from treatments.models import FAQ, Condition, ConditionTreatment, KeyTakeaway, Reference

METADATA_FIELDS = ("slug", "meta_description", "status", "offered_here", "price_from", "price_to", "prices_checked_on")
AUTOMATIC_FIELDS = ("id", "created_at", "updated_at")


def _parts(page):
    """(key, model, {field: value} of `page`'s own, fields, label) for each kind of part of `page`."""
    own = "condition" if isinstance(page, Condition) else "treatment"
    other = "treatment" if own == "condition" else "condition"
    on_page = {"page_id": page.page_id}
    return [
        ("faqs", FAQ, on_page, ["order", "question", "answer"], "FAQ"),
        ("takeaways", KeyTakeaway, on_page, ["order", "text"], "Key takeaway"),
        ("references", Reference, on_page, ["order", "citation", "url"], "Reference"),
        (
            f"{other}_links",
            ConditionTreatment,
            {f"{own}_id": page.pk},
            [other, "order", "note", "suitability"],
            f"Linked {other}",
        ),
    ]


def content_fields(model):
    """The page fields that medical review covers."""
    return [
        field
        for field in model._meta.concrete_fields
        if field.editable and field.name not in METADATA_FIELDS + AUTOMATIC_FIELDS
    ]


def _plain(value):
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder))


def page_content(page):
    """The page's reviewed content as JSON-ready data: {"page": {field: value},
    "faqs": [{"id": .., field: ..}], "takeaways": [..], "references": [..],
    "treatment_links" or "condition_links": [..]}. Read from the database."""
    content = {"page": {field.attname: field.value_from_object(page) for field in content_fields(type(page))}}
    for key, model, own, fields, _label in _parts(page):
        attnames = [model._meta.get_field(name).attname for name in fields]
        content[key] = list(model.objects.filter(**own).order_by("pk").values("id", *attnames))
    return _plain(content)


def content_digest(content):
    """A short fingerprint of `content`: equal content, equal digest."""
    return hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()


def _shown(model, name, value):
    field = model._meta.get_field(name)
    if value in (None, ""):
        return "—"
    if field.is_relation:
        target = field.related_model.objects.filter(pk=value).first()
        return str(target) if target else f"#{value}"
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    return str(value)


def content_changes(page, before, after):
    """What differs from `before` to `after` (both `page_content` values), as
    [{"what": label, "before": text, "after": text}], in the page's order."""
    model = type(page)
    changes = []
    for field in content_fields(model):
        old, new = before["page"].get(field.attname), after["page"].get(field.attname)
        if old != new:
            changes.append(
                {
                    "what": capfirst(field.verbose_name),
                    "before": _shown(model, field.name, old),
                    "after": _shown(model, field.name, new),
                }
            )
    for key, part_model, _own, fields, label in _parts(page):
        old_items = {item["id"]: item for item in before.get(key, [])}
        new_items = {item["id"]: item for item in after.get(key, [])}
        for pk, item in new_items.items():
            old = old_items.get(pk, {})
            for name in fields:
                attname = part_model._meta.get_field(name).attname
                if old.get(attname) != item.get(attname):
                    changes.append(
                        {
                            "what": f"{label} {'(new) ' if not old else ''}– {name}",
                            "before": _shown(part_model, name, old.get(attname)) if old else "—",
                            "after": _shown(part_model, name, item.get(attname)),
                        }
                    )
        for pk, item in old_items.items():
            if pk not in new_items:
                first = part_model._meta.get_field(fields[1] if fields[0] == "order" else fields[0])
                text = _shown(part_model, first.name, item.get(first.attname))
                changes.append({"what": f"{label} removed", "before": text, "after": "—"})
    return changes


def apply_content(page, content):
    """Write `content` (a `page_content` value) to `page` and its parts.

    Parts missing from `content` are deleted; parts in it are updated, or made
    again with their old id when that id is free (a restored FAQ keeps its
    place), else with a new one. Raises ValidationError if the result is invalid.
    """
    model = type(page)
    for field in content_fields(model):
        if field.attname in content["page"]:
            value = content["page"][field.attname]
            setattr(page, field.attname, None if value is None else field.to_python(value))
    page.full_clean()
    page.save()
    for key, part_model, own, fields, _label in _parts(page):
        live = {part.pk: part for part in part_model.objects.filter(**own)}
        wanted = content.get(key, [])
        wanted_ids = {item["id"] for item in wanted}
        part_model.objects.filter(pk__in=[pk for pk in live if pk not in wanted_ids]).delete()
        taken = set(part_model.objects.filter(pk__in=wanted_ids - live.keys()).values_list("pk", flat=True))
        for item in wanted:
            part = live.get(item["id"])
            if part is None:
                part = part_model(**own)
                if item["id"] not in taken:
                    part.pk = item["id"]
            for name in fields:
                field = part_model._meta.get_field(name)
                value = item.get(field.attname)
                setattr(part, field.attname, None if value is None else field.to_python(value))
            part.full_clean()
            part.save()
    return page


def revision_content(page, revision):
    """The content of `page` as kept in a django-reversion `revision` (a saved version)."""
    content = {"page": {}, **{key: [] for key, *_rest in _parts(page)}}
    for version in revision.version_set.all():
        model, data = ContentType.objects.get_for_id(version.content_type_id).model_class(), version.field_dict
        if model is type(page) and version.object_id == str(page.pk):
            content["page"] = {field.attname: data.get(field.attname) for field in content_fields(model)}
            continue
        for key, part_model, own, fields, _label in _parts(page):
            if model is part_model and all(data.get(name) == value for name, value in own.items()):
                attnames = [part_model._meta.get_field(name).attname for name in fields]
                content[key].append({"id": int(version.object_id), **{name: data.get(name) for name in attnames}})
    for key, *_rest in _parts(page):
        content[key].sort(key=lambda item: item["id"])
    return _plain(content)
