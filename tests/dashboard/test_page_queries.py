"""Every dashboard page reads the database a bounded number of times, whatever the data.

The demo authority (three years of monthly values, uploads with problems, providers, targets,
commentary, published figures and neighbour lists) is loaded once for the module: a page that
read per month, per row or per upload would go far over its bound here.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.management import call_command
from django.db import transaction
from django.db.models import Count
from django.test import override_settings
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice
from pytest_django import DjangoAssertNumQueries, DjangoDbBlocker

from dashboard import mfa
from dashboard.management.commands.setup_demo import DEMO_LA_CODE
from placements.models import Episode, LocalAuthority, Provider, Upload, UploadProblem
from sufficiency.models import IndicatorValue
from tests.helpers import client_for

pytestmark = pytest.mark.django_db

# Page: (demo user, URL name, the most queries it may make). Every page reads its session from
# the database (so that signing in survives Redis stopped), and every page about one authority
# reads its latest loaded upload once, for the "data as at ..., loaded ... by ..." line.
PAGES = {
    # The overview and indicator pages read one more, the stamp of what they show, which keys
    # their content in the page cache (dashboard.page_cache).
    "overview": ("demo-officer", "dashboard-index", 12),
    "overview, committee member": ("demo-committee", "dashboard-index", 12),
    # One more than before coverage: where the history starts, for "not enough history".
    "indicator": ("demo-officer", "dashboard-indicator", 12),
    "indicator, committee member": ("demo-committee", "dashboard-indicator", 13),
    "children list": ("demo-officer", "dashboard-children", 9),
    # The report reads whether its month was issued (and officers the revisions log); a
    # committee member's first PDF download issues the report, which writes its figures.
    "committee": ("demo-officer", "dashboard-committee", 13),
    "committee, as the committee sees it": ("demo-committee", "dashboard-committee", 12),
    # The PDF reads whether the figures are up to date (the pages have it with the data line).
    "committee pdf": ("demo-officer", "dashboard-committee-pdf", 12),
    "committee pdf, as the committee sees it": ("demo-committee", "dashboard-committee-pdf", 14),
    "fostering": ("demo-officer", "dashboard-fostering", 12),
    "fostering, committee member": ("demo-committee", "dashboard-fostering", 12),
    "providers": ("demo-officer", "dashboard-providers", 11),
    "targets": ("demo-officer", "dashboard-targets", 11),
    "benchmarks": ("demo-data", "dashboard-benchmarks", 9),
    "uploads list": ("demo-data", "dashboard-uploads", 5),
    "upload detail": ("demo-data", "dashboard-upload-detail", 10),
    "upload new": ("demo-data", "dashboard-upload-new", 5),
}


@pytest.fixture(scope="module")
def demo(
    django_db_setup: None,
    django_db_blocker: DjangoDbBlocker,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[LocalAuthority]:
    """The demo authority, loaded once and rolled back after the module's tests: each test
    runs in a savepoint inside this transaction."""
    out: Path = tmp_path_factory.mktemp("demo")
    fast = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    with django_db_blocker.unblock(), override_settings(PASSWORD_HASHERS=fast):
        with transaction.atomic():
            call_command(
                "setup_demo", "--children-in-care", "60", "--years", "3", "--out", str(out),
                stdout=io.StringIO(),
            )  # fmt: skip
            yield LocalAuthority.objects.get(code=DEMO_LA_CODE)
            transaction.set_rollback(True)


def page_url(la: LocalAuthority, name: str) -> str:
    if name == "dashboard-indicator":
        return reverse(name, args=["moves_3plus"])
    if name == "dashboard-upload-detail":
        # The 903 upload with the most problems to list.
        upload = (
            Upload.objects.filter(la=la, kind=Upload.Kind.SSDA903)
            .annotate(problems_found=Count("problems"))
            .order_by("-problems_found", "pk")
            .first()
        )
        return reverse(name, args=[upload.pk])
    if name == "dashboard-children":
        latest = IndicatorValue.objects.period_ends(la)[0]
        return f"{reverse(name)}?indicator=moves_3plus&period={latest.isoformat()}"
    return reverse(name)


@pytest.mark.parametrize("page", list(PAGES))
def test_page_stays_within_its_query_bound(
    demo: LocalAuthority, page: str, django_assert_max_num_queries: DjangoAssertNumQueries
) -> None:
    username, name, bound = PAGES[page]
    cache.clear()
    client = client_for(get_user_model().objects.get(username=username))
    url = page_url(demo, name)
    assert client.get(url).status_code == 200
    # The bound is for a page worked out afresh: a cached page's second view costs fewer.
    cache.clear()
    with django_assert_max_num_queries(bound):
        response = client.get(url)
    assert response.status_code == 200


# With MFA_REQUIRED on (production), django-otp's middleware reads the device a verified
# session names, to check it still exists and is the user's: one query more on every page.
SECOND_FACTOR_QUERIES = 1


@pytest.mark.parametrize("page", list(PAGES))
def test_page_with_second_factor_stays_within_its_bound_and_the_device_read(
    demo: LocalAuthority,
    page: str,
    settings: Any,
    django_assert_max_num_queries: DjangoAssertNumQueries,
) -> None:
    settings.MFA_REQUIRED = True
    username, name, bound = PAGES[page]
    cache.clear()
    user = get_user_model().objects.get(username=username)
    device = TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True)
    client = client_for(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    url = page_url(demo, name)
    assert client.get(url).status_code == 200
    with django_assert_max_num_queries(bound + SECOND_FACTOR_QUERIES):
        response = client.get(url)
    assert response.status_code == 200


# The second factor's own pages (MFA_REQUIRED on), each as the officer who opens it: the set-up
# page before any app (it keeps one unconfirmed device for the QR code), the code and recovery
# pages after the password, and Sign-in security once verified (the app, and its codes left).
SECOND_FACTOR_PAGE_BOUNDS = {
    "mfa-enrol": (False, False, 6),
    "mfa-verify": (True, False, 4),
    "mfa-recovery": (True, False, 4),
    "mfa-account": (True, True, 7),
}


@pytest.mark.parametrize("name", list(SECOND_FACTOR_PAGE_BOUNDS))
def test_second_factor_page_stays_within_its_query_bound(
    demo: LocalAuthority,
    name: str,
    settings: Any,
    django_assert_max_num_queries: DjangoAssertNumQueries,
) -> None:
    settings.MFA_REQUIRED = True
    has_app, verified, bound = SECOND_FACTOR_PAGE_BOUNDS[name]
    user = get_user_model().objects.get(username="demo-officer")
    client = client_for(user)
    if has_app:
        device = mfa.pending_app_device(user)
        mfa.confirm_app_device(device=device)
        if verified:
            session = client.session
            session[DEVICE_ID_SESSION_KEY] = device.persistent_id
            session.save()
    url = reverse(name)
    assert client.get(url).status_code == 200
    with django_assert_max_num_queries(bound):
        response = client.get(url)
    assert response.status_code == 200


def test_demo_has_the_rows_a_read_per_row_would_show_in(demo: LocalAuthority) -> None:
    assert len(IndicatorValue.objects.period_ends(demo)) >= 24
    assert demo.targets.count() >= 5 and demo.commentary.count() >= 3
    assert Upload.objects.filter(la=demo).count() >= 4
    assert UploadProblem.objects.filter(upload__la=demo).count() >= 2
    assert (
        Provider.objects.count() >= 20 and Episode.objects.filter(la=demo).exclude(urn="").exists()
    )
