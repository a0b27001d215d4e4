"""Phone numbers as people read and tap them.

`tel_link` and `phone_links` are template filters, built into every template
(settings.TEMPLATES' "builtins"): the first makes one number a `tel:` link
(NHS 111 and 999 too, written `{{ "111"|tel_link:"NHS 111" }}`),
the second finds the phone numbers in a plain message or in rendered Markdown
and links each, so the clinic's number is tappable wherever a page mentions
it. `national_format` shows a stored E.164 number ("+447911123456") the way
staff dial it ("07911 123456"), or in international form for other countries.
"""

import re

import phonenumbers
from django import template
from django.conf import settings
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeData, mark_safe

register = template.Library()

# Something that could be a phone number: 8 or more digits with spaces, brackets or hyphens.
CANDIDATE = re.compile(r"(?<![\w+/=])\+?\(?\d[\d ()\u00a0-]{6,}\d(?![\w/])")
# A tag, or the text between tags.
HTML_PARTS = re.compile(r"(<[^>]*>)")


def parsed(text):
    """`text` as a phonenumbers.PhoneNumber when it is a valid number (read in the
    clinic's region when it has no +country code), else None."""
    try:
        number = phonenumbers.parse(text, settings.CLINIC_PHONE_REGION)
    except phonenumbers.NumberParseException:
        return None
    return number if phonenumbers.is_valid_number(number) else None


def tel_href(text):
    """ "tel:+442079460321" for a valid number written any usual way, else None."""
    number = parsed(text)
    return f"tel:{phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)}" if number else None


def short_tel_href(text):
    """ "tel:111" for a short number valid in the clinic's region (NHS 111, 999), else None.

    Only for numbers a template names on purpose: short numbers are not searched
    for in free text, where "999" could as well be a price or a count."""
    digits = re.sub(r"[\s-]", "", text)
    if not digits.isdigit() or len(digits) > 6:
        return None
    try:
        number = phonenumbers.parse(digits, settings.CLINIC_PHONE_REGION)
    except phonenumbers.NumberParseException:
        return None
    valid = phonenumbers.is_valid_short_number_for_region(number, settings.CLINIC_PHONE_REGION)
    return f"tel:{digits}" if valid else None


@register.filter
def national_format(value):
    """A stored number as staff read it: national form for the clinic's country
    ("07911 123456"), international form for others; anything unparseable as is."""
    number = parsed(value or "")
    if number is None:
        return value
    if number.country_code == phonenumbers.country_code_for_region(settings.CLINIC_PHONE_REGION):
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


@register.filter
def tel_link(value, label=None):
    """One phone number as a link that dials it, shown as written (or as `label`:
    `{{ "111"|tel_link:"NHS 111" }}`); short service numbers such as 111 and 999
    count. As plain (escaped) text when it is not a valid number."""
    href = tel_href(str(value)) or short_tel_href(str(value))
    text = value if label is None else label
    return format_html('<a href="{}">{}</a>', href, text) if href else conditional_escape(text)


@register.filter(is_safe=True)
def phone_links(value):
    """Plain text (escaped first) or safe HTML (such as rendered Markdown) with each
    valid phone number in its text made a `tel:` link; numbers already inside a
    link, and tags' attributes, are left alone."""
    html = str(value) if isinstance(value, SafeData) else str(conditional_escape(value))
    parts, in_link = [], 0
    for part in HTML_PARTS.split(html):
        if part.startswith("<"):
            tag = part[1:].lstrip("/").split(None, 1)[0].lower() if len(part) > 2 else ""
            if tag == "a":
                in_link += -1 if part.startswith("</") else 1
            parts.append(part)
        elif in_link > 0:
            parts.append(part)
        else:
            parts.append(CANDIDATE.sub(_link_if_valid, part))
    return mark_safe("".join(parts))


def _link_if_valid(match):
    text = match.group(0)
    href = tel_href(text.replace("\u00a0", " "))
    return f'<a href="{href}">{text}</a>' if href else text
