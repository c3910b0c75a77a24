"""Supply, the sufficiency gap and money, beside the forecast of children (docs/forecast.md#supply-gap-and-money).

In-house fostering places are projected from the carers extract: the places of mainstream
in-house households approved at the start, losing places as households deregister and gaining
them as new ones are approved, at the reference period's rates and with their uncertainty. The
gap at a month is the forecast demand minus the capacity, in each simulated future; the chance
of a shortfall is the share of futures in which demand is above capacity. Money is forecast
children times a weekly cost per group.

Pure numpy and pandas (STYLE.md 1).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sufficiency.care_history import MonthRange, month_index

# The households whose places in-house fostering (U4-U6 with the authority's own carers) fills:
# not connected carers (approved for one child, in kinship fostering) or short-break carers.
MAINSTREAM = "MAINSTREAM"
IN_HOUSE = "IN_HOUSE"
WEEKS_PER_MONTH = 52 / 12


@dataclass(frozen=True)
class PlacesHistory:
    """What the projection of in-house places rests on, over a reference period."""

    places_now: int  # places of the mainstream in-house households approved at the start
    households_now: int
    approvals: int  # households approved in the reference period
    places_per_approval: float  # their places, on average
    deregistrations: int  # households deregistered in it
    household_months: int  # households approved at its month ends, summed over the steps


def places_history(carers: pd.DataFrame, reference: MonthRange) -> PlacesHistory:
    """From the carers extract (CARER_COLUMNS of sufficiency.supply_history, dates as
    datetime64): its mainstream in-house households over `reference`."""
    mine = carers[(carers["provision"] == IN_HOUSE) & (carers["carer_type"] == MAINSTREAM)]
    approved = month_index(mine["approval_date"].to_numpy(dtype="datetime64[D]"))
    ended = mine["deregistration_date"].to_numpy(dtype="datetime64[D]")
    until = np.where(np.isnat(ended), np.iinfo(np.int64).max, month_index(ended))
    places = mine["approved_places"].to_numpy(dtype=float)
    first, last = reference.first, reference.first + reference.count - 1
    at_start = (approved <= last) & (last < until)
    new = (approved > first) & (approved <= last)
    gone = (until > first) & (until <= last)
    months = np.arange(first, last)  # the month ends with a step after them
    exposure = int(
        ((approved[None, :] <= months[:, None]) & (months[:, None] < until[None, :])).sum()
    )
    return PlacesHistory(
        places_now=int(places[at_start].sum()),
        households_now=int(at_start.sum()),
        approvals=int(new.sum()),
        places_per_approval=float(places[new].mean())
        if new.any()
        else float(places.mean() if len(places) else 1.0),
        deregistrations=int(gone.sum()),
        household_months=exposure,
    )


def project_places(
    history: PlacesHistory,
    *,
    steps: int,
    months: int,
    futures: int,
    rng: np.random.Generator,
    extra_households_a_year: float = 0.0,
) -> np.ndarray:
    """In-house places in each future, (futures, months + 1), from `history` estimated over
    `steps` monthly steps. Each future draws its approval rate (Gamma) and its chance that a
    household deregisters in a month (Beta), then gains places as Poisson approvals times the
    places per approval and loses each place with that chance: households leave with their
    places. `extra_households_a_year` (a scenario) adds approvals at that yearly rate."""
    steps = max(steps, 1)
    approval_rate = rng.gamma(history.approvals + 0.5, size=futures) / steps
    approval_rate = approval_rate + extra_households_a_year / 12
    leave = rng.beta(
        history.deregistrations + 0.5,
        max(history.household_months - history.deregistrations, 0) + 0.5,
        size=futures,
    )
    places = np.zeros((futures, months + 1), dtype=np.int64)
    places[:, 0] = history.places_now
    for month in range(1, months + 1):
        lost = rng.binomial(places[:, month - 1], leave)
        approved = rng.poisson(approval_rate)
        gained = np.rint(approved * history.places_per_approval).astype(np.int64)
        places[:, month] = places[:, month - 1] - lost + gained
    return places


@dataclass(frozen=True)
class Gap:
    """Demand against capacity per month end: `frame` has period_end, demand (mean), capacity
    (mean), gap (mean of demand minus capacity) and shortfall_chance (share of futures with
    demand above capacity)."""

    frame: pd.DataFrame


def gap(demand: np.ndarray, capacity: np.ndarray, months: MonthRange) -> Gap:
    """The gap between simulated demand and capacity, both (futures, months)."""
    difference = demand - capacity
    return Gap(
        pd.DataFrame(
            {
                "period_end": pd.DatetimeIndex(months.period_ends()),
                "demand": demand.mean(axis=0),
                "capacity": capacity.mean(axis=0),
                "gap": difference.mean(axis=0),
                "shortfall_chance": (difference > 0).mean(axis=0),
            }
        )
    )


def spend_by_financial_year(
    paths: Mapping[str, np.ndarray],
    weekly_costs: Mapping[str, float],
    months: MonthRange,
    *,
    inflation: float = 0.0,
) -> pd.DataFrame:
    """Forecast spend per group and financial year (April to March): each future's children in
    the group at each month end, times its weekly cost, times the weeks in a month, with costs
    rising by `inflation` a year from the start. Columns: year (the April it starts in), group,
    mean, lower_80, upper_80. The start's own month is not counted (it has happened); groups
    without a cost are left out (the caller says which data they need)."""
    month_numbers = np.arange(months.first, months.first + months.count)
    years = (month_numbers - 3) // 12 + 1970  # the April each month's financial year starts in
    rising = (1 + inflation) ** (np.arange(months.count) / 12)
    rows = []
    for group, cost in weekly_costs.items():
        if group not in paths:
            continue
        monthly = paths[group] * cost * WEEKS_PER_MONTH * rising  # (futures, months)
        for year in np.unique(years[1:]):
            chosen = np.flatnonzero(years == year)
            chosen = chosen[chosen > 0]
            total = monthly[:, chosen].sum(axis=1)
            low, high = np.quantile(total, (0.10, 0.90))
            rows.append(
                {
                    "year": int(year),
                    "group": group,
                    "months": len(chosen),
                    "mean": float(total.mean()),
                    "lower_80": float(low),
                    "upper_80": float(high),
                }
            )
    return pd.DataFrame(rows, columns=["year", "group", "months", "mean", "lower_80", "upper_80"])
