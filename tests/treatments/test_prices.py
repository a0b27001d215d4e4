"""Prices: per session, a course's estimate from its sessions, the consultation fee,
the comparison's cost row, and what editors may enter."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from tests.factories import make_treatment
from treatments.models import ConsultationFee
from treatments.prices import course_price, money

pytestmark = pytest.mark.django_db


def priced(**fields):
    defaults = {
        "offered_here": True,
        "price_from": Decimal("250"),
        "price_to": Decimal("300"),
        "prices_checked_on": date(2026, 11, 2),
        "sessions_min": 3,
        "sessions_max": 4,
        "weeks_between_sessions": 6,
    }
    return make_treatment(**{**defaults, **fields})


@pytest.fixture
def fee():
    return ConsultationFee.objects.create(
        amount=Decimal("75"),
        covers="A clinician examines your skin and gives you a written plan.",
        checked_on=date(2026, 11, 3),
    )


@pytest.mark.parametrize(
    ("amount", "text"),
    [(Decimal("250"), "£250"), (Decimal("92.50"), "£92.50"), (Decimal("1200.00"), "£1,200"), (Decimal("0"), "£0")],
)
def test_money_reads_as_pounds(amount, text):
    assert money(amount) == text


def test_a_course_is_estimated_from_the_fewest_sessions_at_the_lowest_price_to_the_most_at_the_highest():
    assert course_price(priced()) == (Decimal("750"), Decimal("1200"))
    assert course_price(priced(price_to=None)) == (Decimal("750"), Decimal("1000"))
    assert course_price(priced(sessions_max=None)) == (Decimal("750"), Decimal("900"))
    assert course_price(priced(sessions_min=None, sessions_max=None)) is None
    assert course_price(priced(offered_here=False)) is None


def test_a_bookable_treatment_shows_its_session_and_course_price_and_when_they_were_checked(client):
    html = client.get(priced(title="Microneedling").get_absolute_url()).text
    assert '<h2 id="price-title">Price</h2>' in html
    assert '<th scope="row">Each session</th><td>£250–£300</td>' in html
    assert '<th scope="row">A usual course (3–4 sessions)</th><td>about £750–£1,200</td>' in html
    assert 'Prices checked on <time datetime="2026-11-02">2 November 2026</time>' in html


def test_a_single_session_treatment_shows_no_separate_course_price(client):
    html = client.get(priced(sessions_min=1, sessions_max=1, price_to=None).get_absolute_url()).text
    assert "<td>£250</td>" in html
    assert "A usual course" not in html


def test_the_consultation_fee_and_what_it_covers_show_beside_a_bookable_treatments_price(client, fee):
    html = client.get(priced().get_absolute_url()).text
    assert '<th scope="row">Consultation</th><td>£75</td>' in html
    assert "A clinician examines your skin and gives you a written plan." in html


def test_a_bookable_treatment_without_a_price_says_it_is_priced_at_the_consultation(client):
    html = client.get(make_treatment(offered_here=True, title="Peel").get_absolute_url()).text
    assert "We give you the price of peel at your consultation" in html


def test_an_information_only_treatment_says_it_is_not_offered_here_and_shows_no_price(client, fee):
    treatment = priced(offered_here=False, title="Punch excision")
    html = client.get(treatment.get_absolute_url()).text
    assert "Punch excision is not offered at Larchfield Skin Clinic, so we do not quote a price for it." in html
    assert "£250" not in html and "£75" not in html


def test_the_comparison_has_a_cost_row(client):
    a = priced(title="Microneedling", slug="microneedling")
    b = priced(title="Laser", slug="laser", price_from=Decimal("350"), price_to=None, sessions_min=1, sessions_max=1)
    c = make_treatment(title="Punch excision", slug="punch-excision")
    d = make_treatment(title="Peel", slug="peel", offered_here=True)
    html = client.get(f"/treatments/compare/?t={a.slug}&t={b.slug}&t={c.slug}&t={d.slug}").text
    row = html[html.index('<th scope="row">Cost at this clinic</th>') :]
    row = row[: row.index("</tr>")]
    assert (
        '<td data-label="Microneedling">£250–£300 a session; about £750–£1,200 for a course of 3–4 sessions</td>'
        in row
    )
    assert '<td data-label="Laser">£350 a session</td>' in row
    assert '<td data-label="Punch excision">Not offered at this clinic</td>' in row
    assert '<td data-label="Peel">Ask us: priced at your consultation</td>' in row


def test_a_new_fee_shows_at_once_on_the_contact_page(client, fee):
    assert "A consultation costs £75." in client.get("/contact/").text
    fee.amount = Decimal("80")
    fee.save()
    assert "A consultation costs £80." in client.get("/contact/").text


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"price_from": Decimal("300"), "price_to": Decimal("250")}, "price_to", "Must not be smaller"),
        ({"price_from": None, "price_to": Decimal("250")}, "price_from", "lowest price per session"),
        ({"prices_checked_on": None}, "prices_checked_on", "date these prices were checked"),
        ({"price_from": Decimal("-1"), "price_to": None}, "price_from", "greater than or equal to 0"),
    ],
)
def test_prices_editors_enter_must_make_sense(fields, field, message):
    treatment = priced()
    for name, value in fields.items():
        setattr(treatment, name, value)
    with pytest.raises(ValidationError) as error:
        treatment.full_clean()
    assert message in " ".join(error.value.message_dict[field])


def test_the_consultation_fee_is_added_once_in_admin_then_changed(admin_client, fee):
    response = admin_client.get("/admin/treatments/consultationfee/add/")
    assert response.status_code == 403
    response = admin_client.post(
        f"/admin/treatments/consultationfee/{fee.pk}/change/",
        {"amount": "80.00", "covers": "The same, and a skin check.", "checked_on": "2026-11-20"},
    )
    assert response.status_code == 302
    fee.refresh_from_db()
    assert (fee.amount, fee.checked_on) == (Decimal("80.00"), date(2026, 11, 20))


def test_treatment_cards_show_the_lowest_session_price_of_bookable_treatments(client):
    priced(title="Microneedling", slug="microneedling")
    priced(title="Punch excision", slug="punch-excision", offered_here=False, price_from=Decimal("500"))
    html = client.get("/treatments/").text
    assert "From £250 a session" in html
    assert "From £500 a session" not in html


def test_the_consultation_form_says_what_a_consultation_costs(client, fee):
    html = client.get("/consultations/request/").text
    assert "A consultation costs £75. A clinician examines your skin and gives you a written plan." in html
