"""The quick start's demo: benchmarks, targets and commentary besides the history, and re-runs."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from django.core.management import call_command

from dashboard.management.commands.setup_demo import DEMO_BENCHMARK_FILES, DEMO_DFE
from placements.models import Episode, LocalAuthority, Upload
from sufficiency.models import (
    Commentary,
    IndicatorValue,
    PublishedValue,
    StatisticalNeighbour,
    Target,
)
from sufficiency.reports import PROMISE_INDICATORS
from tests.helpers import benchmark_imports

REAL = Path(__file__).parents[2].parent / "shared" / "data" / "dfe"
INVENTED = {f"{code}" for code in range(701, 712)}


def run_demo(out: Path) -> str:
    stdout = io.StringIO()
    call_command(
        "setup_demo", "--children-in-care", "60", "--years", "3", "--out", str(out), stdout=stdout
    )
    return stdout.getvalue()


def counts() -> dict[str, object]:
    return {
        "authorities": LocalAuthority.objects.count(),
        "uploads": Upload.objects.count(),
        "episodes": Episode.objects.count(),
        "values": IndicatorValue.objects.count(),
        "published": sorted(
            PublishedValue.objects.values_list("indicator", "level", "la_code", "year", "value")
        ),
        "neighbours": sorted(
            StatisticalNeighbour.objects.values_list("model", "la_code", "rank", "neighbour_code")
        ),
        "imports": benchmark_imports().count(),
        "targets": sorted(
            Target.objects.values_list("indicator", "start_date", "value", "amber_margin")
        ),
        "commentary": sorted(Commentary.objects.values_list("indicator", "period_end", "text")),
    }


@pytest.mark.django_db
def test_setup_demo_adds_benchmarks_targets_and_commentary_and_runs_again_unchanged(
    tmp_path: Path,
) -> None:
    output = run_demo(tmp_path)

    la = LocalAuthority.objects.get(code="999")
    assert "Statistical neighbours of Demo Borough: 10 (April 2021 model), 10 (2025 model)." in (
        output
    )
    neighbours = {
        model: list(
            StatisticalNeighbour.objects.filter(la_code="999", model=model)
            .order_by("rank")
            .values_list("neighbour_code", flat=True)
        )
        for model in ("2021", "2025")
    }
    assert neighbours["2021"] == [str(code) for code in range(701, 711)]
    assert set(neighbours["2025"]) == set(neighbours["2021"]) - {"710"} | {"711"}

    # England's real published figures (DfE, 31 March 2025).
    england = {
        row.indicator: row.value
        for row in PublishedValue.objects.filter(level=PublishedValue.Level.NATIONAL, year=2025)
    }
    assert england["cla_count"] == 81770
    assert england["cla_rate"] == 67
    assert england["moves_3plus"] == 10
    assert england["long_term_stability"] == 69
    assert england["distance_20_miles"] == 18
    assert PublishedValue.objects.filter(level=PublishedValue.Level.NATIONAL).count() > 30
    # Only England, the invented neighbours and the demo borough: no real authority's rows.
    la_codes = set(
        PublishedValue.objects.filter(level=PublishedValue.Level.LA).values_list(
            "la_code", flat=True
        )
    )
    assert la_codes <= INVENTED | {"999"}
    assert INVENTED <= la_codes

    targets = Target.objects.filter(la=la)
    assert set(PROMISE_INDICATORS) <= set(targets.values_list("indicator", flat=True))
    assert targets.filter(indicator="cla_rate").count() == 2  # revised a year later
    assert all(target.set_by.username == "demo-officer" for target in targets)
    latest = IndicatorValue.objects.filter(la=la).latest("period_end").period_end
    commentary = Commentary.objects.filter(la=la, period_end=latest)
    assert commentary.count() >= 3
    assert "Commentary for" in output and "Targets for Demo Borough: 8" in output

    before = counts()
    again = run_demo(tmp_path)

    assert counts() == before
    assert "already has its history loaded" in again
    assert "Published figures already imported: sn_model_2025_wide.csv" in again


@pytest.mark.django_db
def test_setup_demo_keeps_a_real_file_imported_since(tmp_path: Path) -> None:
    run_demo(tmp_path)
    benchmark_imports().filter(kind="sn_2025").update(who="demo-data", sha256="0" * 64)
    neighbours = StatisticalNeighbour.objects.filter(model="2025").count()

    output = run_demo(tmp_path)

    assert "Kept the statistical neighbours, 2025 model imported by demo-data" in output
    assert StatisticalNeighbour.objects.filter(model="2025").count() == neighbours
    assert benchmark_imports().filter(kind="sn_2025").count() == 1


def _national_rows(path: Path) -> list[list[str]]:
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
    header, body = rows[0], rows[1:]
    if "geographic_level" in header:
        level = header.index("geographic_level")
        year = header.index("time_period")
        return [row for row in body if row[level] == "National" and 2021 <= int(row[year]) <= 2025]
    code, short, years = (
        header.index("LA Number"),
        header.index("Short Desc"),
        header.index("Years"),
    )
    return [
        row
        for row in body
        if row[code] == "970.0" and row[short] == "LACDistance" and 2021 <= int(row[years]) <= 2025
    ]


@pytest.mark.skipif(not REAL.is_dir(), reason="the real DfE files are not on this machine")
@pytest.mark.parametrize(
    "name",
    [
        "cla_number_and_rate_per_10k_children.csv",
        "la_cla_placement_stability.csv",
        "lait_cla_measures.csv",
    ],
)
def test_demo_england_rows_are_the_published_ones(name: str) -> None:
    assert name in DEMO_BENCHMARK_FILES
    demo = _national_rows(DEMO_DFE / name)
    real = _national_rows(REAL / name)
    assert len(demo) >= 5
    assert sorted(map(tuple, demo)) == sorted(set(map(tuple, real)))
