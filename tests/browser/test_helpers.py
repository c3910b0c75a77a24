"""The browser checks themselves: each one fails on the fault it is there to catch, and works under
the Content-Security-Policy the site sends (`script-src 'self'`). Pages here are served by
Playwright from memory, so no server or database is involved.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import plotly
import pytest
from playwright.sync_api import Browser, Page, Route

from tests.browser.helpers import (
    assert_accessible,
    assert_charts_render,
    assert_no_browser_errors,
    visit,
    watch,
)

pytestmark = pytest.mark.browser

ORIGIN = "http://site.test"
CSP = "script-src 'self'"
PLOTLY_JS = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
ACCESSIBLE = """<!DOCTYPE html><html lang="en-GB"><head><title>Test</title></head>
<body><main><h1>Test</h1>{body}</main></body></html>"""

Serve = Callable[[str, str | bytes, str], None]


@pytest.fixture
def served(browser: Browser) -> Iterator[tuple[Page, Serve]]:
    """A page, and serve(path, body, content_type) to answer requests for ORIGIN + path."""
    context = browser.new_context(base_url=ORIGIN)
    context.set_default_timeout(10_000)
    files: dict[str, tuple[str | bytes, str]] = {}

    def answer(route: Route) -> None:
        path = route.request.url.removeprefix(ORIGIN)
        if path not in files:
            route.fulfill(status=404, body="Not found")
            return
        body, content_type = files[path]
        route.fulfill(
            body=body, content_type=content_type, headers={"Content-Security-Policy": CSP}
        )

    def serve(path: str, body: str | bytes, content_type: str = "text/html") -> None:
        files[path] = (body, content_type)

    context.route(f"{ORIGIN}/**", answer)
    page = context.new_page()
    watch(page)
    yield page, serve
    context.close()


def test_assert_accessible_passes_under_strict_csp(served: tuple[Page, Serve]) -> None:
    page, serve = served
    serve("/", ACCESSIBLE.format(body="<p>Nothing wrong here.</p>"))
    visit(page, "/")
    assert_accessible(page)
    assert_no_browser_errors(page)


def test_assert_accessible_fails_with_rule_element_and_help(served: tuple[Page, Serve]) -> None:
    page, serve = served
    serve("/", "<!DOCTYPE html><html><body><img id='chart' src='/chart.png'></body></html>")
    serve("/chart.png", b"", "image/png")
    visit(page, "/")
    with pytest.raises(pytest.fail.Exception) as failure:
        assert_accessible(page)
    message = str(failure.value)
    assert "- image-alt (critical): Images must have alternative text" in message
    assert '["#chart"]' in message
    assert "- html-has-lang (serious)" in message
    assert "- document-title (serious)" in message


def test_browser_errors_caught(served: tuple[Page, Serve]) -> None:
    page, serve = served
    serve(
        "/",
        ACCESSIBLE.format(
            body="<script>window.inline = 1;</script>"
            "<script src='/broken.js'></script><script src='/missing.js'></script>"
        ),
    )
    serve("/broken.js", "undefinedFunction();", "text/javascript")
    visit(page, "/")
    with pytest.raises(pytest.fail.Exception) as failure:
        assert_no_browser_errors(page)
    message = str(failure.value)
    assert "console error: Executing inline script violates" in message
    assert "uncaught exception: undefinedFunction is not defined" in message
    assert f"HTTP 404 for GET {ORIGIN}/missing.js" in message
    assert_no_browser_errors(page)  # reported once


def test_expected_error_status_is_not_a_browser_error(served: tuple[Page, Serve]) -> None:
    page, _ = served
    visit(page, "/gone/", status=404)
    assert_no_browser_errors(page)


def test_plotly_chart_renders_under_strict_csp(served: tuple[Page, Serve]) -> None:
    page, serve = served
    serve(
        "/",
        ACCESSIBLE.format(
            body="<div id='chart' data-figure='chart-data'></div><script src='/plotly.min.js'></script>"
            "<script src='/chart.js'></script>"
        ),
    )
    serve("/plotly.min.js", PLOTLY_JS.read_bytes(), "text/javascript")
    serve(
        "/chart.js",
        "Plotly.newPlot('chart', [{type: 'bar', x: ['Jan', 'Feb'], y: [3, 5]}], "
        "{title: {text: 'Placements'}});",
        "text/javascript",
    )
    visit(page, "/")
    assert_charts_render(page, at_least=1)
    assert_accessible(page)
    assert_no_browser_errors(page)
