"""Browser tests: Playwright driving Debian's Chromium against pytest-django's live server.

One browser for the session and a fresh context (cookies, storage) for every test. The browser
is the machine's own Chromium (CHROMIUM_PATH, default /usr/bin/chromium): Playwright's own
browser download cannot reach its host from here, nor from CI.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator

import pytest
from playwright.sync_api import Browser, Page, sync_playwright
from pytest_django.live_server_helper import LiveServer

from placements.models import LocalAuthority
from tests.browser.helpers import AXE_PATH, assert_no_browser_errors, watch
from tests.browser.site import Site, build_site

# Playwright's sync API keeps an asyncio loop running on this thread for the whole session, and
# Django then refuses ORM calls from it (SynchronousOnlyOperation) although nothing here is
# async: the factories, and the tests after these, would all fail. Set when this file is
# collected, because the session-scoped browser outlives every function-scoped fixture.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM_PATH = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",  # CI runs as root
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--no-first-run",
    # Without these Chromium keeps calling Google's hosts, which this network refuses.
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
]
TIMEOUT_MS = 10_000  # a page of ours that takes longer than this is a failure, not a wait


def _missing(what: str) -> None:
    """Fail in CI, where the browser tests must run; skip on a machine that lacks the tools."""
    if os.environ.get("CI", "").lower() not in {"", "0", "false"}:
        pytest.fail(f"{what} (CI must run the browser tests)", pytrace=False)
    pytest.skip(what)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    executable = shutil.which(CHROMIUM_PATH)
    if executable is None:
        _missing(
            f"No Chromium at {CHROMIUM_PATH}: `apt-get install chromium`, "
            "or set CHROMIUM_PATH to a Chromium or Chrome binary"
        )
    if not AXE_PATH.exists():
        _missing(f"No axe-core at {AXE_PATH}: run `make install` (npm ci)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=executable, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Browser, live_server: LiveServer) -> Iterator[Page]:
    """A page in a new context, pointed at the live server; fails on the browser's errors."""
    # No bypass_csp: the pages' Content-Security-Policy stays in force so that a violation
    # shows up as a console error. axe gets in without it (see assert_accessible).
    context = browser.new_context(base_url=live_server.url, accept_downloads=True)
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    watch(page)
    yield page
    context.close()
    assert_no_browser_errors(page)


@pytest.fixture
def site(transactional_db: None, la: LocalAuthority, make_user: Callable) -> Site:
    return build_site(la, make_user)
