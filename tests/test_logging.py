"""What the logs say about requests the site refuses on purpose: one warning line,
no traceback, nothing at ERROR (which would page whoever watches errors)."""

import logging

import pytest
from django.urls import path, reverse

from tests.bookings.conftest import make_staff_member
from tests.conftest import staff_login

pytestmark = pytest.mark.django_db


def records_of(caplog, logger):
    return [record for record in caplog.records if record.name == logger]


def test_an_editor_refused_the_diary_is_one_warning_line_without_a_traceback(client, caplog):
    staff_login(client, make_staff_member(group="Editors"))
    with caplog.at_level(logging.INFO):
        assert client.get(reverse("bookings_diary")).status_code == 403
    [record] = records_of(caplog, "django.request")
    assert record.levelname == "WARNING"
    assert record.getMessage() == "Forbidden (Permission denied): /admin/bookings/diary/"
    assert "Traceback" not in caplog.text


def test_a_refused_admin_filter_answers_400_and_logs_a_warning_not_an_error(admin_client, caplog):
    with caplog.at_level(logging.INFO):
        response = admin_client.get(reverse("admin:treatments_comment_changelist"), {"client_hash": "x"})
    assert response.status_code == 400
    [record] = records_of(caplog, "django.security.DisallowedModelAdminLookup")
    assert record.levelname == "WARNING"
    assert "client_hash" in record.getMessage()
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert "Traceback" not in caplog.text


def broken_view(request):
    raise RuntimeError("the view broke")


urlpatterns = [path("broken/", broken_view)]


@pytest.mark.urls("tests.test_logging")
def test_a_server_error_still_logs_its_traceback(client, caplog):
    """Tracebacks stay where they help: a fault in a view."""
    client.raise_request_exception = False
    with caplog.at_level(logging.INFO):
        assert client.get("/broken/").status_code == 500
    [record] = records_of(caplog, "django.request")
    assert record.levelname == "ERROR"
    assert "Traceback" in caplog.text and "the view broke" in caplog.text
