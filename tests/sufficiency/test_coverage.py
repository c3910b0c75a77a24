"""History coverage: a figure whose look-back reaches before the history is complete is "not
enough history" everywhere, and a figure just inside its look-back is a number.

The hand-checked cases: with the history complete from 1 April 2023 (a windowed upload onto
nothing), "three or more placements in 12 months" first has a value at 31 March 2024, the
first month end whose 12 months (April 2023 to March 2024) the history holds; at 29 February
2024 it would count only 11 months of moves, so it has none. Long-term stability looks back 30
months: its first value is at 30 September 2025. Children looked after at D look back no
further than D: they have a value from 30 April 2023.
"""

from __future__ import annotations

import datetime as dt
import io

import pandas as pd
import pytest
from django.core.management import call_command
from django.test import Client

from placements.models import LocalAuthority, Population, Upload
from sufficiency import coverage
from sufficiency.models import IndicatorValue
from sufficiency.registry import BY_KEY, INDICATORS
from sufficiency.reports import indicator_detail, overview
from sufficiency.services import recompute_indicators, with_coverage
from tests.extracts import child, episode, extract_files
from tests.helpers import client_for, run_import_903

APRIL_2023 = dt.date(2023, 4, 1)


# --- The rule, on its own -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("indicator", "inside", "outside"),
    [
        ("cla_count", "2023-04-30", "2023-03-31"),
        ("starters", "2023-04-30", "2023-03-31"),
        ("starters_12m", "2024-03-31", "2024-02-29"),
        ("moves_3plus", "2024-03-31", "2024-02-29"),
        ("long_term_stability", "2025-09-30", "2025-08-31"),
        ("carer_approvals", "2023-04-30", "2023-03-31"),
    ],
)
def test_a_figure_just_inside_its_look_back_counts_and_just_outside_does_not(
    indicator: str, inside: str, outside: str
) -> None:
    look_back = BY_KEY[indicator].look_back_months
    assert coverage.has_enough_history(dt.date.fromisoformat(inside), look_back, APRIL_2023)
    assert not coverage.has_enough_history(dt.date.fromisoformat(outside), look_back, APRIL_2023)
    assert coverage.first_month_end(APRIL_2023, look_back) == dt.date.fromisoformat(inside)


def test_a_full_history_starting_mid_month_covers_that_month_end_for_stocks_only() -> None:
    # The earliest DECOM is 15 April 2023: the stock at 30 April is complete, but the month's
    # starters could have missed 1 to 14 April.
    first = dt.date(2023, 4, 15)
    assert coverage.has_enough_history(dt.date(2023, 4, 30), 0, first)
    assert not coverage.has_enough_history(dt.date(2023, 4, 30), 1, first)
    assert coverage.first_month_end(first, 1) == dt.date(2023, 5, 31)


def test_the_stored_flags_agree_with_the_rule_for_every_indicator_and_month() -> None:
    ends = pd.date_range("2022-01-31", "2026-06-30", freq="ME")
    values = pd.DataFrame(
        [(i.key, end, 50.0, 5, 10) for i in INDICATORS for end in ends],
        columns=["indicator", "period_end", "value", "numerator", "denominator"],
    )
    marked = with_coverage(values, APRIL_2023)
    for row in marked.itertuples():
        expected = coverage.has_enough_history(
            row.period_end.date(), BY_KEY[row.indicator].look_back_months, APRIL_2023
        )
        assert row.enough_history == expected, (row.indicator, row.period_end)
        if not expected:
            assert pd.isna(row.value) and row.numerator == 0 and row.denominator == 0


def test_nothing_loaded_means_no_figure_has_enough_history() -> None:
    assert not coverage.has_enough_history(dt.date(2024, 3, 31), 0, None)
    assert coverage.explanation(12, None) == "No 903 history has been loaded yet."


# --- An authority whose first upload is one year's extract ------------------------------------


@pytest.fixture
def one_year(db: None, tmp_path, django_capture_on_commit_callbacks) -> LocalAuthority:
    """A council whose first upload is the 2023-24 extract (window 1 April 2023)."""
    la = LocalAuthority.objects.create(code="995", name="Newshire", districts=["E09000028"])
    Population.objects.create(la=la, year=2023, count=50_000)
    files = extract_files(
        [child("A1"), child("B2", SEX="2")],
        [
            episode("A1", "10/05/2023", DEC="01/09/2023", REC="X1"),
            episode("A1", "01/09/2023", RNE="P", PLACE="U5", REASON_PLACE_CHANGE="CARPL"),
            episode("B2", "15/06/2023", PLACE="K2", PLACE_PROVIDER="PR4", URN="SC123456"),
        ],
    )
    with django_capture_on_commit_callbacks(execute=True):
        run_import_903(tmp_path, la, files, "--as-at", "2024-03-31")
    return la


def _stored(la: LocalAuthority, indicator: str, day: str) -> tuple[bool, float | None, int]:
    value = IndicatorValue.objects.get(la=la, indicator=indicator, period_end=day)
    return value.enough_history, value.value, value.numerator


def test_a_windowed_upload_onto_nothing_is_complete_from_its_window_start(one_year) -> None:
    upload = Upload.objects.get(la=one_year)
    assert upload.complete_from == APRIL_2023
    assert one_year.history_from() == APRIL_2023
    # Month ends before the window are not computed at all; the first is 30 April 2023.
    first = IndicatorValue.objects.filter(la=one_year).order_by("period_end").first()
    assert first is not None and first.period_end == dt.date(2023, 4, 30)
    assert _stored(one_year, "cla_count", "2023-04-30") == (True, 0.0, 0)
    assert _stored(one_year, "cla_count", "2024-03-31") == (True, 2.0, 2)
    # 12 months back from 29 February 2024 reach March 2023: not held.
    assert _stored(one_year, "moves_3plus", "2024-02-29") == (False, None, 0)
    enough, value, numerator = _stored(one_year, "moves_3plus", "2024-03-31")
    assert enough and value == 0.0 and numerator == 0
    assert _stored(one_year, "long_term_stability", "2024-03-31") == (False, None, 0)


def test_the_export_leaves_value_and_counts_blank_without_enough_history(one_year) -> None:
    out = io.StringIO()
    call_command("export_indicators", "--la", one_year.code, stdout=out)
    lines = out.getvalue().splitlines()
    assert "moves_3plus,2024-02-29,,," in lines
    assert "moves_3plus,2024-03-31,0.0,0,2" in lines
    assert "cla_count,2024-03-31,2,2,2" in lines
    assert not any(line.startswith("cla_count,2023-03-31") for line in lines)


def test_a_later_date_given_by_data_staff_holds_back_more_months(one_year) -> None:
    out = io.StringIO()
    call_command(
        "add_la", one_year.code, one_year.name, "--districts", "E09000028",
        "--history-from", "2023-07-01", stdout=out,
    )  # fmt: skip
    assert "compute_indicators" in out.getvalue()
    one_year.refresh_from_db()
    assert one_year.history_from() == dt.date(2023, 7, 1)
    recompute_indicators(la_id=one_year.pk, trigger="command")
    first = IndicatorValue.objects.filter(la=one_year).order_by("period_end").first()
    assert first is not None and first.period_end == dt.date(2023, 7, 31)
    assert _stored(one_year, "moves_3plus", "2024-03-31") == (False, None, 0)


def test_pages_say_not_enough_history_and_explain_it(one_year, make_user) -> None:
    for role in ("officers", "committee"):
        client: Client = client_for(make_user(role, one_year))
        page = client.get("/", {"la": one_year.pk, "period": "2024-02-29"}).content.decode()
        assert "Not enough history" in page
        detail = client.get(
            "/indicators/moves_3plus/", {"la": one_year.pk, "period": "2024-02-29"}
        ).content.decode()
        assert "Not enough history" in detail
        assert "looks back over the 12 months before each month end" in detail
        assert "complete only from 1 April 2023" in detail
        assert "The first month end with a figure is 31 March 2024." in detail
        report = client.get(
            "/committee/", {"la": one_year.pk, "period": "2024-02-29"}
        ).content.decode()
        assert "Not enough history" in report
    # The month picker starts where the history does.
    officer = client_for(make_user("officers", one_year))
    page = officer.get("/", {"la": one_year.pk}).content.decode()
    assert "30 April 2023" in page and "31 March 2023" not in page


def test_no_list_of_children_behind_a_month_without_enough_history(one_year, make_user) -> None:
    officer = client_for(make_user("officers", one_year))
    short = officer.get(
        "/children/", {"la": one_year.pk, "indicator": "moves_3plus", "period": "2024-02-29"}
    )
    assert short.status_code == 404
    full = officer.get(
        "/children/", {"la": one_year.pk, "indicator": "moves_3plus", "period": "2024-03-31"}
    )
    assert full.status_code == 200


def test_no_link_to_the_children_of_a_month_without_enough_history(one_year, make_user) -> None:
    officer = client_for(make_user("officers", one_year))
    link = "See the children counted in this number"
    short = officer.get("/indicators/moves_3plus/", {"la": one_year.pk, "period": "2024-02-29"})
    assert link not in short.content.decode()
    full = officer.get("/indicators/moves_3plus/", {"la": one_year.pk, "period": "2024-03-31"})
    assert link in full.content.decode()


def test_a_year_before_the_history_begins_is_not_enough_history_not_missing(one_year) -> None:
    """31 March 2024's "a year before" is 31 March 2023, before the first upload's window."""
    summary = overview(la=one_year, period_end=dt.date(2024, 3, 31)).summaries["cla_count"]
    assert summary.current is not None and summary.current.value == 2.0
    assert summary.previous is not None and summary.previous.enough_history
    assert summary.year_ago is not None and not summary.year_ago.enough_history
    detail = indicator_detail(la=one_year, indicator="cla_count", period_end=dt.date(2024, 3, 31))
    assert detail.summary is not None and not detail.summary.year_ago.enough_history
