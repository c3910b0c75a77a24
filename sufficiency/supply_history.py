"""The supply side's history: the authority's foster carer households, and each care-history
row's carer and weekly cost, ready to be counted at any month end.

Pure pandas and numpy (STYLE.md 1): no ORM, settings, request or I/O. The supply indicators'
rules (`sufficiency/measures/supply.py`) read a `SupplyHistory` and return a `Figure`;
docs/supply.md says what the product makes of carers, places and costs.

How: it is built on the 903 indicators' `CareHistory`, so "looked after at D", short breaks and
temporary placements mean exactly what they mean there, and the groups of children are those
rules' own. A child's carer and cost at D are those of the episode whose details count at D
(`CareHistory.counted_row`: for a temporary placement, the placement before it). As there, each
condition on D is a range of months: a household is approved at the month ends from its
approval's month up to, not including, its deregistration's month; a child fills one of its
places while both the child's episode is open and the household approved. Counts and sums over
month ends add those ranges up with difference arrays; vacancies need each household's children
over time, a running total over its children's arrivals and departures, for only those
households with more children over the years than places. No Python loop over children,
households or months.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from sufficiency.care_history import (
    MEMBER_COLUMNS,
    NEVER_ENDS,
    CareHistory,
    MonthRange,
    Rule,
    Spans,
    month_index,
    require_columns,
    text_values,
)
from sufficiency.measures import care

CARER_COLUMNS = [
    "carer_id", "carer_type", "provision", "approval_date", "deregistration_date",
    "approved_places",
]  # fmt: skip
COST_COLUMNS = ["child_id", "decom", "weekly_cost"]
# Besides indicators.EPISODE_COLUMNS: CARER_ID ("" when none) and WEEKLY_COST (pounds or NaN).
SUPPLY_EPISODE_COLUMNS = ["carer_id", "weekly_cost"]
# The drill-down adds the counted episode's CARER_ID and weekly cost (pounds, NaN when unknown).
SUPPLY_MEMBER_COLUMNS = [*MEMBER_COLUMNS, "carer_id", "weekly_cost"]

MSG_DUPLICATE_CARERS = "The carers frame has more than one row for {count} CARER_ID(s)."
MSG_DUPLICATE_COSTS = "The costs frame has more than one row for {count} CHILD and DECOM pair(s)."
MSG_NEGATIVE_COST = "Weekly costs cannot be negative: {count} found."
IN_HOUSE = "IN_HOUSE"
SHORT_BREAKS_CARER = "SHORT_BREAKS"
PENCE_PER_POUND = 100
WEEKS_PER_YEAR = 52
MONTHS_PER_YEAR = 12


@dataclass(frozen=True)
class Households:
    """The authority's in-house foster carer households (agency ones set aside), one entry each."""

    carer_ids: pd.Index  # CARER_ID
    approved_from: np.ndarray  # month of approval: approved at month ends from this month...
    approved_until: np.ndarray  # ...up to, not including, this one (deregistration; NEVER_ENDS)
    deregistered: np.ndarray  # has a deregistration date (then `approved_until` is its month)
    places: np.ndarray  # APPROVED_PLACES
    counts_places: np.ndarray  # its places count: not a short-breaks household


@dataclass(frozen=True)
class SupplyHistory:
    """A `CareHistory` with each row's carer and cost, and the authority's households.

    Per row of the care history: the CARER_ID and weekly cost of the episode whose details count
    (the same episode whose placement type and provider the 903 indicators count).
    """

    history: CareHistory
    households: Households
    carers_known: bool  # any household stored at all (a carers extract was loaded)
    carer_id: np.ndarray  # CARER_ID of the counted episode, "" when none
    household: np.ndarray  # its position in `households`, -1 when not an in-house household
    cost: np.ndarray  # weekly cost of the counted episode in pence (float), NaN when unknown
    fostering: Rule  # ifa_share's: agency foster placements of all foster placements (U1-U6)
    filled: Spans  # the rows filling a place (decision place-filled), when they do
    carer_recorded: np.ndarray  # the counted episode has a CARER_ID
    # What more than one indicator needs over the same months (the places used), worked out once.
    shared: dict[tuple[str, MonthRange], np.ndarray] = field(default_factory=dict, repr=False)


@dataclass(frozen=True)
class Figure:
    """One supply indicator at each month end: what is stored, and whom it is about.

    `children` holds the rows of the care history behind the figure (its `rows_at` a month are
    the children listed): for a count of children, those counted; for a cost, those whose costs
    are added up. None when the figure counts households or places, not children.
    """

    numerator: np.ndarray
    denominator: np.ndarray
    value: np.ndarray
    children: Spans | None = None


# --- Building ---------------------------------------------------------------------------------


def build_supply_history(
    history: CareHistory, episodes: pd.DataFrame, carers: pd.DataFrame, costs: pd.DataFrame
) -> SupplyHistory:
    """Each care-history row's carer and cost, and the households, ready for any month end.

    `history` is `build_care_history(episodes, children)`; `episodes` also has SUPPLY_EPISODE_
    COLUMNS; `carers` has CARER_COLUMNS (dates as datetime64, NaT while approved); `costs` has
    COST_COLUMNS (weekly_cost in pounds), at most one row per CHILD and DECOM.
    """
    require_columns(episodes, SUPPLY_EPISODE_COLUMNS, "episodes")
    require_columns(carers, CARER_COLUMNS, "carers")
    require_columns(costs, COST_COLUMNS, "costs")
    households = _households(carers)
    counted = history.counted_row
    carer_id = text_values(pd.Series(episodes["carer_id"].to_numpy(dtype=object)[counted]))
    household = households.carer_ids.get_indexer(carer_id)  # type: ignore[arg-type]
    household[carer_id == ""] = -1
    fostering = care.ifa_share(history)
    return SupplyHistory(
        history=history,
        households=households,
        carers_known=len(carers) > 0,
        carer_id=carer_id,
        household=household,
        cost=_counted_costs(history, episodes, costs),
        fostering=fostering,
        filled=_filled(fostering, households, household),
        carer_recorded=carer_id != "",
    )


def _households(carers: pd.DataFrame) -> Households:
    ids = carers["carer_id"].astype(str)
    duplicated = ids.duplicated()
    if duplicated.any():
        raise ValueError(MSG_DUPLICATE_CARERS.format(count=ids[duplicated].nunique()))
    frame = carers.loc[(carers["provision"] == IN_HOUSE).to_numpy()]
    deregistration = _days(frame["deregistration_date"])
    deregistered = ~np.isnat(deregistration)
    # Deregistered on D means no longer approved at D (decision approved-at-D): a household is
    # approved at the month ends before its deregistration's month.
    until = np.where(deregistered, month_index(deregistration), NEVER_ENDS)
    return Households(
        carer_ids=pd.Index(frame["carer_id"].astype(str).to_numpy(dtype=object)),
        approved_from=month_index(_days(frame["approval_date"])),
        approved_until=until,
        deregistered=deregistered,
        places=pd.to_numeric(frame["approved_places"]).fillna(0).to_numpy(dtype=np.int64),
        counts_places=(frame["carer_type"] != SHORT_BREAKS_CARER).to_numpy(dtype=bool),
    )


def _counted_costs(history: CareHistory, episodes: pd.DataFrame, costs: pd.DataFrame) -> np.ndarray:
    """The weekly cost in pence of each row's counted episode (NaN when unknown): the costs
    extract's for its CHILD and DECOM, else the episode's own (decision cost-of-counted-episode)."""
    own = pd.to_numeric(episodes["weekly_cost"], errors="coerce").to_numpy(dtype=float)
    extract = pd.to_numeric(costs["weekly_cost"], errors="coerce").to_numpy(dtype=float)
    negative = int((own < 0).sum() + (extract < 0).sum())
    if negative:
        # A negative cost would make a negative numerator, which storage refuses anyway.
        raise ValueError(MSG_NEGATIVE_COST.format(count=negative))
    pounds = own[history.counted_row]
    if len(costs):
        # (child, DECOM) as one integer, to look the counted episodes up with one hash join:
        # the counted episode is the row's child's, and its DECOM that of the history row it is.
        row_of = np.empty(len(episodes), dtype=np.int64)
        row_of[history.source_row] = np.arange(len(history.source_row))
        counted_decom = history.decom[row_of[history.counted_row]]
        child_index = pd.Index(pd.Series(history.child_ids, dtype=object).astype(str))
        child = child_index.get_indexer(costs["child_id"].astype(str))  # type: ignore[arg-type]
        known_child = child >= 0  # costs of children with no counted episode are of no use
        keys = pd.Index(_key(child[known_child], _days(costs["decom"])[known_child]))
        if keys.has_duplicates:
            raise ValueError(MSG_DUPLICATE_COSTS.format(count=int(keys.duplicated().sum())))
        position = keys.get_indexer(_key(history.child, counted_decom))  # type: ignore[arg-type]
        # Not found (-1) picks the NaN added at the end: the episode's own cost stands.
        found = np.append(extract[known_child], np.nan)[position]
        pounds = np.where(np.isnan(found), pounds, found)
    # Whole pence (decision cost-in-pence): 1234.56 is 123456, whatever the float error.
    return np.rint(pounds * PENCE_PER_POUND)


def _key(child: np.ndarray, day: np.ndarray) -> np.ndarray:
    # Days from 1970 fit in 21 bits with an offset for about 2,800 years around it.
    days = day.astype("datetime64[D]").astype(np.int64) + (1 << 20)
    return child.astype(np.int64) * (1 << 21) + days


def _days(column: pd.Series) -> np.ndarray:
    if not pd.api.types.is_datetime64_any_dtype(column):
        # Only when needed: pd.to_datetime looks through datetime columns value by value.
        column = pd.to_datetime(column)
    return column.to_numpy(dtype="datetime64[D]")


# --- Counting over month ends -----------------------------------------------------------------


def within(spans: Spans, where: np.ndarray) -> Spans:
    """The rows `spans` counts that are also `where`, at the same month ends."""
    both = where if spans.where is None else spans.where & where
    return Spans(spans.since, spans.until, both, spans.event)


def _clipped(spans: Spans, months: MonthRange) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each row's months as positions in `months`, and whether it is counted in any."""
    since = np.clip(spans.since - months.first, 0, months.count)
    until = np.clip(spans.until - months.first, 0, months.count)
    keep = since < until
    if spans.where is not None:
        keep &= spans.where
    return since, until, keep


def weighted_total(spans: Spans, months: MonthRange, weights: np.ndarray) -> np.ndarray:
    """For each month end, the sum of `weights` (whole numbers) over the rows `spans` counts."""
    since, until, keep = _clipped(spans, months)
    weight = weights[keep].astype(float)
    size = months.count + 1
    change = np.bincount(since[keep], weight, minlength=size) - np.bincount(
        until[keep], weight, minlength=size
    )
    # Whole numbers below 2**53 add up exactly in floating point, so rounding only retypes.
    return np.rint(np.cumsum(change[: months.count])).astype(np.int64)


def places_used(supply: SupplyHistory, months: MonthRange) -> np.ndarray:
    """For each month end, the places filled, each household's children up to its places."""
    key = ("places_used", months)
    if key not in supply.shared:
        supply.shared[key] = _count_places_used(supply, months)
    return supply.shared[key]


def _count_places_used(supply: SupplyHistory, months: MonthRange) -> np.ndarray:
    filled = supply.filled
    since, until, keep = _clipped(filled, months)
    used = filled.count(months).astype(np.int64)
    places = supply.households.places
    # Only a household more of whose rows fill a place than it has places can ever be over its
    # approval: the children it has beyond its places come off, month by month.
    household = supply.household[keep]
    crowded = np.bincount(household, minlength=len(places)) > places
    over = crowded[household]
    if not over.any():
        return used
    # Each such row adds a child at its first month and takes one away at its end. In
    # (household, month) order, a running total of those changes is the household's number of
    # children from one change to the next (each household's changes add up to 0, so the total
    # starts again from 0 at the next household).
    household = np.concatenate([household[over], household[over]])
    month = np.concatenate([since[keep][over], until[keep][over]])
    change = np.repeat([1, -1], over.sum())
    order = np.lexsort((month, household))
    household, month = household[order], month[order]
    children = np.cumsum(change[order])
    beyond = np.maximum(children - places[household], 0).astype(float)
    next_month = np.append(month[1:], months.count)  # a household's last total is 0 anyway
    size = months.count + 1
    difference = np.bincount(month, beyond, minlength=size) - np.bincount(
        next_month, beyond, minlength=size
    )
    return used - np.rint(np.cumsum(difference[: months.count])).astype(np.int64)


def _ratio(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    safe = np.where(denominator > 0, denominator, 1)
    return np.where(denominator > 0, numerator / safe, np.nan)


def count_figure(count: np.ndarray, known: np.ndarray, children: Spans | None = None) -> Figure:
    """A count (its own denominator), with no value and 0 stored where it is not known."""
    count = np.where(known, count, 0).astype(np.int64)
    return Figure(count, count.copy(), np.where(known, count, np.nan).astype(float), children)


def percent_figure(
    numerator: np.ndarray, denominator: np.ndarray, children: Spans | None = None
) -> Figure:
    numerator, denominator = numerator.astype(np.int64), denominator.astype(np.int64)
    return Figure(numerator, denominator, _ratio(100 * numerator, denominator), children)


# --- Who, and when ----------------------------------------------------------------------------


def carers_known(supply: SupplyHistory, months: MonthRange) -> np.ndarray:
    # Decision carers-not-known: without any household stored, 0 households would be a guess.
    return np.full(months.count, supply.carers_known)


def places_known(supply: SupplyHistory, months: MonthRange) -> np.ndarray:
    # Decision carer-id-not-known: with no CARER_ID on any child's counted episode at D, the
    # episodes cannot say who fills a place, and every place would look vacant.
    looked_after = care.cla_count(supply.history).numerator
    recorded = within(looked_after, supply.carer_recorded).count(months) > 0
    return carers_known(supply, months) & recorded


def place_households(supply: SupplyHistory) -> Spans:
    """Each household at the month ends it is approved, if its places count."""
    households = supply.households
    return Spans(households.approved_from, households.approved_until, households.counts_places)


def _filled(fostering: Rule, households: Households, household: np.ndarray) -> Spans:
    """The children filling a place: each row while it is open and its household approved."""
    # The children in foster placements (U1-U6) at D, as ifa_share's denominator counts them.
    fostered = fostering.denominator
    assert isinstance(fostered, Spans)  # ifa_share's denominator is a set of rows
    if not len(households.carer_ids):
        return within(fostered, np.zeros(len(household), dtype=bool))
    at = np.maximum(household, 0)
    since = np.maximum(fostered.since, households.approved_from[at])
    until = np.minimum(fostered.until, households.approved_until[at])
    fills = (household >= 0) & households.counts_places[at]
    return within(Spans(since, until, fostered.where), fills)


def with_known_cost(supply: SupplyHistory, children: Spans) -> Spans:
    """The rows of `children` whose counted episode has a known weekly cost."""
    return within(children, ~np.isnan(supply.cost))


def average_cost(supply: SupplyHistory, months: MonthRange, children: Spans) -> Figure:
    costed = with_known_cost(supply, children)
    total = weighted_total(costed, months, np.nan_to_num(supply.cost))
    count = costed.count(months).astype(np.int64)
    return Figure(total, count, _ratio(total, count) / PENCE_PER_POUND, costed)
