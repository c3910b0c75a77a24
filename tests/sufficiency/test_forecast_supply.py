"""In-house places, the gap and money beside the forecast, against cases worked out by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd

from sufficiency.care_history import MonthRange, month_index
from sufficiency.forecast.supply import (
    PlacesHistory,
    gap,
    places_history,
    project_places,
    spend_by_financial_year,
)


def _month(day: str) -> int:
    return int(month_index(np.datetime64(day)))


def test_places_history_counts_mainstream_in_house_households_only() -> None:
    carers = pd.DataFrame(
        {
            "carer_id": ["A", "B", "C", "D", "E"],
            "carer_type": ["MAINSTREAM", "MAINSTREAM", "CONNECTED", "MAINSTREAM", "MAINSTREAM"],
            "provision": ["IN_HOUSE", "IN_HOUSE", "IN_HOUSE", "AGENCY", "IN_HOUSE"],
            "approval_date": pd.to_datetime(
                ["2020-01-10", "2024-06-01", "2021-01-01", "2021-01-01", "2019-05-05"]
            ),
            "deregistration_date": pd.to_datetime([None, None, None, None, "2024-09-15"]),
            "approved_places": [2, 3, 1, 4, 2],
        }
    )
    first = _month("2024-03-31")
    reference = MonthRange(first=first, count=13)  # March 2024 to March 2025: 12 steps
    history = places_history(carers, reference)
    # At 31 March 2025: A (2) and B (3); E left in September, C is connected, D an agency's.
    assert (history.places_now, history.households_now) == (5, 2)
    assert (history.approvals, history.places_per_approval) == (1, 3.0)
    assert history.deregistrations == 1
    # Household-months at the 12 month ends with a step after them (March 2024 to February
    # 2025): A all 12, B from June (9), E March to August (6).
    assert history.household_months == 12 + 9 + 6


def test_places_follow_the_approval_and_leaving_rates() -> None:
    history = PlacesHistory(
        places_now=200, households_now=100, approvals=120_000, places_per_approval=2.0,
        deregistrations=100_000, household_months=10_000_000,
    )  # fmt: skip
    rng = np.random.default_rng(2)
    places = project_places(history, steps=60_000, months=24, futures=2000, rng=rng)
    # Each month a place stays with chance 0.99 and 2 approvals a month bring 4 places.
    expected = 200.0
    for _ in range(24):
        expected = expected * 0.99 + 4
    assert places[:, 0].tolist() == [200] * 2000
    assert abs(places[:, 24].mean() / expected - 1) < 0.01


def test_places_without_approvals_or_departures_stay_put_and_a_scenario_adds_some() -> None:
    history = PlacesHistory(
        places_now=50, households_now=25, approvals=0, places_per_approval=2.0,
        deregistrations=0, household_months=1_000_000_000,
    )  # fmt: skip
    rng = np.random.default_rng(0)
    steady = project_places(history, steps=1_000_000, months=12, futures=200, rng=rng)
    assert (steady[:, 12] >= 49).mean() > 0.99
    more = project_places(
        history, steps=1_000_000, months=12, futures=2000, rng=rng, extra_households_a_year=6
    )
    assert abs(more[:, 12].mean() - (50 + 6 * 2)) < 1.0


def test_the_gap_and_the_chance_of_a_shortfall() -> None:
    months = MonthRange(first=_month("2025-03-31"), count=2)
    demand = np.array([[10, 12], [10, 8], [10, 15], [10, 9]])
    capacity = np.full((4, 2), 10)
    frame = gap(demand, capacity, months).frame
    assert frame["period_end"].dt.strftime("%Y-%m-%d").tolist() == ["2025-03-31", "2025-04-30"]
    assert frame["gap"].tolist() == [0.0, 1.0]
    assert frame["shortfall_chance"].tolist() == [0.0, 0.5]


def test_spend_by_financial_year_is_children_times_weekly_cost() -> None:
    # From 31 March 2025 for 24 months: 2025-26 is April to March, 12 month ends.
    months = MonthRange(first=_month("2025-03-31"), count=25)
    paths = {"in_house_fostering": np.full((10, 25), 10.0)}
    spend = spend_by_financial_year(paths, {"in_house_fostering": 100.0}, months)
    first = spend.iloc[0]
    assert (first["year"], first["months"]) == (2025, 12)
    assert abs(first["mean"] - 10 * 100 * 52) < 1e-6
    with_inflation = spend_by_financial_year(
        paths, {"in_house_fostering": 100.0}, months, inflation=0.05
    )
    second_year = with_inflation[with_inflation["year"] == 2026].iloc[0]
    assert second_year["mean"] > 1.05 * 10 * 100 * 52
