"""Small-number suppression for what the committee sees (docs/suppression.md): pure, no ORM.

The rules:

- a count from 1 to 4 shows as "fewer than 5"; 0 shows as 0;
- a percentage whose numerator is 1 to 4, or whose denominator is below 10, is not shown;
- a rate per 10,000 (cla_rate) is not shown when the count of children behind it is 1 to 4;
- secondary suppression: in a set of counts that add up to a shown total, more cells are hidden
  until none of the hidden ones can be worked out from the total by subtraction;
- a value worked out from others (a change on last month, say) is hidden when any of them is;
- a red/amber/green status is hidden with its value, since it would give the value's range.

Published DfE figures (England, statistical neighbours) are public already and are never passed
through here. Each function returns a `Shown`: the words to print and the number that may be
drawn (None when hidden), so tables, charts and the PDF all hide the same things.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from sufficiency import registry
from sufficiency.coverage import NOT_ENOUGH_HISTORY

SMALL_COUNT_TEXT = "fewer than 5"
NOT_SHOWN_TEXT = "Not shown: small number"
SECONDARY_TEXT = "Not shown: protects a small number"
NOT_AVAILABLE_TEXT = "Not available"
RAG_HIDDEN_TEXT = "Not shown: small number"

# What suppression means, for the report's notes and the README.
RULES_TEXT = (
    "Small numbers are suppressed so that no child can be identified: a count from 1 to 4 "
    'shows as "fewer than 5", and a percentage or rate is not shown when fewer than 5 children '
    "are counted in it or it is a percentage of fewer than 10 children. Where a set of numbers "
    "adds up to a total that is shown, further numbers are hidden so that a hidden one cannot "
    "be worked out by subtraction, and a change or a red, amber or green status is not shown "
    "when the number it comes from is hidden. A zero is shown as 0. England and statistical "
    "neighbour figures are the DfE's published figures and are shown as published."
)

# Why a value is hidden, in words a footnote can use.
SMALL_COUNT = "a count from 1 to 4"
SMALL_NUMERATOR = "fewer than 5 children counted"
SMALL_DENOMINATOR = "fewer than 10 children in the group it is a percentage of"
SECONDARY = "hidden so that a small number cannot be worked out from the total"
DERIVED = "worked out from a number that is not shown"

# The smallest count shown as a number, and the smallest denominator a percentage is shown on.
SMALLEST_COUNT = 5
SMALLEST_DENOMINATOR = 10

Formatter = Callable[[float | None], str]


def plain(value: float | None) -> str:
    """The default formatter: a whole number with thousands separators."""
    if value is None or value != value:
        return NOT_AVAILABLE_TEXT
    return f"{round(value):,}"


@dataclass(frozen=True)
class Shown:
    """A value as it may be shown: `text` to print; `value` to draw, None when hidden or missing."""

    text: str
    value: float | None
    suppressed: bool = False
    reason: str = ""

    def __str__(self) -> str:
        return self.text


def shown(value: float | None, *, fmt: Formatter = plain) -> Shown:
    """A value shown as it is (unsuppressed pages, and published figures)."""
    return Shown(fmt(value), value)


def not_enough_history() -> Shown:
    """A month end the stored history does not reach back far enough for: no number at all."""
    return Shown(NOT_ENOUGH_HISTORY, None)


def hidden(reason: str, text: str = NOT_SHOWN_TEXT) -> Shown:
    return Shown(text, None, suppressed=True, reason=reason)


def is_small(count: int | None) -> bool:
    """1 to 4: the counts that are never shown exactly. Zero is not small: it is shown."""
    return count is not None and 0 < count < SMALLEST_COUNT


def count(value: int | None, *, fmt: Formatter = plain) -> Shown:
    """A count of children: 1 to 4 shows as "fewer than 5"."""
    if is_small(value):
        return hidden(SMALL_COUNT, SMALL_COUNT_TEXT)
    return shown(value, fmt=fmt)


def percentage(
    numerator: int | None,
    denominator: int | None,
    value: float | None = None,
    *,
    fmt: Formatter = plain,
) -> Shown:
    """A percentage, numerator / denominator x 100 unless `value` is given: not shown when the
    numerator is 1 to 4 or the denominator is 1 to 9.

    A zero denominator has no percentage at all: that is "not available", not suppressed.
    """
    if numerator is None or denominator is None:
        return shown(value, fmt=fmt)
    if value is None and denominator > 0:
        value = 100 * numerator / denominator
    if denominator == 0:
        return shown(None, fmt=fmt)
    if is_small(numerator):
        return hidden(SMALL_NUMERATOR)
    if denominator < SMALLEST_DENOMINATOR:
        return hidden(SMALL_DENOMINATOR)
    return shown(value, fmt=fmt)


def rate(value: float | None, children: int | None, *, fmt: Formatter = plain) -> Shown:
    """A rate per 10,000 whose numerator is a count of children: not shown when that count is
    1 to 4 (the population is public, so the rate would give the count away)."""
    if is_small(children):
        return hidden(SMALL_NUMERATOR)
    return shown(value, fmt=fmt)


def derived(value: float | None, *sources: Shown, fmt: Formatter = plain) -> Shown:
    """A value worked out from others, such as a change on last month: hidden when any of them
    is hidden, since with the one shown it would give the hidden one away."""
    if any(source.suppressed for source in sources):
        return hidden(DERIVED)
    return shown(value, fmt=fmt)


def rag(status: str | None, words: str, value: Shown) -> tuple[str | None, str]:
    """Red/amber/green and its words; both hidden with the value, since "on target" against a
    target of 3 says the hidden value is 3 or fewer."""
    if value.suppressed:
        return None, RAG_HIDDEN_TEXT
    return status, words


def suppress_group(
    cells: Sequence[int | None], total: int | None, *, fmt: Formatter = plain
) -> tuple[list[Shown], Shown]:
    """A set of counts that add up to `total` (a breakdown and its total row), with primary and
    secondary suppression.

    Primary: each count of 1 to 4 shows as "fewer than 5". Secondary: while the total is shown
    and some hidden cell could be worked out exactly from the total and the cells still shown,
    the smallest non-zero cell still shown is hidden too (the first of equals). One hidden cell
    is always recoverable by subtraction, so at least two are hidden; more are hidden when the
    known ranges would still pin one down (two cells of "fewer than 5" adding up to 2 are both
    1). Zeros stay shown: hiding them would protect nothing. A cell given as None is not known
    and is shown as not available; it hides nothing but is never recoverable either. If no cell
    is left to hide, the total is hidden instead.
    """
    shown_cells = [count(value, fmt=fmt) for value in cells]
    total_shown = count(total, fmt=fmt)
    if total is None or total_shown.suppressed:
        return shown_cells, total_shown
    while _recoverable(cells, shown_cells, total):
        candidates = [
            (value, index)
            for index, value in enumerate(cells)
            if value and not shown_cells[index].suppressed
        ]
        if not candidates:
            return shown_cells, hidden(SECONDARY, SECONDARY_TEXT)
        _, index = min(candidates)
        shown_cells[index] = hidden(SECONDARY, SECONDARY_TEXT)
    return shown_cells, total_shown


def _recoverable(cells: Sequence[int | None], shown_cells: Sequence[Shown], total: int) -> bool:
    """Whether a reader who knows the total, the shown cells and the rules could work out a
    hidden cell exactly. A primary cell is known to be 1 to 4; a secondary cell to be 5 or more
    (it would have said "fewer than 5" otherwise); a cell not available anything from 0."""
    remaining = total
    bounds: list[tuple[int, int, bool]] = []  # (least, most, hidden by suppression)
    for value, cell in zip(cells, shown_cells, strict=True):
        if value is None:
            bounds.append((0, total, False))
        elif cell.reason == SMALL_COUNT:
            bounds.append((1, SMALLEST_COUNT - 1, True))
        elif cell.suppressed:
            bounds.append((SMALLEST_COUNT, total, True))
        else:
            remaining -= value
    low_sum = sum(low for low, _, _ in bounds)
    high_sum = sum(high for _, high, _ in bounds)
    for low, high, protected in bounds:
        least = max(low, remaining - (high_sum - high))
        most = min(high, remaining - (low_sum - low))
        # least > most only when the cells do not add up to the total: hide more to be safe.
        if protected and least >= most:
            return True
    return False


# --- One month as the committee may see it ---------------------------------------------------

# "Where children live": disjoint placement groups that add up, with what is left over, to the
# number looked after. The groups, their order and labels, the total and which figures would
# give a group away are each indicator's declared disclosure (sufficiency/measures/); this
# module only applies them.
PLACEMENTS = registry.BREAKDOWNS["placements"]
_CELLS = registry.cells(PLACEMENTS.key)
# (label, indicator) of each group, in order; the cell is that indicator's numerator.
PLACEMENT_GROUPS: tuple[tuple[str, str], ...] = tuple(
    (cell.label, indicator) for _, indicator, cell in _CELLS
)
# Each group's key among a month's figures (the agency fostering cell is not ifa_share itself).
_CELL_KEY = {indicator: key for key, indicator, _ in _CELLS}
OTHER_PLACEMENTS = PLACEMENTS.remainder_label
OTHER_KEY = PLACEMENTS.remainder_key
# Each "where children live" row's key among a month's figures, and its label, in order.
GROUP_CELL_LABELS: dict[str, str] = {
    **{_CELL_KEY[key]: label for label, key in PLACEMENT_GROUPS},
    OTHER_KEY: OTHER_PLACEMENTS,
}
AGENCY_KEY = _CELL_KEY["ifa_share"]
TOTAL_KEY = registry.total_key(PLACEMENTS.key)
# The group cells a figure would give away if it were shown while they are hidden: a count
# that is a group is its own cell, the total is itself, any other figure says which.
SHARES_A_CELL: dict[str, list[str]] = {
    indicator.key: [indicator.key]
    if _CELL_KEY.get(indicator.key) == indicator.key or indicator.key == TOTAL_KEY
    else list(indicator.disclosure.gives_away)
    for indicator in registry.INDICATORS
    if indicator.key in _CELL_KEY or indicator.key == TOTAL_KEY or indicator.disclosure.gives_away
}
# Every indicator a month's suppression depends on.
MONTH_KEYS = [
    *(key for _, key in PLACEMENT_GROUPS),
    TOTAL_KEY,
    *(key for key in SHARES_A_CELL if key not in _CELL_KEY and key != TOTAL_KEY),
]


class Counted(Protocol):
    value: float | None
    numerator: int
    denominator: int
    enough_history: bool


def primary(unit: str, reading: Counted | None) -> Shown:
    """One stored value with the small-number rule for its unit (no secondary suppression)."""
    if reading is None:
        return shown(None)
    if not reading.enough_history:
        return not_enough_history()
    if unit == "count":
        return count(reading.numerator)
    if unit == "rate":
        return rate(reading.value, reading.numerator)
    if unit == "money":
        # An average or total over fewer than 5 children is about those children's placements.
        if is_small(reading.denominator):
            return hidden(SMALL_NUMERATOR)
        return shown(reading.value)
    return percentage(reading.numerator, reading.denominator, reading.value)


def month_as_shown(
    readings: Mapping[str, Counted | None], *, suppress: bool = True
) -> dict[str, Shown]:
    """Every indicator of one month end as the committee may see it, secondary suppression
    included, keyed by indicator, plus the "where children live" cells AGENCY_KEY (the agency
    fostering count) and OTHER_KEY (other placements). With `suppress=False`, the same shape
    with every number shown (for officers).

    Every page that shows a committee member a month's figures takes them from here, so that
    what one page hides another cannot give away: the placement groups add up to the number
    looked after, so once a cell is hidden, every figure that would reveal it is hidden too.
    """
    counts: list[int | None] = []

    def known(reading: Counted | None) -> int | None:
        # Not known: no reading, or not enough history behind it (its stored 0 is no count).
        return reading.numerator if reading is not None and reading.enough_history else None

    for _, key in PLACEMENT_GROUPS:
        counts.append(known(readings.get(key)))
    total = known(readings.get(TOTAL_KEY))
    other = None
    if total is not None and None not in counts:
        other = total - sum(c or 0 for c in counts)
        other = other if other >= 0 else None  # groups larger than the total: not computed
    group_keys = [_CELL_KEY[key] for _, key in PLACEMENT_GROUPS]
    group_keys.append(OTHER_KEY)

    if not suppress:
        result = {
            key: not_enough_history()
            if reading is not None and not reading.enough_history
            else shown(reading.value if reading is not None else None)
            for key, reading in readings.items()
        }
        for key, number in zip(group_keys, [*counts, other], strict=True):
            if key in (AGENCY_KEY, OTHER_KEY):
                result[key] = shown(number)
        return result

    result = {key: primary(registry.BY_KEY[key].unit, reading) for key, reading in readings.items()}
    cells, total_shown = suppress_group([*counts, other], total)
    in_group = dict(zip(group_keys, cells, strict=True))
    in_group[TOTAL_KEY] = total_shown
    result[AGENCY_KEY] = in_group[AGENCY_KEY]
    result[OTHER_KEY] = in_group[OTHER_KEY]
    for key, depends_on in SHARES_A_CELL.items():
        if key not in result or result[key].suppressed:
            continue
        if key in in_group:
            result[key] = in_group[key]  # the count as the group shows it
        elif any(in_group[cell].suppressed for cell in depends_on):
            result[key] = hidden(DERIVED)
    return result


def group_cells(month: Mapping[str, Shown]) -> list[tuple[str, Shown]]:
    """The "where children live" rows of a month from `month_as_shown`, in order, "other
    placements" last (the total is month[TOTAL_KEY])."""
    missing = shown(None)
    return [(label, month.get(key, missing)) for key, label in GROUP_CELL_LABELS.items()]


class Disclosure:
    """What may be shown of an authority's months: `at(day, key)` -> Shown, computed a month at
    a time from all that month's readings (`months`: {month end: {indicator: reading}})."""

    def __init__(
        self, months: Mapping[object, Mapping[str, Counted | None]], *, suppress: bool
    ) -> None:
        self._months = months
        self._suppress = suppress
        self._done: dict[object, dict[str, Shown]] = {}

    @property
    def suppress(self) -> bool:
        return self._suppress

    def month(self, day: object) -> dict[str, Shown]:
        if day not in self._done:
            self._done[day] = month_as_shown(self._months.get(day, {}), suppress=self._suppress)
        return self._done[day]

    def at(self, day: object, key: str) -> Shown:
        return self.month(day).get(key) or shown(None)
