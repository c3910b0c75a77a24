"""The children behind a number: `numerator_children` lists exactly whom a numerator counts.

Hand-worked cases first (each with the naive reading that would list someone else), then
properties on random histories against the loop reference of test_indicator_properties, then
every indicator at several month ends of a synthetic authority.
"""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from placements import postcodes, synthetic
from sufficiency.care_history import MEMBER_COLUMNS
from sufficiency.indicators import (
    MSG_NOT_MONTH_END,
    MSG_UNKNOWN_INDICATOR,
    compute_indicators,
    numerator_children,
)
from sufficiency.registry import SSDA903_INDICATORS
from tests.sufficiency.test_indicator_properties import (
    END,
    EXAMPLES,
    SHORT_BREAKS,
    START,
    _child_history,
    histories,
)
from tests.sufficiency.test_indicators import Row, chain, children_frame, episodes_frame, step

# Counts of periods of care, not of children: a child can be listed once per period.
PERIOD_FLOWS = {"starters", "ceased"}
KEYS = [definition.key for definition in SSDA903_INDICATORS]


def members(
    rows: list[Row],
    indicator: str,
    period_end: str,
    dobs: dict[str, str] | None = None,
) -> pd.DataFrame:
    children = {row["child_id"]: "2015-01-01" for row in rows}
    children.update(dobs or {})
    return numerator_children(
        episodes=episodes_frame(rows),
        children=children_frame(children),
        indicator=indicator,
        period_end=pd.Timestamp(period_end),
    )


def ids(frame: pd.DataFrame) -> list[str]:
    return list(frame["child_id"])


# --- Hand-worked cases ----------------------------------------------------------------------


def test_members_in_temporary_placement_show_the_placement_before() -> None:
    # A: U4 with a private agency 25.3 miles away outside the LA (URN SC111111), hospital (T0)
    # from 20 March, back to the same carer on 2 April: one placement since June 2024.
    usual = {
        "place_provider": "PR4",
        "pl_post": "ME1 1AA",
        "distance": 25.3,
        "outside_la": 1.0,
        "urn": "SC111111",
    }
    rows = chain(
        "A",
        step("2024-06-01", "S", "U4", **usual),
        step("2025-03-20", "P", "T0", pl_post="ME1 1AA", distance=np.nan, outside_la=np.nan),
        step("2025-04-02", "P", "U4", **usual),
    )
    for row in rows:
        row.setdefault("urn", "")

    at_d = members(rows, "cla_count", "2025-03-31")

    # Naive (the T0 episode as it stands): T0, no provider, no URN, distance unknown, a
    # placement from 20 March.
    assert at_d.to_dict("records") == [
        {
            "child_id": "A",
            "age": 10,
            "place": "U4",
            "provider": "PR4",
            "urn": "SC111111",
            "distance": 25.3,
            "outside_la": True,
            "placement_start": pd.Timestamp("2024-06-01"),
            "period_start": pd.Timestamp("2024-06-01"),
            "event_date": pd.NaT,
        }
    ]
    assert ids(members(rows, "ifa_share", "2025-03-31")) == ["A"]
    assert ids(members(rows, "distance_20_miles", "2025-03-31")) == ["A"]
    assert ids(members(rows, "distance_unknown", "2025-03-31")) == []
    # Back with the same carer: still the placement that began in June 2024.
    april = members(rows, "cla_count", "2025-04-30")
    assert april.loc[0, "placement_start"] == pd.Timestamp("2024-06-01")


def test_members_episode_ending_on_d_is_not_counted_but_ceased() -> None:
    rows = [
        # A's period ends on D itself; B is still looked after; C leaves the day after D.
        *chain("A", step("2024-01-10", "S"), end="2025-03-31"),
        *chain("B", step("2024-02-01", "S")),
        *chain("C", step("2024-03-01", "S"), end="2025-04-01"),
    ]

    # Naive DEC >= D would list A too.
    assert ids(members(rows, "cla_count", "2025-03-31")) == ["B", "C"]
    leavers = members(rows, "ceased", "2025-03-31")
    assert ids(leavers) == ["A"]
    assert leavers.loc[0, "event_date"] == pd.Timestamp("2025-03-31")
    assert leavers.loc[0, "period_start"] == pd.Timestamp("2024-01-10")
    assert ids(members(rows, "ceased_12m", "2025-03-31")) == ["A"]
    assert ids(members(rows, "ceased", "2025-04-30")) == ["C"]


def test_members_leave_out_short_breaks() -> None:
    rows = [
        *chain("A", step("2025-03-05", "S")),
        # B on short breaks at D in a children's home; C's V4 stay ended in March.
        *chain("B", step("2025-03-20", "S", "K2", ls="V3")),
        *chain("C", step("2025-02-27", "S", "U6", ls="V4"), end="2025-03-02"),
    ]

    assert ids(members(rows, "cla_count", "2025-03-31")) == ["A"]
    assert ids(members(rows, "residential_count", "2025-03-31")) == []
    assert ids(members(rows, "starters", "2025-03-31")) == ["A"]
    assert ids(members(rows, "starters_12m", "2025-03-31")) == ["A"]
    assert ids(members(rows, "ceased", "2025-03-31")) == []
    assert ids(members(rows, "ceased_12m", "2025-03-31")) == []


def test_members_of_12_month_flows_are_the_first_start_and_the_last_end() -> None:
    # A starts in May 2024, goes home in June, starts again in November and goes home in
    # February. D = 31 March 2025: both starts and both ends are in the 12 months.
    rows = [
        *chain("A", step("2024-05-01", "S", "K2"), end="2024-06-30"),
        *chain("A", step("2024-11-05", "S", "U4"), end="2025-02-10"),
    ]

    started = members(rows, "starters_12m", "2025-03-31")
    ceased = members(rows, "ceased_12m", "2025-03-31")

    # Once each (naive, one row per period: twice), with the first start as the DfE counts
    # it (naive "latest": 5 November) and the last end (naive "first": 30 June).
    assert ids(started) == ["A"] and ids(ceased) == ["A"]
    assert started.loc[0, ["event_date", "period_start", "place"]].tolist() == [
        pd.Timestamp("2024-05-01"),
        pd.Timestamp("2024-05-01"),
        "K2",
    ]
    assert ceased.loc[0, ["event_date", "period_start", "place"]].tolist() == [
        pd.Timestamp("2025-02-10"),
        pd.Timestamp("2024-11-05"),
        "U4",
    ]
    # 31 May 2025 (1 June 2024 - 31 May 2025): the May start has left the 12 months, so the
    # November one is the first; the June end is still in, but February's is the last.
    june_on = members(rows, "starters_12m", "2025-05-31")
    assert june_on.loc[0, "event_date"] == pd.Timestamp("2024-11-05")
    # Each month's own flow lists each period once.
    assert ids(members(rows, "starters", "2024-11-30")) == ["A"]
    assert ids(members(rows, "starters", "2025-03-31")) == []


def test_members_age_is_whole_years_at_d() -> None:
    # Both in care since 2020. X is 16 on 1 April 2025, the day after D; Y on 31 March, D.
    rows = [*chain("X", step("2020-01-01", "S")), *chain("Y", step("2020-01-01", "S"))]
    dobs = {"X": "2009-04-01", "Y": "2009-03-31"}

    looked_after = members(rows, "cla_count", "2025-03-31", dobs)

    # 15 and 16 (naive difference of the years: 16 and 16).
    assert looked_after[["child_id", "age"]].to_numpy().tolist() == [["X", 15], ["Y", 16]]
    # Only the child under 16 is in long-term stability's numerator.
    assert ids(members(rows, "long_term_stability", "2025-03-31", dobs)) == ["X"]
    # Born on 29 February 2012: still 12 on 28 February 2025, the birthday comes on 1 March
    # (naive "DOB plus 13 years is 28 February": 13).
    leap = members(rows, "cla_count", "2025-02-28", {"X": "2012-02-29", "Y": "2012-03-01"})
    assert leap["age"].tolist() == [12, 12]
    assert members(rows, "cla_count", "2025-03-31", {"X": "2012-02-29"}).loc[0, "age"] == 13


def test_members_placed_for_adoption_show_the_adoptive_placement_start() -> None:
    # A: a carer from 1 December 2022, then a new adopter (A4, RNE P) from 15 January 2024.
    # Stable at 31 March 2025 through the placement before the adopter (decision
    # adoption-clause); the placement shown is the adoptive one, the current placement.
    rows = chain(
        "A",
        step("2021-06-01", "S", pl_post="SE1 1AA"),
        step("2022-12-01", "P", pl_post="SE2 2AA"),
        step("2024-01-15", "P", "A4", pl_post="SE3 3AA"),
    )

    stable = members(rows, "long_term_stability", "2025-03-31", {"A": "2020-01-01"})

    assert stable[["child_id", "place", "placement_start", "period_start"]].to_numpy().tolist() == [
        ["A", "A4", pd.Timestamp("2024-01-15"), pd.Timestamp("2021-06-01")]
    ]


def test_members_of_cla_rate_are_those_of_cla_count() -> None:
    rows = [*chain("B", step("2024-02-01", "S")), *chain("A", step("2024-03-01", "S"))]

    rate = members(rows, "cla_rate", "2025-03-31")

    pd.testing.assert_frame_equal(rate, members(rows, "cla_count", "2025-03-31"))
    assert ids(rate) == ["A", "B"]  # in child_id order


def test_members_without_urn_column_have_blank_urn_and_typed_columns() -> None:
    rows = chain("A", step("2025-01-10", "S", distance=np.nan, outside_la=np.nan))

    frame = members(rows, "cla_count", "2025-03-31")

    assert list(frame.columns) == MEMBER_COLUMNS
    assert frame.loc[0, "urn"] == ""
    assert math.isnan(frame.loc[0, "distance"]) and pd.isna(frame.loc[0, "outside_la"])
    assert frame["age"].dtype == np.int64
    assert frame["outside_la"].dtype == "boolean"
    for column in ("placement_start", "period_start", "event_date"):
        assert frame[column].dtype == "datetime64[ns]", column


def test_members_refuse_unknown_indicator_and_day_that_is_not_a_month_end() -> None:
    rows = chain("A", step("2025-01-10", "S"))

    with pytest.raises(ValueError) as unknown:
        members(rows, "cla_cuont", "2025-03-31")
    assert str(unknown.value) == MSG_UNKNOWN_INDICATOR.format(indicator="cla_cuont")
    with pytest.raises(ValueError) as not_month_end:
        members(rows, "cla_count", "2025-03-30")
    assert str(not_month_end.value) == MSG_NOT_MONTH_END.format(date="2025-03-30")


# --- Properties against the loop reference --------------------------------------------------


def _numerators(result: pd.DataFrame, period_end: pd.Timestamp) -> dict[str, int]:
    rows = result[result["period_end"] == period_end]
    return dict(zip(rows["indicator"], rows["numerator"], strict=True))


@EXAMPLES
@given(histories(), st.integers(0, 83))
def test_members_are_as_many_as_the_numerator_for_every_indicator(
    history: tuple[pd.DataFrame, pd.DataFrame], month: int
) -> None:
    episodes, children = history
    period_end = pd.date_range(START, END, freq="ME")[month]
    result = compute_indicators(
        episodes=episodes, children=children, population={}, start=START, end=END
    )
    numerators = _numerators(result, period_end)
    listed = {
        key: numerator_children(
            episodes=episodes, children=children, indicator=key, period_end=period_end
        )
        for key in KEYS
    }
    looked_after = set(listed["cla_count"]["child_id"])
    for key, frame in listed.items():
        assert len(frame) == numerators[key], key
        assert list(frame["child_id"]) == sorted(frame["child_id"]), key
        if key in PERIOD_FLOWS:
            assert not frame.duplicated(["child_id", "event_date"]).any(), key
            continue
        assert frame["child_id"].is_unique, key
        if key not in {"starters_12m", "ceased_12m"}:
            # Every stock indicator counts children looked after at D, nobody else.
            assert set(frame["child_id"]) <= looked_after, key


@EXAMPLES
@given(histories(), st.integers(0, 83))
def test_members_details_match_the_loop_reference(
    history: tuple[pd.DataFrame, pd.DataFrame], month: int
) -> None:
    episodes, children = history
    period_end = pd.date_range(START, END, freq="ME")[month]
    window_first_day = period_end - pd.offsets.MonthEnd(12) + pd.Timedelta(days=1)

    def listed(key: str) -> pd.DataFrame:
        return numerator_children(
            episodes=episodes, children=children, indicator=key, period_end=period_end
        ).set_index("child_id")

    # Looked after at D: the child's stay open at D, with the placement it is counted in.
    expected = {}
    for child, rows in episodes.groupby("child_id"):
        stays, placements = _child_history(rows)
        for stay in stays:
            if stay.decom <= period_end and (stay.dec is None or stay.dec > period_end):
                expected[child] = (
                    stay.place,
                    stay.provider,
                    placements[stay.placement].start,
                    stay.period_start,
                )
    got = listed("cla_count")
    assert {
        child: (row.place, row.provider, row.placement_start, row.period_start)
        for child, row in got.iterrows()
    } == expected

    # The 12-month flows: each child once, with the first start and the last end.
    care = episodes[~episodes["ls"].isin(SHORT_BREAKS)]
    starts = care[(care["rne"] == "S") & care["decom"].between(window_first_day, period_end)]
    ends = care[(care["rec"] != "X1") & care["dec"].between(window_first_day, period_end)]
    assert listed("starters_12m")["event_date"].to_dict() == (
        starts.groupby("child_id")["decom"].min().to_dict()
    )
    assert listed("ceased_12m")["event_date"].to_dict() == (
        ends.groupby("child_id")["dec"].max().to_dict()
    )


# --- A synthetic authority ------------------------------------------------------------------

SOUTHWARK = ["E09000028"]
MONTH_ENDS = ["2023-03-31", "2024-02-29", "2024-03-31", "2024-10-31", "2025-03-31", "2025-06-30"]


@pytest.fixture(scope="module")
def authority() -> tuple[pd.DataFrame, pd.DataFrame]:
    """A synthetic authority's history in the form the database gives (with URNs)."""
    history = synthetic.generate_history(
        districts=SOUTHWARK, children_in_care=300, years=4, seed=21, as_at=dt.date(2025, 6, 30)
    )
    raw = history.episodes
    distances = postcodes.placement_distances(
        home_post=raw["HOME_POST"].fillna(""),
        pl_post=raw["PL_POST"].fillna(""),
        pl_distance=pd.Series(np.nan, index=raw.index),
        districts=SOUTHWARK,
    )
    episodes = pd.DataFrame(
        {
            "child_id": raw["CHILD"],
            "decom": pd.to_datetime(raw["DECOM"]).astype("datetime64[ns]"),
            "dec": pd.to_datetime(raw["DEC"]).astype("datetime64[ns]"),
            "rne": raw["RNE"],
            "ls": raw["LS"],
            "place": raw["PLACE"],
            "place_provider": raw["PLACE_PROVIDER"],
            "rec": raw["REC"].fillna(""),
            "pl_post": raw["PL_POST"],
            "urn": raw["URN"],
            "distance": distances["distance"],
            "outside_la": distances["outside_la"],
        }
    )
    children = pd.DataFrame(
        {
            "child_id": history.children["CHILD"],
            "dob": pd.to_datetime(history.children["DOB"]).astype("datetime64[ns]"),
        }
    )
    return episodes, children


def test_members_of_a_synthetic_authority_match_every_numerator(
    authority: tuple[pd.DataFrame, pd.DataFrame],
) -> None:
    episodes, children = authority
    result = compute_indicators(
        episodes=episodes, children=children, population={}, end=pd.Timestamp("2025-06-30")
    )
    for period_end in map(pd.Timestamp, MONTH_ENDS):
        numerators = _numerators(result, period_end)
        for key in KEYS:
            frame = numerator_children(
                episodes=episodes, children=children, indicator=key, period_end=period_end
            )
            assert len(frame) == numerators[key], (key, period_end)
            unique = ["child_id", "event_date"] if key in PERIOD_FLOWS else ["child_id"]
            assert not frame.duplicated(unique).any(), (key, period_end)
        # The authority is big enough for every list to be tested on real numbers.
        assert numerators["cla_count"] > 200 and numerators["starters_12m"] > 50
    # Registered placements carry their URN to the list.
    homes = numerator_children(
        episodes=episodes,
        children=children,
        indicator="residential_count",
        period_end=pd.Timestamp("2025-03-31"),
    )
    assert len(homes) > 0 and (homes["urn"] != "").all()
