"""What a first visit downloads: static files with hashed names, compressed
copies and far-future cache headers; only the CSS and JavaScript the page uses;
under 150 KB in all for the home page and a treatment page.

Sizes are what this stack sends: the HTML as Django answers it (uncompressed:
nothing in the stack compresses HTML; a proxy or CDN that does only makes it
smaller) and each stylesheet, script and icon as whitenoise serves it to a
browser that accepts gzip (its pre-compressed copy). Run collectstatic first.
"""

import re

import pytest
from django.core.management import call_command
from django.test import Client

from tests.factories import make_comment
from treatments.models import Treatment

pytestmark = pytest.mark.django_db

FIRST_VISIT_BUDGET = 150 * 1024
FAR_FUTURE = 365 * 24 * 60 * 60  # at least a year


@pytest.fixture
def demo_site():
    call_command("load_demo_content", verbosity=0)
    treatment = Treatment.objects.get(slug="microneedling")
    for number in range(50):  # as the benchmark's treatment page
        make_comment(treatment, body=f"Three sessions in, the pitting on my cheeks is shallower. ({number})")


def assets(html):
    """The stylesheets, scripts and icon a page loads."""
    return re.findall(r'<link rel="(?:stylesheet|icon)" href="([^"]+)"', html) + re.findall(
        r'<script src="([^"]+)"', html
    )


def served(client, url):
    response = client.get(url, HTTP_ACCEPT_ENCODING="gzip")
    assert response.status_code == 200, url
    return response, b"".join(response.streaming_content)


def first_visit(path):
    client = Client()
    page = client.get(path)
    assert page.status_code == 200
    sizes = {path: len(page.content)}
    for url in assets(page.text):
        _response, body = served(client, url)
        sizes[url] = len(body)
    return sizes


@pytest.mark.parametrize("path", ["/", "/treatments/microneedling/", "/conditions/ice-pick-scars/"])
def test_a_first_visit_downloads_under_150_kb(demo_site, path):
    sizes = first_visit(path)
    breakdown = ", ".join(f"{url.rsplit('/', 1)[-1] or url}: {size / 1024:.1f} KB" for url, size in sizes.items())
    assert sum(sizes.values()) < FIRST_VISIT_BUDGET, breakdown


def test_static_files_have_hashed_names_compressed_copies_and_far_future_cache_headers(demo_site):
    client = Client()
    for url in assets(client.get("/treatments/microneedling/").text):
        assert re.search(r"\.[0-9a-f]{12}\.(css|js|svg)$", url), url
        response, body = served(client, url)
        max_age = int(re.search(r"max-age=(\d+)", response["Cache-Control"]).group(1))
        assert max_age >= FAR_FUTURE and "immutable" in response["Cache-Control"], url
        if url.endswith((".css", ".js")):
            assert response["Content-Encoding"] == "gzip", url
            assert len(body) < len(b"".join(client.get(url).streaming_content)), url


def test_pages_load_only_bootstraps_css_the_sites_own_and_the_script_without_popper(demo_site):
    """The navbar's collapse is the only script the pages need: no Popper
    (dropdowns and tooltips are not used), no other library, no inline code."""
    client = Client()
    for path in ("/", "/treatments/microneedling/", "/treatments/compare/", "/consultations/request/"):
        html = client.get(path).text
        scripts = re.findall(r'<script src="([^"]+)"', html)
        assert [url.rsplit("/", 1)[-1].split(".")[0:2] for url in scripts] == [["bootstrap", "min"]], path
        assert "data-bs-toggle" not in html.replace('data-bs-toggle="collapse"', ""), path
        assert "<img" not in html or 'loading="lazy"' in html, path
