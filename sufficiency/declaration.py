"""What declaring an indicator takes: its words, its rule and how it relates to other figures.

Every indicator is declared once, in `sufficiency/measures/`, with one of the two decorators
below on the function that is its rule. The declaration is all a page, an export, the committee
report, the suppression and `docs/indicators.md` know of it; nothing else repeats its text.
`sufficiency.registry` gathers the declarations and checks them when it is imported.

Disclosure is part of a declaration because a number that looks harmless alone can give away a
suppressed one: the placement groups ("where children live") add up to the number looked after,
so a figure made of some of them would let a reader subtract their way back to a hidden cell.
Each indicator therefore says whether it is a cell of such a breakdown, its total, which cells
it would give away if it were shown while they are hidden, or, in words, why it gives none away.
An indicator that says none of these cannot be declared.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

# money: pounds, from a numerator in pence (the supply rules say how each value is made).
Unit = Literal["count", "percent", "rate", "money"]
Polarity = Literal["lower", "higher", "info"]
# Which inputs a rule reads: the 903 episodes alone, or with the foster carers and costs.
Family = Literal["ssda903", "supply"]

MSG_NO_DISCLOSURE = (
    "Indicator {key} does not say how it relates to other figures for disclosure: give it a "
    "cell_of(...), total_of(...), gives_away(...) or stands_alone(...) (see CONTRIBUTING.md)."
)
MSG_ALONE_AND_LINKED = (
    "Indicator {key} stands alone but also names cells or a breakdown: it cannot be both."
)
MSG_SHARE_OF_CELL = (
    "Indicator {key} has a cell of its own key but does not say which cells it gives away."
)
MSG_LOOK_BACK = "Indicator {key} does not say how many months before D it looks back."
MSG_DUPLICATE_KEY = "Indicator {key} is declared twice."
MSG_NOT_A_DECISION = "Indicator {key} lists a decision that is not a Decision: {decision!r}."
MSG_UNKNOWN_CELL = "Indicator {key} gives away {cell}, which is no cell or total of a breakdown."
MSG_UNKNOWN_BREAKDOWN = "Indicator {key} is part of breakdown {breakdown}, which is not declared."
MSG_CELL_POSITION = "Breakdown {breakdown} has two cells at position {position}."
MSG_NO_TOTAL = "Breakdown {breakdown} has {count} totals; it needs exactly one."
MSG_EMPTY_TEXT = "Indicator {key} has no {field}."
MSG_PROMISE_POSITION = "Two promises are at position {position}."


@dataclass(frozen=True)
class Decision:
    """A point a definition settles: `ours` is True for the product's own reading of a point
    the DfE's guidance leaves open, False for the DfE's rule. Pages flag which is which."""

    key: str
    text: str
    ours: bool


@dataclass(frozen=True)
class Cell:
    """A figure's numerator as one row of a breakdown that adds up to the breakdown's total.

    `key` is the cell's name in a month's suppressed figures when it is not the indicator's own
    (the agency fostering cell is ifa_share's numerator, not the share itself)."""

    breakdown: str
    label: str
    position: int
    key: str = ""


@dataclass(frozen=True)
class Disclosure:
    """How a figure relates to others when small numbers are suppressed.

    `cell`: its numerator is a cell of a breakdown. `total_of`: its numerator is a breakdown's
    total. `gives_away`: the cells (or totals) a reader could work out from it, were it shown
    while they are hidden; it is hidden whenever any of them is. `alone`: why it gives no other
    figure away, for a figure that is none of these (it still gets its own small-number rule).
    """

    cell: Cell | None = None
    total_of: str = ""
    gives_away: tuple[str, ...] = ()
    alone: str = ""

    @property
    def linked(self) -> bool:
        return self.cell is not None or bool(self.total_of) or bool(self.gives_away)


def cell_of(
    breakdown: str, label: str, position: int, *, key: str = "", gives_away: tuple[str, ...] = ()
) -> Disclosure:
    """The figure's numerator is row `position` of `breakdown`, shown under `label`."""
    return Disclosure(cell=Cell(breakdown, label, position, key), gives_away=gives_away)


def total_of(breakdown: str) -> Disclosure:
    """The figure's numerator is the total `breakdown`'s cells add up to."""
    return Disclosure(total_of=breakdown)


def gives_away(*cells: str) -> Disclosure:
    """Shown while any of `cells` is hidden, the figure would let a reader work it out."""
    return Disclosure(gives_away=cells)


def stands_alone(reason: str) -> Disclosure:
    """The figure gives no other figure away; `reason` says why (it goes into the docs)."""
    return Disclosure(alone=reason)


@dataclass(frozen=True)
class Breakdown:
    """Figures that add up to a total: `remainder` is the key and label of the cell worked out
    as the total less the others (children in none of the declared cells)."""

    key: str
    title: str
    remainder_key: str
    remainder_label: str


@dataclass(frozen=True)
class Promise:
    """A "We Will" promise of a placement sufficiency strategy that an indicator tracks: `key`
    names it in pages' anchors, `position` orders the promises on the overview and report."""

    key: str
    title: str
    position: int
    indicator: str = ""  # the key of the indicator that tracks it; the registry fills it in


@dataclass(frozen=True)
class Indicator:
    """One indicator as declared: what users read beside the number, its rule, its disclosure.

    `rule` is the function the declaration decorates. A "ssda903" rule takes the care history
    and returns a `care_history.Rule`; a "supply" rule takes the supply history and the month
    ends and returns a `supply_history.Figure`. `lists_children` is False for a figure about
    households or places, which has no list of children behind it. Whether the DfE publishes
    a figure of the same definition is the benchmark importers' to say
    (`sufficiency.benchmarks.PUBLISHED_INDICATORS`): they store it under the indicator's key.
    """

    key: str
    name: str
    short_name: str
    unit: Unit
    polarity: Polarity
    definition: str
    numerator: str
    denominator: str
    reference_date: str
    exclusions: str
    source: str
    decisions: tuple[Decision, ...]
    disclosure: Disclosure
    # How far back before D the figure reads the history: 0, the month end D alone; N, the N
    # months ending at D (from the 1st of the month N - 1 months before D's month). A month end
    # whose look-back starts before the authority's history is complete has no value.
    look_back_months: int
    family: Family
    rule: Callable[..., Any] = field(repr=False, compare=False)
    lists_children: bool = True
    promise: Promise | None = None


class Registry:
    """The declared indicators in declaration order, and the breakdowns they belong to."""

    def __init__(self) -> None:
        self.indicators: list[Indicator] = []
        self.breakdowns: dict[str, Breakdown] = {}

    def breakdown(self, breakdown: Breakdown) -> Breakdown:
        self.breakdowns[breakdown.key] = breakdown
        return breakdown

    def add(self, indicator: Indicator) -> Indicator:
        _check_own(indicator)
        if any(known.key == indicator.key for known in self.indicators):
            raise ValueError(MSG_DUPLICATE_KEY.format(key=indicator.key))
        self.indicators.append(indicator)
        return indicator

    def declare(self, family: Family, **fields: Any) -> Callable[[Callable[..., Any]], Any]:
        """A decorator: the function it decorates is the rule of the indicator `fields` declare."""
        if "disclosure" not in fields:
            raise ValueError(MSG_NO_DISCLOSURE.format(key=fields.get("key", "?")))
        if "look_back_months" not in fields:
            raise ValueError(MSG_LOOK_BACK.format(key=fields.get("key", "?")))

        def register(rule: Callable[..., Any]) -> Callable[..., Any]:
            self.add(Indicator(family=family, rule=rule, **fields))
            return rule

        return register

    def check(self) -> None:
        """The checks that need every declaration: cells and totals named exist, positions are
        unique, each breakdown has one total. Raises ValueError with the first problem found."""
        cell_keys: set[str] = set()
        for breakdown in self.breakdowns.values():
            cells = self.cells(breakdown.key)
            positions = [cell.position for _, _, cell in cells]
            for position in positions:
                if positions.count(position) > 1:
                    raise ValueError(
                        MSG_CELL_POSITION.format(breakdown=breakdown.key, position=position)
                    )
            totals = [i for i in self.indicators if i.disclosure.total_of == breakdown.key]
            if len(totals) != 1:
                raise ValueError(MSG_NO_TOTAL.format(breakdown=breakdown.key, count=len(totals)))
            cell_keys |= {key for key, _, _ in cells} | {totals[0].key, breakdown.remainder_key}
        for indicator in self.indicators:
            disclosure = indicator.disclosure
            named = disclosure.total_of or (disclosure.cell and disclosure.cell.breakdown)
            if named and named not in self.breakdowns:
                raise ValueError(MSG_UNKNOWN_BREAKDOWN.format(key=indicator.key, breakdown=named))
            for cell in disclosure.gives_away:
                if cell not in cell_keys:
                    raise ValueError(MSG_UNKNOWN_CELL.format(key=indicator.key, cell=cell))
        positions = [i.promise.position for i in self.indicators if i.promise is not None]
        for position in positions:
            if positions.count(position) > 1:
                raise ValueError(MSG_PROMISE_POSITION.format(position=position))

    def cells(self, breakdown: str) -> list[tuple[str, str, Cell]]:
        """The cells of `breakdown` in their order: each cell's key in a month's figures, the
        indicator whose numerator it is, and the cell."""
        cells = [
            (
                indicator.disclosure.cell.key or indicator.key,
                indicator.key,
                indicator.disclosure.cell,
            )
            for indicator in self.indicators
            if indicator.disclosure.cell is not None
            and indicator.disclosure.cell.breakdown == breakdown
        ]
        return sorted(cells, key=lambda cell: cell[2].position)


def _check_own(indicator: Indicator) -> None:
    """The checks one declaration can pass or fail alone."""
    disclosure = indicator.disclosure
    if not isinstance(disclosure, Disclosure) or not (
        disclosure.linked or disclosure.alone.strip()
    ):
        raise ValueError(MSG_NO_DISCLOSURE.format(key=indicator.key))
    if disclosure.alone and disclosure.linked:
        raise ValueError(MSG_ALONE_AND_LINKED.format(key=indicator.key))
    if disclosure.cell is not None and disclosure.cell.key and not disclosure.gives_away:
        # A share whose numerator is a cell shows more than the cell: say what it gives away.
        raise ValueError(MSG_SHARE_OF_CELL.format(key=indicator.key))
    if not isinstance(indicator.look_back_months, int) or indicator.look_back_months < 0:
        raise ValueError(MSG_LOOK_BACK.format(key=indicator.key))
    for decision in indicator.decisions:
        if not isinstance(decision, Decision):
            raise ValueError(MSG_NOT_A_DECISION.format(key=indicator.key, decision=decision))
    for name in ("name", "short_name", "definition", "numerator", "denominator", "source"):
        if not str(getattr(indicator, name)).strip():
            raise ValueError(MSG_EMPTY_TEXT.format(key=indicator.key, field=name))
