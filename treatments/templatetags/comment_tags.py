import re
from urllib.parse import parse_qs, urlsplit

from django import template
from django.urls import Resolver404, resolve
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe
from django.utils.text import get_text_list, normalize_newlines

register = template.Library()

# A path on this site, such as /treatments/compare/?t=microneedling&t=fractional-laser
SITE_PATH_RE = re.compile(r"(?<![\w/.:])/(?:[\w-]+/)+(?:\?[\w=&%-]+)?")


@register.filter
def clinic_answer_text(text):
    """A clinic answer as plain text with line breaks, where paths on this site
    (and nothing else) become links named after the page they open (see
    `path_labels`). Everything else is escaped, as for any comment."""
    matches = list(SITE_PATH_RE.finditer(text))
    labels = path_labels([match.group(0) for match in matches])
    parts, last = [], 0
    for match in matches:
        parts.append(escape(text[last : match.start()]))
        parts.append(format_html('<a href="{}">{}</a>', match.group(0), labels[match.group(0)]))
        last = match.end()
    parts.append(escape(text[last:]))
    return mark_safe(normalize_newlines("".join(parts)).replace("\n", "<br>"))


# Pages named by what they are, for the ones that take no title from the database.
PAGE_NAMES = {
    "treatments:home": "our home page",
    "treatments:condition_list": "all skin conditions",
    "treatments:treatment_list": "all treatments",
    "treatments:search": "search",
    "bookings:request": "the consultation request form",
}


def path_labels(paths):
    """{path: link text} for paths on this site: a condition or treatment page by its
    title, a comparison as "Microneedling and Fractional laser compared", other known
    pages by name, anything else as the path itself. At most one query for each
    kind of page, whatever the number of links."""
    from treatments.models import Condition, Treatment

    routes = {}
    for path in paths:
        parts = urlsplit(path)
        try:
            match = resolve(parts.path)
        except Resolver404:
            continue
        routes[path] = (match.view_name, match.kwargs.get("slug"), parse_qs(parts.query).get("t", []))
    wanted = {"condition": set(), "treatment": set()}
    for view_name, slug, compared in routes.values():
        if view_name == "treatments:condition_detail":
            wanted["condition"].add(slug)
        elif view_name == "treatments:treatment_detail":
            wanted["treatment"].add(slug)
        elif view_name == "treatments:treatment_compare":
            wanted["treatment"].update(compared)
    titles = {
        kind: dict(model.objects.published().filter(slug__in=slugs).values_list("slug", "title")) if slugs else {}
        for kind, model, slugs in [
            ("condition", Condition, wanted["condition"]),
            ("treatment", Treatment, wanted["treatment"]),
        ]
    }
    labels = {}
    for path in paths:
        view_name, slug, compared = routes.get(path, (None, None, []))
        if view_name == "treatments:condition_detail":
            labels[path] = titles["condition"].get(slug, path)
        elif view_name == "treatments:treatment_detail":
            labels[path] = titles["treatment"].get(slug, path)
        elif view_name == "treatments:treatment_compare" and compared:
            names = [titles["treatment"].get(name) for name in compared]
            labels[path] = path if None in names else f"{get_text_list(names, 'and')} compared"
        else:
            labels[path] = PAGE_NAMES.get(view_name, path)
    return labels
