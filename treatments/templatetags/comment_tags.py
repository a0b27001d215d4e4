import re

from django import template
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe
from django.utils.text import normalize_newlines

register = template.Library()

# A path on this site, such as /treatments/compare/?t=microneedling&t=fractional-laser
SITE_PATH_RE = re.compile(r"(?<![\w/.:])/(?:[\w-]+/)+(?:\?[\w=&%-]+)?")


@register.filter
def clinic_answer_text(text):
    """A clinic answer as plain text with line breaks, where paths on this site
    (and nothing else) become links. Everything else is escaped, as for any comment."""
    parts, last = [], 0
    for match in SITE_PATH_RE.finditer(text):
        parts.append(escape(text[last : match.start()]))
        parts.append(format_html('<a href="{}">{}</a>', match.group(0), match.group(0)))
        last = match.end()
    parts.append(escape(text[last:]))
    return mark_safe(normalize_newlines("".join(parts)).replace("\n", "<br>"))
