"""Browser tests: Debian's Chromium driven by Playwright against a live server.

The site runs with the test settings (debug off). Static files go through
whitenoise from the collected STATIC_ROOT with hashed names, as in production.
Without /usr/bin/chromium these tests are skipped with one clear line, unless
E2E_REQUIRED=1 (set by .ci/run), which turns a missing browser into a failure.
"""

import json
import os
import subprocess
from datetime import datetime
from pathlib import Path

import pytest
from pytest_django.live_server_helper import LiveServer

CHROMIUM = Path("/usr/bin/chromium")
BASE_DIR = Path(__file__).resolve().parents[2]
TOOLS = BASE_DIR / ".cache" / "e2e" / "node_modules"
AXE_JS = TOOLS / "axe-core" / "axe.min.js"
VNU_JAR = TOOLS / "vnu-jar" / "build" / "dist" / "vnu.jar"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]
SCREENSHOT_DIR = BASE_DIR / "test-artifacts" / "screenshots" / datetime.now().strftime("%Y%m%d-%H%M%S")

BROWSER_MISSING = f"Browser tests skipped: no Chromium at {CHROMIUM} (apt-get install -y chromium)."


def browser_available():
    return CHROMIUM.exists()


def pytest_report_header(config):
    if browser_available():
        return f"browser tests: Chromium at {CHROMIUM}; screenshots in {SCREENSHOT_DIR}"
    return BROWSER_MISSING


def pytest_collection_modifyitems(config, items):
    if browser_available():
        return
    e2e_items = [item for item in items if "tests/e2e/" in item.nodeid]
    if not e2e_items:
        return
    if os.environ.get("E2E_REQUIRED") == "1":
        raise pytest.UsageError(f"E2E_REQUIRED=1 but {BROWSER_MISSING}")
    for item in e2e_items:
        item.add_marker(pytest.mark.skip(reason=BROWSER_MISSING))


def pytest_terminal_summary(terminalreporter):
    if SCREENSHOT_DIR.exists():
        terminalreporter.write_line(f"Browser screenshots: {SCREENSHOT_DIR}")


@pytest.fixture(scope="session")
def live_server(request):
    """pytest-django's live server, with static files served by whitenoise
    (hashed names from STATIC_ROOT) instead of the finders."""
    server = LiveServer("localhost", start=False)
    server.thread.static_handler = lambda handler: handler
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="package", autouse=True)
def playwright_instance():
    """Playwright for this package only. Its sync API keeps an event loop in the
    test thread, so Django's ORM must be told that is fine (see PITFALLS.md);
    both end with the browser tests."""
    from playwright.sync_api import sync_playwright

    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    manager = sync_playwright()
    playwright = manager.start()
    yield playwright
    manager.__exit__(None, None, None)
    if previous is None:
        del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture(scope="package")
def browser(playwright_instance):
    browser = playwright_instance.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS)
    yield browser
    browser.close()


SCREENS = {
    "desktop": {"viewport": {"width": 1280, "height": 900}},
    "phone": {"viewport": {"width": 375, "height": 740}, "is_mobile": True, "has_touch": True},
}


@pytest.fixture(params=list(SCREENS))
def screen(request):
    """Every journey runs on a desktop screen and on a 375 px wide phone."""
    return request.param


@pytest.fixture
def new_page(browser, screen):
    """Open a fresh browser window (its own cookies) on this test's screen."""
    contexts = []

    def open_page(**options):
        context = browser.new_context(**SCREENS[screen], **options)
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page):
    return new_page()


@pytest.fixture
def audit_page(browser):
    """A page for axe: the injected script would be blocked by a strict CSP."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=True)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def screenshot(request):
    screen = request.node.callspec.params.get("screen") if hasattr(request.node, "callspec") else None

    def take(page, name):
        SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
        suffix = f"-{screen}" if screen else ""
        page.screenshot(path=str(SCREENSHOT_DIR / f"{name}{suffix}.png"), full_page=True)

    return take


def run_axe(page):
    """Run axe-core with the WCAG A/AA tags; return its violations."""
    if not AXE_JS.exists():
        pytest.fail(f"axe-core is missing at {AXE_JS}: run `make e2e-tools`.")
    page.add_script_tag(content=AXE_JS.read_text())
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})",
        WCAG_TAGS,
    )
    return result["violations"]


def describe_violations(violations):
    return "\n".join(
        f"{v['impact']}: {v['id']} — {v['help']} ({len(v['nodes'])}× e.g. {v['nodes'][0]['target']})"
        for v in violations
    )


def validate_html(documents):
    """Run the Nu HTML Checker once over {name: html}; return its error messages by name."""
    if not VNU_JAR.exists():
        pytest.fail(f"vnu.jar is missing at {VNU_JAR}: run `make e2e-tools`.")
    folder = BASE_DIR / "test-artifacts" / "html"
    folder.mkdir(parents=True, exist_ok=True)
    paths = {}
    for name, html in documents.items():
        path = folder / f"{name}.html"
        path.write_text(html)
        paths[str(path)] = name
    result = subprocess.run(
        ["java", "-jar", str(VNU_JAR), "--format", "json", "--stdout", *paths],
        capture_output=True,
        text=True,
        timeout=300,
    )
    messages = json.loads(result.stdout)["messages"]
    errors = {}
    for message in messages:
        if message.get("type") == "error" or message.get("subType") == "fatal":
            name = paths.get(message.get("url", "").removeprefix("file:"), message.get("url"))
            errors.setdefault(name, []).append(f"line {message.get('lastLine')}: {message['message']}")
    return errors


def restore_staff_groups():
    """Give the staff groups their permissions again (staff/roles.py).

    Browser tests need a transactional database, and a flush empties the groups'
    tables; the roles are applied after every migrate and flush, and once more
    here so a test never depends on that.
    """
    from staff.roles import apply_roles

    apply_roles()


@pytest.fixture
def make_staff():
    """A staff member in a staff group, with a confirmed authenticator app."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django_otp.plugins.otp_totp.models import TOTPDevice

    restore_staff_groups()

    def make(username, group):
        user = get_user_model().objects.create_user(
            username=username, password="correct-horse-battery-staple", is_staff=True
        )
        user.groups.add(Group.objects.get(name=group))
        TOTPDevice.objects.create(user=user, name="Phone", confirmed=True)
        return user

    return make


def sign_in_to_admin(page, live_server, user, password="correct-horse-battery-staple"):
    """Sign in as staff do: username and password, then the authenticator code."""
    from django.urls import reverse
    from django_otp.oath import totp

    page.goto(live_server.url + reverse("admin:index"))
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Continue").click()
    device = user.totpdevice_set.get()
    code = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits)
    page.get_by_label("Code from your authenticator app").fill(f"{code:0{device.digits}d}")
    page.get_by_role("button", name="Sign in").click()
