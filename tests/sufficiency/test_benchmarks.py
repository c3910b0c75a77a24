"""Parsing and importing published DfE benchmark files, on our own synthetic fixtures."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from placements.models import ImportLog
from sufficiency.benchmark_import import import_benchmark_file
from sufficiency.benchmarks import (
    PUBLISHED_INDICATORS,
    REFUSED_LAYOUT,
    RefusedLayout,
    parse_ees_cla_numbers,
    parse_ees_placement_stability,
    parse_lait_cla,
    parse_published,
    parse_sn_2021,
    parse_sn_2025,
)
from sufficiency.models import PublishedValue, StatisticalNeighbour
from sufficiency.registry import BY_KEY

FIXTURES = Path(__file__).parents[2] / "fixtures" / "dfe"
PUBLISHED = Path(__file__).parents[2].parent / "shared" / "data" / "dfe"

EES_NUMBERS = FIXTURES / "cla_number_and_rate_per_10k_children.csv"
EES_STABILITY = FIXTURES / "la_cla_placement_stability.csv"
LAIT = FIXTURES / "lait_cla_measures.csv"
SN_2021 = FIXTURES / "New_Statistical_Neighbour_Groupings_April_2021.csv"
SN_2025 = FIXTURES / "sn_model_2025_wide.csv"


def _text(path: Path) -> str:
    return path.read_text(encoding="utf-8-sig")


def _one(
    frame: pd.DataFrame, indicator: str, year: int, *, la_code: str = "", region: str = ""
) -> pd.Series:
    rows = frame[
        (frame["indicator"] == indicator)
        & (frame["year"] == year)
        & (frame["la_code"] == la_code)
        & (frame["region"] == region)
    ]
    assert len(rows) == 1, rows
    return rows.iloc[0]


def _is_missing(row: pd.Series, marker: str) -> bool:
    return math.isnan(row["value"]) and row["marker"] == marker


def test_parse_ees_cla_numbers_reads_counts_rates_and_flows_at_each_level() -> None:
    frame = parse_ees_cla_numbers(_text(EES_NUMBERS))

    england = _one(frame, "cla_count", 2025)
    assert (england["level"], england["value"], england["marker"]) == ("national", 70000, "")
    assert _one(frame, "cla_rate", 2025)["value"] == 70
    # The annual flows count children once in the year: stored as starters_12m and ceased_12m,
    # never as the monthly counts of periods of care.
    assert _one(frame, "starters_12m", 2025)["value"] == 31000
    assert _one(frame, "ceased_12m", 2025)["value"] == 30000
    assert not frame["indicator"].isin(["starters", "ceased"]).any()
    north_east = _one(frame, "cla_count", 2025, region="North East")
    assert (north_east["level"], north_east["value"]) == ("regional", 5500)
    assert _one(frame, "cla_count", 2025, la_code="801")["value"] == 321
    assert _one(frame, "cla_count", 2024, la_code="801")["value"] == 300
    assert _one(frame, "cla_rate", 2025, la_code="801")["level"] == "la"


def test_parse_ees_cla_numbers_keeps_published_markers() -> None:
    frame = parse_ees_cla_numbers(_text(EES_NUMBERS))

    assert _is_missing(_one(frame, "starters_12m", 2025, la_code="801"), "c")
    assert _is_missing(_one(frame, "cla_count", 2025, la_code="802"), "z")
    assert _is_missing(_one(frame, "cla_count", 2025, la_code="803"), "x")
    assert _is_missing(_one(frame, "cla_rate", 2025, la_code="803"), "k")
    assert _is_missing(_one(frame, "cla_count", 2024, la_code="803"), "-")
    assert _is_missing(_one(frame, "cla_rate", 2024, la_code="803"), "")


def test_parse_ees_placement_stability_reads_only_our_two_measures() -> None:
    frame = parse_ees_placement_stability(_text(EES_STABILITY))

    assert set(frame["indicator"]) == {"moves_3plus", "long_term_stability"}
    assert _one(frame, "moves_3plus", 2025)["value"] == 11
    assert _one(frame, "long_term_stability", 2025)["value"] == 70
    assert _one(frame, "moves_3plus", 2025, region="North East")["value"] == 9
    assert _one(frame, "moves_3plus", 2025, la_code="801")["value"] == 8
    assert _one(frame, "moves_3plus", 2024, la_code="801")["value"] == 10
    assert _one(frame, "long_term_stability", 2025, la_code="801")["value"] == 75
    assert _is_missing(_one(frame, "moves_3plus", 2025, la_code="802"), "z")
    assert _is_missing(_one(frame, "moves_3plus", 2025, la_code="803"), "c")


def test_parse_lait_cla_maps_measures_codes_levels_and_years() -> None:
    frame = parse_lait_cla(_text(LAIT))

    # Finance and SGO cessations are not our indicators.
    assert set(frame["indicator"]) == {
        "distance_20_miles",
        "cla_rate",
        "cla_count",
        "starters_12m",
        "ceased_12m",
        "moves_3plus",
    }
    assert _one(frame, "distance_20_miles", 2025, la_code="801")["value"] == 14
    assert _one(frame, "distance_20_miles", 2024, la_code="801")["value"] == 15
    england = _one(frame, "distance_20_miles", 2025)
    assert (england["level"], england["value"]) == ("national", 17)
    region = _one(frame, "distance_20_miles", 2025, region="North East")
    assert (region["level"], region["value"]) == ("regional", 13)
    assert _one(frame, "cla_count", 2025)["value"] == 70000
    assert _one(frame, "cla_rate", 2025, la_code="801")["value"] == 80
    assert _one(frame, "ceased_12m", 2025, la_code="801")["value"] == 120
    assert _one(frame, "moves_3plus", 2025, la_code="801")["value"] == 8
    assert _is_missing(_one(frame, "starters_12m", 2025, la_code="801"), "-")
    # "2024-25" is the year to 31 March 2025.
    assert _one(frame, "cla_count", 2025, la_code="802")["value"] == 410


def test_published_indicators_are_those_the_catalogue_marks_published() -> None:
    fixtures = pd.concat(
        [
            parse_ees_cla_numbers(_text(EES_NUMBERS)),
            parse_ees_placement_stability(_text(EES_STABILITY)),
            parse_lait_cla(_text(LAIT)),
        ]
    )
    assert PUBLISHED_INDICATORS == set(fixtures["indicator"])
    assert PUBLISHED_INDICATORS == {
        "cla_count",
        "cla_rate",
        "starters_12m",
        "ceased_12m",
        "moves_3plus",
        "long_term_stability",
        "distance_20_miles",
    }
    # Every published figure has an indicator of the same key to be compared with.
    assert PUBLISHED_INDICATORS <= set(BY_KEY)


def test_parse_sn_2021_gives_ten_ranked_neighbours() -> None:
    frame = parse_sn_2021(_text(SN_2021))

    northtown = frame[frame["la_code"] == "801"]
    assert list(northtown["rank"]) == list(range(1, 11))
    assert list(northtown["neighbour_code"][:3]) == ["802", "803", "804"]
    assert set(frame["model"]) == {"2021"}
    assert len(frame) == 20


def test_parse_sn_2025_gives_ten_ranked_neighbours() -> None:
    frame = parse_sn_2025(_text(SN_2025))

    northtown = frame[frame["la_code"] == "801"]
    assert list(northtown["neighbour_code"]) == [
        "803", "802", "810", "809", "808", "807", "806", "805", "804", "811",
    ]  # fmt: skip
    assert set(frame["model"]) == {"2025"}


def test_parse_published_recognises_each_layout_by_its_columns() -> None:
    kinds = {
        path.name: parse_published(_text(path), name=path.name)[0] for path in FIXTURES.iterdir()
    }

    assert kinds == {
        EES_NUMBERS.name: "ees_cla_numbers",
        EES_STABILITY.name: "ees_placement_stability",
        LAIT.name: "lait_cla",
        SN_2021.name: "sn_2021",
        SN_2025.name: "sn_2025",
    }


def test_parse_published_refuses_another_layout_naming_the_file() -> None:
    text = "time_period,old_la_code,age_group,population_estimate\n2024,801,0-17,40000\n"

    with pytest.raises(RefusedLayout) as refusal:
        parse_published(text, name="population.csv")

    assert str(refusal.value) == REFUSED_LAYOUT.format(name="population.csv")


@pytest.mark.django_db
def test_import_benchmark_file_stores_values_with_markers() -> None:
    record = import_benchmark_file(
        name=EES_NUMBERS.name, content=EES_NUMBERS.read_bytes(), who="analyst"
    )

    assert (record.status, record.kind, record.who) == ("done", "ees_cla_numbers", "analyst")
    assert record.rows == PublishedValue.objects.count() == 20
    assert len(record.sha256) == 64
    confidential = PublishedValue.objects.get(indicator="starters_12m", la_code="801", year=2025)
    assert (confidential.value, confidential.marker) == (None, "c")
    assert PublishedValue.objects.get(indicator="cla_count", level="national").value == 70000


@pytest.mark.django_db
def test_import_benchmark_file_again_replaces_rather_than_adds() -> None:
    for _ in range(2):
        import_benchmark_file(name=EES_STABILITY.name, content=EES_STABILITY.read_bytes())
        import_benchmark_file(name=SN_2025.name, content=SN_2025.read_bytes())
    first = list(PublishedValue.objects.values_list("indicator", "la_code", "year", "value"))

    import_benchmark_file(name=EES_STABILITY.name, content=EES_STABILITY.read_bytes())

    assert PublishedValue.objects.count() == 8
    assert list(PublishedValue.objects.values_list("indicator", "la_code", "year", "value")) == (
        first
    )
    assert StatisticalNeighbour.objects.filter(model="2025").count() == 20


@pytest.mark.django_db
def test_import_benchmark_file_refused_changes_nothing() -> None:
    import_benchmark_file(name=SN_2021.name, content=SN_2021.read_bytes())

    record = import_benchmark_file(name="notes.csv", content=b"a,b\n1,2\n")

    assert record.status == ImportLog.Status.REFUSED
    assert record.message == REFUSED_LAYOUT.format(name="notes.csv")
    assert StatisticalNeighbour.objects.filter(model="2021").count() == 20


@pytest.mark.django_db
def test_import_benchmarks_command_summarises_each_file(
    capsys: pytest.CaptureFixture[str],
) -> None:
    call_command("import_benchmarks", str(LAIT), str(SN_2021))

    lines = capsys.readouterr().out.strip().splitlines()
    assert lines == [
        f"{LAIT.name}: 11 rows imported as lait_cla.",
        f"{SN_2021.name}: 20 rows imported as sn_2021.",
    ]
    neighbour = StatisticalNeighbour.objects.get(model="2021", la_code="801", rank=1)
    assert neighbour.neighbour_code == "802"


@pytest.mark.django_db
def test_import_benchmarks_command_fails_for_a_refused_file(tmp_path: Path) -> None:
    wrong = tmp_path / "wrong.csv"
    wrong.write_text("x,y\n1,2\n")

    with pytest.raises(CommandError) as failure:
        call_command("import_benchmarks", str(wrong))

    assert failure.value.returncode == 1
    assert str(failure.value) == REFUSED_LAYOUT.format(name="wrong.csv")


@pytest.mark.skipif(not PUBLISHED.is_dir(), reason="the published DfE files are not present")
def test_parsers_read_published_files_at_run_time() -> None:
    """Checks against figures the DfE published for 31 March 2025 (read at run time only)."""
    numbers = parse_ees_cla_numbers(_text(PUBLISHED / EES_NUMBERS.name))
    stability = parse_ees_placement_stability(_text(PUBLISHED / EES_STABILITY.name))
    lait = parse_lait_cla(_text(PUBLISHED / LAIT.name))
    sn_2025 = parse_sn_2025(_text(PUBLISHED / SN_2025.name))
    sn_2021 = parse_sn_2021(_text(PUBLISHED / SN_2021.name))

    assert _one(numbers, "cla_count", 2025)["value"] == 81770
    assert _one(lait, "cla_count", 2025)["value"] == 81770
    assert _one(numbers, "cla_count", 2025, la_code="330")["value"] == 2317
    assert _one(stability, "moves_3plus", 2025, la_code="330")["value"] == 9
    assert _one(stability, "long_term_stability", 2025, la_code="330")["value"] == 72
    assert _one(lait, "distance_20_miles", 2025, la_code="330")["value"] == 12
    assert (sn_2025.groupby("la_code").size() == 10).all()
    assert (sn_2021.groupby("la_code").size() == 10).all()
