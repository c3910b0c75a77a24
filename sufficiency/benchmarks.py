"""Parsing the DfE's published benchmark files (EES, LAIT, statistical neighbours).

Pure pandas: text or a DataFrame in, a tidy DataFrame out; no ORM, settings or files. Each
file is recognised by its columns, because councils rename downloads but never their headers.
Values are kept as published: where the DfE printed a marker instead of a number the value is
missing and the marker (c, z, x, k, -, or blank) is kept beside it.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable

import pandas as pd

VALUE_COLUMNS = ["indicator", "level", "la_code", "region", "year", "value", "marker"]
NEIGHBOUR_COLUMNS = ["model", "la_code", "neighbour_code", "rank"]

REFUSED_LAYOUT = (
    "{name} is not in a published DfE layout this importer knows "
    "(EES CLA numbers, EES placement stability, LAIT CLA measures, statistical neighbours)."
)

EES_CLA_NUMBERS = "ees_cla_numbers"
EES_PLACEMENT_STABILITY = "ees_placement_stability"
LAIT_CLA = "lait_cla"
SN_2021 = "sn_2021"
SN_2025 = "sn_2025"
NEIGHBOUR_KINDS = {SN_2021: "2021", SN_2025: "2025"}
# What each kind of file is called on the pages and in what an import says.
KIND_NAMES = {
    EES_CLA_NUMBERS: "EES CLA numbers",
    EES_PLACEMENT_STABILITY: "EES placement stability",
    LAIT_CLA: "LAIT CLA measures",
    SN_2021: "statistical neighbours, April 2021 model",
    SN_2025: "statistical neighbours, 2025 model",
}

# The columns that identify each layout; a file must have all of them (extra ones are fine,
# as EES adds columns between releases).
_SIGNATURES: dict[str, set[str]] = {
    EES_CLA_NUMBERS: {
        "time_period",
        "geographic_level",
        "old_la_code",
        "region_name",
        "population_type",
        "children_count",
        "rate_per_10000",
    },
    EES_PLACEMENT_STABILITY: {
        "time_period",
        "geographic_level",
        "old_la_code",
        "region_name",
        "cla_group",
        "placement_stability",
        "children_percent",
    },
    LAIT_CLA: {"Short Desc", "Years", "LA and Regions", "Values", "LA Number"},
    SN_2021: {"LA num", *(f"SN{rank}" for rank in range(1, 11))},
    SN_2025: {"old_la_code", *(f"SN_{rank}" for rank in range(1, 11))},
}

_EES_LEVELS = {"National": "national", "Regional": "regional", "Local authority": "la"}

# A published figure is stored under the key of the computed indicator with the same
# definition, so that the two can be set side by side. The DfE's annual starters and ceased
# count children once in the year: our starters_12m and ceased_12m at 31 March, not the
# monthly counts of periods of care (`starters`, `ceased`).

# population_type -> [(indicator, value column)]
_EES_CLA_NUMBERS = {
    "Children looked after on 31 March each year": [
        ("cla_count", "children_count"),
        ("cla_rate", "rate_per_10000"),
    ],
    "Children starting to be looked after each year": [("starters_12m", "children_count")],
    "Children ceasing to be looked after each year": [("ceased_12m", "children_count")],
}

# (cla_group, placement_stability) -> indicator; the value is children_percent.
_EES_STABILITY = {
    ("CLA on 31 March", "With 3 or more placements during the year"): "moves_3plus",
    (
        "Children looked after continuously for at least 2.5 years on 31 March aged under 16 years",
        "Living with the same carer for at least 2 years",
    ): "long_term_stability",
}

# LAIT "Short Desc" -> indicator. LACStable_2016on is the same published percentage as EES's
# "3 or more placements during the year", so it fills moves_3plus for years EES lacks.
_LAIT_MEASURES = {
    "LACDistance": "distance_20_miles",
    "LAC": "cla_rate",
    "LACnum": "cla_count",
    "LACnum_Start": "starters_12m",
    "LACceased": "ceased_12m",
    "LACStable_2016on": "moves_3plus",
}

# Every indicator the importers can store a published figure for (`published` in the
# catalogue says the same; a test keeps the two in step).
PUBLISHED_INDICATORS = frozenset(
    {indicator for measures in _EES_CLA_NUMBERS.values() for indicator, _ in measures}
    | set(_EES_STABILITY.values())
    | set(_LAIT_MEASURES.values())
)

# LAIT codes England 970 and its regions 980-990 in the LA Number column.
_LAIT_ENGLAND = "970"
_LAIT_REGIONS = {str(code) for code in range(980, 991)}


def read_published(text_or_frame: str | pd.DataFrame) -> pd.DataFrame:
    """The file as strings, exactly as published: no NA guessing, so "" and "-" survive."""
    if isinstance(text_or_frame, pd.DataFrame):
        return text_or_frame.astype(str)
    # Excel-saved and EES downloads start with a byte-order mark that would rename column 1.
    text = text_or_frame.lstrip("\ufeff")
    frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    frame.columns = [str(column).strip() for column in frame.columns]
    return frame


def detect_kind(frame: pd.DataFrame) -> str | None:
    """Which published layout the frame is in, judged by its column names, or None."""
    columns = {str(column).strip() for column in frame.columns}
    for kind, signature in _SIGNATURES.items():
        if signature <= columns:
            return kind
    return None


def _la_code(raw: pd.Series) -> pd.Series:
    """DfE 3-digit codes as text: "330.0" (LAIT, stored as float) and " 330" both become "330"."""
    return raw.astype(str).str.strip().str.replace(r"\.0+$", "", regex=True)


def _value_and_marker(raw: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Numbers where published; otherwise a missing value and the marker as printed."""
    text = raw.astype(str).str.strip()
    value = pd.to_numeric(text.str.replace(",", "", regex=False), errors="coerce")
    marker = text.where(value.isna(), "")
    return value, marker


def _year(raw: pd.Series) -> pd.Series:
    """The 31 March year: "2025" is itself; "2024-25" (a financial year) ends in March 2025."""

    def one(text: str) -> int | None:
        match = re.match(r"\s*(\d{4})(?:\s*[-/]\s*(\d{2}))?", text)
        if match is None:
            return None
        return int(match.group(1)) + (1 if match.group(2) else 0)

    return raw.astype(str).map(one).astype("Int64")


def _tidy(frame: pd.DataFrame) -> pd.DataFrame:
    value, marker = _value_and_marker(frame["raw"])
    frame = frame.assign(value=value, marker=marker)
    frame["la_code"] = frame["la_code"].where(frame["level"] == "la", "")
    frame["region"] = frame["region"].where(frame["level"] == "regional", "")
    frame = frame.dropna(subset=["year"])
    frame["year"] = frame["year"].astype(int)
    return frame[VALUE_COLUMNS].reset_index(drop=True)


def _ees_geography(frame: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "level": frame["geographic_level"].str.strip().map(_EES_LEVELS),
            "la_code": _la_code(frame["old_la_code"]),
            "region": frame["region_name"].str.strip(),
            "year": _year(frame["time_period"]),
        },
        index=frame.index,
    )


def parse_ees_cla_numbers(text_or_frame: str | pd.DataFrame) -> pd.DataFrame:
    """EES cla_number_and_rate_per_10k_children.csv: cla_count, cla_rate, starters_12m, ceased_12m.

    Rows at other geographic levels (e.g. local authority district) are not ours and are dropped.
    """
    frame = read_published(text_or_frame)
    geography = _ees_geography(frame)
    parts = []
    population_type = frame["population_type"].str.strip()
    for population, measures in _EES_CLA_NUMBERS.items():
        rows = population_type == population
        for indicator, column in measures:
            parts.append(geography[rows].assign(indicator=indicator, raw=frame.loc[rows, column]))
    result = pd.concat(parts) if parts else geography.assign(indicator="", raw="")
    return _tidy(result.dropna(subset=["level"]))


def parse_ees_placement_stability(text_or_frame: str | pd.DataFrame) -> pd.DataFrame:
    """EES la_cla_placement_stability.csv: moves_3plus and long_term_stability (percentages)."""
    frame = read_published(text_or_frame)
    geography = _ees_geography(frame)
    pair = list(
        zip(frame["cla_group"].str.strip(), frame["placement_stability"].str.strip(), strict=True)
    )
    indicator = pd.Series([_EES_STABILITY.get(key) for key in pair], index=frame.index)
    result = geography.assign(indicator=indicator, raw=frame["children_percent"])
    return _tidy(result.dropna(subset=["level", "indicator"]))


def parse_lait_cla(text_or_frame: str | pd.DataFrame) -> pd.DataFrame:
    """LAIT lait_cla_measures.csv (long format): one row per measure, area and year.

    England and the regions sit in the same columns as authorities, told apart by LA Number
    (970 England, 980-990 regions), so the region is the published area name.
    """
    frame = read_published(text_or_frame)
    code = _la_code(frame["LA Number"])
    level = pd.Series("la", index=frame.index)
    level[code == _LAIT_ENGLAND] = "national"
    level[code.isin(_LAIT_REGIONS)] = "regional"
    result = pd.DataFrame(
        {
            "indicator": frame["Short Desc"].str.strip().map(_LAIT_MEASURES),
            "level": level,
            "la_code": code,
            "region": frame["LA and Regions"].str.strip(),
            "year": _year(frame["Years"]),
            "raw": frame["Values"],
        }
    )
    return _tidy(result.dropna(subset=["indicator"]))


def _parse_neighbours(
    frame: pd.DataFrame, *, model: str, la_column: str, neighbour_column: Callable[[int], str]
) -> pd.DataFrame:
    parts = []
    for rank in range(1, 11):
        parts.append(
            pd.DataFrame(
                {
                    "model": model,
                    "la_code": _la_code(frame[la_column]),
                    "neighbour_code": _la_code(frame[neighbour_column(rank)]),
                    "rank": rank,
                }
            )
        )
    result = pd.concat(parts)
    # Trailing blank lines and authorities with fewer than ten neighbours leave empty cells.
    result = result[(result["la_code"] != "") & (result["neighbour_code"] != "")]
    return result.sort_values(["la_code", "rank"])[NEIGHBOUR_COLUMNS].reset_index(drop=True)


def parse_sn_2021(text_or_frame: str | pd.DataFrame) -> pd.DataFrame:
    """New_Statistical_Neighbour_Groupings_April_2021.csv: LA num, SN1..SN10."""
    return _parse_neighbours(
        read_published(text_or_frame),
        model="2021",
        la_column="LA num",
        neighbour_column=lambda rank: f"SN{rank}",
    )


def parse_sn_2025(text_or_frame: str | pd.DataFrame) -> pd.DataFrame:
    """sn_model_2025_wide.csv: old_la_code, SN_1..SN_10."""
    return _parse_neighbours(
        read_published(text_or_frame),
        model="2025",
        la_column="old_la_code",
        neighbour_column=lambda rank: f"SN_{rank}",
    )


PARSERS: dict[str, Callable[[str | pd.DataFrame], pd.DataFrame]] = {
    EES_CLA_NUMBERS: parse_ees_cla_numbers,
    EES_PLACEMENT_STABILITY: parse_ees_placement_stability,
    LAIT_CLA: parse_lait_cla,
    SN_2021: parse_sn_2021,
    SN_2025: parse_sn_2025,
}


class RefusedLayout(ValueError):
    """The file is in none of the published layouts; the message names the file."""


def parse_published(text: str, *, name: str) -> tuple[str, pd.DataFrame]:
    """Recognise a published file by its columns and parse it: (kind, tidy frame)."""
    try:
        frame = read_published(text)
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as error:
        raise RefusedLayout(REFUSED_LAYOUT.format(name=name)) from error
    kind = detect_kind(frame)
    if kind is None:
        raise RefusedLayout(REFUSED_LAYOUT.format(name=name))
    return kind, PARSERS[kind](frame)
