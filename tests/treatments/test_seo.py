"""Titles, descriptions, canonical links, Open Graph, JSON-LD, sitemap.xml and robots.txt."""

import datetime
import json
import re
from urllib.parse import urlsplit
from urllib.robotparser import RobotFileParser

import pytest
from django.urls import reverse

from bookings.demo import DEMO_HOURS
from bookings.models import ClinicHours
from tests.bookings.conftest import submit
from tests.factories import (
    make_clinician,
    make_condition,
    make_faq,
    make_link,
    make_reference,
    make_treatment,
)
from treatments.models import Invasiveness, PublicationStatus

pytestmark = pytest.mark.django_db

SITE = "https://www.larchfield-clinic.example"


@pytest.fixture(autouse=True)
def site_url(settings):
    settings.SITE_URL = SITE


def json_ld(html):
    blocks = re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.DOTALL)
    return [json.loads(block) for block in blocks]


def of_type(blocks, schema_type):
    return next(block for block in blocks if block["@type"] == schema_type)


@pytest.fixture
def condition():
    reviewer = make_clinician(name="Dr Reviewer", credentials="MBBS, MD", role="Consultant dermatologist")
    condition = make_condition(
        title="Ice pick scars",
        slug="ice-pick-scars",
        summary="Narrow, deep acne scars.",
        meta_description="Ice pick scars explained for patients.",
        author=make_clinician(name="Nurse Writer"),
        medical_reviewer=reviewer,
        reviewed_on=datetime.date(2026, 10, 1),
        next_review_due=datetime.date(2027, 10, 1),
    )
    make_link(condition, make_treatment(title="Microneedling", slug="microneedling"))
    make_faq(condition, question="Can retinol help?", answer="A *little*.")
    make_reference(condition, citation="Jacob CI et al. Acne scarring. 2001.", url="https://example.org/jacob")
    return condition


def test_condition_page_has_title_description_canonical_and_open_graph(client, condition):
    html = client.get(condition.get_absolute_url()).text
    assert "<title>Ice pick scars: causes, treatments and what helps" in html
    assert '<meta name="description" content="Ice pick scars explained for patients.">' in html
    assert f'<link rel="canonical" href="{SITE}/conditions/ice-pick-scars/">' in html
    assert '<meta property="og:type" content="article">' in html
    assert '<meta property="og:title" content="Ice pick scars">' in html
    assert f'<meta property="og:url" content="{SITE}/conditions/ice-pick-scars/">' in html


def test_canonical_url_ignores_query_strings(client, condition):
    html = client.get(condition.get_absolute_url(), {"utm_source": "x"}).text
    assert f'<link rel="canonical" href="{SITE}/conditions/ice-pick-scars/">' in html


def test_condition_json_ld_is_a_reviewed_medical_web_page_about_a_condition(client, condition):
    blocks = json_ld(client.get(condition.get_absolute_url()).text)
    page = of_type(blocks, "MedicalWebPage")
    assert page["lastReviewed"] == "2026-10-01"
    assert page["reviewedBy"] == {
        "@type": "Person",
        "name": "Dr Reviewer",
        "honorificSuffix": "MBBS, MD",
        "jobTitle": "Consultant dermatologist",
        "url": f"{SITE}/clinicians/dr-reviewer/",
    }
    assert page["citation"] == [
        {"@type": "CreativeWork", "name": "Jacob CI et al. Acne scarring. 2001.", "url": "https://example.org/jacob"}
    ]
    assert page["about"]["@type"] == "MedicalCondition"
    assert page["about"]["possibleTreatment"] == [
        {"@type": "MedicalProcedure", "name": "Microneedling", "url": f"{SITE}/treatments/microneedling/"}
    ]
    faq = of_type(blocks, "FAQPage")
    assert faq["mainEntity"][0]["name"] == "Can retinol help?"
    assert faq["mainEntity"][0]["acceptedAnswer"]["text"] == "A little."


def test_treatment_json_ld_is_about_a_medical_procedure(client):
    treatment = make_treatment(
        title="Punch excision",
        slug="punch-excision",
        invasiveness=Invasiveness.SURGICAL,
        other_names="punch removal",
        aftercare="Keep it **dry**.",
    )
    blocks = json_ld(client.get(treatment.get_absolute_url()).text)
    about = of_type(blocks, "MedicalWebPage")["about"]
    assert about["@type"] == "SurgicalProcedure"
    assert about["alternateName"] == ["punch removal"]
    assert about["followup"] == "Keep it dry."
    assert not any(block["@type"] == "FAQPage" for block in blocks)


def test_json_ld_cannot_break_out_of_its_script_element(client):
    treatment = make_treatment(slug="evil", title="</script><script>alert(1)</script>", summary="a & b <i>")
    html = client.get(treatment.get_absolute_url()).text
    (block,) = re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.DOTALL)
    assert "<" not in block and ">" not in block
    assert json.loads(block)["name"] == "</script><script>alert(1)</script>"


def test_pages_have_no_inline_executable_scripts_or_event_handlers(client, condition):
    pages = [
        "/",
        condition.get_absolute_url(),
        "/treatments/microneedling/",
        "/treatments/",
        "/treatments/compare/?t=microneedling",
        "/search/?q=scars",
    ]
    for path in pages:
        html = client.get(path).text
        for tag in re.findall(r"<script\b[^>]*>", html):
            assert 'type="application/ld+json"' in tag or "src=" in tag, (path, tag)
        assert not re.search(r"\son[a-z]+\s*=", html), path
        assert "javascript:" not in html, path


def test_sitemap_lists_every_published_page_with_its_last_change(client, condition):
    make_condition(slug="draft-condition", status=PublicationStatus.DRAFT)
    response = client.get("/sitemap.xml")
    assert response.status_code == 200
    xml = response.text
    assert f"<loc>{SITE}/conditions/ice-pick-scars/</loc>" in xml
    assert f"<loc>{SITE}/treatments/microneedling/</loc>" in xml
    assert f"<loc>{SITE}/</loc>" in xml and f"<loc>{SITE}/treatments/</loc>" in xml
    assert "draft-condition" not in xml
    assert f"<lastmod>{condition.updated_at:%Y-%m-%d}</lastmod>" in xml
    content_urls = [
        url for url in re.findall(r"<url>.*?</url>", xml, re.S) if "/conditions/" in url or "/treatments/" in url
    ]
    assert content_urls and all("<lastmod>" in url for url in content_urls)


def test_robots_txt_keeps_crawlers_out_of_admin_and_consultations_and_points_at_the_sitemap(client):
    response = client.get("/robots.txt")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    lines = response.text.splitlines()
    assert "Disallow: /admin/" in lines and "Disallow: /consultations/" in lines
    assert f"Sitemap: {SITE}{reverse('treatments:sitemap')}" in lines


def robots(client):
    parser = RobotFileParser()
    parser.parse(client.get("/robots.txt").text.splitlines())
    return parser


@pytest.mark.parametrize("crawler", ["Googlebot", "Bingbot", "SomeOtherBot"])
def test_crawlers_may_read_every_public_page_and_the_request_form_but_no_private_page(client, condition, crawler):
    for weekday, (opens, closes) in DEMO_HOURS.items():
        ClinicHours.objects.create(weekday=weekday, opens=opens, closes=closes)
    parser = robots(client)
    sitemap = client.get("/sitemap.xml").text
    public = [urlsplit(url).path for url in re.findall(r"<loc>([^<]+)</loc>", sitemap)]
    public += ["/consultations/request/", "/consultations/request/?treatment=microneedling"]
    for path in public:
        assert parser.can_fetch(crawler, f"{SITE}{path}"), path
    consultation = submit()
    private = [
        consultation.status_path(),
        consultation.thanks_path(),
        f"/consultations/{consultation.reference}/{consultation.token}/cancel/",
        f"/consultations/{consultation.reference}/{consultation.token}/invite.ics",
        "/admin/",
        "/search/?q=acne",
    ]
    for path in private:
        assert not parser.can_fetch(crawler, f"{SITE}{path}"), path
    assert 'name="robots"' not in client.get("/consultations/request/").text


def test_list_pages_have_titles_and_canonical_links(client, condition):
    for path in ("/conditions/", "/treatments/", "/"):
        html = client.get(path).text
        assert f'<link rel="canonical" href="{SITE}{path}">' in html
        assert '<meta property="og:title"' in html
