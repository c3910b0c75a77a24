"""compute_forecast, export_forecast and backtest_forecast: the operator's interface to the
forecast, on an authority loaded through import_903 as a council would load it."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from placements.models import LocalAuthority
from sufficiency.forecast.measures import MEASURES, MSG_TOO_LITTLE_HISTORY
from sufficiency.models import ForecastRun
from tests.extracts import child, episode, extract_files
from tests.helpers import run_import_903

pytestmark = pytest.mark.django_db

FORECAST_HEADER = "scenario,period_end,measure,mean,lower_80,upper_80,lower_95,upper_95"
BACKTEST_HEADER = (
    "measure,horizon_months,origins,mae,mape,bias,skill_vs_no_change,coverage_80,coverage_95"
)


def _authority(code: str) -> LocalAuthority:
    return LocalAuthority.objects.create(code=code, name=f"Shire {code}", districts=["E09000028"])


def _two_years(tmp_path, la, django_capture_on_commit_callbacks) -> None:
    """A full history from April 2022: twelve children, some leaving, one in a children's home,
    as at 31 March 2024 (24 month ends of complete history)."""
    children = [child(f"C{n}", DOB="01/06/2010") for n in range(12)]
    episodes = [
        episode(
            f"C{n}", f"{1 + n:02d}/04/2022", **({"DEC": "15/09/2023", "REC": "E8"} if n < 4 else {})
        )
        for n in range(11)
    ]
    episodes.append(episode("C11", "01/05/2022", PLACE="K2", PLACE_PROVIDER="PR4", URN="SC123456"))
    with django_capture_on_commit_callbacks(execute=True):
        run_import_903(
            tmp_path, la, extract_files(children, episodes), "--as-at", "2024-03-31",
            "--full-history",
        )  # fmt: skip


def _csv(command: str, *options: str) -> list[list[str]]:
    out = io.StringIO()
    call_command(command, *options, stdout=out)
    return list(csv.reader(io.StringIO(out.getvalue())))


def test_export_forecast_writes_every_measure_from_the_start_to_36_months(
    tmp_path, django_capture_on_commit_callbacks
) -> None:
    la = _authority("981")
    _two_years(tmp_path, la, django_capture_on_commit_callbacks)
    out = io.StringIO()
    call_command("compute_forecast", "--la", "981", stdout=out)
    assert "Forecast for Shire 981 from 31 March 2024" in out.getvalue()

    rows = _csv("export_forecast", "--la", "981")
    assert ",".join(rows[0]) == FORECAST_HEADER
    body = rows[1:]
    assert len(body) == len(MEASURES) * 37
    assert {row[0] for row in body} == {"base"}
    assert body[0][1] == "2024-03-31" and body[-1][1] == "2027-03-31"
    start = {row[2]: row[3:] for row in body if row[1] == "2024-03-31"}
    # The start is the stored month end: eight in care (four left), one in a children's home,
    # its intervals equal to it; counts to one decimal.
    assert start["cla_count"] == ["8.0"] * 5
    assert start["residential_count"] == ["1.0"] * 5
    later = {row[2]: row[3:] for row in body if row[1] == "2026-03-31"}
    mean, low80, high80, low95, high95 = map(float, later["cla_count"])
    assert low95 <= low80 <= mean <= high80 <= high95

    record = _csv("backtest_forecast", "--la", "981")
    assert ",".join(record[0]) == BACKTEST_HEADER
    assert {(row[0], row[1]) for row in record[1:]} >= {("cla_count", "3"), ("cla_count", "6")}
    assert ForecastRun.objects.filter(la=la).count() == 1


def test_a_short_history_is_refused_with_one_sentence(
    tmp_path, django_capture_on_commit_callbacks
) -> None:
    la = _authority("982")
    with django_capture_on_commit_callbacks(execute=True):
        run_import_903(
            tmp_path, la, extract_files([child("A1")], [episode("A1", "10/05/2023")]),
            "--as-at", "2024-03-31",
        )  # fmt: skip
    for command in ("compute_forecast", "export_forecast", "backtest_forecast"):
        with pytest.raises(CommandError) as refused:
            call_command(command, "--la", "982", stdout=io.StringIO())
        assert str(refused.value) == MSG_TOO_LITTLE_HISTORY.format(needed=12, have=11)
    assert not ForecastRun.objects.filter(la=la).exists()
