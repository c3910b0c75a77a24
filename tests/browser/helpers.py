"""What a browser test does to a page: sign in, open it, check it, download from it.

Every check fails with what a developer needs to fix the page: the axe rule, the elements and
the help text; the browser's own console errors; the status the server answered.
"""

from __future__ import annotations

import json
import re
import weakref
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.urls import get_resolver, reverse
from playwright.sync_api import ConsoleMessage, Download, Page, Request, Response, expect

ROOT = Path(__file__).resolve().parents[2]
AXE_PATH = ROOT / "node_modules" / "axe-core" / "axe.min.js"
# WCAG 2.2 AA, as the public sector accessibility regulations require.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
BLOCKING_IMPACTS = {"serious", "critical"}
# Where static/js/charts.js draws a plotly figure (templates/dashboard/_chart.html); plotly
# marks the element with the class js-plotly-plot once drawn.
CHART_SELECTOR = "[data-figure]"
PLOTLY_DRAWN = re.compile(r"\bjs-plotly-plot\b")


@dataclass
class BrowserErrors:
    """What the browser complained about on one page: console errors, uncaught exceptions,
    requests that failed or were answered with an error status the test did not expect."""

    found: list[str] = field(default_factory=list)
    expected_statuses: set[tuple[str, int]] = field(default_factory=set)

    def on_console(self, message: ConsoleMessage) -> None:
        # A failed request is logged as "Failed to load resource"; the response handler below
        # reports it instead, where a status the test asked for can be let through.
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            self.found.append(f"console error: {message.text} (at {message.location['url']})")

    def on_page_error(self, error: Exception) -> None:
        self.found.append(f"uncaught exception: {error}")

    def on_response(self, response: Response) -> None:
        expected = (_path_of(response.url), response.status) in self.expected_statuses
        if response.status >= 400 and not expected:
            self.found.append(
                f"HTTP {response.status} for {response.request.method} {response.url}"
            )

    def on_request_failed(self, request: Request) -> None:
        # ERR_ABORTED is a request cut short on purpose: a page reloading mid-poll, a download.
        if request.failure != "net::ERR_ABORTED":
            self.found.append(f"request failed: {request.method} {request.url} ({request.failure})")


_errors: weakref.WeakKeyDictionary[Page, BrowserErrors] = weakref.WeakKeyDictionary()


def watch(page: Page) -> BrowserErrors:
    """Start collecting the page's errors; `assert_no_browser_errors` checks them."""
    errors = _errors[page] = BrowserErrors()
    page.on("console", errors.on_console)
    page.on("pageerror", errors.on_page_error)
    page.on("response", errors.on_response)
    page.on("requestfailed", errors.on_request_failed)
    return errors


def assert_no_browser_errors(page: Page) -> None:
    errors = _errors[page]
    if errors.found:
        found, errors.found = errors.found, []
        pytest.fail(f"The browser reported {len(found)} error(s):\n" + "\n".join(found))


def forget_browser_errors(page: Page) -> None:
    _errors[page].found.clear()


def visit(page: Page, path: str, *, status: int = 200) -> Response:
    """Open `path` and check the status the server answered; an error status asked for here
    is not also reported as a browser error."""
    if status >= 400:
        _errors[page].expected_statuses.add((_path_of(path), status))
    response = page.goto(path)
    assert response is not None, f"No response for {path}"
    assert response.status == status, f"{path} answered {response.status}, expected {status}"
    return response


def _path_of(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def path_to(url_name: str, ids: Mapping[str, object]) -> str:
    """The page's path, its URL parameters (upload_id, ...) filled in from `ids` by name."""
    candidates = get_resolver().reverse_dict.getlist(url_name)
    params = candidates[0][0][0][1] if candidates else []  # [pattern][possibility](fmt, params)
    missing = sorted(set(params) - set(ids))
    if missing:
        raise KeyError(f"{url_name} needs {missing}: give them a value in Site.url_ids()")
    return reverse(url_name, kwargs={param: ids[param] for param in params})


def login(page: Page, username: str, password: str) -> None:
    """Sign in through the real sign-in form, as a person would."""
    visit(page, reverse("login"))
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()
    if page.get_by_role("button", name="Sign out").count() == 0:
        problem = page.locator(".error-summary")
        told = problem.inner_text() if problem.count() else "no error shown"
        pytest.fail(f"Signing in as {username!r} failed: {told}")


@cache
def _axe_source() -> str:
    return AXE_PATH.read_text(encoding="utf-8")


def assert_accessible(page: Page, *, known: Collection[str] = ()) -> None:
    """Run axe-core on the page; fail on any serious or critical WCAG 2.2 AA violation.

    `known` names rules a page is known to break, reported and waiting for a fix: they are
    let through, and the check fails once one is gone so that the exception is removed.

    axe is evaluated through the DevTools protocol (page.evaluate), which the page's
    Content-Security-Policy does not govern; page.add_script_tag would add an element that a
    `script-src 'self'` policy blocks, and bypass_csp=True would stop the tests noticing the
    CSP violations a page itself causes.
    """
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate("() => {\n" + _axe_source() + "\n}")
    violations = page.evaluate(
        """tags => axe.run(document, {runOnly: {type: 'tag', values: tags}}).then(results =>
            results.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
                nodes: v.nodes.map(n => ({target: n.target, html: n.html, summary: n.failureSummary})),
            })))""",
        AXE_TAGS,
    )
    blocking = [v for v in violations if v["impact"] in BLOCKING_IMPACTS]
    unexpected = [v for v in blocking if v["id"] not in known]
    if unexpected:
        pytest.fail(f"{page.url} has accessibility violations:\n" + describe(unexpected))
    fixed = sorted(set(known) - {v["id"] for v in blocking})
    if fixed:
        pytest.fail(f"{page.url} no longer breaks {fixed}: remove them from its known violations")


def describe(violations: list[dict]) -> str:
    lines = []
    for v in violations:
        lines.append(f"- {v['id']} ({v['impact']}): {v['help']} <{v['helpUrl']}>")
        for node in v["nodes"]:
            lines.append(f"    {json.dumps(node['target'])}: {node['html'][:200]}")
            lines.extend(f"      {line}" for line in node["summary"].splitlines())
    return "\n".join(lines)


def assert_charts_render(page: Page, *, at_least: int) -> None:
    """At least `at_least` charts on the page, and every one drawn: an SVG of some size with
    at least one trace in it."""
    charts = page.locator(CHART_SELECTOR)
    count = charts.count()
    assert count >= at_least, f"{page.url} has {count} chart(s), expected at least {at_least}"
    for i in range(count):
        chart = charts.nth(i)
        expect(chart, f"chart {i} on {page.url} was not drawn").to_have_class(PLOTLY_DRAWN)
        svg = chart.locator("svg.main-svg").first
        expect(svg).to_be_visible()
        box = svg.bounding_box()
        assert box and box["width"] > 0 and box["height"] > 0, f"chart {i} on {page.url} is empty"
        assert chart.locator("g.trace").count() > 0, f"chart {i} on {page.url} drew no data"


def download(page: Page, link_name: str) -> tuple[Download, bytes]:
    """Click the link and return the download and its bytes."""
    with page.expect_download() as info:
        page.get_by_role("link", name=link_name).click()
    downloaded = info.value
    assert downloaded.failure() is None, f"download failed: {downloaded.failure()}"
    return downloaded, Path(downloaded.path()).read_bytes()


def first_line(content: bytes) -> str:
    text = content.decode("utf-8-sig")  # CSVs start with a byte-order mark for Excel
    return re.split(r"\r?\n", text, maxsplit=1)[0]
