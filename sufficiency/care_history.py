"""One authority's care history, ready to be counted at any month end: the engine's parts.

Pure pandas and numpy (STYLE.md 1): no ORM, settings, request or I/O. `build_care_history`
turns the stored episodes and children into a `CareHistory`; the indicators' rules
(`sufficiency/measures/`) say, as `Spans`, which of its rows each side of an indicator counts and
at which month ends; `sufficiency.indicators` adds them up. How the history reads a child's
episodes (periods of care, placements, temporary placements, short breaks) is set out in
docs/periods-and-placements.md.

How: short-break (V3/V4) episodes are set aside; every other episode is tagged with its child,
its period of care and its placement (temporary T0-T4 episodes belong to the placement before
them, and take its type, provider and distance), and with the dates its indicators depend on.
Because every D is a month end, each condition an indicator puts on D is a range of months: an
episode is open at D for the months from its DECOM's month up to, not including, its DEC's
month; a child is under 16 before the month of the 16th birthday; a period began on or before D
minus 30 months from 30 months after its first month; and so on. The monthly figures add the
ranges up over all months with one difference array, so the cost is linear in episodes plus
months, with no Python loop over children or months; the children behind a number are the rows
whose range holds D's month. Both read the same `Rule`, so the list cannot drift from the
count. A child has at most one episode open at any D (the episodes of a child are made not to
overlap), so counting open episodes counts children.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from placements.ssda903 import codes

EPISODE_COLUMNS = [
    "child_id", "decom", "dec", "rne", "ls", "place", "place_provider", "rec", "pl_post",
    "distance", "outside_la",
]  # fmt: skip
CHILD_COLUMNS = ["child_id", "dob"]
MEMBER_COLUMNS = [
    "child_id", "age", "place", "provider", "urn", "distance", "outside_la", "placement_start",
    "period_start", "event_date",
]  # fmt: skip

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
# A 2.5-year stay, a 2-year placement, a 12-month window, all in months (docs/periods-and-placements.md).
CONTINUOUS_CARE_MONTHS = 30
SETTLED_PLACEMENT_MONTHS = 24
MOVES_WINDOW_MONTHS = 12
FLOW_WINDOW_MONTHS = 12  # starters_12m and ceased_12m: the 12 months ending at D
AGE_LIMIT_YEARS = 16
MOVES_COUNTED = 3

# A month index (months since January 1970) no month end reaches: "still open".
NEVER_ENDS = 10**9
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


@dataclass(frozen=True)
class Spans:
    """Whom one side of an indicator counts, and when: one entry per row of a `CareHistory`.

    Row i is counted at the month ends of the months `since[i] <= m < until[i]` (month
    indexes), if `where[i]` (every row when `where` is None). For a flow, `event` is the date
    of the start or end of care each row stands for.
    """

    since: np.ndarray
    until: np.ndarray
    where: np.ndarray | None = None
    event: np.ndarray | None = None

    def count(self, months: MonthRange) -> np.ndarray:
        """The number of rows counted at each month end of `months`."""
        return _count_open(months, self.since, self.until, self.where)

    def rows_at(self, month: int) -> np.ndarray:
        """The positions of the rows counted at the month end of `month`."""
        counted = (self.since <= month) & (month < self.until)
        if self.where is not None:
            counted &= self.where
        return np.flatnonzero(counted)


class Population:
    """A denominator that is not a set of rows: the 0-17 mid-year population of each month end's
    year (decision population-year), which the caller supplies by year."""

    def count(self, months: MonthRange, population: Mapping[int, int]) -> np.ndarray:
        years = months.mid_years()
        return np.array([int(population.get(int(year)) or 0) for year in years], dtype=np.int64)


POPULATION = Population()


@dataclass(frozen=True)
class Rule:
    """An indicator's definition as `Spans`: who is in its numerator and its denominator."""

    numerator: Spans
    denominator: Spans | Population | None = None  # None: a count, its own denominator

    def counts(self, months: MonthRange, population: Mapping[int, int]) -> Counts:
        numerator = self.numerator.count(months)
        if self.denominator is None:
            # A count has no denominator of its own (decision count-denominator).
            return Counts(numerator, numerator.copy())
        if isinstance(self.denominator, Population):
            return Counts(numerator, self.denominator.count(months, population))
        return Counts(numerator, self.denominator.count(months))


@dataclass(frozen=True)
class CareHistory:
    """One authority's episodes, short breaks set aside, ready to evaluate at any month end.

    Every array but `child_ids` and `dob` has one entry per remaining episode (a row), in
    child then DECOM order; months are month indexes (months since January 1970), dates are
    datetime64[D]. The place, provider, distance and outside-LA fields are those of the
    placement the child is counted in: for a temporary episode, the placement before it.
    """

    first_month: int | None  # of the earliest DECOM, short breaks included
    child: np.ndarray  # the row's child, a position in `child_ids`
    child_ids: np.ndarray  # CHILD of each child with a row
    dob: np.ndarray  # date of birth of each child, in `child_ids` order
    source_row: np.ndarray  # position of the row in the episodes frame given
    counted_row: np.ndarray  # position there of the episode whose details count (see above)
    decom: np.ndarray
    dec: np.ndarray  # NaT while open
    open_from: np.ndarray  # month of DECOM: open at month ends from this month...
    open_until: np.ndarray  # ...up to, not including, this one (month of DEC; NEVER_ENDS)
    place: np.ndarray
    provider: np.ndarray
    distance: np.ndarray
    outside_la: np.ndarray
    period_start: np.ndarray  # date the period of care began
    placement_start: (
        np.ndarray
    )  # date the placement began (placements as docs/periods-and-placements.md has them)
    period_from: np.ndarray  # month the period of care began
    settled_from: np.ndarray  # month tested against D minus 24 months for stability
    three_placements_until: np.ndarray  # 3+ placements in the window for month ends before this
    sixteenth_birthday: np.ndarray  # month of the 16th birthday
    starts_care: np.ndarray  # the episode starts a period of care (RNE S)
    ends_care: np.ndarray  # the episode ends a period of care (REC not X1)


# --- Building the history ---------------------------------------------------------------------


def build_care_history(episodes: pd.DataFrame, children: pd.DataFrame) -> CareHistory:
    """Periods of care and placements of every child, as docs/periods-and-placements.md defines them."""
    require_columns(episodes, EPISODE_COLUMNS, "episodes")
    require_columns(children, CHILD_COLUMNS, "children")
    all_starts = episodes["decom"].to_numpy(dtype="datetime64[D]")
    first_month = int(month_index(all_starts.min())) if len(all_starts) else None

    # Short breaks are not care for any indicator (decisions short-breaks and
    # short-break-episodes-dropped), so they are set aside before anything is chained.
    kept = ~episodes["ls"].isin(codes.SHORT_BREAK_LEGAL_STATUS).to_numpy()
    # Positions in the caller's frame (its index may be anything), to find each row's episode
    # again for the drill-down; a fresh frame of our own, so the caller's index is untouched.
    frame = episodes.loc[kept].set_axis(np.flatnonzero(kept), axis="index")
    frame = frame.sort_values(["child_id", "decom"], kind="mergesort")
    source_row = frame.index.to_numpy()
    child, child_ids = pd.factorize(frame["child_id"])
    decom = frame["decom"].to_numpy(dtype="datetime64[D]")
    dec = frame["dec"].to_numpy(dtype="datetime64[D]")
    rne = text_values(frame["rne"])
    rec = text_values(frame["rec"])
    place = text_values(frame["place"])
    pl_post = text_values(frame["pl_post"])
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
    new_placement = ~continues | (~temporary & isin(rne, RNE_MOVE) & ~returns)
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
    three_until = month_index(earlier_end - np.timedelta64(1, "D")) + MOVES_WINDOW_MONTHS

    # An adoptive placement that was a move is judged with the placement before it, when that
    # is in the same period of care (decision adoption-clause).
    adoptive_from = placement_start.copy()
    placement_period = period_first[starts]
    after_move_in_period = _previous(placement_period, -1) == placement_period
    moved_into_adoption = after_move_in_period & isin(place[starts], ADOPTION_PLACEMENTS)
    adoptive_from[moved_into_adoption] = placement_start[np.flatnonzero(moved_into_adoption) - 1]

    place_now = place[counted]
    placed_for_adoption = isin(place_now, ADOPTION_PLACEMENTS)
    current_start = placement_start[placement_of]
    settled_from = np.where(placed_for_adoption, adoptive_from[placement_of], current_start)

    distance = pd.to_numeric(frame["distance"], errors="coerce").to_numpy(dtype=float, copy=True)
    # 999.9 is the 903's "not known"; the storage layer turns it into NaN, but one left in
    # would count as a placement 999.9 miles away, so it is caught here too.
    distance[distance == codes.DISTANCE_NOT_KNOWN] = np.nan
    outside = frame["outside_la"].astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    dob = _dates_of_birth(children, child_ids)
    period_start = decom[period_first]

    return CareHistory(
        first_month=first_month,
        child=child,
        child_ids=np.asarray(child_ids, dtype=object),
        dob=dob,
        source_row=source_row,
        counted_row=source_row[counted],
        decom=decom,
        dec=dec,
        open_from=month_index(decom),
        open_until=np.where(end == _FAR_FUTURE, NEVER_ENDS, month_index(end)),
        place=place_now,
        provider=text_values(frame["place_provider"])[counted],
        distance=distance[counted],
        outside_la=outside[counted],
        period_start=period_start,
        placement_start=current_start,
        period_from=month_index(period_start),
        settled_from=month_index(settled_from),
        three_placements_until=three_until[placement_of],
        sixteenth_birthday=_sixteenth_birthday_months(dob)[child],
        starts_care=rne == "S",
        ends_care=~is_open & (rec != codes.CONTINUES_IN_CARE),
    )


def require_columns(frame: pd.DataFrame, columns: list[str], name: str) -> None:
    missing = [column for column in columns if column not in frame.columns]
    if missing:
        raise ValueError(MSG_MISSING_COLUMNS.format(frame=name, columns=", ".join(missing)))


def _previous(values: np.ndarray, fill: object) -> np.ndarray:
    """Each row's previous row's value; `fill` for the first."""
    shifted = np.empty_like(values)
    shifted[:1] = fill
    shifted[1:] = values[:-1]
    return shifted


def text_values(column: pd.Series) -> np.ndarray:
    return column.fillna("").astype(str).to_numpy(dtype=object)


def month_index(days: np.ndarray | np.datetime64) -> np.ndarray:
    """Month index (months since January 1970) of each date."""
    return np.asarray(days).astype("datetime64[M]").astype(np.int64)


def _dates_of_birth(children: pd.DataFrame, child_ids: pd.Index) -> np.ndarray:
    """Each child's date of birth (datetime64[D]), in the order of `child_ids`."""
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
    return dob.to_numpy(dtype="datetime64[D]")


def _sixteenth_birthday_months(dob: np.ndarray) -> np.ndarray:
    """Month of the 16th birthday of each date of birth."""
    born = pd.DatetimeIndex(dob)
    year = born.year.to_numpy() + AGE_LIMIT_YEARS
    leap = ((year % 4 == 0) & (year % 100 != 0)) | (year % 400 == 0)
    # A 29 February birthday falls on 1 March in a year that is not a leap year (the next
    # month); since 16 is a multiple of 4 this first matters for children born in 2084.
    leap_day = (born.month.to_numpy() == 2) & (born.day.to_numpy() == 29) & ~leap
    return (year - 1970) * 12 + born.month.to_numpy() - 1 + leap_day


# --- Counting over month ends -------------------------------------------------------------


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


def looked_after(history: CareHistory, where: np.ndarray | None = None) -> Spans:
    """Each row at the month ends it is open (and `where`)."""
    return Spans(history.open_from, history.open_until, where)


def in_month(month: np.ndarray, where: np.ndarray, event: np.ndarray) -> Spans:
    """Each `where` row at the end of the month of its event (decision flow-month)."""
    return Spans(month, month + 1, where, event)


def ended_months(history: CareHistory) -> np.ndarray:
    """Month of the DEC of each row that ends a period of care; NEVER_ENDS for the others."""
    # DEC is NaT for open rows, which would make a meaningless month index.
    return np.where(history.ends_care, month_index(history.dec), NEVER_ENDS)


def once_a_year(
    history: CareHistory,
    month: np.ndarray,
    where: np.ndarray,
    event: np.ndarray,
    keep: Literal["first", "last"],
) -> Spans:
    """Each child with a `where` event in the 12 months ending at D, once, at every such D.

    An event in month s falls in the 12 months ending at the month ends of s to s + 11. A
    child with several events is counted through one of them at each D: with `keep` "first",
    the first event in those 12 months (the DfE counts the first occasion a child started in
    the year), with "last" the last one (the last occasion a child ceased). So each event
    counts from its own month, or from when the child's previous event has left the 12
    months ("first"), up to when it leaves them, or the child's next event comes ("last").
    Between them a child's events cover every month end an event of theirs is in, once.
    """
    rows = np.flatnonzero(where)
    # In child then event-date order, whatever the rows' order (a child's DECs follow their
    # DECOMs in stored data, but this must not depend on it).
    day = event[rows].astype("datetime64[D]").astype(np.int64)
    rows = rows[np.lexsort((day, history.child[rows]))]
    first = month[rows]
    since = first.copy()
    until = first + FLOW_WINDOW_MONTHS
    same_child = history.child[rows[1:]] == history.child[rows[:-1]]
    if keep == "first":
        # While the child's previous event is in the 12 months, that one is the first (an
        # event in the same month as the previous one is therefore never counted).
        since[1:] = np.where(same_child, np.maximum(since[1:], until[:-1]), since[1:])
    else:
        until[:-1] = np.where(same_child, np.minimum(until[:-1], first[1:]), until[:-1])
    all_since = np.full(len(where), NEVER_ENDS, dtype=np.int64)
    all_until = np.full(len(where), NEVER_ENDS, dtype=np.int64)
    all_since[rows] = since
    all_until[rows] = until
    return Spans(all_since, all_until, where, event)


def isin(values: np.ndarray, codes_wanted: set[str]) -> np.ndarray:
    # pandas hashes; np.isin sorts the object array, several times slower on 70,000 codes.
    return pd.Series(values, dtype=object).isin(codes_wanted).to_numpy(dtype=bool)


def over_20_miles(history: CareHistory) -> np.ndarray:
    # Rounded as the DfE rounds (one decimal) before comparing, so 20.04 is not over 20.0.
    return np.round(history.distance, 1) > DISTANCE_THRESHOLD_MILES


# --- Month ends and the drill-down -------------------------------------------------------


def month_range(
    start: pd.Timestamp | None, end: pd.Timestamp, first_month: int | None
) -> MonthRange:
    """The month ends computed: from the month of `start` (else the month `first_month`) to the
    last month end on or before `end`; none when there is neither."""
    end = pd.Timestamp(end)
    # The month end on or before `end`: its own month only when `end` is that month's last day.
    last = int(month_index(np.datetime64(end.date(), "D"))) - (0 if end.is_month_end else 1)
    if start is not None:
        first = int(month_index(np.datetime64(pd.Timestamp(start).date(), "D")))
    elif first_month is not None:
        first = first_month
    else:
        return MonthRange(first=last + 1, count=0)
    return MonthRange(first=first, count=max(last - first + 1, 0))


def members_frame(
    history: CareHistory,
    episodes: pd.DataFrame,
    rows: np.ndarray,
    event: np.ndarray | None,
    day: pd.Timestamp,
) -> pd.DataFrame:
    """The drill-down rows (MEMBER_COLUMNS, see `numerator_children`) of the history's rows
    `rows` at the month end `day`, in child_id order; `event`: a `Spans`' event dates, or None.
    Also the supply drill-down's, so the supply lists show children the same way."""
    child = history.child[rows]
    born = pd.DatetimeIndex(history.dob[child])
    # Whole years: one fewer until the birthday in D's year has come, as for the 16th
    # birthday (a 29 February birthday comes on 1 March in other years).
    before_birthday = (born.month > day.month) | ((born.month == day.month) & (born.day > day.day))
    age = day.year - born.year.to_numpy() - before_birthday.astype(np.int64)
    if "urn" in episodes.columns:
        urn = text_values(episodes["urn"].iloc[history.counted_row[rows]])
    else:
        urn = np.full(len(rows), "", dtype=object)
    outside = history.outside_la[rows]
    no_date = np.full(len(rows), np.datetime64("NaT"), dtype="datetime64[ns]")
    frame = pd.DataFrame(
        {
            "child_id": history.child_ids[child],
            "age": age.astype(np.int64),
            "place": history.place[rows],
            "provider": history.provider[rows],
            "urn": urn,
            "distance": history.distance[rows],
            # True, False or None in an object array: pandas-stubs know no overload for it.
            "outside_la": pd.array(
                np.where(np.isnan(outside), None, outside == 1.0),  # type: ignore[call-overload]
                dtype="boolean",
            ),
            "placement_start": history.placement_start[rows].astype("datetime64[ns]"),
            "period_start": history.period_start[rows].astype("datetime64[ns]"),
            "event_date": no_date if event is None else event[rows].astype("datetime64[ns]"),
        },
        columns=MEMBER_COLUMNS,
    )
    return frame.sort_values("child_id", kind="mergesort").reset_index(drop=True)
