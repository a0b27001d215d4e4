"""Security headers on public pages, form pages and admin pages."""

import pytest

EXPECTED = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}


def assert_hardened(response):
    for header, value in EXPECTED.items():
        assert response.headers.get(header) == value, header
    csp = response.headers["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in csp.split(";") if part.strip())
    assert directives["script-src"] == "'self'"
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert directives["frame-ancestors"] == "'none'"
    assert "camera=()" in response.headers["Permissions-Policy"]


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/", "/privacy/", "/admin/login/", "/no-such-page/"])
def test_every_kind_of_page_sends_the_security_headers(client, path):
    assert_hardened(client.get(path))


@pytest.mark.django_db
def test_https_requests_get_hsts_and_secure_cookies(client, settings):
    response = client.get("/admin/login/", secure=True)
    assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")
    assert settings.SESSION_COOKIE_SECURE and settings.SESSION_COOKIE_HTTPONLY
    assert response.cookies["csrftoken"]["secure"]


@pytest.mark.django_db
def test_plain_http_is_redirected_to_https_when_redirect_is_on(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    response = client.get("/")
    assert response.status_code == 301
    assert response["Location"].startswith("https://")
