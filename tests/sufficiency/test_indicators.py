"""The indicators on tiny hand-made histories, each worked out by hand in a comment.

Every case is built so that the obvious wrong reading (the one named in "naive") gives a
different number: a test that passed under both readings would not protect anything.
"""

from __future__ import annotations

import math
import re
from typing import Any

import numpy as np
import pandas as pd
import pytest

from sufficiency import indicators, registry
from sufficiency.benchmarks import PUBLISHED_INDICATORS
from sufficiency.indicators import compute_indicators

Row = dict[str, Any]

DEFAULTS: Row = {
    "ls": "C2",
    "place": "U4",
    "place_provider": "PR1",
    "home_post": "SE15 5AB",
    "pl_post": "SE15 6AA",
    "distance": 2.0,
    "outside_la": 0.0,
}


def step(decom: str, rne: str, place: str = "U4", **fields: Any) -> Row:
    """One episode of a chain: its start, reason for new episode and placement type."""
    if place in {"T0", "T1", "T2", "T3", "T4"}:
        fields.setdefault("place_provider", "")
    return {"decom": decom, "rne": rne, "place": place, **fields}


def chain(child: str, *steps: Row, end: str | None = None, rec: str = "E4A") -> list[Row]:
    """A period of care: consecutive episodes joined with X1, closed on `end` with `rec`."""
    rows = []
    for number, fields in enumerate(steps):
        last = number == len(steps) - 1
        dec = end if last else steps[number + 1]["decom"]
        row = {**DEFAULTS, **fields, "child_id": child, "dec": dec}
        row["rec"] = (rec if end else "") if last else "X1"
        rows.append(row)
    return rows


def episodes_frame(rows: list[Row]) -> pd.DataFrame:
    frame = pd.DataFrame(rows)
    frame["decom"] = pd.to_datetime(frame["decom"])
    frame["dec"] = pd.to_datetime(frame["dec"])
    frame["distance"] = frame["distance"].astype(float)
    frame["outside_la"] = frame["outside_la"].astype(float)
    return frame


def children_frame(dobs: dict[str, str], uasc: set[str] = frozenset()) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "child_id": list(dobs),
            "dob": pd.to_datetime(list(dobs.values())),
            "uasc": [child in uasc for child in dobs],
        }
    )


def compute(
    rows: list[Row],
    dobs: dict[str, str] | None = None,
    *,
    end: str = "2025-03-31",
    start: str | None = None,
    population: dict[int, int] | None = None,
    uasc: set[str] = frozenset(),
) -> pd.DataFrame:
    children = {row["child_id"]: "2015-01-01" for row in rows}
    children.update(dobs or {})
    return compute_indicators(
        episodes=episodes_frame(rows),
        children=children_frame(children, uasc),
        population=population if population is not None else {},
        start=pd.Timestamp(start) if start else None,
        end=pd.Timestamp(end),
    )


def at(result: pd.DataFrame, key: str, period_end: str) -> tuple[float, int, int]:
    """(value, numerator, denominator) of one indicator at one month end."""
    row = result[(result["indicator"] == key) & (result["period_end"] == pd.Timestamp(period_end))]
    assert len(row) == 1, f"no single row for {key} at {period_end}"
    value, numerator, denominator = row.iloc[0][["value", "numerator", "denominator"]]
    return float(value), int(numerator), int(denominator)


def is_nan(value: float) -> bool:
    return math.isnan(value)


# --- Looked after at D, flows, short breaks ---------------------------------------------------


def test_cla_count_episode_ending_on_month_end_has_ceased() -> None:
    rows = [
        # A's period ends on D itself: ceased, not looked after at D.
        *chain("A", step("2024-01-10", "S"), end="2025-03-31"),
        # B is still looked after.
        *chain("B", step("2024-02-01", "S")),
        # C's period ended the day after D: looked after at D (and ceased in April).
        *chain("C", step("2024-03-01", "S"), end="2025-04-01"),
    ]
    result = compute(rows, end="2025-04-30")
    # 31 March: B and C looked after (naive DEC >= D would add A: 3); A ceased in March.
    assert at(result, "cla_count", "2025-03-31") == (2.0, 2, 2)
    assert at(result, "ceased", "2025-03-31") == (1.0, 1, 1)
    # 30 April: B only; C ceased on 1 April.
    assert at(result, "cla_count", "2025-04-30") == (1.0, 1, 1)
    assert at(result, "ceased", "2025-04-30") == (1.0, 1, 1)


def test_short_break_child_is_not_looked_after_and_not_a_flow() -> None:
    rows = [
        # A starts an ordinary period in March.
        *chain("A", step("2025-03-05", "S")),
        # B is on short breaks: a finished stay and one open at D, each its own period.
        *chain("B", step("2025-03-03", "S", "K2", ls="V3"), end="2025-03-06"),
        *chain("B", step("2025-03-20", "S", "K2", ls="V3")),
        # C on V4: a stay ending in March.
        *chain("C", step("2025-02-27", "S", "U6", ls="V4"), end="2025-03-02"),
    ]
    result = compute(rows)
    # Only A is looked after at 31 March (naive: A and B = 2); K2 residential count 0, not 1.
    assert at(result, "cla_count", "2025-03-31") == (1.0, 1, 1)
    assert at(result, "residential_count", "2025-03-31") == (0.0, 0, 0)
    # March starters: A only (naive counting every RNE S: 3); ceased: none (naive: B, C = 2).
    assert at(result, "starters", "2025-03-31") == (1.0, 1, 1)
    assert at(result, "ceased", "2025-03-31") == (0.0, 0, 0)


def test_starters_12m_counts_each_child_once_in_the_collection_year() -> None:
    # D = 31 March 2025: the 12 months are 1 April 2024 to 31 March 2025.
    rows = [
        # A starts on the window's first day, goes home in June, and starts again in November.
        *chain("A", step("2024-04-01", "S"), end="2024-06-30"),
        *chain("A", step("2024-11-05", "S")),
        # B started on 31 March 2024, the day before the window.
        *chain("B", step("2024-03-31", "S")),
        # C's short breaks start in the window.
        *chain("C", step("2024-05-01", "S", "K2", ls="V3"), end="2024-05-03"),
        # D starts on D itself.
        *chain("D", step("2025-03-31", "S")),
        # E has been in care since 2023: a change of legal status in the window is no start.
        *chain("E", step("2023-01-01", "S", ls="C1"), step("2024-09-01", "L", ls="C2")),
    ]
    result = compute(rows, end="2025-04-30")
    # A and D: 2 (naive sum of the monthly starters: A twice and D, 3; naive "on or after D
    # minus 12 months" adds B, 3; counting short breaks adds C).
    assert at(result, "starters_12m", "2025-03-31") == (2.0, 2, 2)
    monthly = result[(result["indicator"] == "starters") & (result["period_end"] >= "2024-04-30")]
    assert monthly.loc[monthly["period_end"] <= "2025-03-31", "numerator"].sum() == 3
    # 30 April 2025 (1 May 2024 - 30 April 2025): A's April start has left the 12 months but
    # the November start has not, so A is still counted, once: A and D.
    assert at(result, "starters_12m", "2025-04-30") == (2.0, 2, 2)
    # 30 April 2024 (1 May 2023 - 30 April 2024): B in March, A in April.
    assert at(result, "starters_12m", "2024-04-30") == (2.0, 2, 2)


def test_ceased_12m_counts_each_child_once_including_on_d() -> None:
    # D = 31 March 2025: the 12 months are 1 April 2024 to 31 March 2025.
    rows = [
        # A ceases on the window's first day, comes back in June and ceases on D itself.
        *chain("A", step("2023-05-01", "S"), end="2024-04-01"),
        *chain("A", step("2024-06-01", "S"), end="2025-03-31"),
        # B ceased on 31 March 2024, the day before the window.
        *chain("B", step("2023-05-01", "S"), end="2024-03-31"),
        # C moved in the window (X1, a new episode): no end of care.
        *chain("C", step("2023-05-01", "S"), step("2024-10-01", "P", pl_post="SE2 2AA")),
        # S's short break ends in the window.
        *chain("S", step("2024-07-01", "S", "K2", ls="V4"), end="2024-07-03"),
    ]
    result = compute(rows)
    # A only, once (naive sum of the monthly ceased: 2; naive "on or after D minus 12
    # months" adds B; counting X1 or short breaks adds C or S).
    assert at(result, "ceased_12m", "2025-03-31") == (1.0, 1, 1)
    assert at(result, "ceased", "2025-03-31") == (1.0, 1, 1)
    assert at(result, "ceased", "2024-04-30") == (1.0, 1, 1)
    # 31 March 2024 (1 April 2023 - 31 March 2024): B only; A ceased a day later.
    assert at(result, "ceased_12m", "2024-03-31") == (1.0, 1, 1)


def test_uasc_is_included() -> None:
    rows = [
        *chain("U", step("2025-01-05", "S", home_post="", distance=np.nan, outside_la=np.nan)),
        *chain("K", step("2025-01-06", "S")),
    ]
    result = compute(rows, uasc={"U"})
    # Both children count: UASC are not excluded (naive "leave out UASC": 1).
    assert at(result, "cla_count", "2025-03-31") == (2.0, 2, 2)


def test_open_episode_followed_by_a_later_one_is_counted_once() -> None:
    # Unrepaired data: the first episode has no DEC but the child moved on 1 February. The
    # stitch would close it with X1 on 1 February; the child is one child at D, not two.
    rows = [
        {**DEFAULTS, "child_id": "A", "decom": "2025-01-01", "dec": None, "rne": "S", "rec": ""},
        {**DEFAULTS, "child_id": "A", "decom": "2025-02-01", "dec": None, "rne": "P", "rec": ""},
    ]
    result = compute(rows)
    assert at(result, "cla_count", "2025-03-31") == (1.0, 1, 1)


# --- Placements: temporary stays, legal status, same carer ------------------------------------


def test_temporary_hospital_stay_and_return_is_not_a_move_and_keeps_the_placement() -> None:
    # A: U4 with a private agency 25.3 miles away outside the LA, then hospital (T0) from 20
    # March, back to the same carer (RNE P, same PLACE and PL_POST) on 2 April. The T0
    # episode's own record has no provider and no distance.
    usual = {"place_provider": "PR4", "pl_post": "ME1 1AA", "distance": 25.3, "outside_la": 1.0}
    rows = chain(
        "A",
        step("2024-06-01", "S", "U4", **usual),
        step("2025-03-20", "P", "T0", pl_post="ME1 1AA", distance=np.nan, outside_la=np.nan),
        step("2025-04-02", "P", "U4", **usual),
    )
    result = compute(rows, end="2025-04-30")
    # At 31 March A is in hospital but counted in the U4 PR4 placement: independent fostering
    # 1/1 (naive, T0 as the placement: 0/0, no value) and placed 25.3 miles away outside the
    # LA: 1/1 (naive: distance unknown, 0/1).
    assert at(result, "ifa_share", "2025-03-31") == (100.0, 1, 1)
    assert at(result, "distance_20_miles", "2025-03-31") == (100.0, 1, 1)
    assert at(result, "distance_unknown", "2025-03-31") == (0.0, 0, 1)
    # One placement in the 12 months to 30 April (naive, one per RNE P episode: 3): no 3+ moves.
    assert at(result, "moves_3plus", "2025-04-30") == (0.0, 0, 1)


def test_return_from_temporary_stay_to_a_different_place_is_a_move() -> None:
    # A: carer at SE1, moved to a carer at SE2 in September, hospital in January, then back to
    # a third carer at SE3 (RNE P, a different PL_POST): three placements.
    rows = chain(
        "A",
        step("2024-06-01", "S", pl_post="SE1 1AA"),
        step("2024-09-01", "P", pl_post="SE2 2AA"),
        step("2025-01-10", "P", "T0", pl_post="SE2 2AA"),
        step("2025-01-20", "P", pl_post="SE3 3AA"),
    )
    result = compute(rows)
    # 3 placements in the window to 31 March 2025 (naive "every return continues": 2).
    assert at(result, "moves_3plus", "2025-03-31") == (100.0, 1, 1)


def test_return_from_temporary_stay_with_legal_status_change_is_not_a_move() -> None:
    # Decision temporary-return-b: back to the same carer with RNE B (status changed too).
    rows = chain(
        "A",
        step("2024-06-01", "S", ls="C1"),
        step("2024-09-01", "P", pl_post="SE2 2AA", ls="C1"),
        step("2025-01-10", "P", "T0", pl_post="SE2 2AA", ls="C1"),
        step("2025-01-20", "B", pl_post="SE2 2AA", ls="C2"),
    )
    result = compute(rows)
    # 2 placements (naive "B always starts a placement": 3).
    assert at(result, "moves_3plus", "2025-03-31") == (0.0, 0, 1)


def test_period_starting_in_a_temporary_placement_adds_no_placement() -> None:
    # Decision temporary-at-period-start: a newborn in hospital (T0), then a foster carer,
    # then a second carer.
    rows = chain(
        "A",
        step("2025-01-05", "S", "T0", pl_post="", distance=np.nan),
        step("2025-01-20", "P", pl_post="SE1 1AA"),
        step("2025-02-10", "P", pl_post="SE2 2AA"),
    )
    result = compute(rows, end="2025-03-31", start="2025-01-01", dobs={"A": "2025-01-05"})
    # Two placements (naive, the hospital stay as a placement: 3).
    assert at(result, "moves_3plus", "2025-03-31") == (0.0, 0, 1)
    # At 31 January A is with the first carer: U4 PR1, in-house fostering 1.
    assert at(result, "in_house_fostering", "2025-01-31") == (1.0, 1, 1)


def test_change_of_legal_status_only_is_not_a_move() -> None:
    rows = chain(
        "A",
        step("2024-05-01", "S", ls="C1"),
        step("2024-08-01", "L", ls="C2"),  # interim to full care order, same carer
        step("2024-10-01", "P", pl_post="SE2 2AA", ls="C2"),  # a new carer: a move
        step("2025-01-01", "L", pl_post="SE2 2AA", ls="E1"),  # placement order
    )
    result = compute(rows)
    # 2 placements in the window (naive, one per episode: 4).
    assert at(result, "moves_3plus", "2025-03-31") == (0.0, 0, 1)


def test_move_with_the_same_carer_is_not_a_move() -> None:
    rows = chain(
        "A",
        step("2024-05-01", "S", "U6"),
        step("2024-07-01", "T", "U5"),  # the same carer becomes the long-term placement
        step("2024-09-01", "U", "U5", ls="C2"),  # status and placement change, same carer
        step("2024-12-01", "P", "U4", pl_post="SE2 2AA"),  # a new carer
    )
    result = compute(rows)
    # 2 placements (naive, every placement-type change: 4).
    assert at(result, "moves_3plus", "2025-03-31") == (0.0, 0, 1)


def test_moves_count_placements_of_every_period_in_the_window() -> None:
    rows = [
        *chain(
            "A",
            step("2024-05-01", "S", pl_post="SE1 1AA"),
            step("2024-08-01", "P", pl_post="SE2 2AA"),
            end="2024-10-01",
        ),
        *chain("A", step("2025-01-10", "S", pl_post="SE3 3AA")),
    ]
    result = compute(rows)
    # Placements open in April 2024 - March 2025: SE1, SE2 (first period), SE3 = 3 (naive,
    # current period only: 1).
    assert at(result, "moves_3plus", "2025-03-31") == (100.0, 1, 1)


def test_short_break_stays_are_not_placements() -> None:
    rows = [
        *chain("A", step("2024-05-01", "S", "K2", ls="V3"), end="2024-05-03"),
        *chain("A", step("2024-07-01", "S", "K2", ls="V3"), end="2024-07-03"),
        *chain("A", step("2024-09-01", "S", ls="C2"), step("2025-01-01", "P", pl_post="SE2 2AA")),
    ]
    result = compute(rows)
    # Two placements under C2 (naive, counting the short-break stays: 4).
    assert at(result, "moves_3plus", "2025-03-31") == (0.0, 0, 1)


# --- moves_3plus window ---------------------------------------------------------------------


def test_moves_window_excludes_a_placement_ending_on_its_first_day() -> None:
    # D = 31 March 2025: the window is 1 April 2024 to 31 March 2025.
    rows = [
        # A's first placement ended on 1 April 2024, the window's first day: 2 placements.
        *chain(
            "A",
            step("2023-01-01", "S", pl_post="SE1 1AA"),
            step("2024-04-01", "P", pl_post="SE2 2AA"),
            step("2024-10-01", "P", pl_post="SE3 3AA"),
        ),
        # B's ended on 2 April 2024, so it was open on 1 April: 3 placements.
        *chain(
            "B",
            step("2023-01-01", "S", pl_post="SE1 1AA"),
            step("2024-04-02", "P", pl_post="SE2 2AA"),
            step("2024-10-01", "P", pl_post="SE3 3AA"),
        ),
    ]
    result = compute(rows)
    # B only: 1 of 2 (naive "ended on or after D minus 12 months": 2 of 2).
    assert at(result, "moves_3plus", "2025-03-31") == (50.0, 1, 2)


def test_moves_window_at_end_of_february_is_twelve_calendar_months() -> None:
    # Decision month-arithmetic: for D = 28 February 2025 the window is 1 March 2024 to 28
    # February 2025. The first placement ended on 1 March 2024, its first day.
    rows = chain(
        "A",
        step("2023-06-01", "S", pl_post="SE1 1AA"),
        step("2024-03-01", "P", pl_post="SE2 2AA"),
        step("2024-09-01", "P", pl_post="SE3 3AA"),
    )
    result = compute(rows, end="2025-02-28")
    # 2 placements (naive calendar subtraction, 28 Feb 2024 - window from 29 Feb: 3).
    assert at(result, "moves_3plus", "2025-02-28") == (0.0, 0, 1)
    # A month earlier (window 1 Feb 2024 - 31 Jan 2025) the first placement was open: 3.
    assert at(result, "moves_3plus", "2025-01-31") == (100.0, 1, 1)


def test_moves_numerator_only_counts_children_looked_after_at_d() -> None:
    rows = [
        # A had three placements and left care in March: not looked after at D.
        *chain(
            "A",
            step("2024-05-01", "S", pl_post="SE1 1AA"),
            step("2024-08-01", "P", pl_post="SE2 2AA"),
            step("2024-11-01", "P", pl_post="SE3 3AA"),
            end="2025-03-15",
        ),
        *chain("B", step("2024-05-01", "S")),
    ]
    result = compute(rows)
    # B only, settled: 0 of 1 (naive "everyone in care during the window": 1 of 2).
    assert at(result, "moves_3plus", "2025-03-31") == (0.0, 0, 1)


# --- long_term_stability --------------------------------------------------------------------


def test_long_term_stability_placed_for_adoption_with_current_foster_carer() -> None:
    # D = 31 March 2025: cohort if the period began by 30 Sep 2022; settled if the placement
    # began by 31 March 2023. A: second carer from 1 June 2022, who becomes the adopter (A3 by
    # RNE T) on 1 September 2024: the same placement since 1 June 2022.
    rows = chain(
        "A",
        step("2022-01-10", "S", pl_post="SE1 1AA"),
        step("2022-06-01", "P", pl_post="SE2 2AA"),
        step("2024-09-01", "T", "A3", pl_post="SE2 2AA"),
    )
    result = compute(rows, dobs={"A": "2020-01-01"})
    # Stable, 1 of 1 (naive, the A3 episode as a new placement from Sept 2024: 0 of 1).
    assert at(result, "long_term_stability", "2025-03-31") == (100.0, 1, 1)
    assert at(result, "moves_3plus", "2025-03-31") == (0.0, 0, 1)


def test_long_term_stability_placed_for_adoption_with_a_new_adopter() -> None:
    # D = 31 March 2025, settled if a placement began by 31 March 2023.
    rows = [
        # A: carer from 1 Dec 2022, then a new adopter (A4 by RNE P) from 15 Jan 2024. The
        # adoptive placement with the one before it began 1 Dec 2022: stable.
        *chain(
            "A",
            step("2021-06-01", "S", pl_post="SE1 1AA"),
            step("2022-12-01", "P", pl_post="SE2 2AA"),
            step("2024-01-15", "P", "A4", pl_post="SE3 3AA"),
        ),
        # B: the same, but the placement before the adopter began 1 June 2023: not stable,
        # although the period began in 2021.
        *chain(
            "B",
            step("2021-06-01", "S", pl_post="SE1 1AA"),
            step("2023-06-01", "P", pl_post="SE2 2AA"),
            step("2024-01-15", "P", "A6", pl_post="SE3 3AA"),
        ),
    ]
    result = compute(rows, dobs={"A": "2020-01-01", "B": "2020-01-01"})
    # A only: 1 of 2 (naive without the adoption clause: 0 of 2; naive "any earlier
    # placement" or "the period's start": 2 of 2).
    assert at(result, "long_term_stability", "2025-03-31") == (50.0, 1, 2)
    assert at(result, "placed_for_adoption", "2025-03-31") == (2.0, 2, 2)


def test_long_term_stability_break_in_care_restarts_the_clock() -> None:
    rows = [
        # A: in care from 2021, home in June 2022, back on 1 November 2022 with the same
        # carer. The current period began after 30 September 2022: not in the cohort.
        *chain("A", step("2021-01-01", "S"), end="2022-06-30"),
        *chain("A", step("2022-11-01", "S")),
        # B: looked after since 2020 in one placement: in the cohort and stable.
        *chain("B", step("2020-01-01", "S")),
    ]
    result = compute(rows)
    # 1 of 1 (naive, the first period's start: A in the cohort and settled since 1 Nov 2022,
    # 2 of 2).
    assert at(result, "long_term_stability", "2025-03-31") == (100.0, 1, 1)


def test_long_term_stability_sixteenth_birthday_either_side_of_month_end() -> None:
    rows = [*chain("X", step("2020-01-01", "S")), *chain("Y", step("2020-01-01", "S"))]
    # X is 16 on 31 October 2025 (D itself): not under 16. Y is 16 on 1 November 2025.
    result = compute(rows, dobs={"X": "2009-10-31", "Y": "2009-11-01"}, end="2025-11-30")
    # 31 October: Y only, 1 of 1 (naive "16th birthday on or after D": 2 of 2).
    assert at(result, "long_term_stability", "2025-10-31") == (100.0, 1, 1)
    # 30 September: both under 16.
    assert at(result, "long_term_stability", "2025-09-30") == (100.0, 2, 2)
    # 30 November: both 16, no cohort, no value.
    value, numerator, denominator = at(result, "long_term_stability", "2025-11-30")
    assert is_nan(value) and (numerator, denominator) == (0, 0)


def test_long_term_stability_thirty_months_before_end_of_april() -> None:
    # Decision month-arithmetic: for D = 30 April 2025, D minus 30 months is 31 October 2022
    # (the month end), and D minus 24 months is 30 April 2023.
    rows = [
        *chain("A", step("2022-10-31", "S")),  # in the cohort, settled
        *chain("B", step("2022-11-01", "S")),  # one day late: not in the cohort
    ]
    result = compute(rows, end="2025-04-30")
    # 1 of 1 (naive calendar subtraction, 30 October 2022: 0 of 0, no value).
    assert at(result, "long_term_stability", "2025-04-30") == (100.0, 1, 1)


def test_long_term_stability_placement_start_24_months_boundary() -> None:
    # D = 31 March 2025, the cohort began by 30 Sep 2022; settled if the placement began on
    # or before 31 March 2023.
    rows = [
        *chain("A", step("2022-01-01", "S"), step("2023-03-31", "P", pl_post="SE2 2AA")),
        *chain("B", step("2022-01-01", "S"), step("2023-04-01", "P", pl_post="SE2 2AA")),
    ]
    result = compute(rows)
    # A only: 1 of 2 (naive "before D minus 24 months": 0 of 2).
    assert at(result, "long_term_stability", "2025-03-31") == (50.0, 1, 2)


# --- Distance -------------------------------------------------------------------------------


def test_uasc_without_home_postcode_counts_in_denominator_and_unknown() -> None:
    rows = [
        *chain("U", step("2025-01-05", "S", home_post="", distance=np.nan, outside_la=np.nan)),
        *chain("K", step("2025-01-06", "S", distance=3.0)),
    ]
    result = compute(rows, uasc={"U"})
    # U's distance is unknown: 1 of 2 unknown; 0 of 2 far away (naive, unknown left out of
    # the denominator: 0 of 1, or UASC left out: 0 of 1).
    assert at(result, "distance_unknown", "2025-03-31") == (50.0, 1, 2)
    assert at(result, "distance_20_miles", "2025-03-31") == (0.0, 0, 2)
    assert at(result, "distance_20_miles_any", "2025-03-31") == (0.0, 0, 2)


def test_distance_twenty_miles_is_not_over_twenty() -> None:
    rows = [
        *chain("A", step("2025-01-05", "S", distance=20.0, outside_la=1.0)),
        *chain("B", step("2025-01-05", "S", distance=20.1, outside_la=1.0)),
    ]
    result = compute(rows)
    # B only: 1 of 2 (naive >= 20: 2 of 2).
    assert at(result, "distance_20_miles", "2025-03-31") == (50.0, 1, 2)
    assert at(result, "distance_20_miles_any", "2025-03-31") == (50.0, 1, 2)


def test_distance_999_9_is_not_known() -> None:
    rows = [
        *chain("A", step("2025-01-05", "S", distance=999.9, outside_la=1.0)),
        *chain("B", step("2025-01-05", "S", distance=3.0, outside_la=0.0)),
    ]
    result = compute(rows)
    # The 903's "not known" left in the data: unknown, 1 of 2 (naive: 999.9 miles away).
    assert at(result, "distance_unknown", "2025-03-31") == (50.0, 1, 2)
    assert at(result, "distance_20_miles", "2025-03-31") == (0.0, 0, 2)


def test_distance_outside_within_twenty_and_inside_over_twenty() -> None:
    rows = [
        # A is outside the LA but 12 miles away; B is inside the LA (a large county) 35.5
        # miles away; C is over 20 miles but its district is unknown (decision outside-unknown).
        *chain("A", step("2025-01-05", "S", distance=12.0, outside_la=1.0)),
        *chain("B", step("2025-01-05", "S", distance=35.5, outside_la=0.0)),
        *chain("C", step("2025-01-05", "S", distance=31.0, outside_la=np.nan)),
    ]
    result = compute(rows)
    # Over 20 miles and outside: nobody, 0 of 3 (naive "over 20 or outside": 3 of 3).
    assert at(result, "distance_20_miles", "2025-03-31") == (0.0, 0, 3)
    # Over 20 miles anywhere: B and C, 2 of 3 (naive "needs outside": 0).
    assert at(result, "distance_20_miles_any", "2025-03-31")[1:] == (2, 3)


# --- Placement mix --------------------------------------------------------------------------


def test_ifa_share_counts_private_and_voluntary_other_foster_carers() -> None:
    rows = [
        *chain("A", step("2025-01-05", "S", "U4", place_provider="PR1")),
        *chain("B", step("2025-01-05", "S", "U5", place_provider="PR4")),
        *chain("C", step("2025-01-05", "S", "U6", place_provider="PR5")),
        *chain("D", step("2025-01-05", "S", "U1", place_provider="PR4")),  # kin via an agency
        *chain("E", step("2025-01-05", "S", "K2", place_provider="PR4")),  # a children's home
        *chain("F", step("2025-01-05", "S", "P1", place_provider="PR0")),
        *chain("G", step("2025-01-05", "S", "K3", place_provider="PR4")),
    ]
    result = compute(rows)
    # Fostered (U1-U6): A, B, C, D; independent agency (U4-U6, PR4/PR5): B, C -> 2 of 4 (naive
    # "any PR4/PR5 of all children": 4 of 7; "PR4/PR5 of foster placements": 3 of 4).
    assert at(result, "ifa_share", "2025-03-31") == (50.0, 2, 4)
    assert at(result, "in_house_fostering", "2025-03-31") == (1.0, 1, 1)
    assert at(result, "kinship_fostering", "2025-03-31") == (1.0, 1, 1)
    assert at(result, "residential_count", "2025-03-31") == (1.0, 1, 1)
    assert at(result, "placed_with_parents", "2025-03-31") == (1.0, 1, 1)
    assert at(result, "supported_16plus", "2025-03-31") == (1.0, 1, 1)
    assert at(result, "cla_count", "2025-03-31") == (7.0, 7, 7)


# --- Rate -----------------------------------------------------------------------------------


def test_cla_rate_population_year_at_31_march_and_30_april() -> None:
    rows = [row for child in "ABCDEFG" for row in chain(child, step("2025-01-05", "S"))]
    result = compute(rows, end="2025-04-30", population={2024: 40_000, 2025: 50_000})
    # 31 March 2025 ends collection year 2024-25: mid-2024, 7 / 40,000 x 10,000 = 1.75 -> 2
    # (naive "mid-year of D's calendar year", 2025: 1.4 -> 1).
    assert at(result, "cla_rate", "2025-03-31") == (2.0, 7, 40_000)
    # 30 April 2025 is in 2025-26, ending 31 March 2026: mid-2025, 1.4 -> 1 (naive: 2).
    assert at(result, "cla_rate", "2025-04-30") == (1.0, 7, 50_000)


def test_cla_rate_rounds_halves_up_and_has_no_value_without_population() -> None:
    rows = [row for child in "ABCDE" for row in chain(child, step("2025-01-05", "S"))]
    result = compute(rows, end="2025-04-30", population={2024: 20_000})
    # 5 / 20,000 x 10,000 = 2.5 -> 3 (naive round-half-to-even, Python's round: 2).
    assert at(result, "cla_rate", "2025-03-31") == (3.0, 5, 20_000)
    # No mid-2025 estimate: no value, denominator 0 (naive: a rate against the old year).
    value, numerator, denominator = at(result, "cla_rate", "2025-04-30")
    assert is_nan(value) and (numerator, denominator) == (5, 0)


# --- Months and the frame -------------------------------------------------------------------


def test_month_with_no_one_in_care_has_no_percentages_and_zero_counts() -> None:
    rows = chain("A", step("2025-01-10", "S"), end="2025-02-15")
    result = compute(rows, population={2024: 10_000})
    march = result[result["period_end"] == pd.Timestamp("2025-03-31")].set_index("indicator")
    units = {d.key: d.unit for d in registry.INDICATORS}
    # The 12-month flows still hold A's start in January and end in February.
    assert at(result, "starters_12m", "2025-03-31") == (1.0, 1, 1)
    assert at(result, "ceased_12m", "2025-03-31") == (1.0, 1, 1)
    march = march.drop(["starters_12m", "ceased_12m"])
    for key, row in march.iterrows():
        assert (row["numerator"], row["denominator"]) == (0, 10_000 if key == "cla_rate" else 0)
        if units[key] == "percent":
            assert is_nan(row["value"]), key
        else:
            # Counts are 0 (naive 0/0: NaN); so is the rate, with a population.
            assert row["value"] == 0.0, key


def test_months_run_from_first_decom_to_the_month_end_on_or_before_end() -> None:
    rows = chain("A", step("2024-11-20", "S"))
    result = compute(rows, end="2025-03-30")  # 30 March is not a month end: up to 28 Feb
    ends = sorted(result["period_end"].unique())
    assert [pd.Timestamp(d).date().isoformat() for d in ends] == [
        "2024-11-30",
        "2024-12-31",
        "2025-01-31",
        "2025-02-28",
    ]
    assert len(result) == 4 * len(indicators.SSDA903_INDICATORS)


def test_start_sets_the_first_month_and_end_on_a_month_end_is_included() -> None:
    rows = chain("A", step("2020-11-20", "S"))
    result = compute(rows, start="2025-01-15", end="2025-03-31")
    assert sorted(result["period_end"].dt.month.unique()) == [1, 2, 3]
    assert at(result, "cla_count", "2025-01-31") == (1.0, 1, 1)


def test_result_columns_and_types() -> None:
    result = compute(chain("A", step("2025-01-10", "S")), population={2024: 1_000})
    assert list(result.columns) == ["indicator", "period_end", "value", "numerator", "denominator"]
    assert result["period_end"].dtype == "datetime64[ns]"
    assert result["value"].dtype == float
    assert result["numerator"].dtype == np.int64
    assert result["denominator"].dtype == np.int64
    keys = [d.key for d in indicators.SSDA903_INDICATORS]
    assert list(dict.fromkeys(result["indicator"])) == keys
    assert not result.duplicated(["indicator", "period_end"]).any()


def test_no_episodes_gives_no_rows_or_zeros_from_start() -> None:
    empty = episodes_frame(chain("A", step("2025-01-01", "S"))).iloc[0:0]
    arguments = {"episodes": empty, "children": children_frame({}), "population": {}}
    result = compute_indicators(**arguments, end=pd.Timestamp("2025-03-31"))
    assert result.empty
    assert list(result.columns) == indicators.RESULT_COLUMNS
    result = compute_indicators(
        **arguments, start=pd.Timestamp("2025-03-01"), end=pd.Timestamp("2025-03-31")
    )
    assert at(result, "cla_count", "2025-03-31") == (0.0, 0, 0)
    assert is_nan(at(result, "moves_3plus", "2025-03-31")[0])


def test_child_without_date_of_birth_is_refused() -> None:
    rows = chain("A", step("2025-01-10", "S"))
    with pytest.raises(ValueError, match="No date of birth"):
        compute_indicators(
            episodes=episodes_frame(rows),
            children=children_frame({"B": "2015-01-01"}),
            population={},
            end=pd.Timestamp("2025-03-31"),
        )


# --- The catalogue and the docstrings -------------------------------------------------------


def test_every_declared_indicator_is_computed() -> None:
    computed = set(compute(chain("A", step("2025-01-10", "S")))["indicator"])
    assert computed == {d.key for d in indicators.SSDA903_INDICATORS}
    assert {d.family for d in indicators.SUPPLY_INDICATORS} == {"supply"}
    assert computed.isdisjoint({d.key for d in indicators.SUPPLY_INDICATORS})
    assert len(indicators.SSDA903_INDICATORS) == 18
    assert len(registry.BY_KEY) == len(registry.INDICATORS) == 18 + 14


def test_decision_keys_are_unique_and_version_is_set() -> None:
    decisions = {d for definition in registry.INDICATORS for d in definition.decisions}
    assert len({d.key for d in decisions}) == len(decisions)
    assert re.fullmatch(r"\d{4}\.\d+", registry.DEFINITIONS_VERSION)


def test_every_indicator_has_a_short_name_for_cards() -> None:
    short_names = [d.short_name for d in registry.INDICATORS]
    assert all(0 < len(name) <= 30 for name in short_names), short_names
    assert len(set(short_names)) == len(short_names)


def test_12_month_flows_follow_the_monthly_ones_in_the_catalogue() -> None:
    keys = [d.key for d in registry.INDICATORS]
    position = keys.index("ceased")
    assert keys[position + 1 : position + 3] == ["starters_12m", "ceased_12m"]
    # The monthly counts of periods are not what the DfE publishes; the 12-month counts are.
    published = PUBLISHED_INDICATORS
    assert "starters" not in published and "ceased" not in published
    assert "starters_12m" in published and "ceased_12m" in published
