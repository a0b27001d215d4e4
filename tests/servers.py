"""The site in real processes, for tests about what one process cannot show:
limits shared between servers, a database that goes away and comes back, a
worker killed mid-request.

Servers are gunicorn with one sync worker, debug off, on a free loopback port.
"""

import http.cookiejar
import os
import select
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
SECRET_KEY = "test-only-secret-key-for-server-processes-not-for-production"


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def site_environment(**overrides):
    """The environment of a production-like process: debug off, no inherited settings."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "CLINIC_", "EMAIL_", "COMMENT"))
        and key not in {"DATABASE_URL", "REDIS_URL", "PYTEST_CURRENT_TEST"}
    }
    env.update(
        DJANGO_SETTINGS_MODULE="clinic.settings",
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY=SECRET_KEY,
        DJANGO_SECURE_SSL_REDIRECT="0",
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost,testserver",
        DJANGO_LOG_LEVEL="WARNING",
    )
    env.update({key: value for key, value in overrides.items() if value is not None})
    return env


def run_django(script, *, timeout=60, **env):
    """Run `script` after django.setup() in a fresh interpreter; returns the CompletedProcess."""
    return subprocess.run(
        [sys.executable, "-c", f"import django\ndjango.setup()\n{script}"],
        cwd=BASE_DIR,
        env=site_environment(**env),
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def migrate(database_url):
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v0"],
        cwd=BASE_DIR,
        env=site_environment(DATABASE_URL=database_url),
        check=True,
        capture_output=True,
        timeout=120,
    )


class Server:
    """`gunicorn clinic.wsgi` in its own process; use as a context manager."""

    def __init__(self, log_path, **env):
        self.port = free_port()
        self.env = site_environment(**env)
        self.log_path = Path(log_path)
        self.process = None

    def url(self, path="/"):
        return f"http://127.0.0.1:{self.port}{path}"

    def __enter__(self):
        self.log = self.log_path.open("w")
        command = [
            sys.executable,
            "-m",
            "gunicorn",
            "clinic.wsgi",
            "--bind",
            f"127.0.0.1:{self.port}",
            "--workers",
            "1",
            "--timeout",
            "30",
            "--no-control-socket",
        ]
        self.process = subprocess.Popen(command, cwd=BASE_DIR, env=self.env, stdout=self.log, stderr=self.log)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"The server stopped at start-up:\n{self.output()}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return self
            except OSError:
                time.sleep(0.1)
        self.__exit__()
        raise RuntimeError(f"The server did not start within 30 seconds:\n{self.output()}")

    def __exit__(self, *exc_info):
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()

    def output(self):
        self.log.flush()
        return self.log_path.read_text()


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class _SecureCookiesOverLoopback(http.cookiejar.DefaultCookiePolicy):
    """Send Secure cookies to the plain-HTTP test server, as a browser would to the
    HTTPS proxy in front of it (the servers run with debug off: cookies are Secure)."""

    def return_ok_secure(self, cookie, request):
        return True


class Browser:
    """A cookie-keeping HTTP client that does not follow redirects, like the test client."""

    def __init__(self):
        self.cookies = http.cookiejar.CookieJar(policy=_SecureCookiesOverLoopback())
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.cookies), _NoRedirects())

    def request(self, url, data=None):
        body = urllib.parse.urlencode(data, doseq=True).encode() if data is not None else None
        try:
            with self.opener.open(urllib.request.Request(url, data=body), timeout=30) as response:
                return response.status, response.read().decode(), dict(response.headers)
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode(), dict(error.headers)

    def get(self, url):
        return self.request(url)

    def post(self, url, data):
        """POST `data` with the CSRF token from the cookie an earlier GET set."""
        token = next(cookie.value for cookie in self.cookies if cookie.name == "csrftoken")
        return self.request(url, {**data, "csrfmiddlewaretoken": token})


class TcpProxy:
    """Forwards a loopback port to a database server; `cut()` drops every
    connection and refuses new ones (the database "goes away"), `restore()`
    accepts again on the same port."""

    def __init__(self, target_port):
        self.target_port = target_port
        self.port = free_port()
        self.connections = []
        self.lock = threading.Lock()
        self.listener = None
        self.restore()

    def restore(self):
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen()
        self.listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def cut(self):
        try:
            self.listener.shutdown(socket.SHUT_RDWR)  # wakes the thread blocked in accept()
        except OSError:
            pass
        self.listener.close()
        with self.lock:
            for sock in self.connections:
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                sock.close()
            self.connections.clear()

    close = cut

    def _accept(self, listener):
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return  # cut
            try:
                upstream = socket.create_connection(("127.0.0.1", self.target_port))
            except OSError:
                client.close()
                continue
            with self.lock:
                self.connections += [client, upstream]
            threading.Thread(target=self._pump, args=(client, upstream), daemon=True).start()

    @staticmethod
    def _pump(a, b):
        try:
            while True:
                readable, _, _ = select.select([a, b], [], [], 1)
                for sock in readable:
                    data = sock.recv(65536)
                    if not data:
                        return
                    (b if sock is a else a).sendall(data)
        except OSError:
            return
        finally:
            a.close()
            b.close()
