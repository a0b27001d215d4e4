"""Real processes for the outbox's fault tests: a local SMTP server (aiosmtpd) whose
behaviour a test changes while it runs, the worker (`manage.py run_worker`) in its
own process, a TCP proxy that cuts the worker off from PostgreSQL, and a database
of the test module's own that those processes share."""

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time

from aiosmtpd.controller import Controller

from tests.servers import BASE_DIR, free_port, run_django, site_environment


class SinkHandler:
    """What the SMTP server does, switched by the test: "accept" (keeps the message),
    "hang" (never answers EHLO), "busy" (451, try later), "refuse" (550 for every
    recipient)."""

    def __init__(self):
        self.mode = "accept"
        self.messages = []  # (recipients, subject) of every accepted message
        self.lock = threading.Lock()

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        while self.mode == "hang":
            await asyncio.sleep(0.1)
        session.host_name = hostname
        return responses

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.mode == "busy":
            return "451 4.3.0 Mailbox busy, try again later"
        if self.mode == "refuse":
            return f"550 5.1.1 <{address}> No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        subject = next(
            (
                line[9:]
                for line in envelope.content.decode("utf-8", "replace").splitlines()
                if line.startswith("Subject: ")
            ),
            "",
        )
        with self.lock:
            self.messages.append((tuple(envelope.rcpt_tos), subject))
        return "250 Message accepted for delivery"

    def count(self):
        with self.lock:
            return len(self.messages)


class SmtpSink:
    """aiosmtpd on a loopback port, in a thread of the test process."""

    def __init__(self, port=None):
        self.handler = SinkHandler()
        self.port = port or free_port()
        self.controller = None

    def start(self):
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port, ready_timeout=10)
        self.controller.start()
        return self

    def stop(self):
        if self.controller is not None:
            self.handler.mode = "accept"  # lets a hung session end
            self.controller.stop()
            self.controller = None

    def wait_for(self, count, timeout=30):
        """Wait until `count` messages were accepted; returns how many there are."""
        deadline = time.monotonic() + timeout
        while self.handler.count() < count and time.monotonic() < deadline:
            time.sleep(0.1)
        return self.handler.count()


def worker_environment(database_url, smtp_port, **extra):
    settings = {
        "DATABASE_URL": database_url,
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(smtp_port),
        "EMAIL_USE_TLS": "0",
        "EMAIL_TIMEOUT": "1",
        "OUTBOX_RETRY_SECONDS": "1",
        "OUTBOX_SENDING_LEASE_SECONDS": "4",
        "DJANGO_LOG_LEVEL": "INFO",
    }
    return site_environment(**{**settings, **extra})


class Worker:
    """`python manage.py run_worker` in its own process (use as a context manager)."""

    def __init__(self, log_path, database_url, smtp_port, **extra):
        self.env = worker_environment(database_url, smtp_port, **extra)
        self.log_path = log_path
        self.process = None

    def __enter__(self):
        self.log = open(self.log_path, "a")  # noqa: SIM115 closed in __exit__
        self.process = subprocess.Popen(
            [sys.executable, "manage.py", "run_worker", "--no-reload", "--no-startup-delay", "--interval", "0.2"],
            cwd=BASE_DIR,
            env=self.env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        return self

    def kill(self):
        """SIGKILL: the worker dies wherever it is, as on a crashed machine."""
        if self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def __exit__(self, *exc_info):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self.log.close()

    def output(self):
        with open(self.log_path) as log:
            return log.read()


SUBMIT = """
import json
from datetime import timedelta
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from bookings import services
from bookings.demo import DEMO_HOURS
from bookings.models import ClinicHours, ConsultationRequest
from notifications.models import Email
from treatments.models import Treatment
from staff.models import Clinician

Email.objects.all().delete()
DBTaskResult.objects.all().delete()
ConsultationRequest.objects.all().delete()
for weekday, (opens, closes) in DEMO_HOURS.items():
    ClinicHours.objects.get_or_create(weekday=weekday, defaults={"opens": opens, "closes": closes})
reviewer, _ = Clinician.objects.get_or_create(name="Dr Worker Reviewer")
treatment, _ = Treatment.objects.get_or_create(
    slug="outbox-worker-needling",
    defaults={"title": "Needling", "summary": "S.", "status": "published", "offered_here": True,
              "author": reviewer, "medical_reviewer": reviewer, "reviewed_on": timezone.localdate()},
)
day = timezone.localdate() + timedelta(days=8)
while day.weekday() not in DEMO_HOURS:
    day += timedelta(days=1)
for n in range(COUNT):
    services.submit_request(
        idempotency_key=f"outbox-worker-key-{n:04d}", full_name=f"Patient {n}", email=f"patient{n}@example.com",
        phone="+447911123456", contact_preference="email", help_with="Scars.", first_preferred_date=day,
        time_of_day="morning", isotretinoin_recent="no", pregnant_or_breastfeeding="no", keloid_tendency="no",
        active_skin_infection="no", consent=True, treatments=[treatment],
    )
print("EMAILS", json.dumps(list(Email.objects.values_list("pk", flat=True))))
"""


def submit(database_url, count):
    """Submit `count` consultation requests (two emails each) in another process, as the
    site would; returns the ids of the emails recorded. Clears the outbox first."""
    done = run_django(SUBMIT.replace("COUNT", str(count)), DATABASE_URL=database_url)
    assert done.returncode == 0, done.stderr
    return json.loads(next(line for line in done.stdout.splitlines() if line.startswith("EMAILS "))[7:])


def report(database_url):
    """Every email in the outbox, as dicts of pk, kind, to, state, attempts and error
    (read with plain SQL: starting Django for each look would take seconds)."""
    query = 'SELECT id, kind, "to", state, attempts, error FROM notifications_email ORDER BY id'
    columns = ["pk", "kind", "to", "state", "attempts", "error"]
    if database_url.startswith("sqlite:///"):
        import sqlite3

        with sqlite3.connect(database_url.removeprefix("sqlite:///"), timeout=20) as db:
            rows = db.execute(query).fetchall()
    else:
        import psycopg

        with psycopg.connect(database_url.replace("postgres://", "postgresql://", 1)) as db:
            rows = db.execute(query).fetchall()
    return [dict(zip(columns, row, strict=True)) for row in rows]


def run_due_emails(database_url, smtp_port):
    """`manage.py run_job deliver_due_emails`, as the scheduler would have a worker do."""
    return subprocess.run(
        [sys.executable, "manage.py", "run_job", "deliver_due_emails"],
        cwd=BASE_DIR,
        env=worker_environment(database_url, smtp_port),
        capture_output=True,
        text=True,
        timeout=60,
    )


class TcpProxy:
    """A loopback TCP proxy to (host, port) that the test can cut and restore: while
    cut, open connections are closed and new ones refused, like a database server
    gone away."""

    def __init__(self, host, port):
        self.target = (host, port)
        self.port = free_port()
        self.open = True
        self.connections = []
        self.lock = threading.Lock()
        self.listener = None
        self.running = True

    def start(self):
        threading.Thread(target=self._serve, daemon=True).start()
        deadline = time.monotonic() + 5
        while self.listener is None and time.monotonic() < deadline:
            time.sleep(0.01)
        return self

    def _serve(self):
        while self.running:
            if not self.open:
                time.sleep(0.05)
                continue
            listener = socket.socket()
            listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            listener.bind(("127.0.0.1", self.port))
            listener.listen(16)
            listener.settimeout(0.1)
            self.listener = listener
            while self.running and self.open:
                try:
                    client, _ = listener.accept()
                except TimeoutError:
                    continue
                except OSError:
                    break
                try:
                    upstream = socket.create_connection(self.target, timeout=5)
                except OSError:
                    client.close()
                    continue
                with self.lock:
                    self.connections += [client, upstream]
                for a, b in ((client, upstream), (upstream, client)):
                    threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()
            listener.close()

    @staticmethod
    def _pipe(source, sink):
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for end in (source, sink):
                try:
                    end.close()
                except OSError:
                    pass

    def cut(self):
        self.open = False
        with self.lock:
            for connection in self.connections:
                try:
                    connection.shutdown(socket.SHUT_RDWR)
                    connection.close()
                except OSError:
                    pass
            self.connections = []
        time.sleep(0.3)  # the listener closes

    def restore(self):
        self.open = True

    def stop(self):
        self.running = False
        self.cut()
