"""The overview and indicator pages come from the page cache while nothing they show has
changed, and show each change at once: a recompute, a target, a comment, a benchmark import,
another role, another authority, a failed computation (dashboard.page_cache)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from placements.models import ImportLog
from sufficiency.models import Commentary, Computation, IndicatorValue, PublishedValue, Target
from tests.conftest import LocalAuthorityFactory
from tests.helpers import OCT, UploadFactory, client_for, page_words, stored_value

pytestmark = pytest.mark.django_db

OVERVIEW = reverse("dashboard-index")
DETAIL = reverse("dashboard-indicator", args=["moves_3plus"])
PAGES = [OVERVIEW, DETAIL]


def recompute(la, moves: int) -> None:
    """What a recompute leaves: the values rewritten and a computation done."""
    IndicatorValue.objects.filter(la=la, indicator="moves_3plus").update(
        numerator=moves, value=100 * moves / 40
    )
    Computation.objects.create(
        la=la, trigger="upload", status="done", finished_at=timezone.now(), definitions_version="x"
    )


@pytest.fixture
def figures(la):
    UploadFactory(la=la, status="loaded", applied_seq=1)
    stored_value(la, "cla_count", OCT, 40, 40)
    stored_value(la, "moves_3plus", OCT, 4, 40)
    recompute(la, 4)
    return la


@pytest.fixture
def officer(make_user, figures):
    return client_for(make_user("officers", figures))


def queries(client, url: str) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured), page_words(response)


@pytest.mark.parametrize("url", PAGES)
def test_page_second_view_is_served_from_the_cache_with_fewer_queries(officer, url):
    officer.get(url)  # the session's first request stamps it
    cache.clear()
    first, first_text = queries(officer, url)
    second, second_text = queries(officer, url)
    assert second < first - 3
    assert second_text == first_text


@pytest.mark.parametrize("url", PAGES)
def test_page_cache_shows_a_recompute_at_once(officer, figures, url):
    assert "10.0%" in page_words(officer.get(url))
    recompute(figures, 8)
    assert "20.0%" in page_words(officer.get(url))


@pytest.mark.parametrize("url", PAGES)
def test_page_cache_shows_a_new_target_at_once(officer, figures, url):
    assert "Target: 5" not in page_words(officer.get(url))
    Target.objects.create(la=figures, indicator="moves_3plus", value=5, start_date=OCT)
    assert "Target: 5" in page_words(officer.get(url))


def test_page_cache_shows_a_removed_target_at_once(officer, figures):
    target = Target.objects.create(la=figures, indicator="moves_3plus", value=5, start_date=OCT)
    assert "Target: 5" in page_words(officer.get(DETAIL))
    target.delete()
    assert "Target: 5" not in page_words(officer.get(DETAIL))


def test_page_cache_shows_a_new_comment_at_once(officer, figures):
    officer.get(DETAIL)
    Commentary.objects.create(
        la=figures, indicator="moves_3plus", period_end=OCT, text="The panel met twice."
    )
    assert "The panel met twice." in page_words(officer.get(DETAIL))


def test_page_cache_shows_a_benchmark_import_at_once(officer, figures):
    assert "England, 31 March 2026" not in page_words(officer.get(DETAIL))
    PublishedValue.objects.create(
        indicator="moves_3plus", level="national", year=2026, value=11.0,
        source="ees_placement_stability", imported_at=timezone.now(),
    )  # fmt: skip
    ImportLog.objects.create(importer=ImportLog.Importer.BENCHMARKS, file_name="stability.csv")
    assert "England, 31 March 2026" in page_words(officer.get(DETAIL))


@pytest.mark.parametrize("url", PAGES)
def test_page_cache_is_never_shared_across_roles(officer, make_user, figures, url):
    assert "Small numbers are not shown" not in page_words(officer.get(url))
    committee = client_for(make_user("committee", figures))
    assert "Small numbers are not shown" in page_words(committee.get(url))


@pytest.mark.parametrize("url", PAGES)
def test_page_cache_is_never_shared_across_authorities(make_user, figures, url):
    other = LocalAuthorityFactory(name="Otherborough")
    stored_value(other, "cla_count", OCT, 30, 30)
    stored_value(other, "moves_3plus", OCT, 6, 30)
    client = client_for(make_user("officers", figures, other))
    mine = page_words(client.get(url, {"la": figures.pk}))
    theirs = page_words(client.get(url, {"la": other.pk}))
    assert "10.0%" in mine
    assert "Otherborough" in theirs and "20.0%" in theirs


@pytest.mark.parametrize("url", PAGES)
def test_page_cache_shows_the_stale_figures_banner_at_once(officer, figures, url):
    assert "These figures are not up to date." not in page_words(officer.get(url))
    at = timezone.now() + dt.timedelta(minutes=1)
    run = Computation.objects.create(
        la=figures, trigger="upload", status="failed", final=True, definitions_version="x"
    )
    Computation.objects.filter(pk=run.pk).update(started_at=at, finished_at=at)
    assert "These figures are not up to date." in page_words(officer.get(url))


@pytest.mark.parametrize("url", PAGES)
def test_page_cache_off_works_every_view_out_again(officer, figures, settings, url):
    settings.PAGE_CACHE_SECONDS = 0
    officer.get(url)
    first, _ = queries(officer, url)
    # Not through a recompute: with the cache on, this would not show until the next one.
    IndicatorValue.objects.filter(la=figures, indicator="moves_3plus").update(value=30.0)
    second, text = queries(officer, url)
    assert second == first
    assert "30.0%" in text


def test_page_cache_leaves_a_sorted_table_out(officer, figures):
    officer.get(DETAIL, {"sort": "period"})
    IndicatorValue.objects.filter(la=figures, indicator="moves_3plus").update(value=30.0)
    assert "30.0%" in page_words(officer.get(DETAIL, {"sort": "period"}))
