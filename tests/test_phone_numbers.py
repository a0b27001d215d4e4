"""Every clinic phone number on a page is a tel: link, in templates, messages and
Markdown alike; staff read patients' numbers the way they dial them (clinic/phone.py)."""

import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.test import RequestFactory
from django.utils import timezone
from django.utils.safestring import mark_safe

from bookings import services
from bookings.demo import DEMO_HOURS
from bookings.models import ClinicHours, Status
from clinic.middleware import database_unavailable_response
from clinic.phone import national_format, phone_links, tel_link
from clinic.views import csrf_failure, server_error
from tests.bookings.conftest import at, confirm, in_review, make_staff_member, move, open_day, submit
from tests.factories import make_clinician, make_condition, make_faq, make_treatment

CLINIC_TEL = 'href="tel:+442079460321"'
TEL_LINK = re.compile(r'<a [^>]*href="tel:[^"]*"[^>]*>.*?</a>', re.DOTALL)
# The clinic's number as a page could write it.
WRITTEN = ["+44 20 7946 0321", "+442079460321", "020 7946 0321", "0207 946 0321"]


def untapped_numbers(html):
    """The ways of writing the clinic's number found in the page's body outside a tel: link."""
    body = TEL_LINK.sub("", html[html.find("<body") :])
    return [written for written in WRITTEN if written in body]


# --- The filters -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "linked"),
    [
        ("call us on +44 20 7946 0321.", 'call us on <a href="tel:+442079460321">+44 20 7946 0321</a>.'),
        ("or 020 7946 0321", 'or <a href="tel:+442079460321">020 7946 0321</a>'),
        ("mobile 07911-123456", 'mobile <a href="tel:+447911123456">07911-123456</a>'),
        ("ref 20240101 and 1234567", "ref 20240101 and 1234567"),
        ("page /treatments/compare/?t=12345678901", "page /treatments/compare/?t=12345678901"),
        ("<b>+44 20 7946 0321</b>", '&lt;b&gt;<a href="tel:+442079460321">+44 20 7946 0321</a>&lt;/b&gt;'),
        ("NHS 111 or 999", "NHS 111 or 999"),
    ],
)
def test_phone_numbers_in_plain_text_become_tel_links_and_nothing_else_changes(text, linked):
    assert phone_links(text) == linked


def test_in_html_only_text_outside_links_and_tags_is_linked():
    html = mark_safe('<p title="+44 20 7946 0321">Call +44 20 7946 0321 or <a href="/contact/">020 7946 0321</a></p>')
    assert phone_links(html) == (
        '<p title="+44 20 7946 0321">Call <a href="tel:+442079460321">+44 20 7946 0321</a> or '
        '<a href="/contact/">020 7946 0321</a></p>'
    )


def test_one_number_becomes_a_link_showing_it_as_written():
    assert tel_link("+44 20 7946 0321") == '<a href="tel:+442079460321">+44 20 7946 0321</a>'
    assert tel_link("<not a number>") == "&lt;not a number&gt;"


@pytest.mark.parametrize(
    ("stored", "shown"),
    [("+447911123456", "07911 123456"), ("+442079460321", "020 7946 0321"), ("+33612345678", "+33 6 12 34 56 78")],
)
def test_stored_numbers_read_in_national_form_for_the_clinics_country(stored, shown):
    assert national_format(stored) == shown


# --- Every page that gives the number ------------------------------------------------------------


@pytest.fixture(autouse=True)
def clinic_open(request):
    if "db" in request.fixturenames or request.node.get_closest_marker("django_db"):
        request.getfixturevalue("db")
        for weekday, (opens, closes) in DEMO_HOURS.items():
            ClinicHours.objects.create(weekday=weekday, opens=opens, closes=closes)


@pytest.fixture
def pages(db):
    condition = make_condition(
        slug="ice-pick-scars", body="Worried? Call us on +44 20 7946 0321 and ask for the nurse."
    )
    treatment = make_treatment(
        slug="microneedling", offered_here=True, aftercare="Any bleeding: phone 020 7946 0321 at once."
    )
    make_faq(treatment, question="Can I call?", answer="Yes: +44 20 7946 0321, weekdays.")
    return condition, treatment


@pytest.mark.django_db
def test_every_public_page_that_gives_the_clinics_number_makes_it_tappable(client, pages, settings):
    clinician = make_clinician()
    requests = {
        "new": submit(),
        "offered": None,
        "confirmed": confirm(submit(), start=timezone.now() + timedelta(days=5)),
        "soon": confirm(submit(), start=timezone.now() + timedelta(hours=20)),
        "declined": move(submit(), Status.IN_REVIEW, Status.DECLINED),
        "cancelled": move(submit(), Status.CANCELLED),
    }
    requests["offered"] = services.propose_times(
        consultation=in_review(), slots=[(at(open_day(weeks=2), 9), clinician)], by=make_staff_member()
    )
    paths = ["/", "/conditions/ice-pick-scars/", "/treatments/microneedling/", "/consultations/request/"]
    for consultation in requests.values():
        paths += [consultation.status_path(), consultation.thanks_path()]
        paths.append(f"/consultations/{consultation.reference}/{consultation.token}/cancel/")
    for path in paths:
        html = client.get(path).content.decode()
        assert untapped_numbers(html) == [], path
    assert CLINIC_TEL in client.get("/conditions/ice-pick-scars/").content.decode()
    html = client.get("/treatments/microneedling/").content.decode()
    assert html.count('href="tel:+442079460321"') >= 3  # the aftercare, the FAQ and the footer


def test_the_error_pages_make_the_number_tappable(db):
    request = RequestFactory().get("/")
    for response in (server_error(request), database_unavailable_response(), csrf_failure(request)):
        html = response.content.decode()
        assert CLINIC_TEL in html and untapped_numbers(html) == []


@pytest.mark.django_db
def test_a_message_with_the_number_makes_it_tappable(client):
    consultation = confirm(submit(), start=timezone.now() + timedelta(hours=20))
    response = client.post(consultation.status_path(), {"confirm": "yes"}, follow=True)
    html = response.content.decode()
    assert settings.CLINIC_PHONE in html and untapped_numbers(html) == []


# --- Staff ---------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_staff_read_a_patients_number_in_national_form(admin_client):
    consultation = submit(phone="+447911123456", contact_preference="phone")
    html = admin_client.get(f"/admin/bookings/consultationrequest/{consultation.pk}/change/").content.decode()
    assert '<a href="tel:+447911123456">07911 123456</a>' in html
    assert "+447911123456" not in TEL_LINK.sub("", html)
