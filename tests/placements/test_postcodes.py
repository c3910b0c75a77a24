import math

import numpy as np
import pandas as pd
import pytest

from placements import postcodes

# Real postcodes from the installed ONS Postcode Directory release.
SOUTHWARK = "E09000028"
LAMBETH = "E09000022"
HOME = "SE15 5AB"  # 534080, 176520, Southwark
NEAR = "SE1 7PB"  # 530625, 179850, Lambeth
TERMINATED = "S12 9AJ"  # in the directory without a grid reference


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (" se155ab ", "SE15 5AB"),
        ("SE15 5AB", "SE15 5AB"),
        ("se15   5ab", "SE15 5AB"),
        ("S1  1AA", "S1 1AA"),
        ("sw1a1aa", "SW1A 1AA"),
        ("SE15 5", "SE15 5"),
        ("se155", "SE15 5"),
        ("", ""),
        ("   ", ""),
        ("not known", "NOT KNOWN"),
    ],
)
def test_normalise_postcode_gives_canonical_form(value: str, expected: str) -> None:
    assert postcodes.normalise_postcode(value) == expected


def test_is_sector_only_for_outward_code_and_inward_digit() -> None:
    assert postcodes.is_sector("SE15 5")
    assert postcodes.is_sector(" se155 ")
    assert not postcodes.is_sector(HOME)
    assert not postcodes.is_sector("")


def test_lookup_finds_full_postcodes_in_any_spacing() -> None:
    result = postcodes.lookup(pd.Series([HOME, "se155ab", NEAR], index=[7, 8, 9]))

    assert list(result.index) == [7, 8, 9]
    assert result["found"].tolist() == [True, True, True]
    assert result.loc[7, ["easting", "northing"]].tolist() == [534080.0, 176520.0]
    assert result.loc[8, "easting"] == 534080.0
    assert result["district"].tolist() == [SOUTHWARK, SOUTHWARK, LAMBETH]


def test_lookup_sector_uses_mean_of_its_unit_postcodes() -> None:
    units = postcodes.postcodes_in_districts([SOUTHWARK], letters="S")
    in_sector = units[units["postcode"].str.startswith("SE15 5")]

    result = postcodes.lookup(pd.Series(["SE15 5", "se155"]))

    assert result["found"].all()
    assert result.loc[0, "easting"] == pytest.approx(in_sector["easting"].mean())
    assert result.loc[0, "northing"] == pytest.approx(in_sector["northing"].mean())
    assert result.loc[0, "district"] == SOUTHWARK
    assert result.loc[1, "easting"] == result.loc[0, "easting"]


def test_lookup_blank_unknown_and_ungridded_are_not_found() -> None:
    result = postcodes.lookup(
        pd.Series(["", None, np.nan, "ZZ99 9ZZ", "QQ1 1AA", "nonsense", TERMINATED])
    )

    assert not result["found"].any()
    assert result["easting"].isna().all()
    assert result["northing"].isna().all()
    assert (result["district"] == "").all()


def test_lookup_of_empty_series_is_empty() -> None:
    result = postcodes.lookup(pd.Series([], dtype=object))

    assert list(result.columns) == ["easting", "northing", "district", "found"]
    assert result.empty


def test_postcodes_in_districts_lists_gridded_postcodes_of_those_districts() -> None:
    result = postcodes.postcodes_in_districts([SOUTHWARK], letters="S")

    assert len(result) > 5000
    assert (result["district"] == SOUTHWARK).all()
    assert result["easting"].notna().all()
    assert HOME in set(result["postcode"])
    assert NEAR not in set(result["postcode"])


def test_postcodes_near_keeps_the_ring_asked_for() -> None:
    result = postcodes.postcodes_near(534080, 176520, min_metres=1000, max_metres=3000, letters="S")
    metres = np.hypot(result["easting"] - 534080, result["northing"] - 176520)

    assert len(result) > 100
    assert metres.between(1000, 3000).all()
    assert result["district"].str.startswith("E").all()


def test_distance_miles_uses_dfe_formula_rounded_to_one_decimal() -> None:
    # 3-4-5 triangle: 5,000 m / 1,609.3 m per mile = 3.1069 miles.
    assert postcodes.distance_miles(0.0, 0.0, 3000.0, 4000.0) == 3.1
    # SE15 5AB to SE1 7PB: dx 3455, dy 3330, 4798.5 m = 2.98 miles.
    assert postcodes.distance_miles(534080.0, 176520.0, 530625.0, 179850.0) == 3.0


def test_distance_miles_is_vectorised_and_nan_when_unknown() -> None:
    result = postcodes.distance_miles(
        pd.Series([0.0, 0.0, np.nan]),
        pd.Series([0.0, 0.0, 0.0]),
        pd.Series([32186.0, 32200.0, 0.0]),
        pd.Series([0.0, 0.0, 0.0]),
    )

    assert result.iloc[0] == 20.0  # 20.0 miles is not "over 20 miles"
    assert result.iloc[1] == 20.0
    assert math.isnan(result.iloc[2])
