"""Staff see plain names for every app on the admin home page, and the clinic's
24-hour times wherever admin shows a time."""

from datetime import datetime, time, timedelta

import pytest
from django.apps import apps
from django.contrib import admin
from django.test import RequestFactory
from django.utils import formats, timezone

from bookings.demo import DEMO_HOURS
from bookings.models import ClinicHours
from tests.bookings.conftest import confirm, submit

pytestmark = pytest.mark.django_db


def test_every_app_on_the_admin_home_page_has_a_plain_name(admin_client, admin_user):
    request = RequestFactory().get("/admin/")
    request.user = admin_user
    names = {app["app_label"]: app["name"] for app in admin.site.get_app_list(request)}
    assert names["axes"] == "Sign-in attempts and lockouts"
    assert names["otp_totp"] == "Authenticator apps"
    assert names["otp_static"] == "Backup codes"
    for label in names:
        config = apps.get_app_config(label)
        declared = [cls for cls in type(config).__mro__[:-2] if "verbose_name" in vars(cls)]
        assert declared, f"{label} shows Django's default name {config.verbose_name!r}"
    html = admin_client.get("/admin/").content.decode()
    for shown in ("Sign-in attempts and lockouts", "Authenticator apps"):
        assert shown in html
    assert "Otp_Totp" not in html and ">Axes<" not in html


@pytest.mark.parametrize(
    ("value", "format_name", "shown"),
    [
        (datetime(2026, 3, 7, 15, 11), "TIME_FORMAT", "15:11"),
        (datetime(2026, 3, 7, 3, 11), "TIME_FORMAT", "03:11"),
        (datetime(2026, 3, 7, 15, 11), "DATETIME_FORMAT", "7 Mar 2026, 15:11"),
        (datetime(2026, 3, 7, 15, 11), "SHORT_DATETIME_FORMAT", "07/03/2026 15:11"),
    ],
)
def test_times_use_the_24_hour_clock(value, format_name, shown):
    assert formats.date_format(value, format_name) == shown


def test_admin_pages_show_times_on_the_24_hour_clock(admin_client):
    for weekday, (opens, closes) in DEMO_HOURS.items():
        ClinicHours.objects.create(weekday=weekday, opens=opens, closes=closes)
    day = timezone.localdate() + timedelta(days=3)
    consultation = confirm(submit(), start=timezone.make_aware(datetime.combine(day, time(15, 30))))
    html = admin_client.get(f"/admin/bookings/consultationrequest/{consultation.pk}/change/").content.decode()
    assert "15:30" in html
    for twelve_hour in ("a.m.", "p.m."):
        assert twelve_hour not in html
