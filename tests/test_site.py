"""Site-wide pages: home, health check, error pages, the base layout."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse

BASE_DIR = Path(__file__).resolve().parent.parent


@pytest.mark.django_db
def test_home_page_offers_a_consultation_request(client):
    response = client.get("/")
    assert response.status_code == 200
    assert b'href="/consultations/request/"' in response.content
    assert b"Skip to main content" in response.content


@pytest.mark.django_db
def test_health_check_answers_200_with_json_when_the_database_answers(client):
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.multiprocess
def test_health_check_answers_503_when_the_database_is_unreachable():
    # A real unreachable server: nothing listens on port 1.
    script = (
        "import django; django.setup();"
        "from django.test import Client;"
        "r = Client().get('/healthz');"
        "print(r.status_code, r.json()['database'])"
    )
    environment = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    environment.update(
        DJANGO_SETTINGS_MODULE="clinic.settings",
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY="x" * 50,
        DJANGO_SECURE_SSL_REDIRECT="0",
        DJANGO_ALLOWED_HOSTS="testserver",
        DATABASE_URL="postgres://postgres@127.0.0.1:1/clinic",
    )
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=BASE_DIR, env=environment, capture_output=True, text=True, timeout=60
    )
    assert result.stdout.strip() == "503 unreachable", result.stderr


@pytest.mark.django_db
def test_unknown_url_gets_the_friendly_404_page(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert b"We could not find that page" in response.content
    assert b"Browse treatments" in response.content


@pytest.mark.django_db
def test_server_error_page_shows_no_traceback_or_settings():
    from django.urls import path

    from clinic import urls as project_urls

    def broken(request):
        raise RuntimeError("secret internal detail")

    project_urls.urlpatterns.append(path("__broken__/", broken))
    try:
        response = Client(raise_request_exception=False).get("/__broken__/")
    finally:
        project_urls.urlpatterns.pop()
    assert response.status_code == 500
    assert b"something went wrong on our side" in response.content
    assert b"secret internal detail" not in response.content
    assert b"SECRET_KEY" not in response.content


@pytest.mark.django_db
def test_base_template_loads_bootstrap_from_the_sites_own_static_files(client):
    response = client.get("/")
    html = response.content.decode()
    assert "cdn" not in html.lower()
    start = html.index('href="/static/bootstrap/css/bootstrap.min.')
    css_url = html[start + len('href="') : html.index('"', start + len('href="'))]
    js_start = html.index('src="/static/bootstrap/js/bootstrap.min.')
    js_url = html[js_start + len('src="') : html.index('"', js_start + len('src="'))]
    for url in (css_url, js_url):
        static = client.get(url)
        assert static.status_code == 200, url
        assert "max-age=315360000" in static["Cache-Control"] or "immutable" in static["Cache-Control"]
    assert b".container" in b"".join(client.get(css_url).streaming_content)


@pytest.mark.django_db
def test_footer_shows_contact_details_disclaimer_and_privacy_link(client, settings):
    response = client.get("/")
    assert settings.CLINIC_PHONE.encode() in response.content
    assert b"does not replace a consultation" in response.content
    assert b'href="/privacy/"' in response.content
    assert client.get("/privacy/").status_code == 200


@pytest.mark.django_db
def test_footer_shows_opening_hours_from_the_database(client):
    from datetime import time

    from bookings.models import ClinicHours

    ClinicHours.objects.create(weekday=0, opens=time(9), closes=time(17, 30))
    response = client.get("/")
    assert "09:00–17:30".encode() in response.content


@pytest.mark.django_db
def test_every_fresh_database_has_the_staff_groups():
    editors = Group.objects.get(name="Editors")
    reception = Group.objects.get(name="Reception")
    assert editors.permissions.filter(codename="change_condition").exists()
    assert not reception.permissions.filter(codename="change_condition").exists()
    assert reception.permissions.filter(codename="view_treatment").exists()


@pytest.mark.django_db
def test_browsers_asking_for_favicon_ico_are_sent_to_the_sites_icon(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert response["Location"] == "/static/img/favicon.svg"
    icon = client.get(response["Location"])
    assert icon.status_code == 200
    body = b"".join(icon.streaming_content) if icon.streaming else icon.content
    assert body.startswith(b"<svg")


@pytest.mark.django_db
def test_public_and_admin_pages_link_the_icon(client):
    assert 'rel="icon"' in client.get("/").content.decode()
    assert 'rel="icon"' in client.get(reverse("admin:login")).content.decode()
