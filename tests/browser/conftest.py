"""Browser tests: the portal in a real Chromium (Playwright) against pytest-django's live_server.

The live server runs in a thread of this process, so a test can call the services (as an agent)
and read django.core.mail.outbox while the browser drives the pages.
"""

import os
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.servers.basehttp import ThreadedWSGIServer
from django.core.signals import request_finished, request_started
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

# Playwright cannot download its own browsers here: it drives a system Chromium (or Chrome).
CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
HERE = Path(__file__).resolve().parent

# Playwright's sync API keeps an event loop running in the test thread; the ORM calls the tests
# make from that thread (fixtures, services) would otherwise raise SynchronousOnlyOperation.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

SCREENSHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 375, "height": 812}

expect.set_options(timeout=10_000)


def pytest_collection_modifyitems(config, items):
    """Without the system Chromium, every test of this folder is skipped at collection, with the
    reason. (A module-level pytest.skip() in this conftest is clean only when pytest starts from
    tests/; started as `pytest tests/browser` it aborts the run instead.)"""
    if CHROMIUM.exists():
        return
    skip = pytest.mark.skip(
        reason=f"the browser tests need Chromium at {CHROMIUM}: install it with `sudo apt-get install -y chromium` "
        "(Debian/Ubuntu), or set CHROMIUM_PATH to a Chromium or Chrome binary"
    )
    for item in items:
        if HERE in item.path.parents:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": str(CHROMIUM),
        "args": [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ],
    }


@pytest.fixture(scope="session")
def base_url():
    """The tests build absolute URLs from live_server.url. (Overriding pytest-playwright's own
    fallback fixture also silences its PytestRemovedIn10Warning under pytest 9.)"""
    return None


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "viewport": DESKTOP, "locale": "en-US"}


class _OneRequestAtATime(ThreadedWSGIServer):
    """The live server for an in-memory SQLite database: a thread per connection, as Django's, but
    one request at a time. Its threads share the test's one sqlite3 connection, and two of them in
    it at once can deadlock: one inside a statement that calls a Python function Django registered
    (the SLA report's percentiles) waits for the GIL while holding the connection's mutex, which
    the other, holding the GIL, waits for (CI hung in tests/browser/test_reports.py that way)."""

    def set_app(self, application):
        lock = threading.Lock()

        def serialized(environ, start_response):
            with lock:
                result = application(environ, start_response)
                try:
                    return list(result)
                finally:
                    if hasattr(result, "close"):
                        result.close()  # request_finished, as the server would send it

        super().set_app(serialized)


@pytest.fixture(scope="session")
def live_server(request):
    """pytest-django's live server, serialized where its threads share one SQLite connection."""
    addr = request.config.getvalue("liveserver") or os.getenv("DJANGO_LIVE_TEST_SERVER_ADDRESS") or "localhost"
    server = LiveServer(addr, start=False)
    if server.thread.connections_override:
        server.thread.server_class = _OneRequestAtATime
    server.start()
    yield server
    server.stop()


class _InFlight:
    """Requests the live server (threads of this process) is still answering: a page closed at
    the end of a test may leave one (a poll, a heartbeat) that holds a table of the shared
    in-memory SQLite database, whose flush would then fail with "table is locked"."""

    def __init__(self) -> None:
        self.count = 0
        self.lock = threading.Lock()

    def started(self, **_kwargs) -> None:
        with self.lock:
            self.count += 1

    def finished(self, **_kwargs) -> None:
        with self.lock:
            self.count -= 1

    def wait_idle(self, timeout: float = 10.0) -> None:
        deadline = time.monotonic() + timeout
        while self.count > 0 and time.monotonic() < deadline:
            time.sleep(0.02)


@pytest.fixture
def demo(transactional_db, live_server):
    """The demo accounts, categories, SLA policy, articles and incident (seed_demo takes ~0.3 s).
    At teardown it waits until the live server has answered every request, before the flush."""
    call_command("seed_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
    in_flight = _InFlight()
    request_started.connect(in_flight.started, dispatch_uid="browser-in-flight-started")
    request_finished.connect(in_flight.finished, dispatch_uid="browser-in-flight-finished")
    try:
        yield live_server
        in_flight.wait_idle()
    finally:
        request_started.disconnect(dispatch_uid="browser-in-flight-started")
        request_finished.disconnect(dispatch_uid="browser-in-flight-finished")


def shot(page: Page, name: str, *, full_page: bool = True) -> Path:
    """Save a screenshot as artifacts/screenshots/<name>.png (artifacts/ is not committed)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    if full_page:
        # From the top, or the sticky header is drawn over the middle of a full-page shot.
        page.evaluate("window.scrollTo(0, 0)")
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path


def log_in(page: Page, base_url: str, username: str, *, next_path: str = "/") -> None:
    """Log in through the portal's own form and land on next_path."""
    page.goto(f"{base_url}/login/?next={next_path}")
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill(settings.DEMO_PASSWORD)
    page.locator("form[action='/login/'] button[type=submit]").click()
    page.wait_for_url(lambda url: urlsplit(url).path == next_path)
    expect(page.locator(".logout-form")).to_be_attached()  # rendered only for a signed-in user


class ConsoleErrors(list):
    """Console errors and uncaught page errors (CSP violations are reported as console errors)."""

    def watch(self, page: Page) -> Page:
        page.on("console", lambda msg: msg.type == "error" and self.append(f"console: {msg.text} @ {msg.location}"))
        page.on("pageerror", lambda error: self.append(f"pageerror: {error}"))
        return page


@pytest.fixture
def console_errors() -> ConsoleErrors:
    return ConsoleErrors()
