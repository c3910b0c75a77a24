"""The supply indicators: foster carer households, their places, and placement costs.

Hand-worked cases first, each built so that the obvious wrong reading (named "naive") gives a
different number; then properties on random histories against a loop reference written straight
from the definitions; then a synthetic authority with carers and costs of its own.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from placements import synthetic
from sufficiency import indicators
from sufficiency.care_history import MonthRange, build_care_history
from sufficiency.indicators import (
    MSG_NOT_ABOUT_CHILDREN,
    NOT_ABOUT_CHILDREN,
    compute_indicators,
    compute_supply_indicators,
    supply_numerator_children,
)
from sufficiency.registry import BY_KEY, SUPPLY_INDICATORS
from sufficiency.supply_history import (
    CARER_COLUMNS,
    COST_COLUMNS,
    SUPPLY_MEMBER_COLUMNS,
    build_supply_history,
)
from tests.sufficiency.test_indicator_properties import (
    END,
    EXAMPLES,
    FIRST_DAY,
    SHORT_BREAKS,
    START,
    _boundary_day,
    _child_history,
    histories,
)
from tests.sufficiency.test_indicators import Row, at, chain, children_frame, is_nan, step
from tests.sufficiency.test_indicators import episodes_frame as base_episodes_frame

FOSTERING = {"U1", "U2", "U3", "U4", "U5", "U6"}
# The children behind each child-based figure: its numerator, or its denominator for costs.
LISTED_BY_DENOMINATOR = {
    "avg_cost_in_house_fostering",
    "avg_cost_agency_fostering",
    "avg_cost_kinship",
    "avg_cost_childrens_homes",
    "avg_cost_supported",
    "monthly_spend",
}
SUPPLY_FUNCTIONS = {declared.key: declared.rule for declared in SUPPLY_INDICATORS}
CHILD_KEYS = [key for key in SUPPLY_FUNCTIONS if key not in NOT_ABOUT_CHILDREN]


def episodes_frame(rows: list[Row]) -> pd.DataFrame:
    frame = base_episodes_frame([{"carer_id": "", "weekly_cost": np.nan, **row} for row in rows])
    frame["weekly_cost"] = frame["weekly_cost"].astype(float)
    return frame


def household(
    carer_id: str,
    approved: str,
    deregistered: str | None = None,
    *,
    places: int = 2,
    carer_type: str = "MAINSTREAM",
    provision: str = "IN_HOUSE",
) -> dict[str, Any]:
    return {
        "carer_id": carer_id,
        "carer_type": carer_type,
        "provision": provision,
        "approval_date": approved,
        "deregistration_date": deregistered,
        "approved_places": places,
    }


def carers_frame(households: list[dict[str, Any]]) -> pd.DataFrame:
    frame = pd.DataFrame(households, columns=CARER_COLUMNS)
    for name in ("approval_date", "deregistration_date"):
        frame[name] = pd.to_datetime(frame[name]).astype("datetime64[ns]")
    return frame


def costs_frame(costs: dict[tuple[str, Any], float]) -> pd.DataFrame:
    frame = pd.DataFrame(
        [(child, decom, cost) for (child, decom), cost in costs.items()], columns=COST_COLUMNS
    )
    frame["decom"] = pd.to_datetime(frame["decom"]).astype("datetime64[ns]")
    frame["weekly_cost"] = frame["weekly_cost"].astype(float)
    return frame


def _children(rows: list[Row]) -> pd.DataFrame:
    return children_frame({row["child_id"]: "2010-01-01" for row in rows})


def compute(
    rows: list[Row],
    households: list[dict[str, Any]] | None = None,
    costs: dict[tuple[str, Any], float] | None = None,
    *,
    end: str = "2025-04-30",
    start: str | None = None,
) -> pd.DataFrame:
    return compute_supply_indicators(
        episodes=episodes_frame(rows),
        children=_children(rows),
        carers=carers_frame(households or []),
        costs=costs_frame(costs or {}),
        start=pd.Timestamp(start) if start else None,
        end=pd.Timestamp(end),
    )


def members(
    rows: list[Row],
    households: list[dict[str, Any]],
    costs: dict[tuple[str, Any], float] | None,
    indicator: str,
    period_end: str,
) -> pd.DataFrame:
    return supply_numerator_children(
        episodes=episodes_frame(rows),
        children=_children(rows),
        carers=carers_frame(households),
        costs=costs_frame(costs or {}),
        indicator=indicator,
        period_end=pd.Timestamp(period_end),
    )


def nan_or(result: pd.DataFrame, key: str, period_end: str) -> tuple[float | None, int, int]:
    """`at`, with None for no value (NaN never equals itself)."""
    value, numerator, denominator = at(result, key, period_end)
    return (None if is_nan(value) else value, numerator, denominator)


# --- Households --------------------------------------------------------------------------------

HOUSEHOLDS = [
    household("H1", "2024-01-15", places=2),
    household("H2", "2025-03-31", places=1),  # approved on D itself
    household("H3", "2023-05-01", "2025-03-31", places=2),  # deregistered on D itself
    household("H4", "2022-01-01", "2025-04-01", places=3),  # deregistered the day after D
    household("H5", "2020-01-01", places=4, provision="AGENCY"),
    household("H6", "2025-03-03", "2025-03-20", places=1),  # in and out within March
    household("H7", "2021-06-01", places=2, carer_type="SHORT_BREAKS"),
]


def test_households_approved_at_month_ends_and_in_the_month() -> None:
    rows = chain("A", step("2024-12-01", "S"))
    result = compute(rows, HOUSEHOLDS)
    # 31 March: H1, H2, H4 and the short-breaks H7 (naive "deregistered on or after D" adds
    # H3: 5; counting the agency's H5: 5; leaving out short breaks: 3).
    assert at(result, "fostering_households", "2025-03-31") == (4.0, 4, 4)
    # Approved in March: H2 on the 31st and H6; deregistered: H3 on the 31st and H6.
    assert at(result, "carer_approvals", "2025-03-31") == (2.0, 2, 2)
    assert at(result, "carer_deregistrations", "2025-03-31") == (2.0, 2, 2)
    # 28 February: H1, H3, H4, H7 (H6 was approved and gone between the two month ends).
    assert at(result, "fostering_households", "2025-02-28") == (4.0, 4, 4)
    # 30 April: H4 deregistered on 1 April; H1, H2, H7 remain.
    assert at(result, "fostering_households", "2025-04-30") == (3.0, 3, 3)
    assert at(result, "carer_deregistrations", "2025-04-30") == (1.0, 1, 1)
    assert at(result, "carer_approvals", "2025-04-30") == (0.0, 0, 0)
    # Approvals before the first month computed are not in any month.
    assert at(result, "carer_approvals", "2024-12-31") == (0.0, 0, 0)


def test_approved_places_leave_out_agency_and_short_breaks_households() -> None:
    rows = chain("A", step("2024-12-01", "S"))
    result = compute(rows, HOUSEHOLDS)
    # 31 March: H1 2 + H2 1 + H4 3 = 6 (naive with H7's short-break places: 8; with H3,
    # deregistered on D: 8).
    assert at(result, "approved_places", "2025-03-31") == (6.0, 6, 6)
    assert at(result, "approved_places", "2025-04-30") == (3.0, 3, 3)


# --- Places filled, vacancies, use ------------------------------------------------------------

PLACES_HOUSEHOLDS = [
    household("H1", "2020-01-01", places=2),
    household("H2", "2020-01-01", places=1),
    household("H3", "2020-01-01", places=2, carer_type="CONNECTED"),
    household("HA", "2020-01-01", places=3, provision="AGENCY"),
    household("HS", "2020-01-01", places=2, carer_type="SHORT_BREAKS"),
    household("HD", "2020-01-01", "2025-03-31", places=1),
]
PLACES_ROWS = [
    # H1 full with A and B; H2 (one place) over its approval with C and D.
    *chain("A", step("2024-06-01", "S", "U4", carer_id="H1")),
    *chain("B", step("2024-06-01", "S", "U5", carer_id="H1")),
    *chain("C", step("2024-06-01", "S", "U4", carer_id="H2")),
    *chain("D", step("2024-06-01", "S", "U4", carer_id="H2")),
    # With an agency household, a short-breaks household, one deregistered on D.
    *chain("E", step("2024-06-01", "S", "U5", place_provider="PR4", carer_id="HA")),
    *chain("F", step("2024-06-01", "S", "U4", carer_id="HS")),
    *chain("G", step("2024-06-01", "S", "U4", carer_id="HD")),
    # In a children's home; with a CARER_ID not in the extract.
    *chain("H", step("2024-06-01", "S", "K2")),
    *chain("I", step("2024-06-01", "S", "U6", carer_id="H9")),
    # Placed for adoption with the foster carer (A5), and a kinship placement, both with H3.
    *chain("J", step("2024-06-01", "S", "A5", carer_id="H3")),
    *chain("K", step("2024-06-01", "S", "U1", carer_id="H3")),
]


def test_places_filled_vacancies_and_use_household_by_household() -> None:
    result = compute(PLACES_ROWS, PLACES_HOUSEHOLDS, end="2025-03-31")
    # Filling a place: A, B (H1), C, D (H2), K (H3) = 5 (naive "any matching CARER_ID" adds
    # E, F, G and J: 9).
    assert at(result, "places_filled", "2025-03-31") == (5.0, 5, 5)
    # Approved places: H1 2 + H2 1 + H3 2 = 5.
    assert at(result, "approved_places", "2025-03-31") == (5.0, 5, 5)
    # Used: H1 2, H2 1 (not 2), H3 1 = 4, so one vacancy, H3's (naive places minus children:
    # 0, hiding H3's free place behind H2's extra child; use 5 of 5, 100%).
    assert at(result, "vacancies", "2025-03-31") == (1.0, 1, 1)
    assert at(result, "utilisation", "2025-03-31") == (80.0, 4, 5)
    # A month earlier G's household was still approved: G fills its one place too.
    assert at(result, "places_filled", "2025-02-28") == (6.0, 6, 6)
    assert at(result, "utilisation", "2025-02-28") == (pytest.approx(500 / 6), 5, 6)
    # Nobody's weekly cost is known: no spend and no averages (naive: £0), and the share
    # with a known cost says so.
    assert nan_or(result, "monthly_spend", "2025-03-31") == (None, 0, 0)
    assert nan_or(result, "avg_cost_in_house_fostering", "2025-03-31") == (None, 0, 0)
    assert at(result, "cost_known_share", "2025-03-31") == (0.0, 0, 11)


def test_places_filled_lists_the_children_with_their_carers() -> None:
    listed = members(PLACES_ROWS, PLACES_HOUSEHOLDS, None, "places_filled", "2025-03-31")
    assert list(listed.columns) == SUPPLY_MEMBER_COLUMNS
    assert listed[["child_id", "place", "carer_id"]].to_numpy().tolist() == [
        ["A", "U4", "H1"],
        ["B", "U5", "H1"],
        ["C", "U4", "H2"],
        ["D", "U4", "H2"],
        ["K", "U1", "H3"],
    ]


def test_temporary_stay_with_another_carer_keeps_the_place_and_cost_of_the_usual_one() -> None:
    # A lives with H1 (£500 a week); from 20 March a week's respite with H2 (T3, £300), back to
    # H1 on 2 April (RNE P, same placement type and postcode).
    rows = chain(
        "A",
        step("2024-06-01", "S", "U4", carer_id="H1", weekly_cost=500.0),
        step("2025-03-20", "P", "T3", carer_id="H2", weekly_cost=300.0),
        step("2025-04-02", "P", "U4", carer_id="H1", weekly_cost=500.0),
    )
    carers = [household("H1", "2020-01-01", places=1), household("H2", "2020-01-01", places=1)]
    result = compute(rows, carers)
    # 31 March: A still fills H1's place (naive, the T3 episode as it stands: not a foster
    # placement, nothing filled, and its own £300).
    assert at(result, "places_filled", "2025-03-31") == (1.0, 1, 1)
    assert at(result, "avg_cost_in_house_fostering", "2025-03-31") == (500.0, 50_000, 1)
    listed = members(rows, carers, None, "places_filled", "2025-03-31")
    assert listed[["child_id", "carer_id", "weekly_cost"]].to_numpy().tolist() == [
        ["A", "H1", 500.0]
    ]
    # H2's place stays vacant, H1's is used: 1 of 2.
    assert at(result, "vacancies", "2025-03-31") == (1.0, 1, 1)
    assert at(result, "utilisation", "2025-03-31") == (50.0, 1, 2)
    assert at(result, "places_filled", "2025-04-30") == (1.0, 1, 1)


def test_no_carers_extract_gives_no_household_or_place_figures() -> None:
    rows = chain("A", step("2025-01-05", "S", carer_id="H1", weekly_cost=450.0))
    result = compute(rows, [], end="2025-03-31")
    # Nothing is known about carers: no value, not 0 (naive: 0 households, 0 places).
    for key in NOT_ABOUT_CHILDREN | {"places_filled"}:
        assert nan_or(result, key, "2025-03-31") == (None, 0, 0), key
    # The costs do not depend on the carers.
    assert at(result, "avg_cost_in_house_fostering", "2025-03-31") == (450.0, 45_000, 1)


def test_places_have_no_value_while_no_child_has_a_carer_id() -> None:
    rows = [
        # A's episodes carry no CARER_ID; B, from 10 April, does.
        *chain("A", step("2025-01-05", "S")),
        *chain("B", step("2025-04-10", "S", carer_id="H1")),
    ]
    result = compute(rows, [household("H1", "2020-01-01", places=2)])
    # 31 March: nobody's CARER_ID is known, so who fills a place is not known (naive: 0
    # filled, 2 vacancies, 0% used).
    assert nan_or(result, "places_filled", "2025-03-31") == (None, 0, 0)
    assert nan_or(result, "vacancies", "2025-03-31") == (None, 0, 0)
    assert nan_or(result, "utilisation", "2025-03-31") == (None, 0, 0)
    # The households and their places are known all the same.
    assert at(result, "approved_places", "2025-03-31") == (2.0, 2, 2)
    # 30 April: B fills one of H1's places.
    assert at(result, "places_filled", "2025-04-30") == (1.0, 1, 1)
    assert at(result, "vacancies", "2025-04-30") == (1.0, 1, 1)
    assert at(result, "utilisation", "2025-04-30") == (50.0, 1, 2)


# --- Costs --------------------------------------------------------------------------------------

COST_ROWS = [
    # In-house fostering (U4 PR1): A has both costs, B the episode's, C none, D the extract's.
    *chain("A", step("2025-01-05", "S", weekly_cost=400.0)),
    *chain("B", step("2025-01-05", "S", weekly_cost=600.0)),
    *chain("C", step("2025-01-05", "S")),
    *chain("D", step("2025-01-05", "S")),
    # Agency fostering.
    *chain("E", step("2025-01-05", "S", "U5", place_provider="PR4", weekly_cost=900.0)),
    # A children's home costed until a change of legal status (RNE L) in January.
    *chain(
        "F",
        step("2024-01-01", "S", "K2", place_provider="PR4", ls="C1"),
        step("2025-01-10", "L", "K2", place_provider="PR4", ls="C2"),
    ),
    # Supported accommodation; kinship fostering at no cost (a known cost of £0).
    *chain("G", step("2025-01-05", "S", "K3", place_provider="PR4", weekly_cost=1200.0)),
    *chain("U", step("2025-01-05", "S", "U1")),
    # A short break open at D, costed: no indicator counts it.
    *chain("S", step("2025-03-25", "S", ls="V4", weekly_cost=100.0)),
]
COSTS = {
    ("A", "2025-01-05"): 450.50,
    ("D", "2025-01-05"): 300.25,
    ("F", "2024-01-01"): 4000.0,
    ("U", "2025-01-05"): 0.0,
}


def test_average_costs_by_placement_group() -> None:
    result = compute(COST_ROWS, [], COSTS, end="2025-03-31")
    # A £450.50 (the extract wins over the episode's £400), B £600, D £300.25; C has no cost:
    # 135,075p over 3 = £450.25 (naive episode first: £433.42; C as £0: £337.69).
    assert at(result, "avg_cost_in_house_fostering", "2025-03-31") == (450.25, 135_075, 3)
    assert at(result, "avg_cost_agency_fostering", "2025-03-31") == (900.0, 90_000, 1)
    assert at(result, "avg_cost_supported", "2025-03-31") == (1200.0, 120_000, 1)
    # U's £0 is a known cost (naive "no cost" for a zero: no value).
    assert at(result, "avg_cost_kinship", "2025-03-31") == (0.0, 0, 1)
    # F's cost belongs to the episode before the change of legal status: no known cost now, no
    # average (naive, carried over: £4,000).
    assert nan_or(result, "avg_cost_childrens_homes", "2025-03-31") == (None, 0, 0)
    # In December F's first episode was the one counted, with its cost.
    assert at(result, "avg_cost_childrens_homes", "2024-12-31") == (4000.0, 400_000, 1)


def test_monthly_spend_and_the_share_of_children_with_a_known_cost() -> None:
    result = compute(COST_ROWS, [], COSTS, end="2025-03-31")
    # A, B, D, E, G, U: 45,050 + 60,000 + 30,025 + 90,000 + 120,000 + 0 = 345,075p a week,
    # £3,450.75 x 52 / 12 = £14,953.25 a month (naive with S's short break: £15,386.58).
    assert at(result, "monthly_spend", "2025-03-31") == (pytest.approx(14_953.25), 345_075, 6)
    # 6 of the 8 looked after (C and F unknown; S on short breaks is not counted).
    assert at(result, "cost_known_share", "2025-03-31") == (75.0, 6, 8)
    # In December only F was looked after, in its first, costed episode.
    assert at(result, "monthly_spend", "2024-12-31") == (
        pytest.approx(17_333.33, abs=0.01),
        400_000,
        1,
    )
    assert at(result, "cost_known_share", "2024-12-31") == (100.0, 1, 1)


def test_cost_lists_name_the_children_whose_costs_are_added_up() -> None:
    listed = members(COST_ROWS, [], COSTS, "avg_cost_in_house_fostering", "2025-03-31")
    assert listed[["child_id", "weekly_cost"]].to_numpy().tolist() == [
        ["A", 450.5],
        ["B", 600.0],
        ["D", 300.25],
    ]
    spend = members(COST_ROWS, [], COSTS, "monthly_spend", "2025-03-31")
    assert list(spend["child_id"]) == ["A", "B", "D", "E", "G", "U"]
    known = members(COST_ROWS, [], COSTS, "cost_known_share", "2025-03-31")
    assert list(known["child_id"]) == list(spend["child_id"])


# --- The frame, the lists, and refusals --------------------------------------------------------


def test_result_rows_are_the_catalogue_at_the_903_month_ends() -> None:
    rows = chain("A", step("2024-11-20", "S", carer_id="H1", weekly_cost=10.0))
    episodes = episodes_frame(rows)
    children = _children(rows)
    result = compute(rows, [household("H1", "2020-01-01")], end="2025-03-30")
    assert list(result.columns) == indicators.RESULT_COLUMNS
    assert list(dict.fromkeys(result["indicator"])) == [d.key for d in SUPPLY_INDICATORS]
    assert result["period_end"].dtype == "datetime64[ns]"
    assert result["numerator"].dtype == np.int64 and result["denominator"].dtype == np.int64
    measures = compute_indicators(
        episodes=episodes, children=children, population={}, end=pd.Timestamp("2025-03-30")
    )
    assert set(result["period_end"]) == set(measures["period_end"])
    assert len(result) == 4 * len(SUPPLY_INDICATORS)
    # A history built once serves both.
    shared = compute_supply_indicators(
        episodes=episodes,
        children=children,
        carers=carers_frame([household("H1", "2020-01-01")]),
        costs=costs_frame({}),
        end=pd.Timestamp("2025-03-30"),
        history=build_care_history(episodes, children),
    )
    pd.testing.assert_frame_equal(result, shared)


def test_money_indicators_use_the_money_unit_and_are_for_information() -> None:
    money = {d.key for d in SUPPLY_INDICATORS if d.unit == "money"}
    assert money == LISTED_BY_DENOMINATOR
    assert all(BY_KEY[key].polarity == "info" for key in money)


def test_indicators_about_households_have_no_list_of_children() -> None:
    history = build_care_history(episodes_frame(PLACES_ROWS), _children(PLACES_ROWS))
    built = build_supply_history(
        history,
        episodes_frame(PLACES_ROWS),
        carers_frame(PLACES_HOUSEHOLDS),
        costs_frame({}),
    )
    months = MonthRange(first=(2025 - 1970) * 12 + 2, count=1)
    for key, function in SUPPLY_FUNCTIONS.items():
        assert (function(built, months).children is None) == (key in NOT_ABOUT_CHILDREN), key
    with pytest.raises(ValueError) as refused:
        members(PLACES_ROWS, PLACES_HOUSEHOLDS, None, "fostering_households", "2025-03-31")
    assert str(refused.value) == MSG_NOT_ABOUT_CHILDREN.format(indicator="fostering_households")


def test_unknown_indicator_and_a_date_that_is_not_a_month_end_are_refused() -> None:
    with pytest.raises(ValueError, match="There is no indicator cla_count"):
        members(PLACES_ROWS, PLACES_HOUSEHOLDS, None, "cla_count", "2025-03-31")
    with pytest.raises(ValueError, match="not the last day of a month"):
        members(PLACES_ROWS, PLACES_HOUSEHOLDS, None, "places_filled", "2025-03-30")


def test_duplicate_carers_and_negative_costs_are_refused_without_row_contents() -> None:
    twice = [household("SECRET1", "2020-01-01"), household("SECRET1", "2021-01-01")]
    with pytest.raises(ValueError, match="more than one row for 1 CARER_ID") as refused:
        compute(PLACES_ROWS, twice)
    assert "SECRET1" not in str(refused.value)
    with pytest.raises(ValueError, match="cannot be negative: 1 found"):
        compute(COST_ROWS, [], {("A", "2025-01-05"): -5.0})


def test_episodes_without_the_supply_columns_are_refused() -> None:
    rows = chain("A", step("2025-01-05", "S"))
    with pytest.raises(ValueError, match="The episodes frame has no column carer_id, weekly_cost"):
        compute_supply_indicators(
            episodes=base_episodes_frame(rows),
            children=_children(rows),
            carers=carers_frame([]),
            costs=costs_frame({}),
            end=pd.Timestamp("2025-03-31"),
        )


# --- Properties on random histories -------------------------------------------------------------

# H1 often, so that some households have more children than places.
CARER_IDS = ["", "", "H1", "H1", "H1", "H2", "H3", "X9"]
EPISODE_COSTS = [math.nan, math.nan, 0.0, 123.45, 999.99]
EXTRACT_COSTS = [0.0, 75.5, 1500.01]
CARER_TYPES = ["MAINSTREAM", "CONNECTED", "SHORT_BREAKS"]
PROVISIONS = ["IN_HOUSE", "IN_HOUSE", "AGENCY"]


@st.composite
def supply_histories(
    draw: st.DrawFn,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """A random history with CARER_IDs and costs, up to four households, and a costs extract."""
    episodes, children = draw(histories())
    count = len(episodes)
    episodes = episodes.assign(
        carer_id=draw(st.lists(st.sampled_from(CARER_IDS), min_size=count, max_size=count)),
        weekly_cost=draw(st.lists(st.sampled_from(EPISODE_COSTS), min_size=count, max_size=count)),
    )
    households = []
    for number in range(1, draw(st.integers(0, 4)) + 1):
        approved = _boundary_day(draw, draw(st.integers(-400, 2000)))
        deregistered = None
        if draw(st.booleans()):
            deregistered = max(_boundary_day(draw, approved + draw(st.integers(0, 1500))), approved)
        households.append(
            household(
                f"H{number}",
                FIRST_DAY + pd.Timedelta(days=approved),
                None if deregistered is None else FIRST_DAY + pd.Timedelta(days=deregistered),
                places=draw(st.integers(1, 2)),
                carer_type=draw(st.sampled_from(CARER_TYPES)),
                provision=draw(st.sampled_from(PROVISIONS)),
            )
        )
    costed = draw(st.lists(st.integers(0, count - 1), unique=True, max_size=count))
    costs = {
        (episodes["child_id"].iloc[i], episodes["decom"].iloc[i]): draw(
            st.sampled_from(EXTRACT_COSTS)
        )
        for i in costed
    }
    return episodes, children, carers_frame(households), costs_frame(costs)


def compute_random(
    episodes: pd.DataFrame, children: pd.DataFrame, carers: pd.DataFrame, costs: pd.DataFrame
) -> pd.DataFrame:
    return compute_supply_indicators(
        episodes=episodes, children=children, carers=carers, costs=costs, start=START, end=END
    )


def reference_supply(
    episodes: pd.DataFrame, children: pd.DataFrame, carers: pd.DataFrame, costs: pd.DataFrame
) -> dict[tuple[str, pd.Timestamp], tuple[float, int, int]]:
    """(value, numerator, denominator) by (indicator, month end), household by household and
    child by child, month by month, straight from the definitions."""
    stays = {child: _child_history(rows)[0] for child, rows in episodes.groupby("child_id")}
    extract = {(row.child_id, row.decom): row.weekly_cost for row in costs.itertuples(index=False)}
    in_house = [row for row in carers.itertuples(index=False) if row.provision == "IN_HOUSE"]
    result = {}
    for period_end in pd.date_range(START, END, freq="ME"):
        month_start = period_end - pd.offsets.MonthBegin(1)
        approved = {
            h.carer_id: h
            for h in in_house
            if h.approval_date <= period_end
            and (pd.isna(h.deregistration_date) or h.deregistration_date > period_end)
        }
        with_places = {k: h for k, h in approved.items() if h.carer_type != "SHORT_BREAKS"}
        filled: Counter[str] = Counter()
        costs_by_group: dict[str, list[int]] = {key: [] for key in LISTED_BY_DENOMINATOR}
        looked_after = carer_recorded = 0
        for child, child_stays in stays.items():
            now = [
                s
                for s in child_stays
                if s.decom <= period_end and (s.dec is None or s.dec > period_end)
            ]
            if not now:
                continue
            stay = now[0]
            looked_after += 1
            carer_recorded += stay.carer_id != ""
            if stay.place in FOSTERING and stay.carer_id in with_places:
                filled[stay.carer_id] += 1
            cost = extract.get((child, stay.counted_decom), stay.weekly_cost)
            if math.isnan(cost):
                continue
            pence = round(cost * 100)
            costs_by_group["monthly_spend"].append(pence)
            for key, wanted in [
                ("avg_cost_in_house_fostering", stay.place in {"U4", "U5", "U6"}
                 and stay.provider == "PR1"),
                ("avg_cost_agency_fostering", stay.place in {"U4", "U5", "U6"}
                 and stay.provider in {"PR4", "PR5"}),
                ("avg_cost_kinship", stay.place in {"U1", "U2", "U3"}),
                ("avg_cost_childrens_homes", stay.place in {"K1", "K2"}),
                ("avg_cost_supported", stay.place in {"H5", "K3", "P2"}),
            ]:  # fmt: skip
                if wanted:
                    costs_by_group[key].append(pence)

        carers_known = len(carers) > 0
        places_known = carers_known and carer_recorded > 0
        places = sum(h.approved_places for h in with_places.values())
        used = sum(min(n, with_places[k].approved_places) for k, n in filled.items())

        def count(known: bool, number: int) -> tuple[float, int, int]:
            return (float(number), number, number) if known else (math.nan, 0, 0)

        figures = {
            "fostering_households": count(carers_known, len(approved)),
            "carer_approvals": count(
                carers_known, sum(month_start <= h.approval_date <= period_end for h in in_house)
            ),
            "carer_deregistrations": count(
                carers_known,
                sum(
                    pd.notna(h.deregistration_date)
                    and month_start <= h.deregistration_date <= period_end
                    for h in in_house
                ),
            ),
            "approved_places": count(carers_known, places),
            "places_filled": count(places_known, sum(filled.values())),
            "vacancies": count(places_known, places - used),
            "utilisation": (
                100 * used / places if places_known and places else math.nan,
                used if places_known else 0,
                places if places_known else 0,
            ),
            "cost_known_share": (
                100 * len(costs_by_group["monthly_spend"]) / looked_after
                if looked_after
                else math.nan,
                len(costs_by_group["monthly_spend"]),
                looked_after,
            ),
        }
        for key, pences in costs_by_group.items():
            total, number = sum(pences), len(pences)
            if not number:
                figures[key] = (math.nan, 0, 0)
            elif key == "monthly_spend":
                figures[key] = (total * 52 / 12 / 100, total, number)
            else:
                figures[key] = (total / number / 100, total, number)
        for key, figure in figures.items():
            result[(key, period_end)] = figure
    return result


def _same(got: float, expected: float) -> bool:
    if math.isnan(expected):
        return math.isnan(got)
    return math.isclose(got, expected, rel_tol=1e-12, abs_tol=1e-9)


@EXAMPLES
@given(supply_histories())
def test_every_supply_indicator_matches_the_loop_reference(
    history: tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame],
) -> None:
    result = compute_random(*history)
    expected = reference_supply(*history)
    for row in result.itertuples():
        value, numerator, denominator = expected[(row.indicator, row.period_end)]
        where = (row.indicator, row.period_end)
        assert (row.numerator, row.denominator) == (numerator, denominator), where
        assert _same(row.value, value), where


@EXAMPLES
@given(supply_histories())
def test_places_filled_never_exceed_the_children_in_foster_placements(
    history: tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame],
) -> None:
    episodes, children, carers, costs = history
    result = compute_random(*history).set_index(["indicator", "period_end"])
    measures = compute_indicators(
        episodes=episodes, children=children, population={}, start=START, end=END
    ).set_index(["indicator", "period_end"])
    filled = result.loc["places_filled", "numerator"]
    fostered = measures.loc["ifa_share", "denominator"]  # children in U1-U6 at D
    assert (filled <= fostered).all()
    # The places used and the vacancies add up to the approved places, whenever known.
    used = result.loc["utilisation"]
    known = used["denominator"] > 0
    vacant = result.loc["vacancies", "numerator"][known]
    assert (used["numerator"][known] + vacant == used["denominator"][known]).all()
    assert (used["numerator"] <= used["denominator"]).all()
    assert (used["numerator"] <= result.loc["places_filled", "numerator"]).all()
    # Every cost group's children are some of those with a known cost.
    spend = result.loc["monthly_spend", "denominator"]
    assert (result.loc["cost_known_share", "numerator"] == spend).all()
    for key in LISTED_BY_DENOMINATOR:
        assert (result.loc[key, "denominator"] <= spend).all(), key


@EXAMPLES
@given(supply_histories(), st.integers(0, 83))
def test_children_listed_are_as_many_as_the_figure_counts(
    history: tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame], month: int
) -> None:
    episodes, children, carers, costs = history
    period_end = pd.date_range(START, END, freq="ME")[month]
    result = compute_random(*history)
    at_d = result[result["period_end"] == period_end].set_index("indicator")
    arguments = {"episodes": episodes, "children": children, "carers": carers, "costs": costs}
    looked_after = set(episodes.loc[~episodes["ls"].isin(SHORT_BREAKS), "child_id"])
    for key in CHILD_KEYS:
        listed = supply_numerator_children(**arguments, indicator=key, period_end=period_end)
        side = "denominator" if key in LISTED_BY_DENOMINATOR else "numerator"
        assert len(listed) == at_d.loc[key, side], key
        assert listed["child_id"].is_unique and set(listed["child_id"]) <= looked_after, key
        if key in LISTED_BY_DENOMINATOR:
            # Their costs are the figure's numerator, in pence.
            total = round(float((listed["weekly_cost"] * 100).round().sum()))
            assert total == at_d.loc[key, "numerator"], key


# --- A synthetic authority ----------------------------------------------------------------------


def supply_frames(
    episodes: pd.DataFrame, seed: int
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Synthetic carers and costs for a synthetic authority's episodes: the episodes with
    CARER_ID and WEEKLY_COST, every household (in-house and agency), and a costs extract.

    Each foster placement goes to one of a pool of households, so that households take several
    children over the years and now and then more than their approved places; each household
    is approved some months before its first child and (for two thirds) deregistered some
    months after its last. About 85% of episodes have a cost, half of them in the extract.
    """
    rng = np.random.default_rng(seed)
    size = len(episodes)
    place = episodes["place"].to_numpy(dtype=object)
    provider = episodes["place_provider"].fillna("").to_numpy(dtype=object)
    fostered = pd.Series(place).isin(FOSTERING).to_numpy()
    in_house = fostered & (provider == "PR1")
    agency = fostered & ~in_house
    pool = max(int(in_house.sum() // 5), 1)
    number = np.where(in_house, rng.integers(0, pool, size), rng.integers(0, pool // 2 + 1, size))
    prefix = np.where(in_house, "H", "A")
    carer_id = np.where(fostered, np.char.add(prefix.astype(str), number.astype(str)), "")
    # An open episode keeps its household approved: "never" until the maximum is taken.
    never = pd.Timestamp("2262-01-01")
    stays = pd.DataFrame(
        {"carer_id": carer_id, "decom": episodes["decom"], "dec": episodes["dec"].fillna(never)}
    )[fostered]
    spans = stays.groupby("carer_id").agg(first=("decom", "min"), last=("dec", "max"))
    spans["last"] = spans["last"].where(spans["last"] < never)
    count = len(spans)
    approval = spans["first"] - pd.to_timedelta(rng.integers(0, 400, count), unit="D")
    leaves = rng.random(count) < 2 / 3
    deregistration = spans["last"] + pd.to_timedelta(rng.integers(1, 300, count), unit="D")
    deregistration = deregistration.where(leaves & spans["last"].notna())
    carers = pd.DataFrame(
        {
            "carer_id": spans.index.astype(str),
            "carer_type": rng.choice(
                ["MAINSTREAM", "CONNECTED", "SHORT_BREAKS", "SPECIALIST"],
                count,
                p=[0.7, 0.15, 0.05, 0.1],
            ),
            "provision": np.where(spans.index.str.startswith("H"), "IN_HOUSE", "AGENCY"),
            "approval_date": approval.to_numpy(dtype="datetime64[ns]"),
            "deregistration_date": deregistration.to_numpy(dtype="datetime64[ns]"),
            "approved_places": rng.integers(1, 4, count),
        }
    )
    base = np.select(
        [in_house, agency, pd.Series(place).isin({"K1", "K2"}).to_numpy()], [450, 950, 5200], 700
    )
    pounds = np.round(base * rng.lognormal(0, 0.25, size), 2)
    known = rng.random(size) < 0.85
    in_extract = known & (rng.random(size) < 0.5)
    costs = pd.DataFrame(
        {
            "child_id": episodes["child_id"][in_extract].to_numpy(),
            "decom": episodes["decom"][in_extract].to_numpy(dtype="datetime64[ns]"),
            "weekly_cost": pounds[in_extract],
        }
    )
    with_supply = episodes.assign(
        carer_id=carer_id, weekly_cost=np.where(known & ~in_extract, pounds, np.nan)
    )
    return with_supply, carers, costs


def synthetic_frames(
    children_in_care: int, years: int, seed: int, as_at: dt.date
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """A synthetic authority's episodes (as the database gives them, distances unknown),
    children, carers and costs."""
    history = synthetic.generate_history(
        districts=["E09000028"],
        children_in_care=children_in_care,
        years=years,
        seed=seed,
        as_at=as_at,
    )
    raw = history.episodes
    episodes = pd.DataFrame(
        {
            "child_id": raw["CHILD"],
            "decom": pd.to_datetime(raw["DECOM"]).astype("datetime64[ns]"),
            "dec": pd.to_datetime(raw["DEC"]).astype("datetime64[ns]"),
            "rne": raw["RNE"],
            "ls": raw["LS"],
            "place": raw["PLACE"],
            "place_provider": raw["PLACE_PROVIDER"].fillna(""),
            "rec": raw["REC"].fillna(""),
            "pl_post": raw["PL_POST"].fillna(""),
            "urn": raw["URN"].fillna(""),
            "distance": np.nan,
            "outside_la": np.nan,
        }
    )
    children = pd.DataFrame(
        {
            "child_id": history.children["CHILD"],
            "dob": pd.to_datetime(history.children["DOB"]).astype("datetime64[ns]"),
        }
    )
    episodes, carers, costs = supply_frames(episodes, seed)
    return episodes, children, carers, costs


@pytest.fixture(scope="module")
def authority() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    return synthetic_frames(300, 4, 21, dt.date(2025, 6, 30))


def test_synthetic_authority_lists_match_and_figures_are_plausible(
    authority: tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame],
) -> None:
    episodes, children, carers, costs = authority
    arguments = {"episodes": episodes, "children": children, "carers": carers, "costs": costs}
    result = compute_supply_indicators(**arguments, end=pd.Timestamp("2025-06-30"))
    for period_end in map(pd.Timestamp, ["2023-03-31", "2024-10-31", "2025-06-30"]):
        at_d = result[result["period_end"] == period_end].set_index("indicator")
        for key in CHILD_KEYS:
            listed = supply_numerator_children(**arguments, indicator=key, period_end=period_end)
            side = "denominator" if key in LISTED_BY_DENOMINATOR else "numerator"
            assert len(listed) == at_d.loc[key, side], (key, period_end)
        # Big enough for every figure to be tested on real numbers.
        assert at_d.loc["places_filled", "numerator"] > 20
        assert 0 < at_d.loc["vacancies", "numerator"] < at_d.loc["approved_places", "numerator"]
        assert 300 < at_d.loc["avg_cost_in_house_fostering", "value"] < 700
        assert 60 < at_d.loc["cost_known_share", "value"] < 100


def test_costs_of_episodes_no_indicator_counts_are_ignored() -> None:
    rows = [*chain("A", step("2025-01-05", "S")), *chain("S", step("2025-03-25", "S", ls="V4"))]
    # Costs for a short-break stay and for a child with no episode at all.
    costs = {("S", "2025-03-25"): 100.0, ("Z", "2025-01-01"): 50.0}
    result = compute(rows, [], costs, end="2025-03-31")
    assert nan_or(result, "monthly_spend", "2025-03-31") == (None, 0, 0)
    assert at(result, "cost_known_share", "2025-03-31") == (0.0, 0, 1)
