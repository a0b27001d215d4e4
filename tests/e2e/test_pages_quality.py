"""Every public page passes axe (WCAG 2.x A and AA) and the Nu HTML Checker."""

import pytest

from tests.e2e.conftest import describe_violations, run_axe, validate_html

pytestmark = pytest.mark.django_db(transaction=True)

PUBLIC_PAGES = {
    "home": "/",
    "privacy": "/privacy/",
    "not-found": "/no-such-page/",
}


@pytest.mark.parametrize("name", PUBLIC_PAGES)
def test_public_page_has_no_accessibility_violations(name, live_server, audit_page):
    audit_page.goto(live_server.url + PUBLIC_PAGES[name])
    violations = run_axe(audit_page)
    assert violations == [], describe_violations(violations)


def test_every_public_page_is_valid_html(live_server, client):
    documents = {name: client.get(path).content.decode() for name, path in PUBLIC_PAGES.items()}
    errors = validate_html(documents)
    assert errors == {}, errors
