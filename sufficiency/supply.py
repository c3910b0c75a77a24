"""The supply indicators at every month end: the authority's own foster carers and their places,
and what placements cost, from its carers, its placement costs and its stored episodes.

Pure pandas and numpy (STYLE.md 1): no ORM, settings, request or I/O. `compute_supply_indicators`
returns rows shaped as `sufficiency.indicators.compute_indicators` does, for the catalogue's
`SUPPLY_INDICATORS`; `supply_numerator_children` lists the children behind one of them. The
definitions and every decision they follow are in `sufficiency.definitions`.

How: it is built on the 903 indicators' `CareHistory`, so "looked after at D", short breaks and
temporary placements mean exactly what they mean there, and the groups of children are those
rules' own (`in_house_fostering`, `ifa_share`, ...). A child's carer and cost at D are those of
the episode whose details count at D (`CareHistory.counted_row`: for a temporary placement, the
placement before it). As there, each condition on D is a range of months: a household is
approved at the month ends from its approval's month up to, not including, its deregistration's
month; a child fills one of its places while both the child's episode is open and the household
approved. Counts and sums over month ends add those ranges up with difference arrays; vacancies
need each household's children over time, a running total over its children's arrivals and
departures, for only those households with more children over the years than places. No Python
loop over children, households or months.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from sufficiency import indicators
from sufficiency.definitions import SUPPLY_INDICATORS
from sufficiency.indicators import (
    MEMBER_COLUMNS,
    MSG_MISSING_COLUMNS,
    MSG_NOT_MONTH_END,
    MSG_UNKNOWN_INDICATOR,
    RESULT_COLUMNS,
    CareHistory,
    MonthRange,
    Rule,
    Spans,
    build_care_history,
    members_frame,
    month_range,
)

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
MSG_NOT_ABOUT_CHILDREN = (
    "{indicator} counts foster carer households or places, not children: there is no list of "
    "children behind it."
)

# The indicators about households or places: no children behind them to list (their Figure has
# no `children`; a test keeps the two in step).
NOT_ABOUT_CHILDREN = frozenset(
    {
        "fostering_households",
        "carer_approvals",
        "carer_deregistrations",
        "approved_places",
        "vacancies",
        "utilisation",
    }
)

IN_HOUSE = "IN_HOUSE"
SHORT_BREAKS_CARER = "SHORT_BREAKS"
PENCE_PER_POUND = 100
WEEKS_PER_YEAR = 52
MONTHS_PER_YEAR = 12

# As in sufficiency.indicators: a month index no month end reaches, "still approved".
_NEVER_ENDS = 10**9


@dataclass(frozen=True)
class Households:
    """The authority's in-house foster carer households (agency ones set aside), one entry each."""

    carer_ids: pd.Index  # CARER_ID
    approved_from: np.ndarray  # month of approval: approved at month ends from this month...
    approved_until: np.ndarray  # ...up to, not including, this one (deregistration; _NEVER_ENDS)
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
    _require_columns(episodes, SUPPLY_EPISODE_COLUMNS, "episodes")
    _require_columns(carers, CARER_COLUMNS, "carers")
    _require_columns(costs, COST_COLUMNS, "costs")
    households = _households(carers)
    counted = history.counted_row
    carer_id = _text(pd.Series(episodes["carer_id"].to_numpy(dtype=object)[counted]))
    household = households.carer_ids.get_indexer(carer_id)
    household[carer_id == ""] = -1
    fostering = indicators.ifa_share(history)
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
    until = np.where(deregistered, _months(deregistration), _NEVER_ENDS)
    return Households(
        carer_ids=pd.Index(frame["carer_id"].astype(str).to_numpy(dtype=object)),
        approved_from=_months(_days(frame["approval_date"])),
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
        child = child_index.get_indexer(costs["child_id"].astype(str))
        known_child = child >= 0  # costs of children with no counted episode are of no use
        keys = pd.Index(_key(child[known_child], _days(costs["decom"])[known_child]))
        if keys.has_duplicates:
            raise ValueError(MSG_DUPLICATE_COSTS.format(count=int(keys.duplicated().sum())))
        position = keys.get_indexer(_key(history.child, counted_decom))
        # Not found (-1) picks the NaN added at the end: the episode's own cost stands.
        found = np.append(extract[known_child], np.nan)[position]
        pounds = np.where(np.isnan(found), pounds, found)
    # Whole pence (decision cost-in-pence): 1234.56 is 123456, whatever the float error.
    return np.rint(pounds * PENCE_PER_POUND)


def _key(child: np.ndarray, day: np.ndarray) -> np.ndarray:
    # Days from 1970 fit in 21 bits with an offset for about 2,800 years around it.
    days = day.astype("datetime64[D]").astype(np.int64) + (1 << 20)
    return child.astype(np.int64) * (1 << 21) + days


def _require_columns(frame: pd.DataFrame, columns: list[str], name: str) -> None:
    missing = [column for column in columns if column not in frame.columns]
    if missing:
        raise ValueError(MSG_MISSING_COLUMNS.format(frame=name, columns=", ".join(missing)))


def _text(column: pd.Series) -> np.ndarray:
    return column.fillna("").astype(str).to_numpy(dtype=object)


def _days(column: pd.Series) -> np.ndarray:
    if not pd.api.types.is_datetime64_any_dtype(column):
        # Only when needed: pd.to_datetime looks through datetime columns value by value.
        column = pd.to_datetime(column)
    return column.to_numpy(dtype="datetime64[D]")


def _months(days: np.ndarray) -> np.ndarray:
    """Month index (months since January 1970) of each date."""
    return np.asarray(days).astype("datetime64[M]").astype(np.int64)


# --- Counting over month ends -----------------------------------------------------------------


def _within(spans: Spans, where: np.ndarray) -> Spans:
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


def _total(spans: Spans, months: MonthRange, weights: np.ndarray) -> np.ndarray:
    """For each month end, the sum of `weights` (whole numbers) over the rows `spans` counts."""
    since, until, keep = _clipped(spans, months)
    weight = weights[keep].astype(float)
    size = months.count + 1
    change = np.bincount(since[keep], weight, minlength=size) - np.bincount(
        until[keep], weight, minlength=size
    )
    # Whole numbers below 2**53 add up exactly in floating point, so rounding only retypes.
    return np.rint(np.cumsum(change[: months.count])).astype(np.int64)


def _places_used(supply: SupplyHistory, months: MonthRange) -> np.ndarray:
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


def _count_figure(count: np.ndarray, known: np.ndarray, children: Spans | None = None) -> Figure:
    """A count (its own denominator), with no value and 0 stored where it is not known."""
    count = np.where(known, count, 0).astype(np.int64)
    return Figure(count, count.copy(), np.where(known, count, np.nan).astype(float), children)


def _percent_figure(
    numerator: np.ndarray, denominator: np.ndarray, children: Spans | None = None
) -> Figure:
    numerator, denominator = numerator.astype(np.int64), denominator.astype(np.int64)
    return Figure(numerator, denominator, _ratio(100 * numerator, denominator), children)


# --- Who, and when ----------------------------------------------------------------------------


def _carers_known(supply: SupplyHistory, months: MonthRange) -> np.ndarray:
    # Decision carers-not-known: without any household stored, 0 households would be a guess.
    return np.full(months.count, supply.carers_known)


def _places_known(supply: SupplyHistory, months: MonthRange) -> np.ndarray:
    # Decision carer-id-not-known: with no CARER_ID on any child's counted episode at D, the
    # episodes cannot say who fills a place, and every place would look vacant.
    looked_after = indicators.cla_count(supply.history).numerator
    recorded = _within(looked_after, supply.carer_recorded).count(months) > 0
    return _carers_known(supply, months) & recorded


def _place_households(supply: SupplyHistory) -> Spans:
    """Each household at the month ends it is approved, if its places count."""
    households = supply.households
    return Spans(households.approved_from, households.approved_until, households.counts_places)


def _filled(fostering: Rule, households: Households, household: np.ndarray) -> Spans:
    """The children filling a place: each row while it is open and its household approved."""
    # The children in foster placements (U1-U6) at D, as ifa_share's denominator counts them.
    fostered = fostering.denominator
    if not len(households.carer_ids):
        return _within(fostered, np.zeros(len(household), dtype=bool))
    at = np.maximum(household, 0)
    since = np.maximum(fostered.since, households.approved_from[at])
    until = np.minimum(fostered.until, households.approved_until[at])
    fills = (household >= 0) & households.counts_places[at]
    return _within(Spans(since, until, fostered.where), fills)


def _costed(supply: SupplyHistory, children: Spans) -> Spans:
    """The rows of `children` whose counted episode has a known weekly cost."""
    return _within(children, ~np.isnan(supply.cost))


def _average_cost(supply: SupplyHistory, months: MonthRange, children: Spans) -> Figure:
    costed = _costed(supply, children)
    total = _total(costed, months, np.nan_to_num(supply.cost))
    count = costed.count(months).astype(np.int64)
    return Figure(total, count, _ratio(total, count) / PENCE_PER_POUND, costed)


# --- The indicators ---------------------------------------------------------------------------


def fostering_households(supply: SupplyHistory, months: MonthRange) -> Figure:
    """In-house fostering households: a count, higher is better.

    Definition: The number of the authority's own (in-house) foster carer households approved at the
    month end D: approved on or before D and not deregistered by D.
    Numerator: The number of the authority's own (in-house) foster carer households approved at the
    month end D: approved on or before D and not deregistered by D.
    Denominator: None: the stored denominator equals the count.
    Reference date: The month end D (the last day of each month).
    Exclusions: Agency households (PROVISION AGENCY).
    Source: The authority's foster carers extract (PROVISION, CARER_TYPE, APPROVAL_DATE,
    DEREGISTRATION_DATE, APPROVED_PLACES). Ofsted's Fostering in England statistics publish figures
    of this kind for each fostering service at 31 March; they are not imported here.
    Decisions: approved-at-D*, in-house-households*, carers-not-known*, count-denominator* (texts in
    sufficiency.definitions; * marks our reading of a point DOMAIN.md leaves open).

    About households, not children: there is no list of children behind it.
    """
    households = supply.households
    approved = Spans(households.approved_from, households.approved_until)
    return _count_figure(approved.count(months), _carers_known(supply, months))


def carer_approvals(supply: SupplyHistory, months: MonthRange) -> Figure:
    """Fostering households approved in the month: a count, higher is better.

    Definition: The number of in-house foster carer households whose approval date is in the month
    ending D.
    Numerator: The number of in-house foster carer households whose approval date is in the month
    ending D.
    Denominator: None: the stored denominator equals the count.
    Reference date: The month ending D: after the previous month end, up to and including D.
    Exclusions: Agency households (PROVISION AGENCY).
    Source: The authority's foster carers extract (PROVISION, CARER_TYPE, APPROVAL_DATE,
    DEREGISTRATION_DATE, APPROVED_PLACES). Ofsted's Fostering in England statistics publish figures
    of this kind for each fostering service at 31 March; they are not imported here.
    Decisions: approved-at-D*, in-house-households*, carers-not-known*, flow-month,
    count-denominator* (texts in sufficiency.definitions; * marks our reading of a point DOMAIN.md
    leaves open).
    """
    month = supply.households.approved_from
    return _count_figure(Spans(month, month + 1).count(months), _carers_known(supply, months))


def carer_deregistrations(supply: SupplyHistory, months: MonthRange) -> Figure:
    """Fostering households deregistered in the month: a count, lower is better.

    Definition: The number of in-house foster carer households whose deregistration date is in the
    month ending D.
    Numerator: The number of in-house foster carer households whose deregistration date is in the
    month ending D.
    Denominator: None: the stored denominator equals the count.
    Reference date: The month ending D: after the previous month end, up to and including D.
    Exclusions: Agency households (PROVISION AGENCY).
    Source: The authority's foster carers extract (PROVISION, CARER_TYPE, APPROVAL_DATE,
    DEREGISTRATION_DATE, APPROVED_PLACES). Ofsted's Fostering in England statistics publish figures
    of this kind for each fostering service at 31 March; they are not imported here.
    Decisions: approved-at-D*, in-house-households*, carers-not-known*, flow-month,
    count-denominator* (texts in sufficiency.definitions; * marks our reading of a point DOMAIN.md
    leaves open).
    """
    households = supply.households
    month = households.approved_until  # the deregistration's month, for those deregistered
    ended = Spans(month, month + 1, households.deregistered)
    return _count_figure(ended.count(months), _carers_known(supply, months))


def approved_places(supply: SupplyHistory, months: MonthRange) -> Figure:
    """Approved in-house fostering places: a count, higher is better.

    Definition: The number of places (APPROVED_PLACES) of the in-house foster carer households
    approved at the month end D, short-breaks households aside.
    Numerator: The number of places (APPROVED_PLACES) of the in-house foster carer households
    approved at the month end D, short-breaks households aside.
    Denominator: None: the stored denominator equals the count.
    Reference date: The month end D (the last day of each month).
    Exclusions: Agency households (PROVISION AGENCY). Short-breaks households (CARER_TYPE
    SHORT_BREAKS).
    Source: The authority's foster carers extract (PROVISION, CARER_TYPE, APPROVAL_DATE,
    DEREGISTRATION_DATE, APPROVED_PLACES). Ofsted's Fostering in England statistics publish figures
    of this kind for each fostering service at 31 March; they are not imported here.
    Decisions: approved-at-D*, in-house-households*, carers-not-known*, short-break-places*,
    count-denominator* (texts in sufficiency.definitions; * marks our reading of a point DOMAIN.md
    leaves open).
    """
    places = _total(_place_households(supply), months, supply.households.places)
    return _count_figure(places, _carers_known(supply, months))


def places_filled(supply: SupplyHistory, months: MonthRange) -> Figure:
    """In-house fostering places filled: a count, for information.

    Definition: The number of children looked after at the month end D in a foster placement (U1-U6)
    with an in-house foster carer household approved at D: the CARER_ID on the episode counted at D
    is that household's.
    Numerator: The number of children looked after at the month end D in a foster placement (U1-U6)
    with an in-house foster carer household approved at D: the CARER_ID on the episode counted at D
    is that household's.
    Denominator: None: the stored denominator equals the count.
    Reference date: The month end D (the last day of each month).
    Exclusions: Children on an agreed series of short breaks (V3/V4) at D. Agency households
    (PROVISION AGENCY). Short-breaks households (CARER_TYPE SHORT_BREAKS).
    Source: The authority's foster carers extract, and CARER_ID and PLACE on the 903 episodes
    counted at D.
    Decisions: looked-after-at-D, short-breaks, temporary-invisible, temporary-at-period-start*,
    approved-at-D*, in-house-households*, carers-not-known*, short-break-places*, place-filled*,
    carer-id-not-known*, count-denominator* (texts in sufficiency.definitions; * marks our reading
    of a point DOMAIN.md leaves open).

    In the drill-down each child filling a place is one row, with the CARER_ID and weekly cost of
    the episode counted at D.
    """
    filled = supply.filled
    return _count_figure(filled.count(months), _places_known(supply, months), filled)


def vacancies(supply: SupplyHistory, months: MonthRange) -> Figure:
    """In-house fostering vacancies: a count, for information.

    Definition: The number of approved places of the in-house foster carer households approved at
    the month end D that no child looked after at D fills: for each household, its approved places
    minus the children placed with it, never below 0, added up.
    Numerator: The number of approved places of the in-house foster carer households approved at the
    month end D that no child looked after at D fills: for each household, its approved places minus
    the children placed with it, never below 0, added up.
    Denominator: None: the stored denominator equals the count.
    Reference date: The month end D (the last day of each month).
    Exclusions: Children on an agreed series of short breaks (V3/V4) at D. Agency households
    (PROVISION AGENCY). Short-breaks households (CARER_TYPE SHORT_BREAKS).
    Source: The authority's foster carers extract, and CARER_ID and PLACE on the 903 episodes
    counted at D.
    Decisions: looked-after-at-D, short-breaks, temporary-invisible, temporary-at-period-start*,
    approved-at-D*, in-house-households*, carers-not-known*, short-break-places*, place-filled*,
    carer-id-not-known*, vacancies-per-household*, count-denominator* (texts in
    sufficiency.definitions; * marks our reading of a point DOMAIN.md leaves open).

    About places, not children: there is no list of children behind it.
    """
    places = _total(_place_households(supply), months, supply.households.places)
    used = _places_used(supply, months)
    return _count_figure(places - used, _places_known(supply, months))


def utilisation(supply: SupplyHistory, months: MonthRange) -> Figure:
    """Use of in-house fostering places: a percentage, higher is better.

    Definition: Of the approved places of the in-house foster carer households approved at the month
    end D, the percentage filled by children looked after at D, each household's children counted up
    to its approved places.
    Numerator: Approved places filled at D: for each household, the children looked after at D
    placed with it (as places_filled counts them), up to its approved places.
    Denominator: Approved places of the in-house households approved at D (approved_places).
    Reference date: The month end D (the last day of each month).
    Exclusions: Children on an agreed series of short breaks (V3/V4) at D. Agency households
    (PROVISION AGENCY). Short-breaks households (CARER_TYPE SHORT_BREAKS).
    Source: The authority's foster carers extract, and CARER_ID and PLACE on the 903 episodes
    counted at D.
    Decisions: looked-after-at-D, short-breaks, temporary-invisible, temporary-at-period-start*,
    approved-at-D*, in-house-households*, carers-not-known*, short-break-places*, place-filled*,
    carer-id-not-known*, vacancies-per-household* (texts in sufficiency.definitions; * marks our
    reading of a point DOMAIN.md leaves open).

    About places, not children: there is no list of children behind it (places_filled lists the
    children).
    """
    known = _places_known(supply, months)
    places = _total(_place_households(supply), months, supply.households.places)
    used = _places_used(supply, months)
    return _percent_figure(np.where(known, used, 0), np.where(known, places, 0))


def avg_cost_in_house_fostering(supply: SupplyHistory, months: MonthRange) -> Figure:
    """Average weekly cost: in-house fostering: an amount in pounds, for information.

    Definition: The average weekly cost, in pounds, of the placements of children looked after at
    the month end D in foster placements with other carers (U4-U6) provided by the authority itself
    (PR1), over those whose placement has a known weekly cost.
    Numerator: The known weekly costs of those placements added up, in pence.
    Denominator: Children looked after at D in U4-U6 with provider PR1 whose placement has a known
    weekly cost.
    Reference date: The month end D (the last day of each month).
    Exclusions: Children on an agreed series of short breaks (V3/V4) at D. Children whose placement
    has no known weekly cost.
    Source: The authority's placement costs extract (WEEKLY_COST by CHILD and DECOM), else
    WEEKLY_COST on the 903 episodes; the placement from the 903 episodes.
    Decisions: looked-after-at-D, short-breaks, temporary-invisible, temporary-at-period-start*,
    cost-of-counted-episode*, cost-in-pence* (texts in sufficiency.definitions; * marks our reading
    of a point DOMAIN.md leaves open).

    In the drill-down the children listed are those whose costs are added up (as many as the
    denominator), each with the weekly cost counted.
    """
    children = indicators.in_house_fostering(supply.history).numerator
    return _average_cost(supply, months, children)


def avg_cost_agency_fostering(supply: SupplyHistory, months: MonthRange) -> Figure:
    """Average weekly cost: agency fostering: an amount in pounds, for information.

    Definition: The average weekly cost, in pounds, of the placements of children looked after at
    the month end D in foster placements with other carers (U4-U6) through a private or voluntary
    provider (PR4 or PR5), over those whose placement has a known weekly cost.
    Numerator: The known weekly costs of those placements added up, in pence.
    Denominator: Children looked after at D in U4-U6 with provider PR4 or PR5 whose placement has a
    known weekly cost.
    Reference date: The month end D (the last day of each month).
    Exclusions: Children on an agreed series of short breaks (V3/V4) at D. Children whose placement
    has no known weekly cost.
    Source: The authority's placement costs extract (WEEKLY_COST by CHILD and DECOM), else
    WEEKLY_COST on the 903 episodes; the placement from the 903 episodes.
    Decisions: looked-after-at-D, short-breaks, temporary-invisible, temporary-at-period-start*,
    cost-of-counted-episode*, independent-fostering, cost-in-pence* (texts in
    sufficiency.definitions; * marks our reading of a point DOMAIN.md leaves open).
    """
    children = supply.fostering.numerator  # as ifa_share's numerator counts them
    return _average_cost(supply, months, children)


def avg_cost_kinship(supply: SupplyHistory, months: MonthRange) -> Figure:
    """Average weekly cost: fostering with relatives or friends: an amount in pounds,
    for information.

    Definition: The average weekly cost, in pounds, of the placements of children looked after at
    the month end D in foster placements with relatives or friends (U1-U3), over those whose
    placement has a known weekly cost.
    Numerator: The known weekly costs of those placements added up, in pence.
    Denominator: Children looked after at D in U1-U3 whose placement has a known weekly cost.
    Reference date: The month end D (the last day of each month).
    Exclusions: Children on an agreed series of short breaks (V3/V4) at D. Children whose placement
    has no known weekly cost.
    Source: The authority's placement costs extract (WEEKLY_COST by CHILD and DECOM), else
    WEEKLY_COST on the 903 episodes; the placement from the 903 episodes.
    Decisions: looked-after-at-D, short-breaks, temporary-invisible, temporary-at-period-start*,
    cost-of-counted-episode*, cost-in-pence* (texts in sufficiency.definitions; * marks our reading
    of a point DOMAIN.md leaves open).
    """
    children = indicators.kinship_fostering(supply.history).numerator
    return _average_cost(supply, months, children)


def avg_cost_childrens_homes(supply: SupplyHistory, months: MonthRange) -> Figure:
    """Average weekly cost: children's homes: an amount in pounds, for information.

    Definition: The average weekly cost, in pounds, of the placements of children looked after at
    the month end D in secure children's homes or children's homes (K1 or K2), over those whose
    placement has a known weekly cost.
    Numerator: The known weekly costs of those placements added up, in pence.
    Denominator: Children looked after at D in K1 or K2 whose placement has a known weekly cost.
    Reference date: The month end D (the last day of each month).
    Exclusions: Children on an agreed series of short breaks (V3/V4) at D. Children whose placement
    has no known weekly cost.
    Source: The authority's placement costs extract (WEEKLY_COST by CHILD and DECOM), else
    WEEKLY_COST on the 903 episodes; the placement from the 903 episodes.
    Decisions: looked-after-at-D, short-breaks, temporary-invisible, temporary-at-period-start*,
    cost-of-counted-episode*, cost-in-pence* (texts in sufficiency.definitions; * marks our reading
    of a point DOMAIN.md leaves open).
    """
    children = indicators.residential_count(supply.history).numerator
    return _average_cost(supply, months, children)


def avg_cost_supported(supply: SupplyHistory, months: MonthRange) -> Figure:
    """Average weekly cost: supported accommodation and independent living: an amount in pounds,
    for information.

    Definition: The average weekly cost, in pounds, of the placements of children looked after at
    the month end D in semi-independent living (H5), registered supported accommodation (K3) or
    independent living (P2), over those whose placement has a known weekly cost.
    Numerator: The known weekly costs of those placements added up, in pence.
    Denominator: Children looked after at D in H5, K3 or P2 whose placement has a known weekly cost.
    Reference date: The month end D (the last day of each month).
    Exclusions: Children on an agreed series of short breaks (V3/V4) at D. Children whose placement
    has no known weekly cost.
    Source: The authority's placement costs extract (WEEKLY_COST by CHILD and DECOM), else
    WEEKLY_COST on the 903 episodes; the placement from the 903 episodes.
    Decisions: looked-after-at-D, short-breaks, temporary-invisible, temporary-at-period-start*,
    cost-of-counted-episode*, cost-in-pence* (texts in sufficiency.definitions; * marks our reading
    of a point DOMAIN.md leaves open).
    """
    children = indicators.supported_16plus(supply.history).numerator
    return _average_cost(supply, months, children)


def monthly_spend(supply: SupplyHistory, months: MonthRange) -> Figure:
    """Monthly spend on placements: an amount in pounds, for information.

    Definition: The weekly costs of the placements of the children looked after at the month end D
    whose placement has a known weekly cost, added up, times 52 and divided by 12: what a month of
    those placements costs at D's rates, in pounds.
    Numerator: The known weekly costs of the placements of children looked after at D added up, in
    pence (a week's cost, not a month's).
    Denominator: Children looked after at D whose placement has a known weekly cost
    (cost_known_share gives them as a share of all children looked after at D).
    Reference date: The month end D (the last day of each month).
    Exclusions: Children on an agreed series of short breaks (V3/V4) at D. Children whose placement
    has no known weekly cost.
    Source: The authority's placement costs extract (WEEKLY_COST by CHILD and DECOM), else
    WEEKLY_COST on the 903 episodes; the placement from the 903 episodes.
    Decisions: looked-after-at-D, short-breaks, temporary-invisible, temporary-at-period-start*,
    cost-of-counted-episode*, cost-in-pence*, monthly-spend* (texts in sufficiency.definitions; *
    marks our reading of a point DOMAIN.md leaves open).

    In the drill-down the children listed are those whose costs are added up (as many as the
    denominator), each with the weekly cost counted.
    """
    costed = _costed(supply, indicators.cla_count(supply.history).numerator)
    weekly = _total(costed, months, np.nan_to_num(supply.cost))
    count = costed.count(months).astype(np.int64)
    pounds = weekly * WEEKS_PER_YEAR / MONTHS_PER_YEAR / PENCE_PER_POUND
    return Figure(weekly, count, np.where(count > 0, pounds, np.nan), costed)


def cost_known_share(supply: SupplyHistory, months: MonthRange) -> Figure:
    """Children with a known weekly cost: a percentage, for information.

    Definition: Of the children looked after at the month end D, the percentage whose placement has
    a known weekly cost (from the costs extract or the episode's WEEKLY_COST): how much of the spend
    the cost figures cover.
    Numerator: Children looked after at D whose placement has a known weekly cost.
    Denominator: Children looked after at D (short breaks excluded).
    Reference date: The month end D (the last day of each month).
    Exclusions: Children on an agreed series of short breaks (V3/V4) at D.
    Source: The authority's placement costs extract (WEEKLY_COST by CHILD and DECOM), else
    WEEKLY_COST on the 903 episodes; the placement from the 903 episodes.
    Decisions: looked-after-at-D, short-breaks, temporary-invisible, temporary-at-period-start*,
    cost-of-counted-episode* (texts in sufficiency.definitions; * marks our reading of a point
    DOMAIN.md leaves open).

    In the drill-down the children listed are those with a known weekly cost.
    """
    looked_after = indicators.cla_count(supply.history).numerator
    costed = _costed(supply, looked_after)
    return _percent_figure(costed.count(months), looked_after.count(months), costed)


SUPPLY_FUNCTIONS: dict[str, Callable[[SupplyHistory, MonthRange], Figure]] = {
    "fostering_households": fostering_households,
    "carer_approvals": carer_approvals,
    "carer_deregistrations": carer_deregistrations,
    "approved_places": approved_places,
    "places_filled": places_filled,
    "vacancies": vacancies,
    "utilisation": utilisation,
    "avg_cost_in_house_fostering": avg_cost_in_house_fostering,
    "avg_cost_agency_fostering": avg_cost_agency_fostering,
    "avg_cost_kinship": avg_cost_kinship,
    "avg_cost_childrens_homes": avg_cost_childrens_homes,
    "avg_cost_supported": avg_cost_supported,
    "monthly_spend": monthly_spend,
    "cost_known_share": cost_known_share,
}


# --- The entry points -------------------------------------------------------------------------


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
    keys = [definition.key for definition in SUPPLY_INDICATORS]
    figures = [SUPPLY_FUNCTIONS[key](supply, months) for key in keys]
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
    if indicator not in SUPPLY_FUNCTIONS:
        raise ValueError(MSG_UNKNOWN_INDICATOR.format(indicator=indicator))
    if indicator in NOT_ABOUT_CHILDREN:
        raise ValueError(MSG_NOT_ABOUT_CHILDREN.format(indicator=indicator))
    day = pd.Timestamp(period_end)
    if not day.is_month_end:
        raise ValueError(MSG_NOT_MONTH_END.format(date=day.date().isoformat()))
    month = int(_months(np.datetime64(day.date(), "D")))
    history = build_care_history(episodes, children)
    supply = build_supply_history(history, episodes, carers, costs)
    figure = SUPPLY_FUNCTIONS[indicator](supply, MonthRange(first=month, count=1))
    assert figure.children is not None  # NOT_ABOUT_CHILDREN holds the others
    rows = figure.children.rows_at(month)
    frame = members_frame(history, episodes, rows, None, day)
    # A child has one row open at D, so the child id finds the row's carer and cost.
    child_ids = history.child_ids[history.child[rows]]
    frame["carer_id"] = frame["child_id"].map(pd.Series(supply.carer_id[rows], index=child_ids))
    weekly = pd.Series(supply.cost[rows] / PENCE_PER_POUND, index=child_ids)
    frame["weekly_cost"] = frame["child_id"].map(weekly).astype(float)
    return frame[SUPPLY_MEMBER_COLUMNS]
