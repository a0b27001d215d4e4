"""`make bench`: how fast the site serves patients, as ratios to Django's ceiling.

Starts, in one run on this machine:
- the site under gunicorn (2 sync workers, debug off, demo content, SQLite or
  DATABASE_URL), and
- the ceiling (bench/ceiling.py) served the same way,
then drives each target with wrk on loopback at 16 connections, warm-up first,
targets interleaved, each repeated (default 3) and reported as medians. It
prints requests/s, p50/p99 latency, server CPU ms per request, response bytes,
ratio to the ceiling, SQL queries per request and worker memory, and stops
every process it started.
"""

import argparse
import json
import os
import re
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")

PAGES = [
    ("ceiling", "GET", "/"),
    ("home", "GET", "/"),
    ("condition", "GET", "/conditions/ice-pick-scars/"),
    ("treatment (50 comments)", "GET", "/treatments/microneedling/"),
    ("compare 3", "GET", "/treatments/compare/?t=microneedling&t=fractional-laser&t=punch-excision"),
    ("search", "GET", "/search/?q=acne+scars"),
    ("consultation form", "GET", "/consultations/request/"),
    ("consultation submit", "POST", "/consultations/request/"),
]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def hung_mail_server():
    """A loopback port that accepts connections and never says a word (a mail server
    hung), for as long as this process runs; returns the port."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    held = []

    def accept():
        while True:
            held.append(listener.accept()[0])

    threading.Thread(target=accept, daemon=True).start()
    return listener.getsockname()[1]


def site_environment(database_url):
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update(
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_SECURE_SSL_REDIRECT="0",
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
        DJANGO_LOG_LEVEL="WARNING",
        DATABASE_URL=database_url,
        # The load generator is one client sending thousands of submissions:
        # lift the per-client limit for this run only.
        CLINIC_RATE_LIMITS_ENABLED="0",
    )
    return env


def manage(env, *args):
    subprocess.run([str(BIN / "python"), "manage.py", *args], cwd=BASE_DIR, env=env, check=True)


def start_gunicorn(app, port, env):
    process = subprocess.Popen(
        [
            str(BIN / "gunicorn"),
            app,
            "--workers",
            "2",
            "--bind",
            f"127.0.0.1:{port}",
            "--no-control-socket",
            "--log-level",
            "warning",
            "--pythonpath",
            str(BASE_DIR),
        ],
        cwd=BASE_DIR,
        env=env,
        stdout=subprocess.DEVNULL,  # the console email backend prints every email
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2).read()
            break
        except OSError:
            time.sleep(0.2)
    else:
        process.terminate()
        raise SystemExit(f"{app} did not start on port {port}")
    return process


def children(pid):
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def cpu_seconds(pids):
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime + stime
    return total / CLOCK_TICKS


def rss_mb(pid):
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def parse_duration(text):
    value, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()
    return float(value) * {"us": 0.001, "ms": 1, "s": 1000, "m": 60000}[unit]


def run_wrk(url, seconds, connections, script=None):
    command = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", "--timeout", "10s"]
    if script:
        command += ["-s", str(script)]
    output = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout
    latency = dict(re.findall(r"^\s+(50|99)(?:\.0+)?%\s+(\S+)\s*$", output, re.M))
    if len(latency) != 2:
        raise SystemExit(f"Could not read wrk's output for {url}:\n{output}")
    requests = int(re.search(r"(\d+) requests in", output).group(1))
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    errors = re.search(r"Socket errors: (.*)", output)
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
        "p50": parse_duration(latency["50"]),
        "p99": parse_duration(latency["99"]),
        "requests": requests,
        "bad": int(bad.group(1)) if bad else 0,
        "socket_errors": errors.group(1) if errors else "",
    }


def submission_data(base_url):
    """The form body and cookie of a valid consultation request, read from the live form."""
    probe = subprocess.run(
        [str(BIN / "python"), str(BASE_DIR / "bench" / "submission.py"), base_url],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(probe.stdout)


def submission_script(folder, base_url, data):
    """A wrk Lua script posting valid, distinct consultation requests (one CSRF
    token reused; a fresh idempotency key per request). Each script has its own
    prefix for the keys: LuaJIT's random numbers repeat from one wrk run to the
    next, and a repeated key is (rightly) answered with the earlier request."""
    run = secrets.token_hex(4)
    script = folder / f"submit-{run}.lua"
    script.write_text(
        "counter = 0\n"
        "local thread_id = 0\n"
        "function setup(thread) thread_id = thread_id + 1; thread:set('tid', thread_id) end\n"
        "request = function()\n"
        "  counter = counter + 1\n"
        f"  local key = 'bench-{run}-' .. tid .. '-' .. counter\n"
        f"  local body = string.gsub({json.dumps(data['body'])}, 'IDEMPOTENCY', key)\n"
        "  return wrk.format('POST', nil, {\n"
        "    ['Content-Type'] = 'application/x-www-form-urlencoded',\n"
        f"    ['Cookie'] = {json.dumps(data['cookie'])},\n"
        f"    ['Referer'] = {json.dumps(base_url + '/consultations/request/')},\n"
        "  }, body)\n"
        "end\n"
    )
    return script


def machine():
    """CPU model and count, and Python: what the figures depend on."""
    lines = Path("/proc/cpuinfo").read_text().splitlines()
    model = next((line.split(":", 1)[1].strip() for line in lines if line.startswith("model name")), "unknown CPU")
    return f"{model} × {os.cpu_count()} CPUs, Python {sys.version.split()[0]}"


def cache_kind(env):
    return "Redis" if env.get("REDIS_URL") else "local memory (per process)"


def count_requests(env):
    code = "from bookings.models import ConsultationRequest as R; print(R.objects.count())"
    result = subprocess.run(
        [str(BIN / "python"), "manage.py", "shell", "--no-imports", "-c", code],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return int(result.stdout.strip().splitlines()[-1])


def query_counts(env):
    result = subprocess.run(
        [str(BIN / "python"), "-m", "bench.queries"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout)


def scale(args):
    """The scale mode: a fresh database (or DATABASE_URL), migrated, with the demo, then bench/scale.py."""
    workdir = Path(tempfile.mkdtemp(prefix="clinic-bench-scale-"))
    database_url = os.environ.get("DATABASE_URL") or f"sqlite:///{workdir / 'scale.sqlite3'}"
    env = site_environment(database_url)
    print(f"Preparing the site ({database_url.split('@')[-1]}) …", flush=True)
    manage(env, "migrate", "--noinput", "-v0")
    manage(env, "load_demo_content")
    manage(env, "collectstatic", "--noinput", "-v0")
    try:
        subprocess.run(
            [
                str(BIN / "python"),
                "-m",
                "bench.scale",
                "--requests",
                str(args.requests),
                "--repeats",
                str(args.repeats * 2 + 1),
            ],
            cwd=BASE_DIR,
            env=env,
            check=True,
        )
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=int, default=5, help="length of one measured run (default 5)")
    parser.add_argument("--repeats", type=int, default=3, help="measured runs per target (default 3)")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument(
        "--mail",
        choices=["console", "hung"],
        default="console",
        help="the site's mail: printed (default), or an SMTP server that accepts connections and never answers",
    )
    parser.add_argument(
        "--scale",
        action="store_true",
        help="instead: fill a database with years of a busy clinic and time the staff pages (bench/scale.py)",
    )
    parser.add_argument("--requests", type=int, default=200_000, help="with --scale: requests to make")
    args = parser.parse_args()
    if args.scale:
        return scale(args)
    if not shutil.which("wrk"):
        raise SystemExit("wrk is not installed: apt-get install -y wrk")

    workdir = Path(tempfile.mkdtemp(prefix="clinic-bench-"))
    database_url = os.environ.get("DATABASE_URL") or f"sqlite:///{workdir / 'bench.sqlite3'}"
    env = site_environment(database_url)
    if args.mail == "hung":
        env.update(EMAIL_HOST="127.0.0.1", EMAIL_PORT=str(hung_mail_server()), EMAIL_USE_TLS="0")
        print("Mail: an SMTP server that accepts connections and never answers.", flush=True)
    answers_file = workdir / "answers.txt"
    env["BENCH_ANSWERS_FILE"] = str(answers_file)
    print(f"Preparing the site ({database_url.split('@')[-1]}) …", flush=True)
    manage(env, "migrate", "--noinput", "-v0")
    manage(env, "load_demo_content")
    manage(env, "collectstatic", "--noinput", "-v0")
    subprocess.run([str(BIN / "python"), "-m", "bench.prepare"], cwd=BASE_DIR, env=env, check=True)

    site_port, ceiling_port = free_port(), free_port()
    ceiling_env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    processes = {
        "site": start_gunicorn("bench.site", site_port, env),
        "ceiling": start_gunicorn("bench.ceiling", ceiling_port, ceiling_env),
    }
    results = {name: [] for name, _, _ in PAGES}
    sizes = {}
    posted = 0
    try:
        submission = submission_data(f"http://127.0.0.1:{site_port}")
        before = count_requests(env)
        answers_file.write_text("")  # the probes' answers are not the run's
        targets = []
        for name, method, path in PAGES:
            port = ceiling_port if name == "ceiling" else site_port
            url = f"http://127.0.0.1:{port}{path}"
            targets.append((name, method, url, processes["ceiling" if name == "ceiling" else "site"]))
            if method == "GET":
                sizes[name] = len(urllib.request.urlopen(url, timeout=10).read())
        print("Warming up …", flush=True)
        for _name, method, url, _process in targets:
            if method == "GET":
                run_wrk(url, 2, args.connections)
        for repeat in range(1, args.repeats + 1):
            print(f"Round {repeat} of {args.repeats} …", flush=True)
            for name, method, url, process in targets:
                script = None
                if method == "POST":
                    script = submission_script(workdir, f"http://127.0.0.1:{site_port}", submission)
                workers = children(process.pid)
                cpu_before = cpu_seconds(workers)
                result = run_wrk(url, args.seconds, args.connections, script)
                result["cpu_ms"] = 1000 * (cpu_seconds(workers) - cpu_before) / max(result["requests"], 1)
                results[name].append(result)
                if method == "POST":
                    posted += result["requests"] - result["bad"]
        memory = {
            label: [round(rss_mb(pid), 1) for pid in children(process.pid)] for label, process in processes.items()
        }
    finally:
        for process in processes.values():
            process.terminate()
        for process in processes.values():
            process.wait(timeout=30)

    stored = count_requests(env) - before
    answers = answers_file.read_text().split()
    answered = sum(1 for status in answers if status[0] in "23")
    queries = query_counts(env)
    ceiling_rps = statistics.median(r["rps"] for r in results["ceiling"])
    print()
    header = ("req/s", 9), ("p50 ms", 9), ("p99 ms", 9), ("CPU ms/req", 12), ("bytes", 9), ("× ceiling", 11)
    print(f"{'target':<26}" + "".join(f"{label:>{width}}" for label, width in header) + f"{'queries':>9}")
    for name, _method, _path in PAGES:
        runs = results[name]
        median = {key: statistics.median(r[key] for r in runs) for key in ("rps", "p50", "p99", "cpu_ms")}
        bad = sum(r["bad"] for r in runs)
        print(
            f"{name:<26}{median['rps']:>9.0f}{median['p50']:>9.1f}{median['p99']:>9.1f}{median['cpu_ms']:>12.2f}"
            f"{sizes.get(name, 0):>9}{median['rps'] / ceiling_rps:>11.3f}{queries.get(name, '-')!s:>9}"
            + (f"   ({bad} non-2xx/3xx)" if bad else "")
        )
    print()
    print(f"Worker memory after the run (RSS MB): site {memory['site']}, ceiling {memory['ceiling']}")
    print(
        f"Consultation submissions answered 2xx/3xx: {answered} (other answers: {len(answers) - answered}; "
        f"wrk saw {posted} before it stopped); new requests stored: {stored}"
    )
    print(
        f"Medians of {args.repeats} runs of {args.seconds}s at {args.connections} connections; "
        "2 gunicorn sync workers per server."
    )
    print(f"{time.strftime('%Y-%m-%d')}, {machine()}, {database_url.split(':')[0]}, cache: {cache_kind(env)}")
    shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
