"""`make run` serves the site where HOST and PORT say, and the links it puts in emails
and pages (SITE_URL) follow, unless SITE_URL is given."""

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

pytestmark = [
    pytest.mark.multiprocess,
    pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed"),
]


def make_run(tmp_path, *arguments, **environment):
    """What `make run` hands its processes: stand-in python and honcho print SITE_URL,
    HOST, PORT and their arguments instead of starting anything."""
    fake = tmp_path / "bin"
    fake.mkdir()
    for program in ("python", "honcho"):
        script = fake / program
        script.write_text(f'#!/bin/sh\necho "{program} $* HOST=$HOST PORT=$PORT SITE_URL=$SITE_URL"\n')
        script.chmod(0o755)
    stamp = tmp_path / "installed"
    stamp.touch()
    env = {key: value for key, value in os.environ.items() if key != "SITE_URL"} | environment
    result = subprocess.run(
        ["make", "--no-print-directory", "run", f"BIN={fake}", f"STAMP={stamp}", *arguments],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return result.stdout


@pytest.mark.parametrize(
    ("arguments", "environment", "served", "site_url"),
    [
        ([], {}, "HOST=127.0.0.1 PORT=8000", "http://127.0.0.1:8000"),
        (["PORT=18437"], {}, "HOST=127.0.0.1 PORT=18437", "http://127.0.0.1:18437"),
        (["HOST=localhost", "PORT=18191"], {}, "HOST=localhost PORT=18191", "http://localhost:18191"),
        (["HOST=0.0.0.0", "PORT=18192"], {}, "HOST=0.0.0.0 PORT=18192", "http://127.0.0.1:18192"),
        (
            ["PORT=18193"],
            {"SITE_URL": "https://clinic.example"},
            "HOST=127.0.0.1 PORT=18193",
            "https://clinic.example",
        ),
        (["PORT=18194", "SITE_URL=https://other.example"], {}, "HOST=127.0.0.1 PORT=18194", "https://other.example"),
    ],
)
def test_the_site_url_follows_host_and_port_unless_given(tmp_path, arguments, environment, served, site_url):
    output = make_run(tmp_path, *arguments, **environment)
    # honcho starts the site, the worker that sends the emails and the scheduler with this environment.
    assert f"honcho -f Procfile.dev start {served} SITE_URL={site_url}" in output
    assert f"Serving {site_url}/" in output
    assert "python manage.py load_demo_content" in output and f"SITE_URL={site_url}" in output
