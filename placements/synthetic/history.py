"""The synthetic 903 history of a fictional authority: its children, periods of care and episodes.

Nothing here is a real child's record. Children, dates and codes come from one seeded
`numpy.random.Generator`; only the postcodes are real (ONS Postcode Directory), so that
distances behave as they would for a real authority.

The history imitates the national patterns of docs/README.md#scale: a steady number of children looked
after (starters about equal to ceasers, and children already in care when the history starts),
about two episode rows per child per year, about 10% with three or more placements in a year,
about two thirds of the long-stayers under 16 in the same placement for two years, a fifth
placed over 20 miles from home, two thirds fostered, about 12% in children's homes. The
probabilities here and in periods.py, places.py and episodes.py were tuned by measuring those
figures on generated histories; they are not published rates.

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

`generate_history` builds the whole truth from the periods of care (periods.py), the
providers around the authority (places.py) and each period's episodes (episodes.py);
`write_extracts` (extracts.py) cuts it into the files a council would send each collection
year, plus `full_history/`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from placements.ssda903 import codes
from placements.ssda903.readers import TABLE_COLUMNS
from placements.synthetic._common import _YEAR, _cumulative, _day
from placements.synthetic.episodes import _Builder
from placements.synthetic.periods import (
    _LATEST_ENTRY_AGE,
    _REENTRY_CHANCE,
    AGE_18,
    HOME,
    OTHER,
    _care_days,
    _durations,
    _first_periods,
    _Period,
    _routes,
)
from placements.synthetic.places import PROVIDER_COLUMNS, _Places

EPISODE_COLUMNS = list(TABLE_COLUMNS["Episodes"])
# UASC among the children looked after; `generate_history` works out their share of starters.
_UASC_STOCK_SHARE = 0.06

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
    the arguments it was made from, so that the supply side (supply.py) can be drawn
    from the same seed without touching the history's own random stream.
    """

    as_at: dt.date
    years: tuple[CollectionYear, ...]
    children: pd.DataFrame
    episodes: pd.DataFrame
    seed: int = 0
    districts: tuple[str, ...] = ()
    providers: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=PROVIDER_COLUMNS))


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
    home_post = places.home["postcode"].to_numpy(dtype=object)[home_rows]
    home_e = places.home["easting"].to_numpy()[home_rows]
    home_n = places.home["northing"].to_numpy()[home_rows]
    child_uasc = np.concatenate([uasc[children], np.zeros(short_break_count, dtype=bool)])
    # Only an unaccompanied child has no home postcode (the DfE's rule 392b).
    unknown_home = child_uasc
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
    # UASC status ends at 18; for a 29 February birthday the DfE counts 18 years to 28 February
    # (its rule 304), a day before the birthday the rest of the history keeps.
    leap_day = pd.DatetimeIndex(dob.astype("datetime64[D]")).strftime("%m-%d") == "02-29"
    duc = np.where(leap_day, adult - 1, adult)
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
            "DUC": np.where(uasc, duc, np.iinfo(np.int64).min).astype("datetime64[D]"),
        }
    )
