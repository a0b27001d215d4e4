"""Faults the site survives with nothing lost: the database or Redis going away
(and coming back), the mail server down, a worker killed mid-submission."""

import json
import time

import pytest
from django.db import InterfaceError, OperationalError, connection
from django.test import Client, RequestFactory
from django.urls import reverse

import clinic.cache
from bookings.demo import DEMO_HOURS
from bookings.models import ClinicHours, ConsultationRequest
from clinic.views import server_error
from tests.bookings.conftest import form_data
from tests.factories import make_condition, make_treatment
from tests.servers import Browser, Server, TcpProxy, free_port, migrate, run_django
from treatments.form_signing import sign_form_time
from treatments.models import Comment, HelpfulVote

pytestmark = pytest.mark.multiprocess

SHORT_BREAK = "this page is not available just now"


def assert_friendly_503(status, html):
    assert status == 503
    assert SHORT_BREAK in html and "call us on" in html
    for leak in ("Traceback", "OperationalError", "InterfaceError", "psycopg", "SECRET_KEY"):
        assert leak not in html, leak


@pytest.fixture
def clinic_open(db):
    for weekday, (opens, closes) in DEMO_HOURS.items():
        ClinicHours.objects.create(weekday=weekday, opens=opens, closes=closes)


# --- The database unreachable ------------------------------------------------------------


def test_public_pages_and_forms_answer_a_friendly_503_while_the_database_is_unreachable():
    script = """
import json
from django.test import Client
client = Client(raise_request_exception=False)
paths = ["/", "/conditions/", "/treatments/microneedling/", "/consultations/request/", "/search/?q=acne", "/healthz"]
answers = {path: client.get(path) for path in paths}
answers["POST"] = client.post("/consultations/request/", {"full_name": "Alex"})
print(json.dumps({name: [r.status_code, r.content.decode(), r.get("Retry-After")] for name, r in answers.items()}))
"""
    # A real unreachable server: nothing listens on port 1.
    result = run_django(script, DATABASE_URL="postgres://postgres@127.0.0.1:1/clinic")
    answers = json.loads(result.stdout.strip().splitlines()[-1])
    health = answers.pop("/healthz")
    assert health[0] == 503 and json.loads(health[1])["database"] == "unreachable"
    for name, (status, html, retry_after) in answers.items():
        assert_friendly_503(status, html)
        assert retry_after == "30", name


@pytest.mark.django_db
@pytest.mark.parametrize(
    "error",
    [OperationalError("server closed the connection unexpectedly"), InterfaceError("connection already closed")],
)
def test_a_connection_lost_in_the_middle_of_a_page_gives_the_503_page_with_every_header(client, monkeypatch, error):
    def lose_connection(*args, **kwargs):
        raise error

    monkeypatch.setattr("treatments.views.ConditionListView.get_queryset", lose_connection)
    response = client.get("/conditions/", secure=True)
    assert_friendly_503(response.status_code, response.text)
    assert response["Cache-Control"] == "no-store"
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]
    assert response["Strict-Transport-Security"].startswith("max-age=")


@pytest.mark.django_db
def test_other_errors_still_give_the_500_page(monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr("treatments.views.ConditionListView.get_queryset", broken)
    response = Client(raise_request_exception=False).get("/conditions/")
    assert response.status_code == 500


def test_a_database_error_outside_a_view_also_gives_the_503_page():
    """Errors in middleware (a session saved after the view) reach handler500."""
    try:
        raise OperationalError("could not connect to server")
    except OperationalError:
        response = server_error(RequestFactory().get("/"))
    assert_friendly_503(response.status_code, response.content.decode())


def ask_the_database(browser, server):
    """Post the consultation form (incomplete, so nothing is stored): the view
    always looks the form's key up in the database, whatever pages are cached."""
    url = server.url("/consultations/request/")
    return browser.post(url, {"idempotency_key": "recovery-check-1", "full_name": "Alex"})[:2]


def test_the_site_recovers_without_a_restart_when_a_sqlite_database_comes_back(migrated_sqlite_file, tmp_path):
    home = tmp_path / "database"
    home.mkdir()
    database = home / "site.sqlite3"
    database.write_bytes(migrated_sqlite_file.read_bytes())
    # A connection per request: an open SQLite connection would keep reading the moved file.
    with Server(tmp_path / "server.log", DATABASE_URL=f"sqlite:///{database}", DJANGO_CONN_MAX_AGE="0") as server:
        browser = Browser()
        assert browser.get(server.url("/consultations/request/"))[0] == 200
        assert ask_the_database(browser, server)[0] == 200
        home.rename(tmp_path / "moved-away")  # the database file is gone
        assert_friendly_503(*ask_the_database(browser, server))
        assert browser.get(server.url("/healthz"))[0] == 503
        (tmp_path / "moved-away").rename(home)
        assert ask_the_database(browser, server)[0] == 200
        assert browser.get(server.url("/healthz"))[0] == 200


@pytest.mark.django_db
def test_the_site_recovers_without_a_restart_when_postgresql_comes_back(tmp_path):
    """The server keeps its PostgreSQL connection between requests (CONN_MAX_AGE);
    the connection is cut under it and new ones are refused, then allowed again."""
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (run with DATABASE_URL=postgres://...)")
    db = connection.settings_dict
    proxy = TcpProxy(target_port=int(db["PORT"] or 5432))
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    url = f"postgres://{db['USER']}{password}@127.0.0.1:{proxy.port}/{db['NAME']}"
    try:
        with Server(tmp_path / "server.log", DATABASE_URL=url, DJANGO_CONN_MAX_AGE="600") as server:
            browser = Browser()
            assert browser.get(server.url("/consultations/request/"))[0] == 200
            assert ask_the_database(browser, server)[0] == 200  # the connection is now kept open
            proxy.cut()
            assert_friendly_503(*ask_the_database(browser, server))
            assert browser.get(server.url("/healthz"))[0] == 503
            proxy.restore()
            assert ask_the_database(browser, server)[0] == 200
            assert browser.get(server.url("/healthz"))[0] == 200
    finally:
        proxy.close()


# --- Redis unreachable ----------------------------------------------------------------------


@pytest.fixture
def redis_down(settings):
    """The settings REDIS_URL makes, pointing at a port nothing listens on."""
    from clinic.settings import redis_cache

    location = f"redis://127.0.0.1:{free_port()}/7"
    settings.CACHES = {"default": redis_cache(location, "clinic"), "limits": redis_cache(location, "clinic-limits")}
    clinic.cache._down_until.clear()
    yield
    clinic.cache._down_until.clear()


@pytest.mark.django_db
def test_with_redis_down_every_page_and_form_still_works(
    client, admin_client, redis_down, clinic_open, django_capture_on_commit_callbacks, caplog
):
    condition = make_condition(title="Ice pick scars", slug="ice-pick-scars")
    treatment = make_treatment(title="Microneedling", slug="microneedling", offered_here=True)
    for path in ["/", "/conditions/ice-pick-scars/", "/treatments/microneedling/", "/consultations/request/"]:
        response = client.get(path)
        assert response.status_code == 200, path
    assert "Opening hours" in client.get("/").text or "09:00" in client.get("/").text

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/consultations/request/", form_data(treatments=[treatment.pk]))
    assert response.status_code == 302 and ConsultationRequest.objects.count() == 1
    response = client.post(
        reverse("treatments:condition_comments", kwargs={"slug": condition.slug}),
        {
            "author_name": "Jo",
            "email": "jo@example.com",
            "body": "Does it hurt?",
            "shown_at": sign_form_time(time.time() - 60),
        },
    )
    assert response.status_code == 302 and Comment.objects.count() == 1
    vote_url = reverse("treatments:condition_helpful", kwargs={"slug": condition.slug})
    response = client.post(vote_url, {"helpful": "yes"})
    assert response.status_code == 302 and HelpfulVote.objects.count() == 1

    # Staff change the opening hours (which clears the cached copy) and sign in: both still work.
    hours = ClinicHours.objects.get(weekday=0)
    url = reverse("admin:bookings_clinichours_change", args=[hours.pk])
    response = admin_client.post(url, {"weekday": 0, "opens": "08:00", "closes": "17:00"})
    assert response.status_code == 302
    assert "counted in this process only: the shared cache is unreachable" in caplog.text


@pytest.mark.django_db
def test_with_redis_down_rate_limits_still_hold_in_each_process(client, redis_down, settings):
    condition = make_condition(slug="ice-pick-scars")
    url = reverse("treatments:condition_helpful", kwargs={"slug": condition.slug})
    statuses = [client.post(url, {"helpful": "yes"}).status_code for _ in range(31)]
    assert statuses[:30] == [302] * 30
    assert statuses[30] == 429


def test_with_redis_down_a_real_process_serves_pages_and_takes_posts(sqlite_file_url):
    script = """
from django.core.cache import caches
from django.test import Client
client = Client(raise_request_exception=False)
print(type(caches["default"]).__name__)
print(client.get("/").status_code, client.get("/conditions/").status_code)
print(client.post("/consultations/request/", {"full_name": "Alex"}).status_code)
"""
    started = time.monotonic()
    result = run_django(script, DATABASE_URL=sqlite_file_url, REDIS_URL=f"redis://127.0.0.1:{free_port()}/7")
    assert result.stdout.split() == ["ResilientRedisCache", "200", "200", "200"], result.stderr
    assert time.monotonic() - started < 30


# --- The mail server down ----------------------------------------------------------------------


@pytest.fixture
def mail_server_down(settings):
    """Real SMTP to a port nothing listens on: every send is refused."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = free_port()
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_TIMEOUT = 2


def mail_server_back(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


def run_action(client, changelist, action, objects):
    return client.post(
        reverse(changelist), {"action": action, "_selected_action": [obj.pk for obj in objects]}, follow=True
    )


@pytest.mark.django_db
def test_with_the_mail_server_down_a_consultation_request_is_kept_the_failure_shown_and_sent_later(
    client, admin_client, clinic_open, mail_server_down, settings, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/consultations/request/", form_data(full_name="Alex Patient"))
    assert response.status_code == 302
    consultation = ConsultationRequest.objects.get()
    assert consultation.full_name == "Alex Patient" and consultation.status_changes.count() == 1
    emails = list(consultation.notifications.all())
    # Refused connections are temporary: each email waits for its next attempt, the error kept.
    assert len(emails) == 2 and {email.state for email in emails} == {"queued"}
    assert all(email.error == "ConnectionRefusedError" and email.attempts == 1 for email in emails)
    assert all(email.next_attempt_at > email.failed_at for email in emails)

    # Staff see it: on the request, and in the list of emails.
    page = admin_client.get(reverse("admin:bookings_consultationrequest_change", args=[consultation.pk])).text
    assert "failed" in page and "ConnectionRefusedError" in page
    listed = admin_client.get(reverse("admin:notifications_email_changelist"), {"failed_at__isnull": "False"})
    assert listed.text.count("ConnectionRefusedError") == 2

    mail_server_back(settings)
    response = run_action(admin_client, "admin:notifications_email_changelist", "send_again", emails)
    assert "2 emails sent" in response.text
    assert sorted(message.to[0] for message in mailoutbox) == sorted([consultation.email, settings.CLINIC_STAFF_EMAIL])
    assert {email.state for email in consultation.notifications.all()} == {"sent"}


@pytest.mark.django_db
def test_with_the_mail_server_down_a_comment_is_kept_the_failure_shown_and_sent_later(
    client, admin_client, mail_server_down, settings, mailoutbox, django_capture_on_commit_callbacks
):
    condition = make_condition(slug="ice-pick-scars")
    url = reverse("treatments:condition_comments", kwargs={"slug": condition.slug})
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url,
            {
                "author_name": "Jo",
                "email": "jo@example.com",
                "body": "Does it hurt?",
                "shown_at": sign_form_time(time.time() - 60),
            },
        )
    assert response.status_code == 302
    comment = Comment.objects.get()
    email = comment.emails.get()
    assert (email.kind, email.state, email.attempts) == ("comment_received", "queued", 1)
    assert email.error == "ConnectionRefusedError"

    listed = admin_client.get(reverse("admin:notifications_email_changelist"), {"failed_at__isnull": "False"})
    assert "ConnectionRefusedError" in listed.text and f"Comment {comment.pk}</a>" in listed.text

    mail_server_back(settings)
    response = run_action(admin_client, "admin:notifications_email_changelist", "send_again", [email])
    assert "1 email sent." in response.text
    assert [message.to for message in mailoutbox] == [[settings.CLINIC_STAFF_EMAIL]]
    email.refresh_from_db()
    assert (email.state, email.attempts) == ("sent", 2)
    response = run_action(admin_client, "admin:notifications_email_changelist", "send_again", [email])
    assert "already sent" in response.text and len(mailoutbox) == 1


# --- A worker killed in the middle of a submission ------------------------------------------------

SUBMISSION = """
import os
from datetime import timedelta
from django.utils import timezone
from bookings import services
from bookings.demo import DEMO_HOURS
from bookings.models import ClinicHours, ConsultationRequest, StatusChange
from notifications.models import Email
from treatments.models import Treatment
from staff.models import Clinician

for weekday, (opens, closes) in DEMO_HOURS.items():
    ClinicHours.objects.get_or_create(weekday=weekday, defaults={"opens": opens, "closes": closes})
reviewer, _ = Clinician.objects.get_or_create(name="Dr Worker Reviewer")
treatment, _ = Treatment.objects.get_or_create(
    slug="killed-worker-needling",
    defaults={"title": "Needling", "summary": "S.", "status": "published", "offered_here": True,
              "author": reviewer, "medical_reviewer": reviewer, "reviewed_on": timezone.localdate()},
)
day = timezone.localdate() + timedelta(days=8)
while day.weekday() not in DEMO_HOURS:
    day += timedelta(days=1)

def counts():
    through = ConsultationRequest.treatments.through.objects.count()
    return [ConsultationRequest.objects.count(), through, StatusChange.objects.count(), Email.objects.count()]

def die_mid_transaction(**fields):
    print("inside", *counts(), flush=True)  # the request row and its treatments are written, not committed
    os._exit(17)

if os.environ.get("KILL") == "1":
    StatusChange.objects.create = die_mid_transaction
print("before", *counts(), flush=True)
services.submit_request(
    idempotency_key="killed-worker-key-1", full_name="Alex Patient", email="alex@example.com",
    phone="+447911123456", contact_preference="email", help_with="Scars on both cheeks.",
    first_preferred_date=day, time_of_day="morning", isotretinoin_recent="no",
    pregnant_or_breastfeeding="no", keloid_tendency="no", active_skin_infection="no", consent=True,
    treatments=[treatment],
)
print("after", *counts(), flush=True)
"""


def said(process):
    """The script's own lines (the console email backend prints too)."""
    return dict(
        line.split(" ", 1) for line in process.stdout.splitlines() if line.startswith(("before ", "inside ", "after "))
    )


@pytest.fixture
def shared_database_url(migrated_sqlite_file, tmp_path):
    """A migrated database of the test's own that other processes reach: on
    PostgreSQL runs a fresh PostgreSQL database (dropped afterwards), otherwise a
    SQLite file. Not the test database: what those processes commit would outlive
    the test, and flushing it would take the staff groups with it."""
    if connection.vendor != "postgresql":
        path = tmp_path / "site.sqlite3"
        path.write_bytes(migrated_sqlite_file.read_bytes())
        yield f"sqlite:///{path}"
        return
    import psycopg

    db = connection.settings_dict
    name = f"test_{db['NAME']}_killed_worker"[:63]
    server = {"host": db["HOST"] or "127.0.0.1", "port": db["PORT"] or 5432, "user": db["USER"]}
    if db["PASSWORD"]:
        server["password"] = db["PASSWORD"]
    with psycopg.connect(dbname="postgres", autocommit=True, **server) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{name}"')
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    url = f"postgres://{db['USER']}{password}@{server['host']}:{server['port']}/{name}"
    try:
        migrate(url)
        yield url
    finally:
        with psycopg.connect(dbname="postgres", autocommit=True, **server) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}"')


def test_a_worker_killed_in_the_middle_of_a_submission_leaves_no_half_request(shared_database_url):
    killed = run_django(SUBMISSION, DATABASE_URL=shared_database_url, KILL="1")
    assert killed.returncode == 17, killed.stderr
    lines = said(killed)
    assert lines["before"] == "0 0 0 0"
    assert lines["inside"] == "1 1 0 0"  # died after the request and its treatments, before its history
    assert "after" not in lines

    # Nothing of it was kept, and the same form sent again makes one whole request.
    again = run_django(SUBMISSION, DATABASE_URL=shared_database_url)
    assert again.returncode == 0, again.stderr
    lines = said(again)
    assert lines["before"] == "0 0 0 0"
    assert lines["after"] == "1 1 1 2"
