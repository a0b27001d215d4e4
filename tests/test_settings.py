"""Start-up configuration: what happens for each environment a deployer might set."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.multiprocess

BASE_DIR = Path(__file__).resolve().parent.parent


def run_manage(*args, **env):
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "DATABASE_URL", "REDIS_URL", "EMAIL_"))
    }
    environment.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )


def print_setting(name, **env):
    code = f"from django.conf import settings; print(repr(settings.{name}))"
    result = run_manage("shell", "--no-imports", "-c", code, **env)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_missing_secret_key_in_production_stops_start_up_with_one_clear_line():
    result = run_manage("check", DJANGO_DEBUG="0")
    assert result.returncode != 0
    assert result.stderr.strip().count("\n") == 0
    assert "DJANGO_SECRET_KEY" in result.stderr
    assert "Traceback" not in result.stderr


def test_malformed_database_url_names_the_variable_without_leaking_the_password():
    result = run_manage("check", DJANGO_DEBUG="1", DATABASE_URL="postgress//user:hunter2@db/clinic")
    assert result.returncode != 0
    assert "DATABASE_URL" in result.stderr
    assert "hunter2" not in result.stderr
    assert "Traceback" not in result.stderr


def test_invalid_boolean_is_refused_rather_than_guessed():
    result = run_manage("check", DJANGO_DEBUG="maybe")
    assert result.returncode != 0
    assert "DJANGO_DEBUG" in result.stderr


def test_debug_is_off_unless_asked_for():
    assert print_setting("DEBUG", DJANGO_SECRET_KEY="x" * 50) == "False"
    assert print_setting("DEBUG", DJANGO_DEBUG="1") == "True"


def test_database_url_selects_postgresql():
    engine = print_setting(
        "DATABASES['default']['ENGINE']", DJANGO_DEBUG="1", DATABASE_URL="postgres://postgres@127.0.0.1:5432/clinic"
    )
    assert engine == "'django.db.backends.postgresql'"


def test_sqlite_is_the_default_database():
    assert print_setting("DATABASES['default']['ENGINE']", DJANGO_DEBUG="1") == "'django.db.backends.sqlite3'"


def test_redis_url_selects_the_shared_redis_cache():
    backend = print_setting("CACHES['default']['BACKEND']", DJANGO_DEBUG="1", REDIS_URL="redis://127.0.0.1:6379/1")
    assert backend == "'django_redis.cache.RedisCache'"  # django-redis, errors read as misses (clinic/cache.py)
    assert "LocMemCache" in print_setting("CACHES['default']['BACKEND']", DJANGO_DEBUG="1")


def test_allowed_hosts_come_from_a_comma_separated_list():
    hosts = print_setting("ALLOWED_HOSTS", DJANGO_DEBUG="1", DJANGO_ALLOWED_HOSTS="clinic.example, www.clinic.example")
    assert hosts == "['clinic.example', 'www.clinic.example']"


def test_email_goes_to_the_console_unless_an_smtp_host_is_set():
    assert "console" in print_setting("EMAIL_BACKEND", DJANGO_DEBUG="1")
    assert "smtp" in print_setting("EMAIL_BACKEND", DJANGO_DEBUG="1", EMAIL_HOST="smtp.clinic.example")


@pytest.mark.parametrize("redirect, expected", [("", "True"), ("0", "False")])
def test_https_redirect_is_on_in_production_unless_turned_off(redirect, expected):
    env = {"DJANGO_SECRET_KEY": "x" * 50}
    if redirect:
        env["DJANGO_SECURE_SSL_REDIRECT"] = redirect
    assert print_setting("SECURE_SSL_REDIRECT", **env) == expected


def test_production_settings_pass_the_deployment_checklist():
    result = run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY="k3p9-QzLr8vWm2xNc7tYh4bJf6gDs1aE0uXoPiZlKvMnBqRwTyUe",
        DJANGO_ALLOWED_HOSTS="clinic.example",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize("value, message", [("-1", "must be 0 or more"), ("two", "must be a whole number")])
def test_a_malformed_trusted_proxy_count_stops_start_up(value, message):
    result = run_manage("check", DJANGO_DEBUG="1", DJANGO_TRUSTED_PROXIES=value)
    assert result.returncode != 0
    assert "DJANGO_TRUSTED_PROXIES" in result.stderr and message in result.stderr


def test_under_make_run_each_django_log_line_is_printed_once_with_its_time():
    """Debug on, as `make run` starts the site: a line Django logs (here a refused
    request and a server warning) reaches the console once, in the timestamped format."""
    code = (
        "import logging; "
        "logging.getLogger('django.request').warning('Forbidden (Permission denied): /admin/x/'); "
        "logging.getLogger('django.server').warning('\"GET /admin/x/ HTTP/1.1\" 403 1234')"
    )
    result = run_manage("shell", "--no-imports", "-c", code, DJANGO_DEBUG="1", DJANGO_SECRET_KEY="t")
    assert result.returncode == 0, result.stderr
    lines = result.stderr.splitlines()
    forbidden = [line for line in lines if "Forbidden (Permission denied): /admin/x/" in line]
    server = [line for line in lines if "GET /admin/x/" in line]
    assert len(forbidden) == 1 and len(server) == 1, lines
    assert re.match(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ WARNING django.request Forbidden", forbidden[0])
    assert re.match(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ WARNING django.server ", server[0])
