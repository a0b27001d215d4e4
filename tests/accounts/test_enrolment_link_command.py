"""`manage.py enrolment_link <username>` (and `reset_totp`, which ends with it): the
printed link says which site address it starts with, and `--site-url` gives another."""

import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from tests.accounts.conftest import sign_in_password

pytestmark = pytest.mark.django_db

LINK = re.compile(r"(https?://\S+?)(/admin/login/set-up/\S+/)")


def run(*args, **options):
    out = StringIO()
    call_command(*args, stdout=out, **options)
    return out.getvalue()


@pytest.fixture
def no_site_url_in_the_shell(monkeypatch, settings):
    """A shell where SITE_URL was never exported: the settings' default stands."""
    monkeypatch.delenv("SITE_URL", raising=False)
    settings.SITE_URL = "http://127.0.0.1:8000"


def test_without_site_url_the_command_says_it_used_the_default_address_and_how_to_give_another(
    staff_member, no_site_url_in_the_shell
):
    printed = run("enrolment_link", "rosa")
    assert "Site address: http://127.0.0.1:8000 (SITE_URL is not set in this shell, so this is the default)" in printed
    assert "--site-url" in printed
    assert LINK.search(printed).group(1) == "http://127.0.0.1:8000"


def test_with_site_url_set_the_command_names_it(staff_member, monkeypatch, settings):
    monkeypatch.setenv("SITE_URL", "https://clinic.example")
    settings.SITE_URL = "https://clinic.example"
    printed = run("enrolment_link", "rosa")
    assert "Site address: https://clinic.example (from SITE_URL)." in printed
    assert "not set" not in printed
    assert LINK.search(printed).group(1) == "https://clinic.example"


def test_site_url_option_overrides_the_address_and_the_link_works(client, staff_member, no_site_url_in_the_shell):
    printed = run("enrolment_link", "rosa", "--site-url", "http://127.0.0.1:18700/")
    assert "Site address: http://127.0.0.1:18700 (from --site-url)." in printed
    address, path = LINK.search(printed).groups()
    assert address == "http://127.0.0.1:18700"
    client.get(path)
    sign_in_password(client)
    assert 'id="totp-secret"' in client.get(reverse("admin:signin_setup")).text


@pytest.mark.parametrize("value", ["clinic.example", "ftp://clinic.example", "https://clinic.example/?a=1"])
def test_a_malformed_site_url_is_refused_before_any_link_is_issued(client, staff_member, value):
    _, earlier = LINK.search(run("enrolment_link", "rosa")).groups()
    with pytest.raises(CommandError, match="--site-url"):
        run("enrolment_link", "rosa", "--site-url", value)
    assert "This set-up link no longer works" not in client.get(earlier).text  # the earlier link still works


def test_reset_totp_takes_the_site_url_too(staff_member, no_site_url_in_the_shell):
    printed = run("reset_totp", "rosa", "--site-url", "https://clinic.example")
    assert LINK.search(printed).group(1) == "https://clinic.example"
    assert "(from --site-url)" in printed
