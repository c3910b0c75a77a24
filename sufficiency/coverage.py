"""Whether the stored history reaches far enough back for a figure at a month end.

Pure: no ORM. An authority's history is complete from a date (docs/uploads.md#history-coverage
says how the product knows it); an indicator declares how many months before D it reads
(`look_back_months`). A month end whose look-back starts before the history is complete has
"not enough history": the figure would count a child's earlier placements, periods or moves
as missing, so it is not shown as a number anywhere.
"""

from __future__ import annotations

import datetime as dt

import numpy as np

NOT_ENOUGH_HISTORY = "Not enough history"
# What it means, for the committee report's notes.
HISTORY_TEXT = (
    "Some measures look back over months or years before the month end: moves over the last "
    "12 months, or children looked after for two and a half years. Where the authority's "
    'records held here do not reach back that far, the measure says "Not enough history" '
    "instead of showing a number that would leave out what happened before the records begin."
)


def needs_history_from(period_end: dt.date, look_back_months: int) -> dt.date:
    """The first day the history must cover for a figure at the month end `period_end`."""
    if look_back_months == 0:
        return period_end
    months = period_end.year * 12 + period_end.month - 1 - (look_back_months - 1)
    return dt.date(months // 12, months % 12 + 1, 1)


def has_enough_history(
    period_end: dt.date, look_back_months: int, complete_from: dt.date | None
) -> bool:
    """Whether a history complete from `complete_from` (None: nothing loaded) covers the
    figure's look-back at `period_end`."""
    if complete_from is None:
        return False
    return needs_history_from(period_end, look_back_months) >= complete_from


def enough_history_at(
    period_ends: np.ndarray, look_back_months: np.ndarray, complete_from: dt.date | None
) -> np.ndarray:
    """`has_enough_history` for many figures at once: month ends (datetime64) and their
    indicators' look-backs, element by element; one boolean each."""
    if complete_from is None:
        return np.zeros(len(period_ends), dtype=bool)
    ends = np.asarray(period_ends).astype("datetime64[D]")
    look_back = np.asarray(look_back_months, dtype=np.int64)
    # As needs_history_from: D itself, or the 1st of the month N - 1 months before D's.
    months_back = (np.maximum(look_back, 1) - 1).astype("timedelta64[M]")
    first_days = (ends.astype("datetime64[M]") - months_back).astype("datetime64[D]")
    needs = np.where(look_back > 0, first_days, ends)
    return needs >= np.datetime64(complete_from, "D")


def first_month_end(complete_from: dt.date, look_back_months: int) -> dt.date:
    """The first month end with enough history for a figure that looks back that far."""
    day = complete_from
    # The month end of the first day's month, then on until the look-back fits.
    while True:
        nxt = dt.date(day.year + (day.month == 12), day.month % 12 + 1, 1)
        end = nxt - dt.timedelta(days=1)
        if has_enough_history(end, look_back_months, complete_from):
            return end
        day = nxt


def explanation(look_back_months: int, complete_from: dt.date | None) -> str:
    """Why a month has no value, in words for any page."""
    if complete_from is None:
        return "No 903 history has been loaded yet."
    since = f"{complete_from.day} {complete_from:%B %Y}"
    if look_back_months == 0:
        return f"The stored history is complete from {since}; this month end is before it."
    months = "month" if look_back_months == 1 else f"{look_back_months} months"
    return (
        f"This figure looks back over the {months} before each month end, and the stored "
        f"history is complete only from {since}."
    )
