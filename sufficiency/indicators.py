"""The entry points of the indicator engine: every indicator at every month end, and the
children behind one number.

Pure pandas and numpy (STYLE.md 1): no ORM, settings, request or I/O. `compute_indicators`
computes the 903 indicators from the stored episodes, the children and the population;
`compute_supply_indicators` the supply ones, from the foster carers and placement costs as well.
Both return one row per indicator and month end with its value, numerator and denominator, in
the registry's order. `numerator_children` and `supply_numerator_children` list the children
behind one of them at one month end, from the same rule as the count. What each indicator
means, and its rule, is its declaration in `sufficiency/measures/` (read through
`sufficiency.registry`).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from sufficiency.care_history import (
    RATE_PER,
    CareHistory,
    Counts,
    MonthRange,
    build_care_history,
    members_frame,
    month_index,
    month_range,
)
from sufficiency.registry import BY_KEY, SSDA903_INDICATORS, SUPPLY_INDICATORS
from sufficiency.supply_history import (
    PENCE_PER_POUND,
    SUPPLY_MEMBER_COLUMNS,
    Figure,
    build_supply_history,
)

RESULT_COLUMNS = ["indicator", "period_end", "value", "numerator", "denominator"]

MSG_UNKNOWN_INDICATOR = "There is no indicator {indicator}."
MSG_NOT_MONTH_END = "Indicators are counted at month ends; {date} is not the last day of a month."
MSG_NOT_ABOUT_CHILDREN = (
    "{indicator} counts foster carer households or places, not children: there is no list of "
    "children behind it."
)

# The indicators about households or places: no children behind them to list.
NOT_ABOUT_CHILDREN = frozenset(
    i.key for i in (*SSDA903_INDICATORS, *SUPPLY_INDICATORS) if not i.lists_children
)


def compute_indicators(
    *,
    episodes: pd.DataFrame,
    children: pd.DataFrame,
    population: dict[int, int],
    start: pd.Timestamp | None = None,
    end: pd.Timestamp,
    history: CareHistory | None = None,
) -> pd.DataFrame:
    """Every 903 indicator at every month end from the month of `start` to the last on or before
    `end` (the supply indicators are `compute_supply_indicators`').

    `episodes`: the stored episodes of one authority (child_id, decom, dec, rne, ls, place,
    place_provider, rec, pl_post, distance in miles or NaN, outside_la 1/0/NaN); `children`:
    child_id and dob; `population`: the 0-17 mid-year estimate by year. Without `start` the
    first month is that of the earliest DECOM. `history`: `build_care_history(episodes,
    children)` when the caller has built it already, to share it with the supply indicators
    (building it is most of the work); built here otherwise.

    Returns one row per indicator (catalogue order) and month end: indicator, period_end,
    value (a percentage 0-100 unrounded, a whole-number rate, or a count; NaN when a
    percentage or rate has a zero denominator), numerator and denominator (whole numbers; a
    count's denominator is the count itself, cla_rate's the population, 0 when unknown).
    """
    if history is None:
        history = build_care_history(episodes, children)
    months = month_range(start, end, history.first_month)
    results = {i.key: i.rule(history).counts(months, population) for i in SSDA903_INDICATORS}
    return _results_frame(results, months)


def numerator_children(
    *,
    episodes: pd.DataFrame,
    children: pd.DataFrame,
    indicator: str,
    period_end: dt.date | pd.Timestamp,
) -> pd.DataFrame:
    """The children counted in `indicator`'s numerator at the month end D = `period_end`.

    `episodes` and `children` as for `compute_indicators`; `episodes` may also have a `urn`
    column. The rows are exactly those behind the numerator `compute_indicators` gives at D
    (both come from the indicator's `Rule`), one per child, in child_id order. The monthly
    flows `starters` and `ceased` count periods of care, so a child who started (or ceased)
    twice in the month has two rows. For cla_rate the children are those of cla_count.

    Columns: child_id; age (whole years at D); place and provider (the placement type and
    PLACE_PROVIDER counted at D: for a temporary T0-T4 episode, the placement before it); urn
    (the URN of the episode whose details count, blank without a `urn` column); distance
    (miles, NaN when not known); outside_la (pandas boolean, <NA> when not known);
    placement_start and period_start (when the placement and the period of care counted
    began, as the indicators define them); event_date (for the flows, the DECOM of the start
    or the DEC of the end counted, NaT for the other indicators). For the flows the row is the
    episode that started or ended the period: for an end, the placement and period that ended.
    """
    declared = BY_KEY.get(indicator)
    if declared is None or declared.family != "ssda903":
        raise ValueError(MSG_UNKNOWN_INDICATOR.format(indicator=indicator))
    day = pd.Timestamp(period_end)
    if not day.is_month_end:
        raise ValueError(MSG_NOT_MONTH_END.format(date=day.date().isoformat()))
    history = build_care_history(episodes, children)
    numerator = declared.rule(history).numerator
    rows = numerator.rows_at(int(month_index(np.datetime64(day.date(), "D"))))
    return members_frame(history, episodes, rows, numerator.event, day)


def compute_supply_indicators(
    *,
    episodes: pd.DataFrame,
    children: pd.DataFrame,
    carers: pd.DataFrame,
    costs: pd.DataFrame,
    start: pd.Timestamp | None = None,
    end: pd.Timestamp,
    history: CareHistory | None = None,
) -> pd.DataFrame:
    """Every supply indicator at every month end from the month of `start` (without it, the
    month of the earliest DECOM, as for the 903 indicators) to the last on or before `end`.

    `episodes` and `children` as for `compute_indicators`, the episodes with SUPPLY_EPISODE_
    COLUMNS too; `carers`: every foster carer household of the authority (CARER_COLUMNS);
    `costs`: the costs extract's rows (COST_COLUMNS, weekly_cost in pounds). `history`: their
    `build_care_history` when the caller has built it already (built here otherwise).

    Returns RESULT_COLUMNS, one row per indicator (catalogue order) and month end: counts as
    counts (their own denominator; no value, 0 and 0 where not known), percentages 0-100,
    money in pounds (an average: numerator the total weekly cost in pence, denominator the
    children with a known cost; monthly_spend: numerator a week's cost in pence), NaN where
    there is nothing to divide by.
    """
    if history is None:
        history = build_care_history(episodes, children)
    months = month_range(start, end, history.first_month)
    supply = build_supply_history(history, episodes, carers, costs)
    keys = [declared.key for declared in SUPPLY_INDICATORS]
    figures: list[Figure] = [declared.rule(supply, months) for declared in SUPPLY_INDICATORS]
    return pd.DataFrame(
        {
            "indicator": np.repeat(keys, months.count).astype(object),
            "period_end": np.tile(months.period_ends(), len(keys)),
            "value": np.concatenate([f.value for f in figures]).astype(float),
            "numerator": np.concatenate([f.numerator for f in figures]).astype(np.int64),
            "denominator": np.concatenate([f.denominator for f in figures]).astype(np.int64),
        },
        columns=RESULT_COLUMNS,
    )


def supply_numerator_children(
    *,
    episodes: pd.DataFrame,
    children: pd.DataFrame,
    carers: pd.DataFrame,
    costs: pd.DataFrame,
    indicator: str,
    period_end: dt.date | pd.Timestamp,
) -> pd.DataFrame:
    """The children behind a supply indicator at the month end D = `period_end`.

    Frames as for `compute_supply_indicators` (`episodes` may have a `urn` column). For
    places_filled and cost_known_share, the children counted in the numerator; for an average
    cost and monthly_spend, the children whose weekly costs are added up (as many as the
    denominator). Columns SUPPLY_MEMBER_COLUMNS: those of `numerator_children`, and the
    CARER_ID and weekly cost (pounds, NaN when unknown) of the episode counted at D; one row
    per child, in child_id order. Raises ValueError for an unknown indicator, a date that is
    not a month end, or an indicator about households or places (NOT_ABOUT_CHILDREN).
    """
    declared = BY_KEY.get(indicator)
    if declared is None or declared.family != "supply":
        raise ValueError(MSG_UNKNOWN_INDICATOR.format(indicator=indicator))
    if not declared.lists_children:
        raise ValueError(MSG_NOT_ABOUT_CHILDREN.format(indicator=indicator))
    day = pd.Timestamp(period_end)
    if not day.is_month_end:
        raise ValueError(MSG_NOT_MONTH_END.format(date=day.date().isoformat()))
    month = int(month_index(np.datetime64(day.date(), "D")))
    history = build_care_history(episodes, children)
    supply = build_supply_history(history, episodes, carers, costs)
    figure: Figure = declared.rule(supply, MonthRange(first=month, count=1))
    assert figure.children is not None  # lists_children is False for the others
    rows = figure.children.rows_at(month)
    frame = members_frame(history, episodes, rows, None, day)
    # A child has one row open at D, so the child id finds the row's carer and cost.
    child_ids = history.child_ids[history.child[rows]]
    frame["carer_id"] = frame["child_id"].map(pd.Series(supply.carer_id[rows], index=child_ids))
    weekly = pd.Series(supply.cost[rows] / PENCE_PER_POUND, index=child_ids)
    frame["weekly_cost"] = frame["child_id"].map(weekly).astype(float)
    return frame[SUPPLY_MEMBER_COLUMNS]


def _results_frame(results: dict[str, Counts], months: MonthRange) -> pd.DataFrame:
    numerators, denominators, values = [], [], []
    for definition in SSDA903_INDICATORS:
        counts = results[definition.key]
        numerator = counts.numerator.astype(np.int64)
        denominator = counts.denominator.astype(np.int64)
        if definition.unit == "count":
            value = numerator.astype(float)
        elif definition.unit == "percent":
            value = _ratio(100 * numerator, denominator)
        else:
            value = _rounded_rate(numerator, denominator)
        numerators.append(numerator)
        denominators.append(denominator)
        values.append(value)
    return pd.DataFrame(
        {
            "indicator": np.repeat([d.key for d in SSDA903_INDICATORS], months.count).astype(
                object
            ),
            "period_end": np.tile(months.period_ends(), len(SSDA903_INDICATORS)),
            "value": np.concatenate(values).astype(float),
            "numerator": np.concatenate(numerators).astype(np.int64),
            "denominator": np.concatenate(denominators).astype(np.int64),
        },
        columns=RESULT_COLUMNS,
    )


def _ratio(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    safe = np.where(denominator > 0, denominator, 1)
    return np.where(denominator > 0, numerator / safe, np.nan)


def _rounded_rate(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    # Whole numbers, halves up (decision rate-rounding), in integers so that an exact half
    # is never lost to floating point: floor(n * 10000 / d + 1/2).
    safe = np.where(denominator > 0, denominator, 1)
    rate = (numerator * 2 * RATE_PER + safe) // (2 * safe)
    return np.where(denominator > 0, rate.astype(float), np.nan)
