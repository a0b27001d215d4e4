"""Every clinic phone number on a page is a tel: link, in templates, messages and
Markdown alike; staff read patients' numbers the way they dial them (clinic/phone.py)."""

import html as html_lib
import re
from datetime import timedelta
from io import StringIO
from pathlib import Path

import phonenumbers
import pytest
from django.conf import settings
from django.core.management import call_command
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
from tests.e2e.test_pages_quality import PUBLIC_PAGES
from tests.factories import make_clinician, make_condition, make_faq, make_treatment
from tests.treatments.test_comments_posting import comments_url
from tests.treatments.test_comments_posting import form_data as comment_form_data

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


# --- Any phone number at all: the clinic's, NHS 111, 999, the ICO's -----------------------------

# Short service numbers as a sentence gives them ("NHS 111", "call 999").
SHORT_NUMBER = re.compile(r"\b(?:NHS\s+111|(?:call|dial|ring)\s+(?:111|999|112))\b", re.IGNORECASE)
NON_TEXT = re.compile(r"<(script|style|head|title|textarea)\b.*?</\1>", re.DOTALL | re.IGNORECASE)


def untapped_phone_numbers(html):
    """Phone-number-looking text a reader sees outside a tel: link: any number the
    phonenumbers library finds in the text (UK numbers written nationally too), and
    NHS 111 / 999 as sentences name them."""
    text = TEL_LINK.sub(" ", NON_TEXT.sub(" ", html))
    text = html_lib.unescape(re.sub(r"<[^>]*>", " ", text))
    found = [m.raw_string for m in phonenumbers.PhoneNumberMatcher(text, "GB", leniency=phonenumbers.Leniency.VALID)]
    return found + SHORT_NUMBER.findall(text)


def test_the_scan_sees_numbers_outside_links_and_not_inside_them():
    assert untapped_phone_numbers("<p>call NHS 111 or 0303 123 1113, in an emergency call 999</p>") == [
        "0303 123 1113",
        "NHS 111",
        "call 999",
    ]
    linked = '<p>call <a href="tel:111">NHS 111</a> or <a href="tel:+443031231113">0303 123 1113</a></p>'
    assert untapped_phone_numbers(linked) == []
    assert untapped_phone_numbers("<p>£999 for 3 sessions, 2026-11-30, ref CR-7KD2QX</p>") == []


@pytest.mark.django_db
def test_every_phone_number_on_the_public_pages_is_a_tel_link(client):
    call_command("load_demo_content", stdout=StringIO())
    untapped = {}
    for name, path in PUBLIC_PAGES.items():
        response = client.get(path)
        assert response.status_code in (200, 404), path
        if found := untapped_phone_numbers(response.content.decode()):
            untapped[name] = found
    assert untapped == {}
    contact = client.get("/contact/").content.decode()
    assert '<a href="tel:111">NHS 111</a>' in contact and '<a href="tel:999">999</a>' in contact
    assert '<a href="tel:+443031231113">0303 123 1113</a>' in client.get("/privacy/").content.decode()


@pytest.mark.django_db
def test_urgent_care_advice_after_a_comment_makes_every_number_tappable(client):
    treatment = make_treatment(slug="fractional-laser")
    response = client.post(comments_url(treatment), comment_form_data(body="I have a fever and pus after my session."))
    html = client.get(response["Location"]).content.decode()
    assert "Need care now?" in html
    assert '<a href="tel:111">NHS 111</a>' in html and '<a href="tel:999">999</a>' in html
    assert untapped_phone_numbers(html) == [], html[html.find("Need care") :][:1500]


@pytest.mark.django_db
def test_every_phone_number_in_the_emails_html_is_a_tel_link(mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        consultation = submit(contact_preference="phone")
    with django_capture_on_commit_callbacks(execute=True):
        confirm(consultation, start=timezone.now() + timedelta(days=5))
    with django_capture_on_commit_callbacks(execute=True):
        move(submit(), Status.IN_REVIEW, Status.DECLINED)
    assert len(mailoutbox) >= 4
    for message in mailoutbox:
        html, _ = message.alternatives[0]
        assert untapped_phone_numbers(html) == [], message.subject


def test_the_templates_name_short_numbers_only_through_tel_link():
    """NHS 111 and 999 in any HTML template (pages and emails) go through the filter."""
    plain = []
    for path in Path(settings.BASE_DIR, "templates").rglob("*.html"):
        source = re.sub(r"\{\{.*?\}\}", " ", path.read_text())
        plain += [f"{path.name}: {found}" for found in untapped_phone_numbers(source)]
    assert plain == []
