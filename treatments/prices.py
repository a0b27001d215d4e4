"""Prices as patients read them: per session, a course's estimate, and the consultation fee.

A course's price is estimated from the sessions it usually takes and the price
per session: the fewest sessions at the lowest price to the most sessions at
the highest. Treatments not offered at this clinic have no price here.
"""

from dataclasses import dataclass

from django.core.cache import cache

from treatments.models import ConsultationFee

CONSULTATION_FEE_CACHE_KEY = "treatments:consultation-fee:v1"
NOT_OFFERED = "Not offered at this clinic"
NO_PRICE = "Ask us: priced at your consultation"


def money(amount):
    """`£250`, `£92.50`, `£1,200` for a Decimal amount of pounds."""
    if amount == amount.to_integral_value():
        return f"£{amount:,.0f}"
    return f"£{amount:,.2f}"


def money_range(low, high):
    """`£250–£300`, or `£250` when both ends are the same (or `high` is None)."""
    if high is None or high == low:
        return money(low)
    return f"{money(low)}–{money(high)}"


def session_price(treatment):
    """(lowest, highest) price of one session in pounds, or None when the clinic has not priced it."""
    if not treatment.offered_here or treatment.price_from is None:
        return None
    return treatment.price_from, treatment.price_to if treatment.price_to is not None else treatment.price_from


def course_price(treatment):
    """(lowest, highest) estimated price of a whole course in pounds, or None when it cannot be estimated.

    Lowest: the fewest usual sessions at the lowest price; highest: the most
    sessions at the highest price. Needs the price and the number of sessions.
    """
    price = session_price(treatment)
    if price is None or treatment.sessions_min is None:
        return None
    most_sessions = treatment.sessions_max if treatment.sessions_max is not None else treatment.sessions_min
    return price[0] * treatment.sessions_min, price[1] * most_sessions


@dataclass(frozen=True)
class Prices:
    """What a treatment's price section says; `offered` False means "not offered here"."""

    offered: bool
    per_session: str = ""
    course: str = ""
    sessions: str = ""
    single_session: bool = False
    checked_on: object = None


def treatment_prices(treatment):
    """The texts of a treatment's price section (a `Prices`)."""
    from treatments.facts import is_single_session, sessions_text

    if not treatment.offered_here:
        return Prices(offered=False)
    price = session_price(treatment)
    if price is None:
        return Prices(offered=True)
    course = course_price(treatment)
    return Prices(
        offered=True,
        per_session=money_range(*price),
        course=money_range(*course) if course else "",
        sessions=sessions_text(treatment),
        single_session=is_single_session(treatment),
        checked_on=treatment.prices_checked_on,
    )


def cost_text(treatment):
    """One cell of the comparison's cost row."""
    if not treatment.offered_here:
        return NOT_OFFERED
    prices = treatment_prices(treatment)
    if not prices.per_session:
        return NO_PRICE
    if prices.single_session or not prices.course:
        return f"{prices.per_session} a session"
    return f"{prices.per_session} a session; about {prices.course} for a course of {prices.sessions}"


def cost_row(treatments):
    """The comparison's "Cost" row: a `facts.Row` with one cell per treatment."""
    from treatments.facts import Cell, Row

    return Row(key="cost", label="Cost at this clinic", cells=[Cell(text=cost_text(t)) for t in treatments])


def consultation_fee():
    """The consultation fee (a ConsultationFee) or None when none is set; cached until it changes."""
    fee = cache.get(CONSULTATION_FEE_CACHE_KEY)
    if fee is None:
        fee = ConsultationFee.objects.first() or False
        cache.set(CONSULTATION_FEE_CACHE_KEY, fee, 60 * 60)
    return fee or None


def forget_consultation_fee(**kwargs):
    """Signal receiver: the fee changed, read it again next time."""
    cache.delete(CONSULTATION_FEE_CACHE_KEY)
