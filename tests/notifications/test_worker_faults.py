"""The outbox under faults, with the real worker process (`manage.py run_worker`),
the real database (SQLite, or PostgreSQL when the suite runs on it) and a local
SMTP server (aiosmtpd): whatever fails, no email is lost and none is sent twice,
and what happened is on the email for staff to see.

The worker runs with EMAIL_TIMEOUT=1, OUTBOX_RETRY_SECONDS=1 and a 4-second lease,
so each test takes seconds."""

import shutil
import threading
import time
from collections import Counter

import pytest
from django.db import connection

from tests.notifications.worker import SmtpSink, TcpProxy, Worker, report, run_due_emails, submit
from tests.servers import free_port, migrate

pytestmark = pytest.mark.multiprocess


@pytest.fixture(scope="module")
def database_url(migrated_sqlite_file, tmp_path_factory, django_db_blocker):
    """A migrated database of this module's own that the worker processes share:
    a SQLite file, or a PostgreSQL database when the suite runs on PostgreSQL
    (dropped afterwards). Each test's `submit` clears its outbox first."""
    with django_db_blocker.unblock():
        vendor, db = connection.vendor, dict(connection.settings_dict)
    if vendor != "postgresql":
        path = tmp_path_factory.mktemp("outbox") / "site.sqlite3"
        shutil.copy(migrated_sqlite_file, path)
        yield f"sqlite:///{path}"
        return
    import psycopg

    name = f"test_{db['NAME']}_outbox_worker"[:63]
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
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def sink():
    server = SmtpSink().start()
    yield server
    server.stop()


def sent_once_each(sink, emails):
    """Each email arrived exactly once: its recipients and subject appear once."""
    counts = Counter(sink.handler.messages)
    return len(sink.handler.messages) == len(emails) and set(counts.values()) == {1}


def wait_for_states(database_url, wanted, timeout=30):
    """Poll the outbox until `wanted(rows)` is true; returns the rows."""
    deadline = time.monotonic() + timeout
    while True:
        rows = report(database_url)
        if wanted(rows) or time.monotonic() > deadline:
            return rows
        time.sleep(0.5)


def test_two_workers_side_by_side_send_every_email_once(database_url, sink, tmp_path):
    emails = submit(database_url, 10)
    assert len(emails) == 20
    with Worker(tmp_path / "w1.log", database_url, sink.port), Worker(tmp_path / "w2.log", database_url, sink.port):
        assert sink.wait_for(20) == 20
        time.sleep(1.5)  # time for a duplicate to show, if one were coming
    assert sent_once_each(sink, emails)
    rows = report(database_url)
    assert {(row["state"], row["attempts"], row["error"]) for row in rows} == {("sent", 1, "")}


def test_a_mail_server_that_refuses_connections_then_comes_back(database_url, tmp_path):
    port = free_port()  # nothing listens there yet
    emails = submit(database_url, 2)
    with Worker(tmp_path / "w.log", database_url, port) as worker:
        # A claimed email counts its attempt before the attempt's error is written: wait for both.
        rows = wait_for_states(database_url, lambda rows: all(row["attempts"] >= 1 and row["error"] for row in rows))
        assert {row["error"] for row in rows} == {"ConnectionRefusedError"}, worker.output()
        assert {row["state"] for row in rows} <= {"queued", "sending"}
        sink = SmtpSink(port).start()
        try:
            assert sink.wait_for(4) == 4
            rows = wait_for_states(database_url, lambda rows: all(row["state"] == "sent" for row in rows))
        finally:
            sink.stop()
    assert sent_once_each(sink, emails)
    assert {row["state"] for row in rows} == {"sent"} and all(row["attempts"] >= 2 for row in rows)


def test_a_hung_mail_server_times_out_and_the_email_goes_when_it_answers(database_url, sink, tmp_path):
    sink.handler.mode = "hang"
    emails = submit(database_url, 1)
    with Worker(tmp_path / "w.log", database_url, sink.port):
        rows = wait_for_states(database_url, lambda rows: all(row["error"] for row in rows))
        assert {row["error"] for row in rows} <= {"SMTPServerDisconnected", "TimeoutError"}
        assert sink.handler.count() == 0
        sink.handler.mode = "accept"
        assert sink.wait_for(2) == 2
        rows = wait_for_states(database_url, lambda rows: all(row["state"] == "sent" for row in rows))
    assert sent_once_each(sink, emails) and {row["state"] for row in rows} == {"sent"}


def test_temporary_errors_are_retried_and_a_refused_address_fails_for_staff_to_see(database_url, sink, tmp_path):
    sink.handler.mode = "busy"
    emails = submit(database_url, 1)
    with Worker(tmp_path / "w.log", database_url, sink.port):
        rows = wait_for_states(database_url, lambda rows: all(row["attempts"] >= 1 and row["error"] for row in rows))
        assert {row["error"] for row in rows} == {"SMTPRecipientsRefused 451"}
        assert {row["state"] for row in rows} <= {"queued", "sending"}  # 4xx: tried again
        sink.handler.mode = "refuse"
        rows = wait_for_states(database_url, lambda rows: all(row["state"] == "failed" for row in rows))
    assert {(row["state"], row["error"]) for row in rows} == {("failed", "SMTPRecipientsRefused 550")}
    # Only the kind of error is kept: the server's reply quoted the address.
    assert all("@" not in row["error"] for row in rows) and len(emails) == 2
    assert sink.handler.count() == 0


def test_a_worker_killed_mid_batch_loses_nothing_and_sends_nothing_twice(database_url, sink, tmp_path):
    emails = submit(database_url, 4)
    sink.handler.mode = "hang"  # the worker is stuck in the middle of sending the first email
    with Worker(tmp_path / "killed.log", database_url, sink.port, EMAIL_TIMEOUT="60") as worker:
        wait_for_states(database_url, lambda rows: any(row["state"] == "sending" for row in rows), timeout=15)
        worker.kill()
    rows = report(database_url)
    assert [row["state"] for row in rows].count("sending") == 1  # left behind by the dead worker
    sink.handler.mode = "accept"
    with Worker(tmp_path / "w.log", database_url, sink.port):
        assert sink.wait_for(len(emails) - 1) >= len(emails) - 1  # all but the abandoned one
        time.sleep(4.5)  # its lease runs out
        done = run_due_emails(database_url, sink.port)  # the scheduled sweep
        assert done.returncode == 0, done.stderr
        rows = wait_for_states(database_url, lambda rows: all(row["state"] == "sent" for row in rows))
    assert sent_once_each(sink, emails)
    assert {row["state"] for row in rows} == {"sent"}


def test_a_worker_cut_off_from_its_database_carries_on_when_it_is_back(database_url, sink, tmp_path):
    if not database_url.startswith("postgres"):
        pytest.skip("A SQLite file cannot go away from under its process; runs on PostgreSQL")
    from urllib.parse import urlsplit

    parts = urlsplit(database_url)
    proxy = TcpProxy(parts.hostname, parts.port or 5432).start()
    through_proxy = database_url.replace(f"@{parts.hostname}:{parts.port}", f"@127.0.0.1:{proxy.port}")
    try:
        with Worker(tmp_path / "w.log", through_proxy, sink.port, DJANGO_CONN_MAX_AGE="0") as worker:
            time.sleep(2)  # the worker is up and polling
            proxy.cut()
            emails = submit(database_url, 3)  # the site still records them (it reaches the database directly)
            time.sleep(2)  # the worker fails to reach the database meanwhile
            assert sink.handler.count() == 0
            assert worker.process.poll() is None, worker.output()  # and waits, instead of dying
            threading.Timer(0, proxy.restore).start()
            assert sink.wait_for(len(emails), timeout=40) == len(emails), worker.output()
            time.sleep(1)
        assert "The database is unavailable" in worker.output()
    finally:
        proxy.stop()
    assert sent_once_each(sink, emails)
    assert {row["state"] for row in report(database_url)} == {"sent"}
