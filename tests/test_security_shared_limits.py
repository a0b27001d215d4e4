"""Limits that hold across app servers: the site runs twice, as it does behind a
load balancer, and a client's posts to both count toward one limit (rate
limits in the shared Redis, sign-in lockouts in the shared database)."""

import os
import secrets

import pytest

from bookings.views import REQUEST_ATTEMPT_LIMIT
from tests.servers import Browser, Server, run_django

pytestmark = pytest.mark.multiprocess

FORM = "/consultations/request/"


def shared_redis_url():
    """REDIS_URL, which both servers share; None without it."""
    return os.environ.get("REDIS_URL", "").strip() or None


@pytest.fixture(scope="module")
def two_servers(migrated_sqlite_file, tmp_path_factory):
    """Two gunicorn processes sharing one SQLite database file and, with REDIS_URL
    set, one Redis: started once for this module."""
    folder = tmp_path_factory.mktemp("two-servers")
    database = folder / "site.sqlite3"
    database.write_bytes(migrated_sqlite_file.read_bytes())
    env = {"DATABASE_URL": f"sqlite:///{database}", "CLINIC_RATE_LIMITS_ENABLED": "1"}
    prefix = f"clinic-test-servers-{secrets.token_hex(4)}"
    if redis_url := shared_redis_url():
        # Keys of their own, so that neither the test run's cache emptying nor anything
        # else in that Redis database touches them, and they touch nothing else.
        env["REDIS_URL"] = redis_url
        env["CLINIC_CACHE_KEY_PREFIX"] = prefix
    created = run_django(
        "from django.contrib.auth import get_user_model\n"
        "get_user_model().objects.create_user('rosa', password='correct-horse-battery-7', is_staff=True)",
        **env,
    )
    assert created.returncode == 0, created.stderr
    with Server(folder / "a.log", **env) as first, Server(folder / "b.log", **env) as second:
        yield first, second
    if redis_url:
        import redis

        client = redis.Redis.from_url(redis_url)
        for key in client.scan_iter(match=f"{prefix}*"):
            client.delete(key)


def test_posts_split_across_two_servers_count_toward_one_rate_limit(two_servers):
    if shared_redis_url() is None:
        pytest.skip("needs Redis: set REDIS_URL (CI's PostgreSQL pass does) so both servers share one cache")
    first, second = two_servers
    browser = Browser()
    assert browser.get(first.url(FORM))[0] == 200
    limit = REQUEST_ATTEMPT_LIMIT["limit"]
    # Incomplete forms: each counts toward the limit on posts, none is stored.
    statuses = [browser.post((first, second)[n % 2].url(FORM), {"full_name": "Alex"})[0] for n in range(limit)]
    assert statuses == [200] * limit
    for server in (first, second):
        status, html, headers = browser.post(server.url(FORM), {"full_name": "Alex"})
        assert status == 429 and "Too many attempts" in html
        assert headers["Retry-After"] == str(REQUEST_ATTEMPT_LIMIT["window_seconds"])


def test_a_sign_in_lockout_on_one_server_holds_on_the_other(two_servers):
    first, second = two_servers
    browser = Browser()
    browser.get(first.url("/admin/login/"))
    statuses = [
        browser.post((first, second)[n % 2].url("/admin/login/"), {"username": "rosa", "password": "wrong"})[0]
        for n in range(5)
    ]
    assert statuses == [200, 200, 200, 200, 429]
    # The right password, on either server, from a new browser at the same address: still paused.
    for server in (first, second):
        fresh = Browser()
        fresh.get(server.url("/admin/login/"))
        status, html, _ = fresh.post(
            server.url("/admin/login/"), {"username": "rosa", "password": "correct-horse-battery-7"}
        )
        assert status == 429 and "Signing in is paused" in html
