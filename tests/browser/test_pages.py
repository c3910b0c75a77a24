"""Every page as each role sees it, in a real browser: it opens (or is refused with 403), it passes
axe-core (WCAG 2.2 AA, nothing serious or critical), its charts draw, its exports download, and
the browser reports no error on the way (console, uncaught exception, CSP, failed request).

Adding a page is one line in PAGES: its URL name, the roles that may open it (every other role
must get 403) and the number of charts it draws. A download link is one line in EXPORTS. A URL
parameter other than upload_id and target_id gets its value in Site.url_ids() (site.py) or in
the line's `kwargs`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Page, expect

from dashboard.access import ADMIN, COMMITTEE, DATA_STAFF, OFFICERS
from placements.models import LocalAuthority, Upload, UploadProblem
from tests.browser.helpers import (
    assert_accessible,
    assert_charts_render,
    assert_no_browser_errors,
    download,
    first_line,
    forget_browser_errors,
    login,
    path_to,
    visit,
)
from tests.browser.site import AS_AT, PASSWORD, ROLES, Site
from tests.helpers import UploadFactory

pytestmark = pytest.mark.browser

EVERYONE = frozenset(ROLES)
SEE_UPLOADS = frozenset({OFFICERS, DATA_STAFF, ADMIN})
UPLOADERS = frozenset({DATA_STAFF, ADMIN})
SEE_CHILDREN = frozenset({OFFICERS, DATA_STAFF, ADMIN})
SET_TARGETS = frozenset({OFFICERS, ADMIN})
IMPORT_BENCHMARKS = frozenset({DATA_STAFF, ADMIN})
MONTH = f"period={AS_AT:%Y-%m-%d}"


@dataclass(frozen=True)
class Screen:
    url_name: str
    roles: frozenset[str]  # who may open it; every other role gets 403
    charts: int = 0  # how many charts it draws, at least
    kwargs: dict[str, object] = field(default_factory=dict)  # URL parameters, beside url_ids
    query: str = ""
    known: frozenset[str] = frozenset()  # axe rules it is known to break, waiting for a fix

    def path(self, site: Site) -> str:
        path = path_to(self.url_name, {**site.url_ids(), **self.kwargs})
        return f"{path}?{self.query}" if self.query else path


PAGES = [
    Screen("dashboard-index", EVERYONE),
    Screen(
        "dashboard-indicator",
        EVERYONE,
        charts=1,
        kwargs={"key": "moves_3plus"},
    ),
    Screen("dashboard-children", SEE_CHILDREN, query=f"indicator=in_house_fostering&{MONTH}"),
    Screen("dashboard-committee", EVERYONE, charts=6),
    Screen("dashboard-fostering", EVERYONE),
    Screen("dashboard-targets", SET_TARGETS),
    Screen("dashboard-target-edit", SET_TARGETS),
    Screen("dashboard-benchmarks", IMPORT_BENCHMARKS),
    Screen("dashboard-providers", SEE_CHILDREN),
    Screen("dashboard-uploads", SEE_UPLOADS),
    Screen("dashboard-upload-new", UPLOADERS),
    Screen("dashboard-upload-detail", SEE_UPLOADS),
]


@dataclass(frozen=True)
class Export:
    role: str
    screen: Screen
    link: str  # the link's accessible name, or the start of it
    filename: str  # a regular expression
    expect: str | bytes  # text: the file's first line; bytes: what the file starts with


def screen(url_name: str) -> Screen:
    return next(s for s in PAGES if s.url_name == url_name)


EXPORTS = [
    Export(
        OFFICERS,
        screen("dashboard-upload-detail"),
        "Download problems as CSV",
        r"upload-\d+-problems\.csv",
        "severity,file,row,child,column,value,message",
    ),
    Export(
        OFFICERS,
        screen("dashboard-indicator"),
        "CSV",
        r".+-moves_3plus\.csv",
        "Month ending,Value,Numerator,Denominator,Target,Against target",
    ),
    Export(OFFICERS, screen("dashboard-indicator"), "Excel", r".+\.xlsx", b"PK\x03\x04"),
    Export(
        DATA_STAFF,
        screen("dashboard-children"),
        "Download this list as CSV",
        r"children-.+\.csv",
        "child,age,placement_type,provider,urn,distance_miles,placement_start",
    ),
    Export(
        COMMITTEE, screen("dashboard-committee"), "Download as PDF", r"committee-.+\.pdf", b"%PDF-"
    ),
]


def sign_in(page: Page, site: Site, role: str) -> None:
    login(page, site.user(role).get_username(), PASSWORD)


@pytest.fixture
def user_of(transactional_db: None, la: LocalAuthority, make_user: Callable) -> Callable:
    """For the tests that need no indicators: user_of(role) -> a user of `la` in that role."""
    return lambda role: make_user(role, la, username=f"{role}-user")


@pytest.mark.parametrize("role", ROLES)
def test_pages_and_exports_as_role(
    page: Page, site: Site, subtests: pytest.Subtests, role: str
) -> None:
    # A subtest per page and per export, so that one sign-in and one set of data serve them
    # all: setting the data up again for each would cost seconds apiece.
    sign_in(page, site, role)
    for entry in PAGES:
        with subtests.test(msg=entry.url_name):
            forget_browser_errors(page)  # any left belong to a subtest that failed
            allowed = role in entry.roles
            visit(page, entry.path(site), status=200 if allowed else 403)
            expect(page.get_by_role("heading", level=1)).to_have_count(1)
            if allowed:
                assert_charts_render(page, at_least=entry.charts)
            assert_accessible(page, known=entry.known if allowed else ())
            assert_no_browser_errors(page)
    for export in EXPORTS:
        if export.role != role:
            continue
        with subtests.test(msg=f"{export.screen.url_name}: {export.link}"):
            forget_browser_errors(page)
            visit(page, export.screen.path(site))
            downloaded, content = download(page, export.link)
            assert re.fullmatch(export.filename, downloaded.suggested_filename)
            if isinstance(export.expect, str):
                assert first_line(content) == export.expect
            else:
                assert content.startswith(export.expect)
            assert len(content) > len(export.expect)
            assert_no_browser_errors(page)


def test_sign_in_page_is_where_anonymous_visitors_land(page: Page, transactional_db: None) -> None:
    visit(page, reverse("dashboard-index"))
    expect(page).to_have_url(re.compile(re.escape(reverse("login")) + r"\?next=/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    assert_accessible(page)
    assert_no_browser_errors(page)


def test_sign_in_error_is_accessible(page: Page, user_of: Callable) -> None:
    visit(page, reverse("login"))
    page.get_by_label("Username").fill(user_of(OFFICERS).get_username())
    page.get_by_label("Password", exact=True).fill("not the password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("There is a problem")
    assert_accessible(page)
    assert_no_browser_errors(page)


def test_upload_form_errors_are_accessible(page: Page, user_of: Callable) -> None:
    login(page, user_of(DATA_STAFF).get_username(), PASSWORD)
    visit(page, reverse("dashboard-upload-new"))
    page.get_by_role("button", name="Upload and check").click()
    expect(page.get_by_role("alert")).to_contain_text("There is a problem")
    expect(page).to_have_title(re.compile(r"^Error: "))
    assert_accessible(page)
    assert_no_browser_errors(page)


def test_upload_in_progress_shows_its_result_when_finished(
    page: Page, la: LocalAuthority, user_of: Callable
) -> None:
    upload = UploadFactory(la=la, stage=Upload.Stage.VALIDATING, progress=40)
    login(page, user_of(OFFICERS).get_username(), PASSWORD)
    with page.expect_response(lambda r: r.url.endswith("/status.json")):
        visit(page, reverse("dashboard-upload-detail", args=[upload.pk]))
    expect(page.get_by_role("progressbar")).to_have_attribute("value", "40")
    assert_accessible(page)

    Upload.objects.filter(pk=upload.pk).update(
        status=Upload.Status.LOADED,
        stage=Upload.Stage.DONE,
        progress=100,
        finished_at=timezone.now(),
    )
    # The page polls once a second and reloads itself once the upload has finished.
    expect(page.get_by_role("heading", name="Loaded", level=2)).to_be_visible()
    assert_accessible(page)
    assert_no_browser_errors(page)


def test_upload_warnings_open_by_keyboard_and_stay_accessible(
    page: Page, la: LocalAuthority, user_of: Callable
) -> None:
    upload = UploadFactory(
        la=la, status=Upload.Status.LOADED, stage=Upload.Stage.DONE, progress=100,
        finished_at=timezone.now(), warnings_count=3,
    )  # fmt: skip
    for row, column, message in [
        (2, "URN", "URN is blank; the provider's Ofsted URN (or XXXXXXX) is expected."),
        (3, "URN", "URN is blank; the provider's Ofsted URN (or XXXXXXX) is expected."),
        (4, "MOTHER", "MOTHER should be 1, 0 or blank."),
    ]:
        UploadProblem.objects.create(
            upload=upload, severity=UploadProblem.Severity.WARNING, file="episodes.csv",
            row=row, child_id=f"C{row}", column=column, message=message,
        )  # fmt: skip
    login(page, user_of(OFFICERS).get_username(), PASSWORD)
    visit(page, reverse("dashboard-upload-detail", args=[upload.pk]))
    summary = page.locator("summary").first
    expect(summary).to_contain_text("2 rows, column URN")
    expect(page.get_by_role("cell", name="C3")).to_be_hidden()
    assert_accessible(page)
    summary.focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("cell", name="C3")).to_be_visible()
    assert_accessible(page)
    assert_no_browser_errors(page)
