import time

import pytest
from django.core.cache import caches
from django.test import Client, RequestFactory
from django.test.client import ClientMixin
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.middleware import LAST_SEEN_SESSION_KEY, SIGNED_IN_AT_SESSION_KEY


def empty_caches():
    """Delete the suite's keys from both caches. In Redis only the keys under the
    suite's prefix go (django-redis's delete_pattern), not the whole database that
    REDIS_URL names, which a developer's running site may be using."""
    for alias in ("default", "limits"):
        cache = caches[alias]
        if hasattr(cache, "delete_pattern"):
            cache.delete_pattern("*")
        else:
            cache.clear()


@pytest.fixture(autouse=True)
def clear_cache():
    """Each test starts with an empty cache (rate limits, cached fragments), with
    no rate-limit counts kept in the process while the cache was down, no page
    or content version the page cache remembers in the process, and no content
    types remembered from another test."""
    from django.contrib.contenttypes.models import ContentType

    from clinic.pagecache import forget_local_copies
    from clinic.ratelimit import _local_counts

    empty_caches()
    _local_counts.clear()
    forget_local_copies()
    # Content type ids cached by an earlier test can be gone: a transactional test's
    # flush removes the rows (the outbox points at them).
    ContentType.objects.clear_cache()
    yield
    empty_caches()
    _local_counts.clear()
    forget_local_copies()


def staff_login(client, user):
    """Sign a staff member in to the test client the way admin requires: with
    their password and a code from their authenticator app (accounts/views.py).

    Gives `user` a confirmed authenticator app (TOTP device) if they have none,
    signs the session in and marks it verified by that device, as a real code
    would. Admin tests sign in through this one helper (and `admin_client`,
    which uses it), so a change to how staff sign in is made here once.
    """
    device = TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="Test authenticator", confirmed=True)
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session[SIGNED_IN_AT_SESSION_KEY] = session[LAST_SEEN_SESSION_KEY] = time.time()  # the session's clocks start
    session.save()
    return client


IMMEDIATE_TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture(autouse=True, scope="session")
def tasks_run_at_once():
    """In this process, a queued task runs at once (an email recorded in a committed
    transaction is sent right after the commit, as the worker would). Tests of the
    real worker run it in its own process with the database queue (tests/notifications)."""
    from django.test.utils import override_settings

    with override_settings(TASKS=IMMEDIATE_TASKS):
        yield


@pytest.fixture(autouse=True, scope="session")
def fast_password_hashing():
    """Tests create and check many passwords: hash them quickly (never in production)."""
    from django.test.utils import override_settings

    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        yield


@pytest.fixture
def admin_client(db, admin_user):
    """pytest-django's `admin_client`, signed in with both steps (see `staff_login`)."""
    return staff_login(Client(), admin_user)


@pytest.fixture(autouse=True, scope="session")
def client_login_passes_a_request():
    """`client.login(username=..., password=...)` works as in any Django project.

    django-axes needs the request in every `authenticate()` call, which
    Django's test client does not pass, so give it one. This is the password
    step only: admin still asks for the code, so admin tests use `staff_login`.
    """
    original = ClientMixin.login

    def login(self, **credentials):
        from django.contrib.auth import authenticate

        request = RequestFactory().post("/", REMOTE_ADDR="127.0.0.1")
        user = authenticate(request, **credentials)
        if user:
            self._login(user)
            return True
        return False

    ClientMixin.login = login
    yield
    ClientMixin.login = original


@pytest.fixture(scope="session")
def migrated_sqlite_file(tmp_path_factory):
    """A migrated SQLite database file, made once per run, for tests that start
    the site in other processes (tests/servers.py). Copy it before writing."""
    from tests.servers import migrate

    path = tmp_path_factory.mktemp("sqlite") / "migrated.sqlite3"
    migrate(f"sqlite:///{path}")
    return path


@pytest.fixture
def sqlite_file_url(migrated_sqlite_file, tmp_path):
    """The URL of a fresh, migrated SQLite database file for this test alone."""
    import shutil

    path = tmp_path / "site.sqlite3"
    shutil.copy(migrated_sqlite_file, path)
    return f"sqlite:///{path}"


def pytest_collection_modifyitems(config, items):
    """Everything under tests/e2e/ is a browser test (`-m "not browser"` leaves them out)."""
    for item in items:
        if "tests/e2e/" in item.nodeid:
            item.add_marker(pytest.mark.browser)


def pytest_sessionstart(session):
    """Collect the static files before any test renders a page.

    Pages name static files by their hashed names from STATIC_ROOT's manifest
    (as in production), so a run on a fresh checkout, or after a stylesheet
    changed, needs them collected first. Doing it here makes a bare `pytest`
    work as well as `make test`; unchanged files are skipped.
    """
    from django.core.management import call_command

    call_command("collectstatic", interactive=False, verbosity=0)
