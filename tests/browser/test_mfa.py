"""Setting up the second factor in a real browser, as an officer's first sign-in does: the
set-up page, a wrong code, the right one typed from the key shown, the recovery codes, and the
overview; every page passes axe-core."""

from __future__ import annotations

import re
from base64 import b32decode
from collections.abc import Callable

import pytest
from django.urls import reverse
from django_otp.oath import totp
from playwright.sync_api import Page, expect

from dashboard import mfa
from dashboard.access import OFFICERS
from dashboard.mfa_forms import CODE_WRONG
from placements.models import LocalAuthority
from tests.browser.helpers import assert_accessible, assert_no_browser_errors, login
from tests.browser.site import PASSWORD

pytestmark = pytest.mark.browser


def code_from_key(shown_key: str) -> str:
    """What an authenticator app given the key as typed shows now (30-second steps)."""
    key = b32decode(shown_key.replace(" ", "") + "=" * (-len(shown_key.replace(" ", "")) % 8))
    return f"{totp(key):06d}"


def test_officer_first_sign_in_sets_up_app_accessibly(
    page: Page, transactional_db: None, la: LocalAuthority, make_user: Callable, settings
) -> None:
    settings.MFA_REQUIRED = True
    make_user(OFFICERS, la, username="new-officer")
    login(page, "new-officer", PASSWORD)
    expect(page).to_have_url(re.compile(re.escape(reverse("mfa-enrol")) + r"\?next=%2F$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Set up your authenticator app")
    expect(page.get_by_role("img", name=mfa.QR_TITLE)).to_be_visible()
    # Every link of the navigation would lead back here until the app is set up.
    expect(page.get_by_role("navigation", name="Main")).to_have_count(0)
    assert_accessible(page)

    code = page.get_by_label("Code from your authenticator app")
    expect(code).to_have_attribute("autocomplete", "one-time-code")
    expect(code).to_have_attribute("inputmode", "numeric")
    key = page.locator("#secret-key").inner_text()
    right = code_from_key(key)
    code.fill("000000" if right != "000000" else "111111")
    page.get_by_role("button", name="Set up").click()
    expect(page.get_by_role("alert")).to_contain_text(CODE_WRONG)
    expect(page).to_have_title(re.compile(r"^Error: "))
    assert_accessible(page)

    # A person takes longer than django-otp's one-second wait after a wrong code.
    page.wait_for_timeout(1100)
    page.get_by_label("Code from your authenticator app").fill(code_from_key(key))
    page.get_by_role("button", name="Set up").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Save your recovery codes")
    expect(page.get_by_role("list", name="Recovery codes").get_by_role("listitem")).to_have_count(
        mfa.RECOVERY_CODE_COUNT
    )
    assert_accessible(page)

    page.get_by_role("link", name="Continue").click()
    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.get_by_role("link", name="Overview")).to_have_attribute("aria-current", "page")
    assert_no_browser_errors(page)
