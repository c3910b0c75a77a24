"""Synthetic SSDA903 extracts for a fictional authority: demos, benchmarks and tests.

Nothing here is a real child's record. Children, dates and codes come from one seeded
`numpy.random.Generator`; only the postcodes are real (ONS Postcode Directory), so that
distances behave as they would for a real authority.

The history imitates the national patterns of docs/README.md#scale: a steady number of children looked
after (starters about equal to ceasers, and children already in care when the history starts),
about two episode rows per child per year, about 10% with three or more placements in a year,
about two thirds of the long-stayers under 16 in the same placement for two years, a fifth
placed over 20 miles from home, two thirds fostered, about 12% in children's homes. The
probabilities below were tuned by measuring those figures on generated histories; they are
not published rates.

Turnover. docs/README.md#scale puts a large authority's 10-year history at about 20,000 children and
70,000 episodes for about 2,300 looked after: about 8 children and 30 episode rows per child
looked after. National starter rates alone (about 0.4 starters a year per child looked after)
give under 5 children and about 21 rows, so three kinds of record that add children and
episodes but hardly any looked-after stock are more common here than those rates imply:

- Short periods of care (`_BRIEF_SHARE`): half of the non-UASC starters are police
  protection, remand or a few days or weeks accommodated under section 20, back home within
  eight weeks (nearly half within a week). They come on top of the route mix, and
  `_care_days` draws them too, so Little's law lowers the mean time in care and raises the
  starters per day just enough to keep `children_in_care` looked after at month ends. The
  price: about 0.65 starters a year per child looked after, and about half of the ceasers
  were in care under eight weeks (nationally far fewer); the children in care at a month end,
  and so every proportion measured on them, hardly change.
- Series of short breaks (`_SHORT_BREAKS_PER_CHILD_IN_CARE`): about one series running per
  ten children looked after, each of 5 to 24 months with a stay every 3 to 11 weeks; each stay
  is an episode and a period of care (LS V3/V4), and none is counted by any indicator. For
  2,300 looked after that is about 420 disabled children a year, 2,100 over ten years and
  18,000 stays.
- Legal-status and same-carer changes for long stayers: more children accommodated under
  section 20 for over a year go on to care proceedings (C1 then C2, RNE L; half of those not
  heading for adoption or special guardianship, from about a third), and foster placements
  become long-term with the same carer more often, on the day of the care order (RNE U) or
  later (RNE T). Placements themselves are untouched.

The large case (2,300 looked after, 10 years) thus has about 18,000 children and 70,000
episodes in `full_history/`, about two rows per child in each year's file.

`generate_history` builds the whole truth; `write_extracts` cuts it into the files a council
would send each collection year, plus `full_history/`.
"""

from __future__ import annotations

import datetime as dt
import math
from bisect import bisect_right
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from placements import postcodes
from placements.ssda903 import codes
from placements.ssda903.readers import TABLE_COLUMNS

HEADER_COLUMNS = list(TABLE_COLUMNS["Header"])
EPISODE_COLUMNS = list(TABLE_COLUMNS["Episodes"])
UASC_COLUMNS = list(TABLE_COLUMNS["UASC"])
FULL_HISTORY_FOLDER = "full_history"
# `SyntheticHistory.providers`: URN (XXXXXXX when not registered), the `_CATEGORIES` key,
# PLACE_PROVIDER, the real postcode with its grid reference, and whether it is far from home.
PROVIDER_COLUMNS = ["URN", "CATEGORY", "PLACE_PROVIDER", "POSTCODE", "EASTING", "NORTHING", "FAR"]

# SEX is 1/2 in returns up to 2023-24 and M/F from 2024-25 (docs/ssda903.md#sex-and-ethnicity).
SEX_AS_LETTERS_FROM = dt.date(2024, 4, 1)

_EPOCH = dt.date(1970, 1, 1)
_YEAR = 365.25
_LATEST_ENTRY_AGE = 17 * 365 + 300

# Routes out of care, which decide how long a period lasts and how it ends.
ADOPTION, SGO, HOME, OTHER, AGE_18, UASC_EARLY = range(6)

# Entry age bands (years) of children starting to be looked after, and per band the chance
# of each route (adoption, SGO, home, other, stays to 18).
_AGE_BANDS = [(0.0, 1.0), (1.0, 5.0), (5.0, 10.0), (10.0, 16.0), (16.0, 17.8)]
_AGE_BAND_SHARE = [0.20, 0.14, 0.15, 0.36, 0.15]
_ROUTE_BY_BAND = np.array(
    [
        [0.28, 0.20, 0.30, 0.07, 0.15],
        [0.14, 0.24, 0.36, 0.08, 0.18],
        [0.02, 0.16, 0.44, 0.08, 0.30],
        [0.00, 0.05, 0.52, 0.11, 0.32],
        [0.00, 0.00, 0.40, 0.10, 0.50],
    ]
)
_UASC_STOCK_SHARE = 0.06
_REENTRY_CHANCE = 0.14

# Short periods of care (module docstring, "Turnover"): police protection, remand, a few days
# or weeks accommodated under section 20 before going home. They are a share of the non-UASC
# starters on top of the route mix above, so they add children and episodes but hardly any
# stock. Teenagers are over-represented; durations are under a week or one to eight weeks.
_BRIEF_SHARE = 0.50
_BRIEF_AGE_BAND_SHARE = [0.14, 0.12, 0.14, 0.42, 0.18]
_BRIEF_UNDER_A_WEEK = 0.45
_BRIEF_LONGEST = 56

# Agreed series of short breaks (LS V3/V4): disabled children living at home. About this
# many series are running per child looked after, each lasting `_SHORT_BREAK_LENGTH` days
# with a stay every 24 to 80 days (`_Builder.short_breaks`).
_SHORT_BREAKS_PER_CHILD_IN_CARE = 0.10
_SHORT_BREAK_LENGTH = (150, 720)


@dataclass(frozen=True)
class CollectionYear:
    start: dt.date  # 1 April
    end: dt.date  # 31 March, or the as-at date for the year to date

    @property
    def label(self) -> str:
        return f"{self.start.year}-{(self.start.year + 1) % 100:02d}"


@dataclass(frozen=True)
class SyntheticHistory:
    """Everything that happened up to `as_at`, as the council's system knows it then.

    `children`: CHILD, SEX (1/2), DOB, ETHNIC, UPN, MOTHER, MC_DOB, UASC (bool), DUC.
    `episodes`: the 903 episode columns, DECOM and DEC as datetime64 (DEC NaT while open).
    `providers`: one row per provider the episodes could use (`PROVIDER_COLUMNS`), with its
    true postcode even where the record lost it (PL_POST blank). `seed` and `districts` are
    the arguments it was made from, so that the supply side (`synthetic_supply`) can be drawn
    from the same seed without touching the history's own random stream.
    """

    as_at: dt.date
    years: tuple[CollectionYear, ...]
    children: pd.DataFrame
    episodes: pd.DataFrame
    seed: int = 0
    districts: tuple[str, ...] = ()
    providers: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=PROVIDER_COLUMNS))


@dataclass(frozen=True)
class WrittenExtract:
    folder: Path
    children: int
    episodes: int


def _day(value: dt.date) -> int:
    return (value - _EPOCH).days


def collection_years(as_at: dt.date, years: int) -> tuple[CollectionYear, ...]:
    """The `years` collection years ending with the one containing `as_at` (to date)."""
    last_start = codes.collection_year_start(as_at)
    result = []
    for back in range(years - 1, -1, -1):
        start = last_start.replace(year=last_start.year - back)
        end = as_at if back == 0 else start.replace(year=start.year + 1) - dt.timedelta(days=1)
        result.append(CollectionYear(start=start, end=end))
    return tuple(result)


def birthdays(dob_days: np.ndarray, years: int) -> np.ndarray:
    """The day of each `years`-th birthday; 29 February birthdays fall on 1 March."""
    dob = pd.DatetimeIndex(np.asarray(dob_days, dtype="datetime64[D]"))
    leap_day = (dob.month == 2) & (dob.day == 29)
    parts = pd.DataFrame(
        {
            "year": dob.year + years,
            "month": np.where(leap_day, 3, dob.month),
            "day": np.where(leap_day, 1, dob.day),
        }
    )
    return pd.to_datetime(parts).to_numpy().astype("datetime64[D]").astype(np.int64)


# --- Period-level sampling (vectorised) -------------------------------------------------


def _entry_ages(
    rng: np.random.Generator, size: int, shares: list[float] = _AGE_BAND_SHARE
) -> np.ndarray:
    band = rng.choice(len(_AGE_BANDS), size=size, p=shares)
    low = np.array([b[0] for b in _AGE_BANDS])[band]
    high = np.array([b[1] for b in _AGE_BANDS])[band]
    ages = (low + rng.random(size) * (high - low)) * _YEAR
    # A third of babies come into care in their first week (often from hospital).
    newborn = (band == 0) & (rng.random(size) < 0.35)
    ages[newborn] = rng.integers(0, 8, size=int(newborn.sum()))
    return np.minimum(ages.astype(np.int64), _LATEST_ENTRY_AGE)


def _uasc_entry_ages(rng: np.random.Generator, size: int) -> np.ndarray:
    years = rng.choice([14, 15, 16, 17], size=size, p=[0.08, 0.22, 0.38, 0.32])
    ages = ((years + rng.random(size)) * _YEAR).astype(np.int64)
    return np.minimum(ages, _LATEST_ENTRY_AGE)


def _routes(rng: np.random.Generator, ages: np.ndarray, uasc: np.ndarray) -> np.ndarray:
    upper = np.array([b[1] for b in _AGE_BANDS]) * _YEAR
    band = np.minimum(np.searchsorted(upper, ages, side="right"), len(_AGE_BANDS) - 1)
    cumulative = _ROUTE_BY_BAND.cumsum(axis=1)[band]
    routes = (rng.random(len(ages))[:, None] > cumulative).sum(axis=1)
    draw = rng.random(len(ages))
    uasc_routes = np.where(draw < 0.12, UASC_EARLY, np.where(draw < 0.17, OTHER, AGE_18))
    return np.where(uasc, uasc_routes, routes)


def _durations(rng: np.random.Generator, routes: np.ndarray) -> np.ndarray:
    """Days in care by route; AGE_18 lasts until the 18th birthday (capped later)."""
    size = len(routes)
    adoption = np.maximum(rng.lognormal(math.log(680), 0.35, size), 240)
    sgo = np.maximum(rng.lognormal(math.log(560), 0.45, size), 120)
    short = rng.random(size) < 0.38
    home = np.where(short, rng.exponential(30, size) + 1, rng.lognormal(math.log(300), 0.9, size))
    other = rng.lognormal(math.log(150), 1.1, size) + 1
    early = rng.exponential(40, size) + 3
    table = np.stack([adoption, sgo, home, other, np.full(size, 1e9), early])
    return np.ceil(table[routes, np.arange(size)]).astype(np.int64)


def _brief_durations(rng: np.random.Generator, size: int) -> np.ndarray:
    """Days in care of a short period: under a week, or one to eight weeks."""
    week = rng.integers(1, 8, size=size)
    weeks = np.minimum(8 + rng.exponential(14, size), _BRIEF_LONGEST).astype(np.int64)
    return np.where(rng.random(size) < _BRIEF_UNDER_A_WEEK, week, weeks)


def _first_periods(
    rng: np.random.Generator, uasc: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Entry age, route, days in care and whether it is a short period, per starter.

    UASC are never short periods; every other starter is one with chance `_BRIEF_SHARE`,
    and then returns home (route HOME) after `_brief_durations` days.
    """
    size = len(uasc)
    brief = ~uasc & (rng.random(size) < _BRIEF_SHARE)
    local = np.where(brief, _entry_ages(rng, size, _BRIEF_AGE_BAND_SHARE), _entry_ages(rng, size))
    ages = np.where(uasc, _uasc_entry_ages(rng, size), local)
    routes = np.where(brief, HOME, _routes(rng, ages, uasc))
    lengths = np.where(brief, _brief_durations(rng, size), _durations(rng, routes))
    return ages, routes, lengths, brief


def _care_days(rng: np.random.Generator, size: int, uasc: bool) -> float:
    """Mean days in care per child starting, re-entries included: W in Little's law N = λW.

    Drawn exactly as `generate_history` draws periods, short periods and re-entries
    included, so that the short periods lower W and raise the starters per day just enough
    to keep the number looked after at `children_in_care`.
    """
    flags = np.full(size, uasc)
    ages, routes, lengths, _ = _first_periods(rng, flags)
    first = np.minimum(lengths, 18 * _YEAR - ages)
    total = first.astype(float)
    if not uasc:
        again = np.isin(routes, [HOME, OTHER]) & (rng.random(size) < _REENTRY_CHANCE)
        age_again = ages + first + 21 + rng.exponential(330, size)
        again &= age_again < _LATEST_ENTRY_AGE
        routes_again = _routes(rng, age_again, flags)
        second = np.minimum(_durations(rng, routes_again), 18 * _YEAR - age_again)
        total += np.where(again, second, 0)
    return float(total.mean())


# --- Providers and postcodes ------------------------------------------------------------


@dataclass(frozen=True)
class _Category:
    per_child: float  # providers per child looked after
    minimum: int
    far_share: float  # chance a placement with this kind of provider is far from home
    providers: tuple[tuple[str, float], ...]
    urn: str  # "seven" digits, "sc" children's home, "x" not registered, "" none


_CATEGORIES: dict[str, _Category] = {
    "la": _Category(0.12, 4, 0.05, (("PR1", 1.0),), "seven"),
    "kin": _Category(0.30, 4, 0.18, (("PR1", 1.0),), "seven"),
    "ifa": _Category(0.10, 4, 0.40, (("PR4", 0.85), ("PR5", 0.15)), "seven"),
    "home_la": _Category(1 / 300, 1, 0.0, (("PR1", 1.0),), "sc"),
    "home_ind": _Category(1 / 25, 3, 0.58, (("PR4", 0.85), ("PR5", 0.15)), "sc"),
    "unregistered": _Category(1 / 150, 1, 0.4, (("PR4", 1.0),), "x"),
    "secure": _Category(1 / 600, 2, 0.85, (("PR2", 0.8), ("PR1", 0.2)), "sc"),
    "supported": _Category(1 / 25, 3, 0.27, (("PR4", 0.7), ("PR5", 0.1), ("PR1", 0.2)), "seven"),
    "res_other": _Category(1 / 150, 2, 0.6, (("PR4", 0.7), ("PR5", 0.3)), "sc"),
    "health": _Category(1 / 400, 1, 0.3, (("PR3", 1.0),), "x"),
    "yoi": _Category(1 / 800, 1, 0.8, (("PR3", 1.0),), "x"),
    "adopt": _Category(0.20, 4, 0.40, (("PR1", 0.55), ("PR5", 0.3), ("PR4", 0.15)), "seven"),
    "sb_foster": _Category(1 / 100, 2, 0.0, (("PR1", 1.0),), "seven"),
    "sb_home": _Category(1 / 400, 1, 0.0, (("PR1", 0.6), ("PR5", 0.4)), "sc"),
}


# How far from home a "local" placement may be: comfortably under 20 miles (32.2 km).
_LOCAL_METRES = 28_000
_OWN_CATEGORIES = ("la", "kin", "home_la", "sb_foster", "sb_home")


@dataclass(frozen=True)
class Surroundings:
    """Real postcodes in the authority (`home`), around it (`near`, the authority included)
    and in a ring well over 20 miles away (`far`); columns as `postcodes.postcodes_near`."""

    home: pd.DataFrame
    near: pd.DataFrame
    far: pd.DataFrame


def surroundings(districts: list[str]) -> Surroundings:
    home = postcodes.postcodes_in_districts(districts)
    if home.empty:
        raise ValueError("None of the authority's districts has postcodes in the directory.")
    centre_e, centre_n = float(home["easting"].mean()), float(home["northing"].mean())
    spread = np.hypot(home["easting"] - centre_e, home["northing"] - centre_n)
    radius = float(np.quantile(spread, 0.9))
    near = postcodes.postcodes_near(centre_e, centre_n, max_metres=max(12_000, radius + 8_000))
    far_from = max(45_000.0, radius + 35_000)
    far = postcodes.postcodes_near(
        centre_e, centre_n, min_metres=far_from, max_metres=far_from + 110_000
    )
    if far.empty:
        far = near
    return Surroundings(home=home, near=near, far=far)


class _Places:
    """Real postcodes around the authority, and the providers placed at them."""

    def __init__(self, rng: np.random.Generator, districts: list[str], size: int) -> None:
        area = surroundings(districts)
        home, near, far = area.home, area.near, area.far
        self.home = home
        self._postcodes: list[str] = []
        self.easting: list[float] = []
        self.northing: list[float] = []

        # One row per provider: category, PLACE_PROVIDER, URN kind, location, far or not.
        providers: list[tuple[str, str, str, int, bool]] = []
        locations = {"home": home, "near": near, "far": far}
        for name, category in _CATEGORIES.items():
            count = max(category.minimum, round(category.per_child * size))
            far_count = round(count * min(0.9, category.far_share * 1.2))
            if category.far_share > 0:
                far_count = max(1, far_count)
            labels = [label for label, _ in category.providers]
            weights = [weight for _, weight in category.providers]
            chosen = rng.choice(len(labels), size=count, p=weights)
            for index in range(count):
                remote = index < far_count
                if remote:
                    pool = "far"
                elif name in _OWN_CATEGORIES and rng.random() < 0.7:
                    # Councils' own carers and homes are mostly inside the authority.
                    pool = "home"
                else:
                    pool = "near"
                row = int(rng.integers(len(locations[pool])))
                providers.append((name, labels[chosen[index]], category.urn, row, remote))
                self._locate(locations[pool], row)

        total = len(providers)
        seven = rng.choice(9_000_000, size=total, replace=False) + 1_000_000
        sc = rng.choice(900_000, size=total, replace=False) + 100_000
        urn_by_kind = {
            "sc": [f"SC{number:06d}" for number in sc],
            "seven": [f"{number:07d}" for number in seven],
        }
        self.urn = [
            urn_by_kind[kind][i] if kind in urn_by_kind else codes.URN_NOT_REGISTERED
            for i, (_, _, kind, _, _) in enumerate(providers)
        ]
        self.place_provider = [provider for _, provider, _, _, _ in providers]
        self.category = [name for name, _, _, _, _ in providers]
        self.remote = [remote for _, _, _, _, remote in providers]
        # A few providers' addresses are missing from the record, always the same ones.
        unknown = rng.random(total) < 0.02
        self.postcode = ["" if unknown[i] else self._postcodes[i] for i in range(total)]
        self.near_of: dict[str, list[int]] = {name: [] for name in _CATEGORIES}
        self.far_of: dict[str, list[int]] = {name: [] for name in _CATEGORIES}
        for index, (name, _, _, _, remote) in enumerate(providers):
            (self.far_of if remote else self.near_of)[name].append(index)
        for name in _CATEGORIES:
            self.near_of[name] = self.near_of[name] or self.far_of[name]
            self.far_of[name] = self.far_of[name] or self.near_of[name]

    def frame(self) -> pd.DataFrame:
        """`SyntheticHistory.providers`: every provider with its true postcode."""
        return pd.DataFrame(
            {
                "URN": self.urn,
                "CATEGORY": self.category,
                "PLACE_PROVIDER": self.place_provider,
                "POSTCODE": self._postcodes,
                "EASTING": self.easting,
                "NORTHING": self.northing,
                "FAR": self.remote,
            },
            columns=PROVIDER_COLUMNS,
        )

    def _locate(self, pool: pd.DataFrame, row: int) -> None:
        self._postcodes.append(str(pool["postcode"].iat[row]))
        self.easting.append(float(pool["easting"].iat[row]))
        self.northing.append(float(pool["northing"].iat[row]))


# --- Episode building (one period of care at a time) ------------------------------------


def _cumulative(table: dict[str, float]) -> tuple[list[float], list[str]]:
    keys = list(table)
    weights = np.array([table[k] for k in keys], dtype=float)
    return list(np.cumsum(weights / weights.sum())), keys


_INITIAL_LS = _cumulative(
    {"V2": 0.41, "C1": 0.33, "L1": 0.08, "L2": 0.06, "C2": 0.06, "J2": 0.03, "J3": 0.02, "J1": 0.01}
)
_INITIAL_LS_YOUNG = _cumulative({"V2": 0.43, "C1": 0.36, "L1": 0.09, "L2": 0.07, "C2": 0.05})
# Short periods: mostly section 20 or police protection; remand only from 10.
_INITIAL_LS_BRIEF = _cumulative(
    {"V2": 0.64, "L1": 0.16, "L2": 0.03, "J1": 0.03, "J2": 0.08, "J3": 0.02, "C1": 0.04}
)
_INITIAL_LS_BRIEF_YOUNG = _cumulative({"V2": 0.68, "L1": 0.20, "L2": 0.06, "C1": 0.06})
_CIN = _cumulative(
    {
        "N1": 0.62,
        "N2": 0.03,
        "N3": 0.03,
        "N4": 0.15,
        "N5": 0.07,
        "N6": 0.02,
        "N7": 0.005,
        "N8": 0.075,
    }
)
_CIN_UASC = _cumulative({"N8": 0.9, "N4": 0.05, "N5": 0.05})
_MOVE_REASONS = _cumulative(
    {
        "CARPL": 0.34, "CREQB": 0.12, "CREQO": 0.11, "CHILD": 0.06, "LAREQ": 0.10,
        "ALLEG": 0.03, "STAND": 0.03, "CLOSE": 0.04, "APPRR": 0.02, "CUSTOD": 0.01,
        "OTHER": 0.14,
    }
)  # fmt: skip
_Z_CODES = _cumulative({"Z11": 0.25, "Z12": 0.25, "Z13": 0.25, "Z14": 0.25})
_TEMPORARY = _cumulative({"T0": 0.10, "T1": 0.25, "T2": 0.20, "T3": 0.30, "T4": 0.15})
_ETHNICITY = _cumulative(
    {
        "WBRI": 0.70, "WIRI": 0.003, "WOTH": 0.04, "WIRT": 0.004, "WROM": 0.006, "MWBC": 0.03,
        "MWBA": 0.01, "MWAS": 0.01, "MOTH": 0.03, "AIND": 0.007, "APKN": 0.012, "ABAN": 0.005,
        "AOTH": 0.02, "BCRB": 0.01, "BAFR": 0.03, "BOTH": 0.02, "CHNE": 0.002, "OOTH": 0.03,
        "REFU": 0.004, "NOBT": 0.01,
    }
)  # fmt: skip
_ETHNICITY_UASC = _cumulative(
    {"AOTH": 0.35, "BAFR": 0.30, "OOTH": 0.20, "BOTH": 0.10, "WOTH": 0.05}
)
_FOSTER_KINDS = ("kin", "la", "ifa")
_LONG_TERM = {"U3": "U1", "U6": "U4"}
# Chance a foster placement becomes long-term with the same carer: on the day of the care
# order (RNE U), or otherwise, for placements lasting over 400 days, later on (RNE T).
_MATCHED_AT_CARE_ORDER = 0.4
_MATCHED_LATER = 0.6

_VALIDITY = {
    place: (
        _day(v.valid_from) if v.valid_from else -(10**9),
        _day(v.valid_to) if v.valid_to else 10**9,
    )
    for place, v in codes.PLACEMENT.items()
}
_K3_FROM = _VALIDITY["K3"][0]
_H5_TO = _VALIDITY["H5"][1]
_P2_TO = _VALIDITY["P2"][1]
_Z1_TO = _VALIDITY["Z1"][1]


def _valid(place: str, day: int) -> bool:
    valid_from, valid_to = _VALIDITY[place]
    return valid_from <= day <= valid_to


@dataclass
class _Placement:
    start: int
    kind: str
    place: str
    provider: int  # index into _Places, -1 for none
    same_carer: bool = False
    reason: str = ""


@dataclass(frozen=True)
class _Period:
    child: int
    start: int
    end: int
    route: int
    uasc: bool
    unstable: bool
    dob: int
    home_post: str
    home_e: float
    home_n: float
    reenters: bool
    brief: bool = False  # a short period of care (police protection, remand, section 20)


class _Builder:
    """Turns periods of care into episode rows, drawing every choice from the one generator."""

    def __init__(self, rng: np.random.Generator, places: _Places) -> None:
        self.rng = rng
        self.places = places
        self.rows: list[tuple] = []

    def pick(self, table: tuple[list[float], list[str]]) -> str:
        cumulative, keys = table
        return keys[min(bisect_right(cumulative, self.rng.random()), len(keys) - 1)]

    def uniform(self, low: int, high: int) -> int:
        """An integer in [low, high]."""
        return low + int(self.rng.random() * (high - low + 1))

    # Providers -------------------------------------------------------------------------

    def provider(self, category: str, period: _Period) -> int:
        spec = _CATEGORIES[category]
        if self.rng.random() < spec.far_share:
            pool = self.places.far_of[category]
            return pool[int(self.rng.random() * len(pool))]
        pool = self.places.near_of[category]
        candidates = [pool[int(self.rng.random() * len(pool))] for _ in range(12)]
        if math.isnan(period.home_e):
            return candidates[0]
        # Local placements are within reach of home: in a large county a provider in the
        # authority can still be 40 miles away, so look further when the first ones are.
        squared = [
            (self.places.easting[i] - period.home_e) ** 2
            + (self.places.northing[i] - period.home_n) ** 2
            for i in candidates
        ]
        for candidate, distance in zip(candidates, squared, strict=True):
            if distance <= _LOCAL_METRES**2:
                return candidate
        return candidates[squared.index(min(squared))]

    def urn(self, place: str, provider: int) -> str:
        if provider < 0 or place in codes.NO_URN_PLACEMENTS:
            return ""
        if place == "H5":
            # Semi-independent homes were not registered with Ofsted before K3 replaced H5.
            return codes.URN_NOT_REGISTERED
        return self.places.urn[provider]

    # Placement choice ------------------------------------------------------------------

    def kind_for(self, age: float, period: _Period) -> str:
        r = self.rng.random()
        if period.uasc:
            if age >= 16:
                return (
                    "supported" if r < 0.55 else "ifa" if r < 0.85 else "la" if r < 0.95 else "home"
                )
            return "ifa" if r < 0.5 else "la" if r < 0.85 else "home"
        if age < 1:
            return "la" if r < 0.46 else "kin" if r < 0.72 else "ifa" if r < 0.97 else "res_other"
        if age < 5:
            return "la" if r < 0.45 else "kin" if r < 0.73 else "ifa" if r < 0.98 else "home"
        if age < 10:
            return "la" if r < 0.40 else "kin" if r < 0.65 else "ifa" if r < 0.91 else "home"
        if age < 16:
            foster = 0.74 if age < 13 else 0.58
            if r < foster:
                f = r / foster
                return "la" if f < 0.38 else "kin" if f < 0.60 else "ifa"
            r = (r - foster) / (1 - foster)
            return (
                "home"
                if r < 0.80
                else "secure"
                if r < 0.83
                else "res_other"
                if r < 0.90
                else "health"
                if r < 0.94
                else "yoi"
                if r < 0.96
                else "z"
            )
        if r < 0.36:
            f = r / 0.36
            return "la" if f < 0.40 else "kin" if f < 0.62 else "ifa"
        r = (r - 0.36) / 0.64
        return (
            "supported"
            if r < 0.62
            else "home"
            if r < 0.92
            else "res_other"
            if r < 0.95
            else "yoi"
            if r < 0.97
            else "z"
        )

    def place_code(self, kind: str, day: int, age: float) -> str:
        if kind in ("kin",):
            return "U3"
        if kind in ("la", "ifa"):
            return "U6"
        if kind == "home" or kind == "unregistered":
            return "K2"
        if kind == "secure":
            return "K1"
        if kind == "supported":
            if day <= _P2_TO and self.rng.random() < 0.1:
                return "P2"
            if day < _K3_FROM:
                return "H5"
            if day <= _H5_TO:
                return "K3" if self.rng.random() < 0.6 else "H5"
            return "K3"
        if kind == "res_other":
            if age < 1:
                return "R3"
            return "S1" if age < 14 or self.rng.random() < 0.5 else "R1"
        if kind == "health":
            return "R2"
        if kind == "yoi":
            return "R5"
        if kind == "z":
            return "Z1" if day <= _Z1_TO else self.pick(_Z_CODES)
        raise ValueError(kind)

    def new_placement(self, kind: str, day: int, period: _Period) -> _Placement:
        age = (day - period.dob) / _YEAR
        if kind == "home" and self.rng.random() < 0.03:
            kind = "unregistered"
        if kind == "home" and self.rng.random() < 0.15:
            category = "home_la"
        elif kind == "home":
            category = "home_ind"
        else:
            category = kind
        place = self.place_code(kind, day, age)
        provider = -1 if kind == "z" else self.provider(category, period)
        return _Placement(start=day, kind=kind, place=place, provider=provider)

    # One period ------------------------------------------------------------------------

    def placements(self, period: _Period, final_start: int) -> list[_Placement]:
        """Placements from the start of care to `final_start`, as a renewal process."""
        result: list[_Placement] = []
        day = period.start
        while day < final_start:
            age = (day - period.dob) / _YEAR
            if not result and self.rng.random() < 0.45:
                # Many first placements are emergency ones, followed by a planned move.
                length = 1 + int(self.rng.exponential(40))
            elif period.unstable:
                length = 7 + int(self.rng.exponential(140))
            else:
                length = 30 + int(self.rng.exponential(2600))
            result.append(self.new_placement(self.kind_for(age, period), day, period))
            day += length
        return result

    def legal_statuses(self, period: _Period, adoption_start: int) -> list[tuple[int, str]]:
        rng = self.rng
        start, end = period.start, period.end
        if period.uasc:
            return [(start, "V2" if rng.random() < 0.93 else "C2")]
        age = (start - period.dob) / _YEAR
        if period.brief:
            status = self.pick(_INITIAL_LS_BRIEF if age >= 10 else _INITIAL_LS_BRIEF_YOUNG)
            changes = [(start, status)]
            # Police protection lasts up to 72 hours, an emergency protection order up to
            # eight days; a child not yet home by then is accommodated.
            after = self.uniform(1, 3) if status == "L1" else self.uniform(2, 8)
            if status in ("L1", "L2") and start + after <= end - 1:
                changes.append((start + after, "V2" if rng.random() < 0.85 else "C1"))
            return changes
        status = self.pick(_INITIAL_LS if age >= 10 else _INITIAL_LS_YOUNG)
        changes = [(start, status)]
        day = start
        # Once placed for adoption the child's legal status stays put until the order.
        last = min(adoption_start, end - 1) if period.route == ADOPTION else end - 1

        def change(after: int, new: str) -> None:
            nonlocal day, status
            if day + after <= last and new != status:
                day += after
                status = new
                changes.append((day, status))

        if status == "L1":
            change(self.uniform(1, 3), "C1" if rng.random() < 0.6 else "V2")
        elif status == "L2":
            change(self.uniform(2, 8), "C1")
        elif status in ("J1", "J2", "J3") and rng.random() < 0.4:
            change(self.uniform(20, 200), "V2")
        long_stay = period.end - period.start > 365
        if status == "V2" and (
            period.route in (ADOPTION, SGO) or rng.random() < (0.5 if long_stay else 0.1)
        ):
            change(self.uniform(30, 300), "C1")
        if status == "C1" and (period.route != HOME or rng.random() < 0.6):
            change(self.uniform(120, 420), "C2")
        if period.route == ADOPTION:
            # The placement order comes before, or on the day of, the placement for adoption.
            order = adoption_start - (0 if rng.random() < 0.3 else self.uniform(1, 200))
            if order > day:
                change(order - day, "E1")
        return changes

    def period(self, period: _Period) -> None:
        rng = self.rng
        start, end = period.start, period.end
        length = end - start

        final_kind, final_start = "", end
        if period.route == ADOPTION and length > 60:
            final_kind, final_start = "adopt", end - self.uniform(150, min(420, length - 30))
            final_start = max(final_start, start + 30)
        elif period.route == HOME and length > 150 and rng.random() < 0.8:
            final_kind, final_start = "parents", end - self.uniform(120, min(1000, length - 30))
        elif period.route == AGE_18 and length > 400 and rng.random() < 0.25:
            # Some stay on a care order at home with their parents until 18.
            final_kind, final_start = "parents", end - self.uniform(180, min(1500, length - 60))
        elif period.route == SGO and length > 150 and rng.random() < 0.35:
            final_kind, final_start = "kin", end - self.uniform(90, min(400, length - 60))
        elif not period.uasc and length > 120:
            # Some children step down to supported accommodation at 16 or 17.
            step_down = period.dob + int((16 + rng.random() * 1.5) * _YEAR)
            if start + 60 < step_down < end - 30 and rng.random() < 0.35:
                final_kind, final_start = "supported", step_down

        statuses = self.legal_statuses(period, final_start)
        placements = self.placements(period, final_start)
        if final_kind:
            status_then = [ls for day, ls in statuses if day <= final_start][-1]
            previous = placements[-1]
            if final_kind == "parents" and status_then not in ("C1", "C2"):
                final_kind = ""  # placement with parents needs a care order
            elif final_kind == "adopt":
                order = status_then == "E1"
                if previous.kind in _FOSTER_KINDS and rng.random() < 0.35:
                    placement = _Placement(
                        start=final_start,
                        kind="adopt",
                        place="A5" if order else "A3",
                        provider=previous.provider,
                        same_carer=True,
                        reason="CARPL",
                    )
                else:
                    placement = _Placement(
                        start=final_start,
                        kind="adopt",
                        place="A6" if order else "A4",
                        provider=self.provider("adopt", period),
                        reason="CARPL",
                    )
                placements.append(placement)
            if final_kind == "parents":
                placements.append(
                    _Placement(start=final_start, kind="parents", place="P1", provider=-1)
                )
                placements[-1].reason = "CARPL"
            elif final_kind in ("kin", "supported"):
                placements.append(self.new_placement(final_kind, final_start, period))
                placements[-1].reason = "CARPL"

        self.emit(period, placements, statuses)

    def emit(
        self, period: _Period, placements: list[_Placement], statuses: list[tuple[int, str]]
    ) -> None:
        rng = self.rng
        start, end = period.start, period.end
        # day -> what happens on it: "new" placement index, "same" (same carer), "type"
        # (fostering becomes long-term), "ls", "temp" (code), "back" (return from temporary)
        events: dict[int, dict[str, object]] = {}
        bounds = [p.start for p in placements[1:]] + [end]
        for index, placement in enumerate(placements):
            events.setdefault(placement.start, {})["same" if placement.same_carer else "new"] = (
                index
            )
        for day, status in statuses:
            events.setdefault(day, {})["ls"] = status
        care_orders = [day for day, status in statuses if status == "C2"]
        for index, placement in enumerate(placements):
            stop = bounds[index]
            if placement.place not in _LONG_TERM or stop - placement.start <= 120:
                continue
            # The care order's final hearing often approves the plan of long-term fostering
            # with the current carer: legal status and placement type change together (U).
            matched = [d for d in care_orders if placement.start + 60 <= d < stop - 1]
            if matched and rng.random() < _MATCHED_AT_CARE_ORDER:
                events[matched[0]].update(type=_LONG_TERM[placement.place], at=index)
            elif stop - placement.start > 400 and rng.random() < _MATCHED_LATER:
                day = placement.start + self.uniform(180, min(700, stop - placement.start - 1))
                if day not in events:
                    events[day] = {"type": _LONG_TERM[placement.place], "at": index}
        for index, placement in enumerate(placements):
            stop = bounds[index]
            if placement.kind not in (*_FOSTER_KINDS, "home") or stop - placement.start < 40:
                continue
            expected = 0.1 * (stop - placement.start) / _YEAR
            for _ in range(int(rng.poisson(expected))):
                code = self.pick(_TEMPORARY)
                days = self.uniform(1, 6 if code == "T4" else 14)
                away = self.uniform(placement.start + 3, stop - days - 3)
                back = away + days
                if any(d in events for d in range(away - 1, back + 2)):
                    continue
                events[away] = {"temp": code}
                events[back] = {"back": index}

        status = statuses[0][1]
        current: _Placement = placements[0]
        place = current.place
        cin = self.pick(_CIN_UASC if period.uasc else _CIN)
        rows: list[tuple[int, str, str, str, str, str, str, str]] = []
        for day in sorted(events):
            event = events[day]
            status_changed = "ls" in event
            if status_changed:
                status = str(event["ls"])
            moved = False
            same = False
            reason = ""
            if "new" in event or "same" in event:
                current = placements[int(event.get("new", event.get("same", 0)))]
                place = current.place
                moved, same = "new" in event, "same" in event
                reason = current.reason
            elif "type" in event:
                place = str(event["type"])
                same = True
                reason = "PLACE"
            if "temp" in event:
                # The usual placement's postcode, no provider or URN (docs/ssda903.md#temporary-and-short-break-codes).
                post = self._post(current, period)
                rows.append((day, "P", status, str(event["temp"]), "", "OTHER", post, ""))
                continue
            if not _valid(place, day):
                # A retired code cannot start a new episode: H5 and P2 became K3, Z1 Z11-Z14.
                place = self._successor(place, day)
                current = _Placement(current.start, current.kind, place, current.provider)
                same = same or not moved
            if day == start:
                rne = "S"
            elif "back" in event:
                rne, reason = "P", "OTHER"
            elif moved:
                rne = "B" if status_changed else "P"
            elif same:
                rne = "U" if status_changed else "T"
                reason = reason or "PLACE"
            else:
                rne = "L"
            if rne in ("P", "B") and not reason:
                reason = self.pick(_MOVE_REASONS)
            if rne in ("S", "L"):
                reason = ""
            rows.append(
                (
                    day,
                    rne,
                    status,
                    place,
                    self._provider_code(place, current),
                    reason,
                    self._post(current, period),
                    self.urn(place, current.provider),
                )
            )

        rec = self.reason_ceased(period, rows[-1][3], status)
        last = len(rows) - 1
        for index, (day, rne, status, place, provider, reason, post, urn) in enumerate(rows):
            self.rows.append(
                (
                    period.child,
                    day,
                    rne,
                    status,
                    cin,
                    place,
                    provider,
                    rows[index + 1][0] if index < last else end,
                    rec if index == last else codes.CONTINUES_IN_CARE,
                    reason,
                    period.home_post,
                    post,
                    urn,
                )
            )

    def _successor(self, place: str, day: int) -> str:
        candidates = ("H5", "K3") if place == "P2" else ("K3",) if place == "H5" else ()
        for candidate in candidates:
            if _valid(candidate, day):
                return candidate
        return self.pick(_Z_CODES)

    def _provider_code(self, place: str, placement: _Placement) -> str:
        if place in codes.NO_PROVIDER_PLACEMENTS:
            return ""
        if place == "P1":
            return "PR0"
        if placement.provider < 0:
            return ""
        return self.places.place_provider[placement.provider]

    def _post(self, placement: _Placement, period: _Period) -> str:
        if placement.place == "P1":
            return period.home_post
        if placement.provider < 0:
            return ""
        return self.places.postcode[placement.provider]

    def reason_ceased(self, period: _Period, place: str, status: str) -> str:
        r = self.rng.random()
        route = period.route
        if route == ADOPTION and place.startswith("A"):
            return "E11" if r < 0.9 else "E12"
        if period.brief and status in ("J1", "J2", "J3") and r < 0.6:
            return "E14"
        if route == SGO or route == ADOPTION:
            if place in ("U1", "U2", "U3"):
                return "E47" if r < 0.75 else "E48"
            if place in ("U4", "U5", "U6"):
                return "E45"
            return "E46" if r < 0.5 else "E48"
        if route == HOME:
            if period.reenters:
                return "E4A" if r < 0.8 else "E4B"
            return "E4A" if r < 0.75 else "E4B" if r < 0.9 else "E13"
        if route == UASC_EARLY:
            return "E3" if r < 0.7 else "E15"
        if route == OTHER:
            if status in ("J1", "J2", "J3") and r < 0.5:
                return "E14"
            if period.reenters:
                return "E41" if r < 0.5 else "E13" if r < 0.8 else "E8"
            age = (period.end - period.dob) / _YEAR
            if age >= 12 and r < 0.06:
                return "E9"
            return (
                "E41"
                if r < 0.40
                else "E13"
                if r < 0.58
                else "E8"
                if r < 0.80
                else "E3"
                if r < 0.93
                else "E16"
                if r < 0.97
                else "E2"
            )
        if place in ("U1", "U2", "U3", "U4", "U5", "U6"):
            return "E17" if r < 0.55 else "E5" if r < 0.7 else "E8" if r < 0.9 else "E6"
        return "E5" if r < 0.5 else "E6" if r < 0.7 else "E8" if r < 0.95 else "E7"

    def short_breaks(self, series: _Period, adult: int, history_start: int) -> None:
        """A series of short breaks: each stay is its own period of care (RNE S).

        One child is under V3 or V4, never both (903 rule 426), and stays are one to four
        nights every 24 to 80 days (the child's own rhythm, give or take a quarter): at most
        about 70 nights a year, under the 75 days the 903 allows.
        """
        rng = self.rng
        status = "V3" if rng.random() < 0.85 else "V4"
        every = self.uniform(24, 80)
        at_home = rng.random() < 0.4
        provider = self.provider("sb_home" if at_home else "sb_foster", series)
        place = "K2" if at_home else "U6"
        cin = "N2" if rng.random() < 0.9 else "N1"
        day = series.start
        while day < min(series.end, adult - 5):
            nights = self.uniform(1, 4)
            if day + nights >= history_start:
                self.rows.append(
                    (
                        series.child,
                        day,
                        "S",
                        status,
                        cin,
                        place,
                        self.places.place_provider[provider],
                        day + nights,
                        "E4A",
                        "",
                        series.home_post,
                        self.places.postcode[provider],
                        self.places.urn[provider],
                    )
                )
            day += nights + int(every * (0.75 + 0.5 * rng.random()))


# --- The whole history ------------------------------------------------------------------


def generate_history(
    *, districts: list[str], children_in_care: int, years: int, seed: int, as_at: dt.date
) -> SyntheticHistory:
    """A deterministic synthetic history of `years` collection years ending at `as_at`.

    About `children_in_care` children are looked after at every month end (short breaks
    aside). The same arguments and the same installed postcode directory give the same
    history.
    """
    if children_in_care < 1 or years < 1:
        raise ValueError("children_in_care and years must be at least 1.")
    rng = np.random.default_rng(seed)
    year_list = collection_years(as_at, years)
    first_day, last_day = _day(year_list[0].start), _day(as_at)

    # Little's law: starters per day = children in care / mean days in care per starter.
    care_local = _care_days(rng, 20_000, uasc=False)
    care_uasc = _care_days(rng, 5_000, uasc=True)
    share = _UASC_STOCK_SHARE
    uasc_starters = share * care_local / (care_uasc * (1 - share) + share * care_local)
    per_day = children_in_care / (uasc_starters * care_uasc + (1 - uasc_starters) * care_local)

    # Children already in care on the first day started up to 18 years earlier, so periods
    # are drawn from then on and those over before the first day are dropped.
    begin = first_day - 18 * 366
    count = int(rng.poisson(per_day * (last_day - begin + 1)))
    starts = np.sort(rng.integers(begin, last_day + 1, size=count))
    uasc = rng.random(count) < uasc_starters
    ages, routes, lengths, brief = _first_periods(rng, uasc)
    dob = starts - ages
    adult = birthdays(dob, 18)
    ends = np.minimum(starts + lengths, adult)
    routes = np.where(ends == adult, AGE_18, routes)
    unstable_chance = np.select([ages < 5 * _YEAR, ages < 10 * _YEAR], [0.04, 0.11], 0.28)
    unstable = rng.random(count) < unstable_chance

    again_start = ends + 21 + rng.exponential(330, count).astype(np.int64)
    again_ages = again_start - dob
    again = (
        ~uasc
        & np.isin(routes, [HOME, OTHER])
        & (rng.random(count) < _REENTRY_CHANCE)
        & (again_ages < _LATEST_ENTRY_AGE)
        & (again_start <= last_day)
    )
    again_routes = _routes(rng, again_ages, np.zeros(count, dtype=bool))
    again_ends = np.minimum(again_start + _durations(rng, again_routes), adult)
    again_routes = np.where(again_ends == adult, AGE_18, again_routes)
    again_unstable = rng.random(count) < unstable_chance

    keep_first = ends >= first_day
    keep_again = again & (again_ends >= first_day)
    children = np.flatnonzero(keep_first | keep_again)
    child_of = np.full(count, -1)
    child_of[children] = np.arange(len(children))

    size = len(children)
    # Series of short breaks, by Little's law again: series starting per day = series
    # running / mean length; drawn from early enough that series running on the first day
    # are there.
    sb_shortest, sb_longest = _SHORT_BREAK_LENGTH
    sb_per_day = (
        _SHORT_BREAKS_PER_CHILD_IN_CARE * children_in_care / ((sb_shortest + sb_longest) / 2)
    )
    sb_first = first_day - sb_longest
    short_break_count = int(rng.poisson(sb_per_day * (last_day - sb_first + 1)))
    places = _Places(rng, districts, children_in_care)

    home_rows = rng.integers(len(places.home), size=size + short_break_count)
    no_home = rng.random(size + short_break_count) < 0.025
    home_post = places.home["postcode"].to_numpy(dtype=object)[home_rows]
    home_e = places.home["easting"].to_numpy()[home_rows]
    home_n = places.home["northing"].to_numpy()[home_rows]
    child_uasc = np.concatenate([uasc[children], np.zeros(short_break_count, dtype=bool)])
    unknown_home = no_home | child_uasc
    home_post[unknown_home] = ""
    home_e[unknown_home] = np.nan
    home_n[unknown_home] = np.nan

    builder = _Builder(rng, places)
    periods: list[_Period] = []
    for index in children:
        child = int(child_of[index])
        common = {
            "child": child,
            "uasc": bool(uasc[index]),
            "dob": int(dob[index]),
            "home_post": str(home_post[child]),
            "home_e": float(home_e[child]),
            "home_n": float(home_n[child]),
        }
        if keep_first[index]:
            periods.append(
                _Period(
                    start=int(starts[index]),
                    end=int(ends[index]),
                    route=int(routes[index]),
                    unstable=bool(unstable[index]),
                    reenters=bool(again[index]),
                    brief=bool(brief[index]),
                    **common,
                )
            )
        if keep_again[index]:
            periods.append(
                _Period(
                    start=int(again_start[index]),
                    end=int(again_ends[index]),
                    route=int(again_routes[index]),
                    unstable=bool(again_unstable[index]),
                    reenters=False,
                    **common,
                )
            )
    for period in periods:
        builder.period(period)

    # Children with a series of short breaks: disabled children, 4-15 when the series starts.
    sb_start = rng.integers(sb_first, last_day + 1, size=short_break_count)
    sb_age = ((4 + rng.random(short_break_count) * 11) * _YEAR).astype(np.int64)
    sb_length = rng.integers(sb_shortest, sb_longest + 1, size=short_break_count)
    sb_dob = sb_start - sb_age
    sb_adult = birthdays(sb_dob, 18)
    for offset in range(short_break_count):
        child = size + offset
        series = _Period(
            child=child,
            start=int(sb_start[offset]),
            end=int(sb_start[offset] + sb_length[offset]),
            route=HOME,
            uasc=False,
            unstable=False,
            dob=int(sb_dob[offset]),
            home_post=str(home_post[child]),
            home_e=float(home_e[child]),
            home_n=float(home_n[child]),
            reenters=False,
        )
        builder.short_breaks(series, int(sb_adult[offset]), first_day)

    all_dob = np.concatenate([dob[children], sb_dob])
    episodes = _episodes_frame(builder.rows, last_day)
    child_table = _children_frame(rng, all_dob, child_uasc, as_at=as_at)
    episodes["CHILD"] = child_table["CHILD"].to_numpy()[episodes["child"].to_numpy()]
    child_table = child_table.iloc[np.sort(episodes["child"].unique())]
    episodes = episodes.drop(columns="child").sort_values(["CHILD", "DECOM"], kind="stable")
    child_table = child_table.sort_values("CHILD", kind="stable").reset_index(drop=True)
    return SyntheticHistory(
        as_at=as_at,
        years=year_list,
        children=child_table,
        episodes=episodes[EPISODE_COLUMNS].reset_index(drop=True),
        seed=seed,
        districts=tuple(districts),
        providers=places.frame(),
    )


def _episodes_frame(rows: list[tuple], last_day: int) -> pd.DataFrame:
    columns = ["child", *[c for c in EPISODE_COLUMNS if c != "CHILD"]]
    frame = pd.DataFrame.from_records(rows, columns=columns)
    # Only what the council knows at the as-at date.
    frame = frame[frame["DECOM"] <= last_day].copy()
    still_open = frame["DEC"] > last_day
    frame.loc[still_open, "REC"] = ""
    frame["DECOM"] = frame["DECOM"].to_numpy().astype("datetime64[D]")
    dec = frame["DEC"].to_numpy().astype("datetime64[D]")
    dec[still_open.to_numpy()] = np.datetime64("NaT")
    frame["DEC"] = dec
    return frame


def _draw(table: tuple[list[float], list[str]], uniforms: np.ndarray) -> np.ndarray:
    cumulative, keys = table
    positions = np.minimum(np.searchsorted(cumulative, uniforms, side="right"), len(keys) - 1)
    return np.asarray(keys, dtype=object)[positions]


def _children_frame(
    rng: np.random.Generator,
    dob: np.ndarray,
    uasc: np.ndarray,
    *,
    as_at: dt.date,
) -> pd.DataFrame:
    size = len(dob)
    ids = rng.choice(90_000_000, size=size, replace=False) + 10_000_000
    male = rng.random(size) < np.where(uasc, 0.93, 0.56)
    ethnic_draw = rng.random(size)
    ethnic = np.where(uasc, _draw(_ETHNICITY_UASC, ethnic_draw), _draw(_ETHNICITY, ethnic_draw))
    upn_digits = rng.integers(0, 10**12, size=size)
    has_upn = rng.random(size) < 0.9
    upn = np.where(has_upn, [f"A{d:012d}" for d in upn_digits], "")
    mother_draw = rng.random(size)
    mc_offset = rng.integers(int(15 * _YEAR), int(18 * _YEAR), size=size)
    mc_dob = dob + mc_offset
    mother = ~male & (mother_draw < 0.03) & (mc_dob <= _day(as_at))
    adult = birthdays(dob, 18)
    return pd.DataFrame(
        {
            "CHILD": [str(i) for i in ids],
            "SEX": np.where(male, 1, 2),
            "DOB": dob.astype("datetime64[D]"),
            "ETHNIC": ethnic,
            "UPN": upn,
            "MOTHER": np.where(male, "", np.where(mother, "1", "0")),
            "MC_DOB": np.where(mother, mc_dob, np.iinfo(np.int64).min).astype("datetime64[D]"),
            "UASC": uasc,
            "DUC": np.where(uasc, adult, np.iinfo(np.int64).min).astype("datetime64[D]"),
        }
    )


# --- Files ------------------------------------------------------------------------------


def _dates(values: pd.Series) -> pd.Series:
    return values.dt.strftime("%d/%m/%Y").fillna("")


def year_extract(
    history: SyntheticHistory,
    year: CollectionYear,
    *,
    extra_episode_columns: pd.DataFrame | None = None,
) -> dict[str, pd.DataFrame]:
    """The header, episodes and UASC tables a council would send for `year`, as text.

    Every episode open at any time from 1 April to the year end is there, including those
    that began earlier (with their original DECOM) and those ending on 1 April itself: the
    stored history only learns that an episode closed from a file that holds it. Episodes
    still open at the year end are shown open. `extra_episode_columns` (text, on the index of
    `history.episodes`, such as CARER_ID and WEEKLY_COST) are appended to the episodes.
    """
    return _extract(
        history, pd.Timestamp(year.start), pd.Timestamp(year.end), year.start, extra_episode_columns
    )


def full_history_extract(
    history: SyntheticHistory, *, extra_episode_columns: pd.DataFrame | None = None
) -> dict[str, pd.DataFrame]:
    """Every episode up to the as-at date, with SEX coded as in the as-at year."""
    return _extract(
        history, None, pd.Timestamp(history.as_at), history.as_at, extra_episode_columns
    )


def _extract(
    history: SyntheticHistory,
    start: pd.Timestamp | None,
    end: pd.Timestamp,
    coded_in: dt.date,
    extra_episode_columns: pd.DataFrame | None = None,
) -> dict[str, pd.DataFrame]:
    episodes = history.episodes
    keep = episodes["DECOM"] <= end
    if start is not None:
        keep &= episodes["DEC"].isna() | (episodes["DEC"] >= start)
    episodes = episodes[keep].copy()
    columns = list(EPISODE_COLUMNS)
    if extra_episode_columns is not None:
        extra = extra_episode_columns.reindex(episodes.index).fillna("")
        episodes[list(extra.columns)] = extra
        columns += list(extra.columns)
    open_at_end = episodes["DEC"].isna() | (episodes["DEC"] > end)
    episodes.loc[open_at_end, "DEC"] = pd.NaT
    episodes.loc[open_at_end, "REC"] = ""
    episodes["DECOM"] = _dates(episodes["DECOM"])
    episodes["DEC"] = _dates(episodes["DEC"])

    children = history.children[history.children["CHILD"].isin(episodes["CHILD"])].copy()
    if coded_in >= SEX_AS_LETTERS_FROM:
        children["SEX"] = children["SEX"].map({1: "M", 2: "F"})
    else:
        children["SEX"] = children["SEX"].astype(str)
    # A child who becomes a mother later in the history is not yet one in earlier years.
    not_yet = children["MC_DOB"].notna() & (children["MC_DOB"] > end)
    children.loc[not_yet, "MOTHER"] = "0"
    children.loc[not_yet, "MC_DOB"] = pd.NaT
    children["DOB"] = _dates(children["DOB"])
    children["MC_DOB"] = _dates(children["MC_DOB"])
    children["DUC"] = _dates(children["DUC"])
    return {
        "header": children[HEADER_COLUMNS].reset_index(drop=True),
        "episodes": episodes[columns].reset_index(drop=True),
        "uasc": children.loc[children["UASC"], UASC_COLUMNS].reset_index(drop=True),
    }


def _write(tables: dict[str, pd.DataFrame], folder: Path) -> WrittenExtract:
    folder.mkdir(parents=True, exist_ok=True)
    for name, table in tables.items():
        table.to_csv(folder / f"{name}.csv", index=False, encoding="utf-8", lineterminator="\r\n")
    return WrittenExtract(
        folder=folder, children=len(tables["header"]), episodes=len(tables["episodes"])
    )


def write_extracts(
    history: SyntheticHistory,
    out_dir: Path,
    *,
    extra_episode_columns: pd.DataFrame | None = None,
) -> list[WrittenExtract]:
    """One folder per collection year (`2021-22/`) and `full_history/`, each with
    header.csv, episodes.csv and uasc.csv; `extra_episode_columns` as in `year_extract`."""
    extra = extra_episode_columns
    written = [
        _write(year_extract(history, year, extra_episode_columns=extra), out_dir / year.label)
        for year in history.years
    ]
    written.append(
        _write(
            full_history_extract(history, extra_episode_columns=extra),
            out_dir / FULL_HISTORY_FOLDER,
        )
    )
    return written
