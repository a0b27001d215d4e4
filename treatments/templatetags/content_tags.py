import json

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
    """`data` as a `<script type="application/ld+json">` element, escaped like `json_script`."""
    text = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False).translate(JSON_SCRIPT_ESCAPES)
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


@register.filter
def money(amount):
    """A Decimal amount of pounds as patients read it: `£250`, `£92.50` (see treatments.prices)."""
    return prices_module.money(amount) if amount is not None else ""


@register.filter
def price_summary(treatment):
    """ "From £250 a session" for a priced treatment offered here; "" otherwise."""
    price = prices_module.session_price(treatment)
    return f"From {prices_module.money(price[0])} a session" if price else ""
