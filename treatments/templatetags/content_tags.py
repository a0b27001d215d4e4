import json
import re

from django import template
from django.core.serializers.json import DjangoJSONEncoder
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from treatments import facts as facts_module
from treatments import prices as prices_module

register = template.Library()

# As django.utils.html.json_script: nothing in the data can end the <script> element.
JSON_SCRIPT_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}


@register.filter
def json_ld(data):
    """`data` as a `<script type="application/ld+json">` element, escaped like `json_script`
    (compact: it is read by machines, and every page of the guide carries it)."""
    text = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, separators=(",", ":"))
    text = text.translate(JSON_SCRIPT_ESCAPES)
    return format_html('<script type="application/ld+json">{}</script>', mark_safe(text))


@register.filter
def key_facts(treatment):
    """The treatment's key facts (see treatments.facts)."""
    return facts_module.key_facts(treatment)


@register.filter
def card_facts(treatment):
    """The few facts a treatment card shows, as (label, text) pairs."""
    facts = {fact.key: fact.text for fact in facts_module.key_facts(treatment)}
    return [
        ("Sessions", facts["sessions"]),
        ("First to last session", facts["course"]),
        ("Downtime", facts["downtime"]),
        ("Numbing", treatment.get_numbing_display()),
    ]


# A citation in rendered Markdown (treatments.markdown.CitationProcessor): a link to "#ref-N".
CITATION_LINK = re.compile(r'<a href="#ref-(\d+)"')


def citation_anchor(place, number):
    """The id of the first citation of reference `number` in the part `place` of a page."""
    return f"cite-{place}-{number}"


@register.filter(is_safe=True)
def citation_anchors(html, place):
    """Rendered Markdown of the part `place` ("body", "aftercare", …) with an id on the
    first citation of each reference, for the reference list to link back to."""
    seen = set()

    def with_id(match):
        number = match.group(1)
        if number in seen:
            return match.group(0)
        seen.add(number)
        return f'<a id="{citation_anchor(place, number)}" href="#ref-{number}"'

    return mark_safe(CITATION_LINK.sub(with_id, str(html)))


@register.simple_tag
def cited_in(page, number):
    """Where `page` (a condition or treatment) cites reference `number`, as
    [(anchor id, "the text" or the part's name)], in the page's order."""
    places = []
    for name in page.markdown_fields:
        numbers = set(CITATION_LINK.findall(getattr(page, f"{name}_html", "") or ""))
        if str(number) in numbers:
            label = "the text" if name == "body" else page._meta.get_field(name).verbose_name
            places.append((citation_anchor(name, number), label))
    return places


@register.filter
def money(amount):
    """A Decimal amount of pounds as patients read it: `£250`, `£92.50` (see treatments.prices)."""
    return prices_module.money(amount) if amount is not None else ""


@register.filter
def price_summary(treatment):
    """ "From £250 a session" for a priced treatment offered here; "" otherwise."""
    price = prices_module.session_price(treatment)
    return f"From {prices_module.money(price[0])} a session" if price else ""
