"""Browser tests: Playwright for Python drives Debian's Chromium against pytest-django's live
server, reached on a cabinet's host (http://alpha.localhost:<port>/: Chromium sends every
*.localhost name to the loopback, and PORTAL_DOMAIN is "localhost" in the tests).

- The live server is a thread of this process: what a test creates must be committed
  (`live_server` turns `transactional_db` on), tasks run eagerly in the server's thread once a
  deposit commits, and emails land in django.core.mail.outbox.
- Chromium is the Debian package (`/usr/bin/chromium`, which `.ci/run` installs when it is
  missing): Playwright never downloads a browser here. Without it the tests skip, and fail
  under REQUIRE_SERVICES=1. CHROMIUM_PATH names another executable.
- On PostgreSQL the server's threads have connections of their own. On SQLite the test
  database lives in memory, and pytest-django hands the live server this thread's connection:
  it works because the tests touch the database only once the page has answered (they wait on
  conditions: a response, a settled htmx swap, a loaded page), never while a request runs, and
  /favicon.ico, which browsers may ask for on their own, never reaches the server (the pages'
  own icon, /static/favicon.svg, is served without the database).
- One browser for the package, a fresh browser context for every user of every test. A test
  fails if a page raised a script error, or if a page it visited was not checked (a `main`
  landmark, a label on every visible field: helpers.assert_accessible).
"""

import os
from pathlib import Path

import pytest

from tests.conftest import service_missing

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


@pytest.fixture(scope="package")
def chromium():
    """Debian's Chromium, started once for the browser tests."""
    executable = Path(CHROMIUM)
    if not (executable.is_file() and os.access(executable, os.X_OK)):
        service_missing(
            f"browser tests need Chromium at {CHROMIUM} (Debian: `apt-get install chromium`, "
            "which .ci/run does when it is missing)"
        )
    from playwright.sync_api import Error, expect, sync_playwright

    from tests.browser.helpers import TIMEOUT_MS

    expect.set_options(timeout=TIMEOUT_MS)

    # Playwright's synchronous API keeps an asyncio loop running in this thread, and Django
    # refuses database queries from a thread with a running loop (SynchronousOnlyOperation).
    # The test's own queries are synchronous all the same: allow them while the browser runs
    # (the variable is the process's, but no other thread runs a loop), and only then.
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        playwright = sync_playwright().start()
        try:
            try:
                browser = playwright.chromium.launch(
                    executable_path=CHROMIUM, args=CHROMIUM_ARGS, timeout=60_000
                )
            except Error as error:
                service_missing(f"Chromium at {CHROMIUM} does not start: {error.message}")
            yield browser
            browser.close()
        finally:
            playwright.stop()


@pytest.fixture
def portal(request, chromium, live_server, world, settings):
    """Cabinet Alpha's portal in Chromium (`world.a`), on http://alpha.localhost:<port>/.
    `portal.login(user)` opens a browser context of the user's own, logged in."""
    from tests.browser.helpers import Portal, safe_name

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.INQOM_SENDER_EMAIL = "no-reply@welyb.fr"
    port = live_server.thread.port
    portal = Portal(
        browser=chromium,
        base_url=f"http://{world.a.cabinet.slug}.{settings.PORTAL_DOMAIN}:{port}",
        screenshot_prefix=safe_name(request.node.name),
    )
    yield portal
    problems = []
    for session in portal.sessions:
        who = session.user.email if session.user else "nobody logged in"
        if session.script_errors:
            problems.append(f"{who}: script errors {session.script_errors}")
        if session.unchecked_pages():
            problems.append(f"{who}: pages not checked {session.unchecked_pages()}")
    portal.close()
    if problems:
        pytest.fail("\n".join(problems), pytrace=False)
