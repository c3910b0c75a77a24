"""Invariants of the indicators on small random histories (hypothesis).

The histories are valid 903 histories: each period of care is an exact chain (the next DECOM
is the previous DEC, with REC X1) ending with another REC or still open, and the periods of a
child do not overlap. Besides the invariants the brief asks for, the vectorised computation is
checked against `reference_indicators`, a plain loop over children and month ends written
straight from the definitions: the two share no code.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from sufficiency.indicators import compute_indicators
from sufficiency.registry import BY_KEY, INDICATORS

FIRST_DAY = pd.Timestamp("2019-01-01")
START = pd.Timestamp("2019-01-01")
END = pd.Timestamp("2025-12-31")
POPULATION = {year: 40_000 + 1_000 * (year - 2015) for year in range(2015, 2027)}

# Repeats make the codes that change placements and stability (fostering, adoption,
# temporary stays) common enough for small examples to exercise them.
PLACES = [
    "U1", "U4", "U4", "U5", "U6", "A3", "A4", "A4", "K1", "K2", "K3", "P1", "R1", "T0", "T0", "T3",
]  # fmt: skip
PROVIDERS = ["PR0", "PR1", "PR2", "PR4", "PR5"]
POSTCODES = ["SE1 1AA", "SE2 2AA", "ME1 1AA", ""]
DISTANCES = [math.nan, 3.0, 20.0, 20.1, 45.2]
OUTSIDE = [0.0, 1.0, math.nan]
LEGAL_STATUSES = ["C1", "C2", "E1", "J2", "V2", "V4"]
NEXT_RNE = ["L", "P", "B", "T", "U"]
ENDS = ["E4A", "E11", "E13", "E45", "E17"]
TEMPORARY = {"T0", "T1", "T2", "T3", "T4"}
ADOPTION = {"A3", "A4", "A5", "A6"}
SHORT_BREAKS = {"V3", "V4"}

EXAMPLES = settings(max_examples=60, deadline=None)

# The 903 indicators the loop reference below works out, each from its definition. A new
# indicator is checked by its own hand-worked cases (CONTRIBUTING.md), not by this reference.
REFERENCE_KEYS = (
    "cla_count", "cla_rate", "starters", "ceased", "starters_12m", "ceased_12m", "moves_3plus",
    "long_term_stability", "distance_20_miles", "distance_20_miles_any", "distance_unknown",
    "ifa_share", "residential_count", "in_house_fostering", "kinship_fostering",
    "placed_for_adoption", "supported_16plus", "placed_with_parents",
)  # fmt: skip


def _boundary_day(draw: st.DrawFn, day: int) -> int:
    """`day` (days after FIRST_DAY), or often the 1st or the last day of its month instead.

    The indicators' edges are month ends and windows starting on the 1st, so dates are drawn
    onto them often enough for small examples to hit both sides of every boundary.
    """
    date = FIRST_DAY + pd.Timedelta(days=day)
    choice = draw(st.sampled_from(["as drawn", "first", "last"]))
    if choice == "first":
        date = date - pd.offsets.MonthBegin(1) if date.day > 1 else date
    elif choice == "last":
        date = date + pd.offsets.MonthEnd(0)
    return (date - FIRST_DAY).days


@st.composite
def histories(draw: st.DrawFn) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Episodes and children of up to six children, over about six years from 2019."""
    rows: list[dict[str, Any]] = []
    dobs: dict[str, pd.Timestamp] = {}
    for number in range(draw(st.integers(1, 6))):
        child = f"C{number}"
        born = _boundary_day(draw, draw(st.integers(-16 * 365, 3 * 365)))
        dobs[child] = FIRST_DAY + pd.Timedelta(days=born)
        day = _boundary_day(draw, draw(st.integers(0, 500)))
        periods = draw(st.integers(1, 3))
        for period in range(periods):
            short_breaks = draw(st.integers(0, 4)) == 0
            episodes = 1 if short_breaks else draw(st.integers(1, 6))
            usual: dict[str, Any] | None = None
            previous: dict[str, Any] | None = None
            for episode in range(episodes):
                fields = {
                    "place": draw(st.sampled_from(PLACES)),
                    "pl_post": draw(st.sampled_from(POSTCODES)),
                }
                # Returns from a temporary placement often go back to the same place.
                back = previous is not None and previous["place"] in TEMPORARY
                if back and usual is not None and draw(st.booleans()):
                    fields = {"place": usual["place"], "pl_post": usual["pl_post"]}
                # Short stays make 3+ placements in a year; long ones the 2.5-year cohort.
                length = draw(st.one_of(st.integers(1, 90), st.integers(91, 800)))
                length = max(_boundary_day(draw, day + length) - day, 1)
                row = {
                    "child_id": child,
                    "decom": FIRST_DAY + pd.Timedelta(days=day),
                    "dec": FIRST_DAY + pd.Timedelta(days=day + length),
                    "rne": "S" if episode == 0 else draw(st.sampled_from(NEXT_RNE)),
                    "ls": "V3" if short_breaks else draw(st.sampled_from(LEGAL_STATUSES)),
                    "place_provider": draw(st.sampled_from(PROVIDERS)),
                    "rec": "X1",
                    "home_post": draw(st.sampled_from(POSTCODES)),
                    "distance": draw(st.sampled_from(DISTANCES)),
                    "outside_la": draw(st.sampled_from(OUTSIDE)),
                    **fields,
                }
                rows.append(row)
                previous = row
                if row["place"] not in TEMPORARY:
                    usual = row
                day += length
            last = rows[-1]
            if period == periods - 1 and draw(st.booleans()):
                last["dec"], last["rec"] = pd.NaT, ""
            else:
                last["rec"] = draw(st.sampled_from(ENDS))
                day += draw(st.integers(1, 200))
    episodes_frame = pd.DataFrame(rows)
    episodes_frame["dec"] = pd.to_datetime(episodes_frame["dec"])
    children = pd.DataFrame(
        {"child_id": list(dobs), "dob": pd.to_datetime(list(dobs.values())), "uasc": False}
    )
    return episodes_frame, children


def compute(episodes: pd.DataFrame, children: pd.DataFrame) -> pd.DataFrame:
    return compute_indicators(
        episodes=episodes, children=children, population=POPULATION, start=START, end=END
    )


# --- A loop-based reference, straight from the definitions ------------------------------------


@dataclass
class Placement:
    start: pd.Timestamp
    end: pd.Timestamp | None
    period: int
    first_place: str


@dataclass
class Stay:
    """One non-short-break episode with what the indicators need of it."""

    decom: pd.Timestamp
    dec: pd.Timestamp | None
    period_start: pd.Timestamp
    placement: int
    place: str
    provider: str
    distance: float
    outside_la: float
    # Of the episode whose details count (test_supply's reference): its DECOM, CARER_ID and
    # WEEKLY_COST, when the episodes have those columns.
    counted_decom: pd.Timestamp | None = None
    carer_id: str = ""
    weekly_cost: float = math.nan


def _child_history(rows: pd.DataFrame) -> tuple[list[Stay], list[Placement]]:
    stays: list[Stay] = []
    placements: list[Placement] = []
    previous: Any = None
    usual: Any = None  # the last non-temporary episode of the current placement
    period = -1
    period_start = None
    for row in rows.sort_values("decom").itertuples():
        if row.ls in SHORT_BREAKS:
            continue
        dec = None if pd.isna(row.dec) else row.dec
        continues = (
            previous is not None
            and previous.dec == row.decom
            and previous.rec == "X1"
            and row.rne != "S"
        )
        temporary = row.place in TEMPORARY
        if not continues:
            period += 1
            period_start = row.decom
            new = True
        elif temporary or row.rne in {"L", "T", "U"}:
            new = False
        elif previous.place in TEMPORARY:
            new = usual is not None and (row.place, row.pl_post) != (usual.place, usual.pl_post)
        else:
            new = True
        if new:
            placements.append(Placement(row.decom, dec, period, row.place))
            usual = None
        placements[-1].end = dec
        if not temporary:
            usual = row
        shown = usual if usual is not None else row
        stays.append(
            Stay(
                decom=row.decom,
                dec=dec,
                period_start=period_start,
                placement=len(placements) - 1,
                place=shown.place,
                provider=shown.place_provider,
                distance=shown.distance,
                outside_la=shown.outside_la,
                counted_decom=shown.decom,
                carer_id=getattr(shown, "carer_id", ""),
                weekly_cost=getattr(shown, "weekly_cost", math.nan),
            )
        )
        previous = row
    return stays, placements


class _Totals(dict[str, list[int]]):
    def add(self, key: str, counted: bool) -> None:
        """One more child in the denominator of `key`, and in its numerator if `counted`."""
        self[key][0] += int(counted)
        self[key][1] += 1


def reference_indicators(
    episodes: pd.DataFrame, children: pd.DataFrame
) -> dict[tuple[str, pd.Timestamp], tuple[int, int]]:
    """(numerator, denominator) by (indicator, month end), child by child, month by month."""
    dobs = dict(zip(children["child_id"], children["dob"], strict=True))
    histories = {
        child: _child_history(rows) for child, rows in episodes.groupby("child_id", sort=True)
    }
    records = [row for row in episodes.to_dict("records") if row["ls"] not in SHORT_BREAKS]
    result = {}
    for period_end in pd.date_range(START, END, freq="ME"):
        window_first_day = period_end - pd.offsets.MonthEnd(12) + pd.Timedelta(days=1)
        minus_24 = period_end - pd.offsets.MonthEnd(24)
        minus_30 = period_end - pd.offsets.MonthEnd(30)
        month_start = period_end - pd.offsets.MonthBegin(1)
        totals = _Totals({key: [0, 0] for key in REFERENCE_KEYS})
        add = totals.add

        for child, (stays, placements) in histories.items():
            now = [
                s for s in stays if s.decom <= period_end and (s.dec is None or s.dec > period_end)
            ]
            assert len(now) <= 1
            if not now:
                continue
            stay = now[0]
            placement = placements[stay.placement]
            add("cla_count", True)
            open_in_window = [
                p
                for p in placements
                if p.start <= period_end and (p.end is None or p.end > window_first_day)
            ]
            add("moves_3plus", len(open_in_window) >= 3)
            sixteenth = dobs[child] + pd.DateOffset(years=16)
            if period_end < sixteenth and stay.period_start <= minus_30:
                settled_from = placement.start
                before = placements[stay.placement - 1] if stay.placement > 0 else None
                if (
                    stay.place in ADOPTION
                    and placement.first_place in ADOPTION
                    and before is not None
                    and before.period == placement.period
                ):
                    settled_from = before.start
                add("long_term_stability", settled_from <= minus_24)
            known = not math.isnan(stay.distance)
            over = known and round(stay.distance, 1) > 20.0
            add("distance_20_miles", over and stay.outside_la == 1.0)
            add("distance_20_miles_any", over)
            add("distance_unknown", not known)
            if stay.place in {"U1", "U2", "U3", "U4", "U5", "U6"}:
                add(
                    "ifa_share",
                    stay.place in {"U4", "U5", "U6"} and stay.provider in {"PR4", "PR5"},
                )
            for key, wanted in [
                ("residential_count", stay.place in {"K1", "K2"}),
                ("in_house_fostering", stay.place in {"U4", "U5", "U6"} and stay.provider == "PR1"),
                ("kinship_fostering", stay.place in {"U1", "U2", "U3"}),
                ("placed_for_adoption", stay.place in ADOPTION),
                ("supported_16plus", stay.place in {"H5", "K3", "P2"}),
                ("placed_with_parents", stay.place == "P1"),
            ]:
                if wanted:
                    add(key, True)
        totals["starters"][0] = sum(
            1 for row in records if row["rne"] == "S" and month_start <= row["decom"] <= period_end
        )
        totals["ceased"][0] = sum(
            1
            for row in records
            if row["rec"] != "X1"
            and pd.notna(row["dec"])
            and month_start <= row["dec"] <= period_end
        )
        # Children, once each, with a start (an end) in the 12 months ending at D.
        totals["starters_12m"][0] = len(
            {
                row["child_id"]
                for row in records
                if row["rne"] == "S" and window_first_day <= row["decom"] <= period_end
            }
        )
        totals["ceased_12m"][0] = len(
            {
                row["child_id"]
                for row in records
                if row["rec"] != "X1"
                and pd.notna(row["dec"])
                and window_first_day <= row["dec"] <= period_end
            }
        )
        for definition in (BY_KEY[key] for key in REFERENCE_KEYS):
            numerator, denominator = totals[definition.key]
            if definition.unit == "count":
                denominator = numerator  # a count is stored as its own denominator
            elif definition.key == "cla_rate":
                numerator = totals["cla_count"][0]
                # The collection year containing D runs from 1 April of this year.
                denominator = POPULATION[period_end.year - (period_end.month < 4)]
            result[(definition.key, period_end)] = (numerator, denominator)
    return result


# --- Properties -------------------------------------------------------------------------------


@EXAMPLES
@given(histories())
def test_numerators_never_exceed_denominators(history: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    result = compute(*history)
    assert (result["numerator"] <= result["denominator"]).all()
    assert (result["numerator"] >= 0).all()
    units = result["indicator"].map({d.key: d.unit for d in INDICATORS})
    percent = result[units == "percent"]
    with np.errstate(divide="ignore", invalid="ignore"):
        expected = np.where(
            percent["denominator"] > 0, 100 * percent["numerator"] / percent["denominator"], np.nan
        )
    np.testing.assert_allclose(percent["value"], expected, rtol=1e-12)
    counts = result[units == "count"]
    assert (counts["value"] == counts["numerator"]).all()
    rate = result[units == "rate"]
    exact = 10_000 * rate["numerator"] / rate["denominator"]
    assert ((rate["value"] - exact).abs() <= 0.5).all()


@EXAMPLES
@given(histories())
def test_cla_count_is_the_number_of_open_episodes_row_by_row(
    history: tuple[pd.DataFrame, pd.DataFrame],
) -> None:
    episodes, children = history
    result = compute(episodes, children)
    cla = result[result["indicator"] == "cla_count"]
    records = episodes.to_dict("records")
    for period_end, numerator in zip(cla["period_end"], cla["numerator"], strict=True):
        expected = sum(
            1
            for row in records
            if row["ls"] not in SHORT_BREAKS
            and row["decom"] <= period_end
            and (pd.isna(row["dec"]) or row["dec"] > period_end)
        )
        assert numerator == expected, period_end


@EXAMPLES
@given(histories())
def test_every_indicator_matches_the_loop_reference(
    history: tuple[pd.DataFrame, pd.DataFrame],
) -> None:
    episodes, children = history
    result = compute(episodes, children)
    expected = reference_indicators(episodes, children)
    assert set(REFERENCE_KEYS) <= set(result["indicator"])
    for row in result[result["indicator"].isin(REFERENCE_KEYS)].itertuples():
        got = (row.numerator, row.denominator)
        assert got == expected[(row.indicator, row.period_end)], (row.indicator, row.period_end)


@EXAMPLES
@given(histories(), st.randoms(use_true_random=False))
def test_computing_twice_or_from_shuffled_rows_gives_identical_frames(
    history: tuple[pd.DataFrame, pd.DataFrame], random: Any
) -> None:
    episodes, children = history
    untouched = episodes.copy()
    first = compute(episodes, children)
    pd.testing.assert_frame_equal(first, compute(episodes, children))
    pd.testing.assert_frame_equal(episodes, untouched)  # the caller's frame is not changed
    order = list(range(len(episodes)))
    random.shuffle(order)
    shuffled = episodes.iloc[order].reset_index(drop=True)
    pd.testing.assert_frame_equal(first, compute(shuffled, children.iloc[::-1]))


@EXAMPLES
@given(histories(), st.integers(0, 83))
def test_moves_numerator_comes_only_from_children_looked_after_at_d(
    history: tuple[pd.DataFrame, pd.DataFrame], month: int
) -> None:
    episodes, children = history
    period_end = pd.date_range(START, END, freq="ME")[month]
    open_at_d = (
        ~episodes["ls"].isin(SHORT_BREAKS)
        & (episodes["decom"] <= period_end)
        & (episodes["dec"].isna() | (episodes["dec"] > period_end))
    )
    looked_after = set(episodes.loc[open_at_d, "child_id"])
    # Dropping every child not looked after at D leaves the moves figures at D unchanged.
    kept = episodes[episodes["child_id"].isin(looked_after)]
    whole = compute(episodes, children)
    only = compute(kept, children)

    def moves(result: pd.DataFrame) -> np.ndarray:
        row = result[(result["indicator"] == "moves_3plus") & (result["period_end"] == period_end)]
        return row[["numerator", "denominator"]].to_numpy()

    np.testing.assert_array_equal(moves(whole), moves(only))
    assert moves(whole)[0, 1] == len(looked_after)
