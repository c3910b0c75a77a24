"""The corporate parenting committee's monthly report, as the page and the PDF show it: every
promise, where children live, and the supply side, each number already suppressed where it must
be (sufficiency.suppression). Aggregates only: nothing here reads, links to or names a child.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from functools import partial
from typing import TypeVar

from dashboard import charts, wording
from dashboard.cards import disclosure_for, target_words
from placements.models import LocalAuthority
from sufficiency import suppression
from sufficiency.declaration import Indicator
from sufficiency.models import IssuedFigure, IssuedReport, figures_state, same_value
from sufficiency.registry import DEFINITIONS_VERSION
from sufficiency.reports import (
    PROMISE_INDICATORS,
    IndicatorSummary,
    Promise,
    Reading,
    months_before,
    overview,
)
from sufficiency.revisions import placement_figure
from sufficiency.suppression import Disclosure, Shown

PLACEMENT_GROUPS = suppression.PLACEMENT_GROUPS
TOTAL_KEY = suppression.TOTAL_KEY
# The supply side in aggregate: the in-house fostering service and what placements cost.
SUPPLY_INDICATORS = [
    "fostering_households", "approved_places", "places_filled", "utilisation",
    "carer_approvals", "carer_deregistrations", "avg_cost_in_house_fostering",
    "avg_cost_agency_fostering", "avg_cost_childrens_homes", "monthly_spend",
    "cost_known_share",
]  # fmt: skip
REPORT_INDICATORS = list(
    dict.fromkeys(
        [*PROMISE_INDICATORS, *(key for _, key in PLACEMENT_GROUPS), TOTAL_KEY, *SUPPLY_INDICATORS]
    )
)


@dataclass(frozen=True)
class PromiseRow:
    """One promise as the report shows it: every number already suppressed where it must be."""

    promise: Promise
    definition: Indicator
    value: Shown
    previous: Shown
    previous_date: dt.date
    change: Shown  # on the month before
    year_ago: Shown
    year_ago_date: dt.date
    target: str
    target_value: float | None
    rag: str | None  # green / amber / red; None when there is no status or it is not shown
    rag_words: str
    neighbours: str
    neighbours_label: str
    england: str
    england_label: str
    commentary: str  # "" when there is none, or it is held back (commentary_held_back)
    points: list[charts.Point]  # the trend, oldest first; None where hidden or missing
    chart: charts.Chart
    # Written against another figure than the one shown: not in the report until an officer
    # saves it again.
    commentary_held_back: bool = False
    # The stored value behind `value` (kept when the report is issued; never shown when hidden).
    stored_value: float | None = None
    # The words the issued report showed, when the figure has changed since: "" otherwise.
    revised_from: str = ""


@dataclass(frozen=True)
class PlacementRow:
    label: str
    shown: Shown
    key: str = ""  # the row's key among the month's figures (sufficiency.suppression)
    stored_value: float | None = None  # the number behind `shown`, kept when issued
    revised_from: str = ""  # as PromiseRow.revised_from


@dataclass(frozen=True)
class SupplyRow:
    """A fostering or cost figure: this month, the month before, a year before."""

    definition: Indicator
    value: Shown
    previous: Shown
    year_ago: Shown
    stored_value: float | None = None  # the value behind `value`, kept when issued
    revised_from: str = ""  # as PromiseRow.revised_from


@dataclass(frozen=True)
class CommitteeReport:
    la: LocalAuthority
    period_end: dt.date
    suppressed: bool
    promises: list[PromiseRow]
    placements: list[PlacementRow]
    placements_total: Shown
    periods: list[dt.date]  # every month end with values, newest first
    supply: list[SupplyRow] = field(default_factory=list)
    definitions_version: str = DEFINITIONS_VERSION
    issued: IssuedReport | None = None  # when the month's report has gone to the committee
    placements_total_stored: float | None = None
    placements_total_revised_from: str = ""

    def issued_figures(self) -> dict[str, tuple[str, float | None]]:
        """What issuing the report keeps: the words of every figure of the month, the promises,
        where children live and fostering and costs, and the value behind each."""
        figures = {row.definition.key: (row.value.text, row.stored_value) for row in self.promises}
        figures |= {row.definition.key: (row.value.text, row.stored_value) for row in self.supply}
        figures |= {
            placement_figure(row.key): (row.shown.text, row.stored_value) for row in self.placements
        }
        figures[placement_figure(TOTAL_KEY)] = (
            self.placements_total.text,
            self.placements_total_stored,
        )
        return figures

    @property
    def title(self) -> str:
        return (
            f"Corporate parenting committee report: {self.la.name}, "
            f"{wording.long_date(self.period_end)}"
        )

    @property
    def suppression_words(self) -> str:
        if self.suppressed:
            return "Small numbers are suppressed, as the committee sees them."
        return (
            "Small numbers are not suppressed: this version shows every number and is not for "
            "the committee."
        )


def _formatter(definition: Indicator) -> suppression.Formatter:
    return partial(wording.indicator_value, definition)


def shown_reading(
    definition: Indicator, reading: Reading | None, *, disclosure: Disclosure
) -> Shown:
    """A stored reading as it may be shown: as it is, or as its whole month allows when small
    numbers are suppressed (sufficiency.suppression.month_as_shown)."""
    fmt = _formatter(definition)
    if reading is None:
        return suppression.shown(None, fmt=fmt)
    if not reading.enough_history:
        return suppression.not_enough_history()
    result = disclosure.at(reading.period_end, definition.key)
    if result.suppressed:
        return result
    return suppression.shown(reading.value, fmt=fmt)


def placement_mix(
    disclosure: Disclosure, day: dt.date, *, exact: Disclosure | None = None
) -> tuple[list[PlacementRow], Shown]:
    """Where children live at the month end: the disjoint groups, what is left over, the total.

    The groups add up to the total, so with small numbers suppressed secondary suppression
    applies: no hidden cell can be worked out by subtraction. `exact` (the same months with
    nothing hidden) gives each row's stored number.
    """
    month = disclosure.month(day)
    numbers = (exact or disclosure).month(day)
    rows = [
        PlacementRow(label, cell, key=key, stored_value=_number(numbers, key))
        for key, (label, cell) in zip(
            suppression.GROUP_CELL_LABELS, suppression.group_cells(month), strict=True
        )
    ]
    return rows, month.get(TOTAL_KEY) or suppression.shown(None)


def _number(month: Mapping[str, Shown], key: str) -> float | None:
    shown = month.get(key)
    return shown.value if shown is not None else None


def build_report(
    *, la: LocalAuthority, period_end: dt.date | None, suppressed: bool
) -> CommitteeReport | None:
    """The report for an authority at a month end (the latest when None or not held); None
    when the authority has no values yet."""
    data = overview(la=la, period_end=period_end, indicators=REPORT_INDICATORS)
    if data.period_end is None:
        return None
    # Every figure of every month is judged with the rest of its month, so a promise cannot
    # undo the placement table's secondary suppression (sufficiency.suppression).
    disclosure = disclosure_for(data.summaries.values(), suppress=suppressed)
    exact = disclosure_for(data.summaries.values(), suppress=False) if suppressed else disclosure
    placements, total = placement_mix(disclosure, data.period_end, exact=exact)
    issued = (
        IssuedReport.objects.filter(la=la, period_end=data.period_end)
        .prefetch_related("figures")
        .first()
    )
    was = {f.indicator: f for f in issued.figures.all()} if issued is not None else {}
    promises = [
        _revised(_promise_row(promise, summary, la=la, disclosure=disclosure), was)
        for promise, summary in data.promises
    ]
    supply = [
        _revised(
            SupplyRow(
                definition=summary.definition,
                value=shown_reading(summary.definition, summary.current, disclosure=disclosure),
                previous=shown_reading(summary.definition, summary.previous, disclosure=disclosure),
                year_ago=shown_reading(summary.definition, summary.year_ago, disclosure=disclosure),
                stored_value=_stored(summary),
            ),
            was,
        )
        for key in SUPPLY_INDICATORS
        if (summary := data.summaries.get(key)) is not None and summary.current is not None
    ]
    placements = [
        replace(row, revised_from=_revised_from(was, placement_figure(row.key), row.stored_value))
        for row in placements
    ]
    total_stored = _number(exact.month(data.period_end), TOTAL_KEY)
    return CommitteeReport(
        la=la,
        period_end=data.period_end,
        suppressed=suppressed,
        promises=promises,
        placements=placements,
        placements_total=total,
        periods=data.periods,
        supply=supply,
        issued=issued,
        placements_total_stored=total_stored,
        placements_total_revised_from=_revised_from(was, placement_figure(TOTAL_KEY), total_stored),
    )


_Row = TypeVar("_Row", "PromiseRow", "SupplyRow")


def _stored(summary: IndicatorSummary) -> float | None:
    current = summary.current
    return current.value if current is not None and current.enough_history else None


def _revised_from(was: Mapping[str, IssuedFigure], key: str, stored: float | None) -> str:
    """What the issued report showed for `key`, when its figure has changed since; else ""."""
    issued = was.get(key)
    if issued is None or same_value(issued.value, stored):
        return ""
    return issued.text


def _revised(row: _Row, was: Mapping[str, IssuedFigure]) -> _Row:
    """The row with what the issued report showed, when its figure has changed since."""
    revised_from = _revised_from(was, row.definition.key, row.stored_value)
    return replace(row, revised_from=revised_from) if revised_from else row


def _promise_row(
    promise: Promise,
    summary: IndicatorSummary,
    *,
    la: LocalAuthority,
    disclosure: Disclosure,
) -> PromiseRow:
    definition = summary.definition
    fmt = _formatter(definition)
    suppressed = disclosure.suppress
    value = shown_reading(definition, summary.current, disclosure=disclosure)
    previous = shown_reading(definition, summary.previous, disclosure=disclosure)
    year_ago = shown_reading(definition, summary.year_ago, disclosure=disclosure)
    change_words = wording.change(definition, value.value, previous.value)
    change = suppression.derived(None, value, previous, fmt=lambda _: change_words)
    rag, rag_words = suppression.rag(summary.rag, summary.rag_words, value)

    neighbours = england = neighbours_label = england_label = ""
    published = summary.published
    if published is not None:
        march = f"31 March {published.year}"
        england = wording.published_value(definition, published.england, published.england_marker)
        england_label = march
        if published.neighbours_listed and published.neighbours_mean is not None:
            neighbours = wording.published_value(definition, round(published.neighbours_mean, 1))
            neighbours_label = (
                f"mean of {published.neighbours_counted} of {published.neighbours_listed} "
                f"neighbours, {march}"
            )
        elif published.neighbours_listed:
            neighbours = "Not published"
        else:
            neighbours = "No neighbour list held"
    else:
        england = neighbours = "Not published"

    points: list[charts.Point] = [
        (
            reading.period_end,
            shown_reading(definition, reading, disclosure=disclosure).value,
        )
        for reading in summary.recent
    ]
    return PromiseRow(
        promise=promise,
        definition=definition,
        value=value,
        previous=previous,
        previous_date=months_before(summary.period_end, 1),
        change=change,
        year_ago=year_ago,
        year_ago_date=months_before(summary.period_end, 12),
        target=target_words(summary),
        target_value=summary.target.value if summary.target is not None else None,
        rag=rag,
        rag_words=rag_words,
        neighbours=neighbours,
        neighbours_label=neighbours_label,
        england=england,
        england_label=england_label,
        commentary=summary.commentary.text
        if summary.commentary and not summary.commentary_stale
        else "",
        points=points,
        chart=_chart(promise, summary, value, points, la=la, suppressed=suppressed, fmt=fmt),
        commentary_held_back=summary.commentary_stale,
        stored_value=_stored(summary),
    )


def _chart(
    promise: Promise,
    summary: IndicatorSummary,
    value: Shown,
    points: list[charts.Point],
    *,
    la: LocalAuthority,
    suppressed: bool,
    fmt: suppression.Formatter,
) -> charts.Chart:
    definition = summary.definition
    targets: list[charts.Point] = []
    if summary.target is not None and points:
        start = max(summary.target.start_date, points[0][0])
        targets = [(start, summary.target.value), (summary.period_end, summary.target.value)]
    figure = charts.trend_figure(
        definition=definition,
        points=points,
        targets=targets,
        published=[summary.published] if summary.published else [],
        la_name=la.name,
    )
    charts.make_small(figure)
    summary_words = f"{definition.name}, month by month"
    if points:
        summary_words += (
            f" from {wording.long_date(points[0][0])} to {wording.long_date(points[-1][0])}"
        )
    summary_words += f". At {wording.long_date(summary.period_end)}: {value.text}."
    if summary.target is not None:
        summary_words += f" Target: {fmt(summary.target.value)}."
    if suppressed:
        summary_words += " Months with small numbers are not shown."
    return charts.Chart(
        element_id=f"committee-chart-{promise.key}",
        figure=figure,
        summary=summary_words,
        title=f"{definition.name}: the last two years",
    )


def stale_figures_warning(la: LocalAuthority) -> str:
    """The warning the report carries when the authority's latest computation failed (the
    pages have it from the base template), else ""."""
    state = LocalAuthority.objects.filter(pk=la.pk).values(**figures_state(la.pk)).get()
    if state["latest_run_failed_at"] is None:
        return ""
    return wording.stale_figures(state["latest_run_failed_at"], state["figures_from"])
