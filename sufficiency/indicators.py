"""The DfE "We Will" indicators at every month end, from one authority's stored episodes.

Pure pandas and numpy (STYLE.md 1): no ORM, settings, request or I/O. `compute_indicators`
takes the stored episodes, the children and the population, and returns one row per indicator
and month end D with its value, numerator and denominator. The definitions, and every decision
they follow, are in `sufficiency.definitions` (the same text users read) and DOMAIN.md 2.

How: the episodes are turned once into a `CareHistory`. Short-break (V3/V4) episodes are set
aside; every other episode is tagged with its period of care and its placement (temporary
T0-T4 episodes belong to the placement before them, and take its type, provider and distance),
and with the dates its indicators depend on. Because every D is a month end, each condition an
indicator puts on D is a range of months: an episode is open at D for the months from its
DECOM's month up to, not including, its DEC's month; a child is under 16 before the month of
the 16th birthday; a period began on or before D minus 30 months from 30 months after its
first month; and so on. Each indicator intersects its ranges per episode and adds them up over
all months with one difference array, so the cost is linear in episodes plus months, with no
Python loop over children or months. A child has at most one episode open at any D (the
episodes of a child are made not to overlap), so counting open episodes counts children.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from placements.ssda903 import codes
from sufficiency.definitions import INDICATORS

EPISODE_COLUMNS = [
    "child_id", "decom", "dec", "rne", "ls", "place", "place_provider", "rec", "pl_post",
    "distance", "outside_la",
]  # fmt: skip
CHILD_COLUMNS = ["child_id", "dob"]
RESULT_COLUMNS = ["indicator", "period_end", "value", "numerator", "denominator"]

MSG_MISSING_COLUMNS = "The {frame} frame has no column {columns}."
MSG_DUPLICATE_CHILDREN = "The children frame has more than one row for {children}."
MSG_NO_DATE_OF_BIRTH = "No date of birth for children with episodes: {children}."

ADOPTION_PLACEMENTS = {"A3", "A4", "A5", "A6"}
KINSHIP_FOSTERING = {"U1", "U2", "U3"}
OTHER_FOSTERING = {"U4", "U5", "U6"}
FOSTERING = KINSHIP_FOSTERING | OTHER_FOSTERING
CHILDRENS_HOMES = {"K1", "K2"}
SUPPORTED_16PLUS = {"H5", "K3", "P2"}
WITH_PARENTS = {"P1"}
INDEPENDENT_PROVIDERS = {"PR4", "PR5"}
LA_OWN_PROVIDER = {"PR1"}
# RNE codes of a move that is not the start of a period of care (S always starts one).
RNE_MOVE = codes.RNE_NEW_PLACEMENT - {"S"}

DISTANCE_THRESHOLD_MILES = 20.0
RATE_PER = 10_000
# A 2.5-year stay, a 2-year placement, a 12-month window, all in months (DOMAIN.md 2).
CONTINUOUS_CARE_MONTHS = 30
SETTLED_PLACEMENT_MONTHS = 24
MOVES_WINDOW_MONTHS = 12
AGE_LIMIT_YEARS = 16
MOVES_COUNTED = 3

# A month index (months since January 1970) no month end reaches: "still open".
_NEVER_ENDS = 10**9
_FAR_FUTURE = np.datetime64("9999-12-31", "D")
_FAR_PAST = np.datetime64("0001-01-01", "D")


@dataclass(frozen=True)
class MonthRange:
    """The month ends computed: `count` months from month index `first` (months since 1970)."""

    first: int
    count: int

    def period_ends(self) -> np.ndarray:
        months = np.arange(self.first, self.first + self.count) + 1
        last_days = months.astype("datetime64[M]").astype("datetime64[D]") - np.timedelta64(1, "D")
        return last_days.astype("datetime64[ns]")

    def mid_years(self) -> np.ndarray:
        """The population year of each month end: the year its collection year starts in."""
        # April is month index 3 within a year: Jan-Mar belong to the previous collection year.
        return (np.arange(self.first, self.first + self.count) - 3) // 12 + 1970


@dataclass(frozen=True)
class Counts:
    """An indicator's numerator and denominator, one per month end."""

    numerator: np.ndarray
    denominator: np.ndarray

    @classmethod
    def count(cls, numerator: np.ndarray) -> Counts:
        # A count has no denominator of its own (decision count-denominator).
        return cls(numerator, numerator.copy())


@dataclass(frozen=True)
class CareHistory:
    """One authority's episodes, short breaks set aside, ready to evaluate at any month end.

    Every array has one entry per remaining episode; months are month indexes (months since
    January 1970). The place, provider, distance and outside-LA fields are those of the
    placement the child is counted in: for a temporary episode, the placement before it.
    """

    first_month: int | None  # of the earliest DECOM, short breaks included
    open_from: np.ndarray  # month of DECOM: open at month ends from this month...
    open_until: np.ndarray  # ...up to, not including, this one (month of DEC; _NEVER_ENDS)
    place: np.ndarray
    provider: np.ndarray
    distance: np.ndarray
    outside_la: np.ndarray
    period_from: np.ndarray  # month the period of care began
    settled_from: np.ndarray  # month tested against D minus 24 months for stability
    three_placements_until: np.ndarray  # 3+ placements in the window for month ends before this
    sixteenth_birthday: np.ndarray  # month of the 16th birthday
    start_months: np.ndarray  # month of each start of a period of care (RNE S)
    ceased_months: np.ndarray  # month of each end of a period of care (REC not X1)


# --- Building the history ---------------------------------------------------------------------


def build_care_history(episodes: pd.DataFrame, children: pd.DataFrame) -> CareHistory:
    """Periods of care and placements of every child, as DOMAIN.md 2 defines them."""
    _require_columns(episodes, EPISODE_COLUMNS, "episodes")
    _require_columns(children, CHILD_COLUMNS, "children")
    all_starts = episodes["decom"].to_numpy(dtype="datetime64[D]")
    first_month = int(_months(all_starts.min())) if len(all_starts) else None

    # Short breaks are not care for any indicator (decisions short-breaks and
    # short-break-episodes-dropped), so they are set aside before anything is chained.
    frame = episodes.loc[~episodes["ls"].isin(codes.SHORT_BREAK_LEGAL_STATUS)]
    frame = frame.sort_values(["child_id", "decom"], kind="mergesort")
    child, child_ids = pd.factorize(frame["child_id"])
    decom = frame["decom"].to_numpy(dtype="datetime64[D]")
    dec = frame["dec"].to_numpy(dtype="datetime64[D]")
    rne = _text(frame["rne"])
    rec = _text(frame["rec"])
    place = _text(frame["place"])
    pl_post = _text(frame["pl_post"])
    temporary = frame["place"].isin(codes.TEMPORARY_PLACEMENTS).to_numpy()
    count = len(frame)
    index = np.arange(count)

    # An episode ends at its DEC, or at the child's next DECOM if that comes first: the stitch
    # closes open episodes that way, and it keeps a child to one open episode at any date.
    same_child_next = np.zeros(count, dtype=bool)
    same_child_next[:-1] = child[1:] == child[:-1]
    is_open = np.isnat(dec)
    end = np.where(is_open, _FAR_FUTURE, dec)
    next_decom = np.full(count, _FAR_FUTURE)
    next_decom[:-1] = decom[1:]
    end = np.where(same_child_next, np.minimum(end, next_decom), end)

    # Periods of care (decision period-of-care): an unbroken chain of X1 episodes; RNE S
    # always starts a new one, as it is what `starters` counts.
    continues = np.zeros(count, dtype=bool)
    continues[1:] = (
        same_child_next[:-1]
        & (end[:-1] == decom[1:])
        & ((rec[:-1] == codes.CONTINUES_IN_CARE) | is_open[:-1])
        & (rne[1:] != "S")
    )
    period_first = np.maximum.accumulate(np.where(continues, -1, index))

    # Placements (decisions placements-same-carer, temporary-*): S, P and B start one, except
    # that a temporary episode never does, and nor does the return from it to the same place.
    last_usual = np.maximum.accumulate(np.where(temporary, -1, index))
    usual_before = _previous(last_usual, -1)
    after_temporary = _previous(temporary, False) & continues
    has_usual_before = usual_before >= period_first
    before = np.maximum(usual_before, 0)
    same_as_before = (place == place[before]) & (pl_post == pl_post[before])
    # With no usual placement before (the period began in a temporary one), the stay belongs
    # to the placement that follows it (decision temporary-at-period-start).
    returns = after_temporary & (~has_usual_before | same_as_before)
    new_placement = ~continues | (~temporary & _in(rne, RNE_MOVE) & ~returns)
    placement_first = np.maximum.accumulate(np.where(new_placement, index, -1))
    # The episode whose details (type, provider, distance) count at D: the last non-temporary
    # one of the placement so far, so a temporary stay shows the placement before it.
    counted = np.where(last_usual >= placement_first, last_usual, index)

    # One row per placement, for what depends on the placements before the current one.
    starts = np.flatnonzero(new_placement)
    placement_of = np.cumsum(new_placement) - 1
    lasts = np.append(starts[1:] - 1, count - 1) if count else starts
    placement_start = decom[starts]
    placement_end = end[lasts]
    placement_child = child[starts]

    # A child's placements do not overlap, so a child in placement k at D had 3+ placements
    # open in the window exactly when the child's placement k-2 ended after the window's first
    # day (decision moves-window).
    back = MOVES_COUNTED - 1
    earlier_end = np.full(len(starts), _FAR_PAST)
    same_child = placement_child[back:] == placement_child[: len(starts) - back]
    earlier_end[back:] = np.where(same_child, placement_end[: len(starts) - back], _FAR_PAST)
    # The window of a month end in month m starts on the 1st of month m - 11, which is before
    # `earlier_end` (the placement was open on it) for m up to month(earlier_end - 1 day) + 11.
    three_until = _months(earlier_end - np.timedelta64(1, "D")) + MOVES_WINDOW_MONTHS

    # An adoptive placement that was a move is judged with the placement before it, when that
    # is in the same period of care (decision adoption-clause).
    adoptive_from = placement_start.copy()
    placement_period = period_first[starts]
    after_move_in_period = _previous(placement_period, -1) == placement_period
    moved_into_adoption = after_move_in_period & _in(place[starts], ADOPTION_PLACEMENTS)
    adoptive_from[moved_into_adoption] = placement_start[np.flatnonzero(moved_into_adoption) - 1]

    place_now = place[counted]
    placed_for_adoption = _in(place_now, ADOPTION_PLACEMENTS)
    current_start = placement_start[placement_of]
    settled_from = np.where(placed_for_adoption, adoptive_from[placement_of], current_start)

    distance = pd.to_numeric(frame["distance"], errors="coerce").to_numpy(dtype=float, copy=True)
    # 999.9 is the 903's "not known"; the storage layer turns it into NaN, but one left in
    # would count as a placement 999.9 miles away, so it is caught here too.
    distance[distance == codes.DISTANCE_NOT_KNOWN] = np.nan
    outside = frame["outside_la"].astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    sixteenth = _sixteenth_birthday_months(children, child_ids)

    starts_of_care = rne == "S"
    ceased = ~is_open & (rec != codes.CONTINUES_IN_CARE)
    return CareHistory(
        first_month=first_month,
        open_from=_months(decom),
        open_until=np.where(end == _FAR_FUTURE, _NEVER_ENDS, _months(end)),
        place=place_now,
        provider=_text(frame["place_provider"])[counted],
        distance=distance[counted],
        outside_la=outside[counted],
        period_from=_months(decom[period_first]),
        settled_from=_months(settled_from),
        three_placements_until=three_until[placement_of],
        sixteenth_birthday=sixteenth[child],
        start_months=_months(decom[starts_of_care]),
        ceased_months=_months(dec[ceased]),
    )


def _require_columns(frame: pd.DataFrame, columns: list[str], name: str) -> None:
    missing = [column for column in columns if column not in frame.columns]
    if missing:
        raise ValueError(MSG_MISSING_COLUMNS.format(frame=name, columns=", ".join(missing)))


def _previous(values: np.ndarray, fill: object) -> np.ndarray:
    """Each row's previous row's value; `fill` for the first."""
    shifted = np.empty_like(values)
    shifted[:1] = fill
    shifted[1:] = values[:-1]
    return shifted


def _text(column: pd.Series) -> np.ndarray:
    return column.fillna("").astype(str).to_numpy(dtype=object)


def _months(days: np.ndarray | np.datetime64) -> np.ndarray:
    """Month index (months since January 1970) of each date."""
    return np.asarray(days).astype("datetime64[M]").astype(np.int64)


def _sixteenth_birthday_months(children: pd.DataFrame, child_ids: pd.Index) -> np.ndarray:
    """Month of each child's 16th birthday, in the order of `child_ids`."""
    duplicated = children["child_id"].duplicated()
    if duplicated.any():
        names = ", ".join(sorted(children.loc[duplicated, "child_id"].astype(str))[:10])
        raise ValueError(MSG_DUPLICATE_CHILDREN.format(children=names))
    dob = pd.Series(pd.to_datetime(children["dob"]).to_numpy(), index=children["child_id"])
    dob = dob.reindex(child_ids)
    if dob.isna().any():
        # An unknown age would silently move a child in or out of long-term stability.
        names = ", ".join(sorted(map(str, dob.index[dob.isna()]))[:10])
        raise ValueError(MSG_NO_DATE_OF_BIRTH.format(children=names))
    born = pd.DatetimeIndex(dob)
    year = born.year.to_numpy() + AGE_LIMIT_YEARS
    leap = ((year % 4 == 0) & (year % 100 != 0)) | (year % 400 == 0)
    # A 29 February birthday falls on 1 March in a year that is not a leap year (the next
    # month); since 16 is a multiple of 4 this first matters for children born in 2084.
    leap_day = (born.month.to_numpy() == 2) & (born.day.to_numpy() == 29) & ~leap
    return (year - 1970) * 12 + born.month.to_numpy() - 1 + leap_day


# --- Adding up over month ends --------------------------------------------------------------


def _count_open(
    months: MonthRange, since: np.ndarray, until: np.ndarray, where: np.ndarray | None = None
) -> np.ndarray:
    """For each month end, the number of rows with since <= its month < until (and `where`)."""
    since = np.clip(since - months.first, 0, months.count)
    until = np.clip(until - months.first, 0, months.count)
    keep = since < until
    if where is not None:
        keep &= where
    change = np.bincount(since[keep], minlength=months.count + 1) - np.bincount(
        until[keep], minlength=months.count + 1
    )
    return np.cumsum(change[: months.count])


def _count_in_month(months: MonthRange, month_of_event: np.ndarray) -> np.ndarray:
    offset = month_of_event - months.first
    inside = (offset >= 0) & (offset < months.count)
    return np.bincount(offset[inside], minlength=months.count)[: months.count]


def _looked_after(
    history: CareHistory, months: MonthRange, where: np.ndarray | None = None
) -> np.ndarray:
    return _count_open(months, history.open_from, history.open_until, where)


def _in(values: np.ndarray, codes_wanted: set[str]) -> np.ndarray:
    return np.isin(values, sorted(codes_wanted))


def _over_20_miles(history: CareHistory) -> np.ndarray:
    # Rounded as the DfE rounds (one decimal) before comparing, so 20.04 is not over 20.0.
    return np.round(history.distance, 1) > DISTANCE_THRESHOLD_MILES


# --- The indicators -------------------------------------------------------------------------


def cla_count(history: CareHistory, months: MonthRange) -> Counts:
    """Children looked after: a count, lower is better.

    Definition: The number of children looked after at the month end D.
    Numerator: The number of children looked after at the month end D.
    Denominator: None: the stored denominator equals the count.
    Reference date: The month end D (the last day of each month).
    Exclusions: Children on an agreed series of short breaks (V3/V4) at D.
    Source: DfE, Children looked after in England including adoptions (Explore Education
    Statistics): children looked after on 31 March; LAIT LACnum (Number of Looked after
    Children).
    Decisions: looked-after-at-D, short-breaks, count-denominator* (texts in
    sufficiency.definitions; * marks our reading of a point DOMAIN.md leaves open).
    """
    return Counts.count(_looked_after(history, months))


def cla_rate(history: CareHistory, months: MonthRange, population: dict[int, int]) -> Counts:
    """Rate per 10,000 children: a rate, lower is better.

    Definition: The number of children looked after at the month end D per 10,000 children aged
    0-17 living in the authority, rounded to a whole number.
    Numerator: Children looked after at D (cla_count).
    Denominator: The ONS mid-year estimate of children aged 0-17, from the authority's settings,
    for the year before the 31 March that ends the collection year containing D.
    Reference date: The month end D, and the population of the year before the 31 March that
    ends the collection year containing D.
    Exclusions: Children on an agreed series of short breaks (V3/V4) at D.
    Source: DfE, Children looked after in England including adoptions (Explore Education
    Statistics): rate per 10,000 children; LAIT LAC (Children Looked after rate per 10,000).
    Decisions: looked-after-at-D, short-breaks, population-year, rate-rounding* (texts in
    sufficiency.definitions; * marks our reading of a point DOMAIN.md leaves open).
    """
    numerator = _looked_after(history, months)
    denominator = np.array(
        [int(population.get(int(year)) or 0) for year in months.mid_years()], dtype=np.int64
    )
    return Counts(numerator, denominator)


def starters(history: CareHistory, months: MonthRange) -> Counts:
    """Started to be looked after: a count, for information.

    Definition: The number of periods of care that started (RNE S) in the month ending D.
    Numerator: The number of periods of care that started (RNE S) in the month ending D.
    Denominator: None: the stored denominator equals the count.
    Reference date: The month ending D: after the previous month end, up to and including D.
    Exclusions: Episodes with legal status V3 or V4 (short breaks).
    Source: DfE, Children looked after in England including adoptions (Explore Education
    Statistics): children starting to be looked after each year; LAIT LACnum_Start.
    Decisions: short-breaks, flow-month, starters-rne-s*, count-denominator* (texts in
    sufficiency.definitions; * marks our reading of a point DOMAIN.md leaves open).
    """
    return Counts.count(_count_in_month(months, history.start_months))


def ceased(history: CareHistory, months: MonthRange) -> Counts:
    """Ceased to be looked after: a count, for information.

    Definition: The number of periods of care that ended (an episode ending with a reason other
    than X1) in the month ending D, including those ending on D itself.
    Numerator: The number of periods of care that ended (an episode ending with a reason other
    than X1) in the month ending D, including those ending on D itself.
    Denominator: None: the stored denominator equals the count.
    Reference date: The month ending D: after the previous month end, up to and including D.
    Exclusions: Episodes with legal status V3 or V4 (short breaks).
    Source: DfE, Children looked after in England including adoptions (Explore Education
    Statistics): children ceasing to be looked after each year; LAIT LACceased.
    Decisions: looked-after-at-D, short-breaks, flow-month, ceased-rec, count-denominator*
    (texts in sufficiency.definitions; * marks our reading of a point DOMAIN.md leaves open).
    """
    return Counts.count(_count_in_month(months, history.ceased_months))


def moves_3plus(history: CareHistory, months: MonthRange) -> Counts:
    """Three or more placements in 12 months: a percentage, lower is better.

    Definition: Of the children looked after at the month end D, the percentage who had 3 or
    more placements open at any time in the 12 months ending at D.
    Numerator: Children looked after at D who had 3 or more placements open at any time in the
    12 months ending at D.
    Denominator: Children looked after at D (short breaks excluded).
    Reference date: The month end D, and the 12 months ending at D.
    Exclusions: Children on an agreed series of short breaks (V3/V4) at D. Short-break stays are
    not placements; temporary placements (T0-T4) are not placements.
    Source: DfE, Children looked after in England including adoptions (Explore Education
    Statistics): CLA on 31 March with 3 or more placements during the year; LAIT
    LACStable_2016on (Placement 1 - % 3 or more places).
    Decisions: looked-after-at-D, short-breaks, short-break-episodes-dropped*, period-of-care*,
    placements-same-carer, temporary-invisible, temporary-return-b*, temporary-at-period-start*,
    month-arithmetic*, moves-window, moves-all-periods (texts in sufficiency.definitions; *
    marks our reading of a point DOMAIN.md leaves open).
    """
    until = np.minimum(history.open_until, history.three_placements_until)
    numerator = _count_open(months, history.open_from, until)
    return Counts(numerator, _looked_after(history, months))


def long_term_stability(history: CareHistory, months: MonthRange) -> Counts:
    """Long-term stability: a percentage, higher is better.

    Definition: Of the children looked after at the month end D, aged under 16 at D, who have
    been looked after continuously for at least 2.5 years (their current period of care began on
    or before D minus 30 months), the percentage whose current placement began on or before D
    minus 24 months, or who are placed for adoption (A3-A6) and whose adoptive placement
    together with the placement before it began on or before D minus 24 months.
    Numerator: Children in the denominator whose current placement began on or before D minus 24
    months, or who are placed for adoption and whose placement before the adoptive placement
    began on or before D minus 24 months.
    Denominator: Children looked after at D, under 16 at D, whose current period of care began
    on or before D minus 30 months.
    Reference date: The month end D, D minus 30 months and D minus 24 months.
    Exclusions: Children on an agreed series of short breaks (V3/V4) at D. Children aged 16 or
    over at D. Time under short breaks is not time looked after.
    Source: DfE, Children looked after in England including adoptions (Explore Education
    Statistics): children looked after continuously for at least 2.5 years on 31 March aged
    under 16 years, living with the same carer for at least 2 years.
    Decisions: looked-after-at-D, short-breaks, short-break-episodes-dropped*, period-of-care*,
    placements-same-carer, temporary-invisible, temporary-return-b*, temporary-at-period-start*,
    month-arithmetic*, under-16, adoption-clause* (texts in sufficiency.definitions; * marks our
    reading of a point DOMAIN.md leaves open).
    """
    cohort_from = np.maximum(history.open_from, history.period_from + CONTINUOUS_CARE_MONTHS)
    cohort_until = np.minimum(history.open_until, history.sixteenth_birthday)
    settled_from = np.maximum(cohort_from, history.settled_from + SETTLED_PLACEMENT_MONTHS)
    return Counts(
        _count_open(months, settled_from, cohort_until),
        _count_open(months, cohort_from, cohort_until),
    )


def distance_20_miles(history: CareHistory, months: MonthRange) -> Counts:
    """Placed more than 20 miles from home, outside the LA: a percentage, lower is better.

    Definition: Of the children looked after at the month end D, the percentage whose placement
    is more than 20 miles from their home and outside the authority's boundary.
    Numerator: Children looked after at D placed more than 20 miles from home, in a district
    that is not one of the authority's own.
    Denominator: Children looked after at D (short breaks excluded). Children whose distance is
    not known are included.
    Reference date: The month end D (the last day of each month).
    Exclusions: Children on an agreed series of short breaks (V3/V4) at D.
    Source: DfE LAIT LACDistance (Children looked after at 31 March placed more than 20 miles
    from their home and outside LA boundary), the measure statistical neighbour figures exist
    for.
    Decisions: looked-after-at-D, short-breaks, temporary-invisible, temporary-at-period-start*,
    distance-over-20, outside-unknown* (texts in sufficiency.definitions; * marks our reading of
    a point DOMAIN.md leaves open).
    """
    outside = history.outside_la == 1.0
    numerator = _looked_after(history, months, _over_20_miles(history) & outside)
    return Counts(numerator, _looked_after(history, months))


def distance_20_miles_any(history: CareHistory, months: MonthRange) -> Counts:
    """Placed more than 20 miles from home: a percentage, lower is better.

    Definition: Of the children looked after at the month end D, the percentage whose placement
    is more than 20 miles from their home, inside or outside the authority's boundary.
    Numerator: Children looked after at D placed more than 20 miles from home.
    Denominator: Children looked after at D (short breaks excluded). Children whose distance is
    not known are included.
    Reference date: The month end D (the last day of each month).
    Exclusions: Children on an agreed series of short breaks (V3/V4) at D.
    Source: DfE, Children looked after in England including adoptions (Explore Education
    Statistics): children looked after at 31 March placed more than 20 miles from home (national
    publication).
    Decisions: looked-after-at-D, short-breaks, temporary-invisible, temporary-at-period-start*,
    distance-over-20 (texts in sufficiency.definitions; * marks our reading of a point DOMAIN.md
    leaves open).
    """
    numerator = _looked_after(history, months, _over_20_miles(history))
    return Counts(numerator, _looked_after(history, months))


def distance_unknown(history: CareHistory, months: MonthRange) -> Counts:
    """Distance not known: a percentage, for information.

    Definition: Of the children looked after at the month end D, the percentage whose distance
    from home to placement cannot be worked out.
    Numerator: Children looked after at D whose distance is not known.
    Denominator: Children looked after at D (short breaks excluded).
    Reference date: The month end D (the last day of each month).
    Exclusions: Children on an agreed series of short breaks (V3/V4) at D.
    Source: DfE, Children looked after in England including adoptions (Explore Education
    Statistics): distance not known or not recorded.
    Decisions: looked-after-at-D, short-breaks, temporary-invisible, temporary-at-period-start*,
    distance-over-20 (texts in sufficiency.definitions; * marks our reading of a point DOMAIN.md
    leaves open).
    """
    numerator = _looked_after(history, months, np.isnan(history.distance))
    return Counts(numerator, _looked_after(history, months))


def ifa_share(history: CareHistory, months: MonthRange) -> Counts:
    """Foster placements with independent agencies: a percentage, lower is better.

    Definition: Of the children looked after at the month end D in foster placements (U1-U6),
    the percentage fostered by other carers (U4-U6) through a private or voluntary provider (PR4
    or PR5).
    Numerator: Children looked after at D in U4-U6 with provider PR4 or PR5.
    Denominator: Children looked after at D in U1-U6 (short breaks excluded).
    Reference date: The month end D (the last day of each month).
    Exclusions: Children on an agreed series of short breaks (V3/V4) at D.
    Source: DfE, Children looked after in England including adoptions (Explore Education
    Statistics): children looked after at 31 March by placement type and provider.
    Decisions: looked-after-at-D, short-breaks, temporary-invisible, temporary-at-period-start*,
    independent-fostering (texts in sufficiency.definitions; * marks our reading of a point
    DOMAIN.md leaves open).
    """
    fostered = _in(history.place, FOSTERING)
    independent = _in(history.place, OTHER_FOSTERING) & _in(history.provider, INDEPENDENT_PROVIDERS)
    return Counts(
        _looked_after(history, months, independent), _looked_after(history, months, fostered)
    )


def residential_count(history: CareHistory, months: MonthRange) -> Counts:
    """Children in children's homes: a count, lower is better.

    Definition: The number of children looked after at the month end D in secure children's
    homes or children's homes (K1 or K2).
    Numerator: The number of children looked after at the month end D in secure children's homes
    or children's homes (K1 or K2).
    Denominator: None: the stored denominator equals the count.
    Reference date: The month end D (the last day of each month).
    Exclusions: Children on an agreed series of short breaks (V3/V4) at D.
    Source: DfE, Children looked after in England including adoptions (Explore Education
    Statistics): children looked after at 31 March by placement type.
    Decisions: looked-after-at-D, short-breaks, temporary-invisible, temporary-at-period-start*,
    count-denominator* (texts in sufficiency.definitions; * marks our reading of a point
    DOMAIN.md leaves open).
    """
    return Counts.count(_looked_after(history, months, _in(history.place, CHILDRENS_HOMES)))


def in_house_fostering(history: CareHistory, months: MonthRange) -> Counts:
    """In-house foster placements: a count, for information.

    Definition: The number of children looked after at the month end D in foster placements with
    other carers (U4-U6) provided by the authority itself (PR1).
    Numerator: The number of children looked after at the month end D in foster placements with
    other carers (U4-U6) provided by the authority itself (PR1).
    Denominator: None: the stored denominator equals the count.
    Reference date: The month end D (the last day of each month).
    Exclusions: Children on an agreed series of short breaks (V3/V4) at D.
    Source: DfE, Children looked after in England including adoptions (Explore Education
    Statistics): children looked after at 31 March by placement type.
    Decisions: looked-after-at-D, short-breaks, temporary-invisible, temporary-at-period-start*,
    count-denominator* (texts in sufficiency.definitions; * marks our reading of a point
    DOMAIN.md leaves open).
    """
    in_house = _in(history.place, OTHER_FOSTERING) & _in(history.provider, LA_OWN_PROVIDER)
    return Counts.count(_looked_after(history, months, in_house))


def kinship_fostering(history: CareHistory, months: MonthRange) -> Counts:
    """Foster placements with relatives or friends: a count, for information.

    Definition: The number of children looked after at the month end D in foster placements with
    relatives or friends (U1-U3).
    Numerator: The number of children looked after at the month end D in foster placements with
    relatives or friends (U1-U3).
    Denominator: None: the stored denominator equals the count.
    Reference date: The month end D (the last day of each month).
    Exclusions: Children on an agreed series of short breaks (V3/V4) at D.
    Source: DfE, Children looked after in England including adoptions (Explore Education
    Statistics): children looked after at 31 March by placement type.
    Decisions: looked-after-at-D, short-breaks, temporary-invisible, temporary-at-period-start*,
    count-denominator* (texts in sufficiency.definitions; * marks our reading of a point
    DOMAIN.md leaves open).
    """
    return Counts.count(_looked_after(history, months, _in(history.place, KINSHIP_FOSTERING)))


def placed_for_adoption(history: CareHistory, months: MonthRange) -> Counts:
    """Placed for adoption: a count, for information.

    Definition: The number of children looked after at the month end D in placements for
    adoption (A3-A6).
    Numerator: The number of children looked after at the month end D in placements for adoption
    (A3-A6).
    Denominator: None: the stored denominator equals the count.
    Reference date: The month end D (the last day of each month).
    Exclusions: Children on an agreed series of short breaks (V3/V4) at D.
    Source: DfE, Children looked after in England including adoptions (Explore Education
    Statistics): children looked after at 31 March by placement type.
    Decisions: looked-after-at-D, short-breaks, temporary-invisible, temporary-at-period-start*,
    count-denominator* (texts in sufficiency.definitions; * marks our reading of a point
    DOMAIN.md leaves open).
    """
    return Counts.count(_looked_after(history, months, _in(history.place, ADOPTION_PLACEMENTS)))


def supported_16plus(history: CareHistory, months: MonthRange) -> Counts:
    """Supported accommodation and independent living: a count, for information.

    Definition: The number of children looked after at the month end D in semi-independent
    living (H5), registered supported accommodation (K3) or independent living (P2).
    Numerator: The number of children looked after at the month end D in semi-independent living
    (H5), registered supported accommodation (K3) or independent living (P2).
    Denominator: None: the stored denominator equals the count.
    Reference date: The month end D (the last day of each month).
    Exclusions: Children on an agreed series of short breaks (V3/V4) at D.
    Source: DfE, Children looked after in England including adoptions (Explore Education
    Statistics): children looked after at 31 March by placement type.
    Decisions: looked-after-at-D, short-breaks, temporary-invisible, temporary-at-period-start*,
    count-denominator* (texts in sufficiency.definitions; * marks our reading of a point
    DOMAIN.md leaves open).
    """
    return Counts.count(_looked_after(history, months, _in(history.place, SUPPORTED_16PLUS)))


def placed_with_parents(history: CareHistory, months: MonthRange) -> Counts:
    """Placed with parents: a count, for information.

    Definition: The number of children looked after at the month end D in placements with
    parents or others with parental responsibility (P1).
    Numerator: The number of children looked after at the month end D in placements with parents
    or others with parental responsibility (P1).
    Denominator: None: the stored denominator equals the count.
    Reference date: The month end D (the last day of each month).
    Exclusions: Children on an agreed series of short breaks (V3/V4) at D.
    Source: DfE, Children looked after in England including adoptions (Explore Education
    Statistics): children looked after at 31 March by placement type.
    Decisions: looked-after-at-D, short-breaks, temporary-invisible, temporary-at-period-start*,
    count-denominator* (texts in sufficiency.definitions; * marks our reading of a point
    DOMAIN.md leaves open).
    """
    return Counts.count(_looked_after(history, months, _in(history.place, WITH_PARENTS)))


# Every indicator but cla_rate, which also needs the population.
INDICATOR_FUNCTIONS: dict[str, Callable[[CareHistory, MonthRange], Counts]] = {
    "cla_count": cla_count,
    "starters": starters,
    "ceased": ceased,
    "moves_3plus": moves_3plus,
    "long_term_stability": long_term_stability,
    "distance_20_miles": distance_20_miles,
    "distance_20_miles_any": distance_20_miles_any,
    "distance_unknown": distance_unknown,
    "ifa_share": ifa_share,
    "residential_count": residential_count,
    "in_house_fostering": in_house_fostering,
    "kinship_fostering": kinship_fostering,
    "placed_for_adoption": placed_for_adoption,
    "supported_16plus": supported_16plus,
    "placed_with_parents": placed_with_parents,
}


# --- The entry point ------------------------------------------------------------------------


def compute_indicators(
    *,
    episodes: pd.DataFrame,
    children: pd.DataFrame,
    population: dict[int, int],
    start: pd.Timestamp | None = None,
    end: pd.Timestamp,
) -> pd.DataFrame:
    """Every indicator at every month end from the month of `start` to the last on or before `end`.

    `episodes`: the stored episodes of one authority (child_id, decom, dec, rne, ls, place,
    place_provider, rec, pl_post, distance in miles or NaN, outside_la 1/0/NaN); `children`:
    child_id and dob; `population`: the 0-17 mid-year estimate by year. Without `start` the
    first month is that of the earliest DECOM.

    Returns one row per indicator (catalogue order) and month end: indicator, period_end,
    value (a percentage 0-100 unrounded, a whole-number rate, or a count; NaN when a
    percentage or rate has a zero denominator), numerator and denominator (whole numbers; a
    count's denominator is the count itself, cla_rate's the population, 0 when unknown).
    """
    history = build_care_history(episodes, children)
    months = _month_range(start, end, history.first_month)
    results = {key: compute(history, months) for key, compute in INDICATOR_FUNCTIONS.items()}
    results["cla_rate"] = cla_rate(history, months, population)
    return _results_frame(results, months)


def _month_range(
    start: pd.Timestamp | None, end: pd.Timestamp, first_month: int | None
) -> MonthRange:
    end = pd.Timestamp(end)
    # The month end on or before `end`: its own month only when `end` is that month's last day.
    last = int(_months(np.datetime64(end.date(), "D"))) - (0 if end.is_month_end else 1)
    if start is not None:
        first = int(_months(np.datetime64(pd.Timestamp(start).date(), "D")))
    elif first_month is not None:
        first = first_month
    else:
        return MonthRange(first=last + 1, count=0)
    return MonthRange(first=first, count=max(last - first + 1, 0))


def _results_frame(results: dict[str, Counts], months: MonthRange) -> pd.DataFrame:
    numerators, denominators, values = [], [], []
    for definition in INDICATORS:
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
            "indicator": np.repeat([d.key for d in INDICATORS], months.count).astype(object),
            "period_end": np.tile(months.period_ends(), len(INDICATORS)),
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
