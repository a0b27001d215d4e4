"""Security headers and cookies on public pages, form pages and admin pages, and
templates without inline scripts, event handlers or styles (the CSP refuses them)."""

import re
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings as django_settings
from django.db import models
from django.urls import reverse

from tests.conftest import staff_login
from tests.factories import make_condition, make_treatment

TEMPLATES_DIR = Path(django_settings.BASE_DIR) / "templates"

EXPECTED = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Strict-Transport-Security": "max-age=31536000; includeSubDomains; preload",
}
PERMISSIONS_POLICY = ["camera=()", "microphone=()", "geolocation=()", "payment=()", "usb=()"]


def csp_directives(response):
    csp = response.headers["Content-Security-Policy"]
    return dict(part.strip().split(" ", 1) for part in csp.split(";") if part.strip())


def assert_hardened(response, *, referrer_policy="same-origin"):
    expected = {**EXPECTED, "Referrer-Policy": referrer_policy}
    for header, value in expected.items():
        assert response.headers.get(header) == value, (header, response.headers.get(header))
    csp = response.headers["Content-Security-Policy"]
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    directives = csp_directives(response)
    assert directives["default-src"] == "'self'"
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert directives["object-src"] == "'none'"
    assert directives["base-uri"] == "'self'"
    assert directives["form-action"] == "'self'"
    for feature in PERMISSIONS_POLICY:
        assert feature in response.headers["Permissions-Policy"], feature


@pytest.fixture
def pages(db):
    condition = make_condition(title="Ice pick scars", slug="ice-pick-scars")
    make_treatment(title="Microneedling", slug="microneedling", offered_here=True)
    return condition


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/conditions/ice-pick-scars/",
        "/treatments/",
        "/search/?q=scars",
        "/consultations/request/",
        "/privacy/",
        "/admin/login/",
        "/no-such-page/",
    ],
)
def test_public_form_and_admin_pages_send_every_security_header(client, pages, path):
    for _ in range(2):  # the second time, a public page may come from the page cache
        response = client.get(path, secure=True)
        assert response.status_code in (200, 404)
        assert_hardened(response)


@pytest.mark.django_db
def test_a_signed_in_admin_change_list_sends_every_security_header_and_is_never_cached(client, admin_user):
    staff_login(client, admin_user)
    for name in ["admin:index", "admin:treatments_condition_changelist", "admin:auth_user_changelist"]:
        response = client.get(reverse(name), secure=True)
        assert response.status_code == 200, name
        assert_hardened(response)
        assert "no-cache" in response["Cache-Control"] and "private" in response["Cache-Control"]


@pytest.mark.django_db
def test_the_sign_in_steps_and_the_lockout_page_send_every_security_header(client, admin_user):
    from accounts.services import issue_enrolment_link

    _link, token = issue_enrolment_link(user=admin_user, by=None)
    assert_hardened(client.get(reverse("admin:signin_enrol", args=[token]), secure=True))
    response = client.post(reverse("admin:login"), {"username": "admin", "password": "password"}, secure=True)
    assert_hardened(response)
    response = client.get(response["Location"], secure=True)
    assert response.status_code == 200 and "Set up your authenticator app" in response.text
    assert 'id="totp-qr" src="data:image/svg+xml' in response.text  # img-src allows data: images
    assert_hardened(response)
    for _ in range(5):
        response = client.post(reverse("admin:login"), {"username": "admin", "password": "wrong"}, secure=True)
    assert response.status_code == 429
    assert_hardened(response)


@pytest.mark.django_db
def test_https_requests_get_hsts_and_secure_http_only_cookies(client, pages, admin_user, settings):
    assert settings.SESSION_COOKIE_SECURE and settings.SESSION_COOKIE_HTTPONLY and settings.CSRF_COOKIE_SECURE
    form = client.get("/consultations/request/", secure=True)
    assert form.headers["Strict-Transport-Security"].startswith("max-age=31536000")
    csrf = form.cookies["csrftoken"]
    assert csrf["secure"] and csrf["samesite"] == "Lax"

    # The password step is the first response that starts a session.
    response = client.post(reverse("admin:login"), {"username": "admin", "password": "password"}, secure=True)
    session = response.cookies[settings.SESSION_COOKIE_NAME]
    assert session["secure"] and session["httponly"] and session["samesite"] == "Lax"

    vote = client.post("/conditions/ice-pick-scars/helpful/", {"helpful": "yes"}, secure=True)
    visitor = vote.cookies["clinic_visitor"]
    assert visitor["secure"] and visitor["httponly"]


@pytest.mark.django_db
def test_plain_http_is_redirected_to_https_when_redirect_is_on(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    response = client.get("/")
    assert response.status_code == 301
    assert response["Location"].startswith("https://")


# --- Templates: nothing inline for the CSP to refuse ---------------------------------------------

INLINE_SCRIPT = re.compile(r"<script\b(?![^>]*\bsrc=)(?![^>]*type=\"application/(?:ld\+)?json\")[^>]*>", re.I)
EVENT_HANDLER = re.compile(r"<[^>]*\son[a-z]+\s*=", re.I | re.S)
STYLE_ATTRIBUTE = re.compile(r"<[^>]*\sstyle\s*=", re.I | re.S)
JAVASCRIPT_URL = re.compile(r"=\s*[\"']?\s*javascript:", re.I)
TEMPLATE_COMMENT = re.compile(r"{#.*?#}|{%\s*comment\s*%}.*?{%\s*endcomment\s*%}", re.S)


def template_files():
    return sorted(path for path in TEMPLATES_DIR.rglob("*") if path.is_file())


def test_the_template_scan_finds_what_it_looks_for():
    assert INLINE_SCRIPT.search("<script>alert(1)</script>")
    assert INLINE_SCRIPT.search('<script type="module">x</script>')
    assert not INLINE_SCRIPT.search('<script src="/static/x.js" defer></script>')
    assert not INLINE_SCRIPT.search('<script type="application/ld+json">{}</script>')
    assert EVENT_HANDLER.search('<a href="/"\n   onclick="go()">')
    assert not EVENT_HANDLER.search("<p>Questions on acne</p>")
    assert STYLE_ATTRIBUTE.search('<p class="x" style="color: red">')
    assert JAVASCRIPT_URL.search('<a href="JavaScript:void(0)">')
    assert JAVASCRIPT_URL.search("<form action=javascript:go()>")
    assert not JAVASCRIPT_URL.search("<p>Bootstrap's JavaScript: the navbar.</p>")
    assert not INLINE_SCRIPT.search(TEMPLATE_COMMENT.sub("", "{# <script>x</script> #}"))
    assert len(template_files()) > 50


@pytest.mark.parametrize("path", template_files(), ids=lambda path: str(path.relative_to(TEMPLATES_DIR)))
def test_no_template_has_inline_scripts_event_handlers_styles_or_javascript_urls(path):
    text = TEMPLATE_COMMENT.sub("", path.read_text())
    assert not INLINE_SCRIPT.search(text), "inline <script> (only src= or JSON-LD data)"
    assert not EVENT_HANDLER.search(text), "inline event handler (on...=)"
    assert not JAVASCRIPT_URL.search(text), "javascript: URL"
    if "emails" not in path.relative_to(TEMPLATES_DIR).parts:
        # HTML emails need inline styles (mail programs drop style sheets); they are not served under the CSP.
        assert not STYLE_ATTRIBUTE.search(text), "style= attribute (use a class in a static CSS file)"


@pytest.mark.django_db
def test_rendered_admin_pages_have_nothing_inline_either(admin_client):
    for name in ["admin:index", "admin:treatments_condition_changelist", "admin:treatments_condition_add"]:
        html = admin_client.get(reverse(name)).text
        assert not INLINE_SCRIPT.search(html), name
        assert not EVENT_HANDLER.search(html), name
        assert not JAVASCRIPT_URL.search(html), name


# --- No uploads anywhere ---------------------------------------------------------------------------


def test_no_model_stores_uploaded_files():
    file_fields = [
        f"{model._meta.label}.{field.name}"
        for model in apps.get_models()
        for field in model._meta.get_fields()
        if isinstance(field, models.FileField)  # ImageField is a FileField
    ]
    assert file_fields == []


def test_no_form_template_accepts_file_uploads():
    for path in template_files():
        text = path.read_text().lower()
        assert "multipart/form-data" not in text, path
        assert 'type="file"' not in text, path
