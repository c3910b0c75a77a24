"""An indicator's page: its trend against target, neighbours and England, every month's value,
and the published 31 March figures beside the computed ones."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from dashboard import wording
from dashboard.cards import Card, build_card, shown
from dashboard.charts import Chart, trend_figure
from placements.models import LocalAuthority
from sufficiency import coverage, reports, suppression
from sufficiency.declaration import Indicator
from sufficiency.suppression import Disclosure

CHART_MONTHS = 60


@dataclass(frozen=True)
class IndicatorPage:
    detail: reports.IndicatorDetail
    card: Card | None  # None when the authority has no value yet
    chart: Chart | None
    months: list[dict]  # the months table's rows (month_rows)
    published: list[dict]
    periods: list[dt.date]  # newest first
    # Why some month ends have no figure, when some have not enough history behind them.
    history_note: str = ""

    @property
    def summary(self) -> reports.IndicatorSummary | None:
        return self.detail.summary

    @property
    def period_end(self) -> dt.date | None:
        return self.detail.summary.period_end if self.detail.summary else None


def indicator_page(
    *, la: LocalAuthority, indicator: str, period_end: dt.date | None, suppress: bool
) -> IndicatorPage:
    """The indicator at the month end (the latest when None or not held), and every month."""
    detail = reports.indicator_detail(la=la, indicator=indicator, period_end=period_end)
    disclosure = Disclosure(months_for(la, detail, suppress=suppress), suppress=suppress)
    card = build_card(detail.summary, disclosure=disclosure) if detail.summary else None
    return IndicatorPage(
        detail=detail,
        card=card,
        chart=trend_chart(detail, card=card, disclosure=disclosure),
        months=month_rows(detail, disclosure=disclosure),
        published=published_rows(detail, disclosure=disclosure),
        periods=[r.period_end for r in reversed(detail.series)],
        history_note=history_note(la, detail),
    )


def history_note(la: LocalAuthority, detail: reports.IndicatorDetail) -> str:
    """ "Not enough history", explained, when some of the month ends shown have it."""
    short = [r.period_end for r in detail.series if not r.enough_history]
    if not short:
        return ""
    look_back = detail.definition.look_back_months
    complete_from = la.history_from()
    words = coverage.explanation(look_back, complete_from)
    if complete_from is not None:
        first = coverage.first_month_end(complete_from, look_back)
        words += f" The first month end with a figure is {wording.long_date(first)}."
    return f'"{coverage.NOT_ENOUGH_HISTORY}": {words}'


def month_rows(detail: reports.IndicatorDetail, *, disclosure: Disclosure) -> list[dict]:
    """One row per month end for the months table (shown words and exported numbers)."""
    definition = detail.definition
    rows = []
    for reading in detail.series:
        text, value = shown(definition, reading, disclosure)
        target = detail.target_on(reading.period_end)
        rag = target.rag(value, definition.polarity) if target and value is not None else None
        # The committee never sees numerators and denominators; a month without enough
        # history behind it has none to show.
        counts_shown = not disclosure.suppress and reading.enough_history
        rows.append(
            {
                "period_end": reading.period_end,
                "period_end_text": wording.long_date(reading.period_end),
                "value": value if value is not None else -1.0,  # sorts hidden values first
                "value_text": text,
                "value_export": _export_number(definition, value),
                "numerator": reading.numerator,
                "numerator_text": wording.thousands(reading.numerator) if counts_shown else "",
                "numerator_export": reading.numerator if counts_shown else None,
                "denominator": reading.denominator,
                "denominator_text": wording.thousands(reading.denominator) if counts_shown else "",
                "denominator_export": reading.denominator if counts_shown else None,
                "target": wording.indicator_value(definition, target.value) if target else "",
                "rag": reports.RAG_WORDS[rag] if rag else "",
            }
        )
    return rows


def _export_number(definition: Indicator, value: float | None) -> float | int | None:
    if value is None:
        return None
    if definition.unit == "percent":
        return round(value, 1)
    if definition.unit == "money":
        return round(value, 2)
    return round(value)


def trend_chart(
    detail: reports.IndicatorDetail, *, card: Card | None, disclosure: Disclosure
) -> Chart | None:
    """Up to five years to the chosen month, with the target and the published comparisons;
    its words say what the chart shows, for those who cannot see it."""
    summary = detail.summary
    if summary is None or card is None:
        return None
    definition = detail.definition
    # Five years to the chosen month: a long history squeezed into one chart hides the recent
    # trend, and its early months rest on partial data. The table below has every month.
    since = reports.months_before(summary.period_end, CHART_MONTHS - 1)
    series = [r for r in detail.series if since <= r.period_end <= summary.period_end]
    points = [(r.period_end, shown(definition, r, disclosure)[1]) for r in series]
    # The target as a step: its value from each start date, and a break where none applies.
    targets: list[tuple[dt.date, float | None]] = []
    for reading in series:
        target = detail.target_on(reading.period_end)
        targets.append((reading.period_end, target.value if target else None))
    figure = trend_figure(
        definition=definition,
        points=points,
        targets=targets,
        published=[p for p in detail.published if since <= p.period_end <= summary.period_end],
        la_name=detail.la.name,
    )
    first = series[0].period_end
    words = [
        f"Monthly values from {wording.long_date(first)} to {wording.long_date(summary.period_end)}.",
        f"At {wording.long_date(summary.period_end)}: {card.value}.",
    ]
    if card.year_ago_change:
        words.append(f"That is {card.year_ago_change} on a year before.")
    if summary.target is not None:
        words.append(f"Target: {card.target}; {card.rag_words.lower()}.")
    if card.published_year:
        words.append(
            f"At 31 March {card.published_year}, England: {card.england}; "
            f"statistical neighbours: {card.neighbours}."
        )
    if disclosure.suppress and any(value is None for _, value in points):
        words.append("Months with small numbers are not shown.")
    words.append("The table below gives every month's figure.")
    return Chart(
        element_id=f"trend-{definition.key}",
        figure=figure,
        summary=" ".join(words),
        title=f"{definition.name}: monthly trend, target and published comparisons",
    )


def published_rows(detail: reports.IndicatorDetail, *, disclosure: Disclosure) -> list[dict]:
    """Each 31 March: our computed value beside the authority's own published figure, the
    neighbours' mean and England."""
    definition = detail.definition
    computed = {r.period_end: r for r in detail.series}
    rows = []
    for published in reversed(detail.published):
        reading = computed.get(published.period_end)
        mean = published.neighbours_mean
        rows.append(
            {
                "period_end": published.period_end,
                "computed": shown(definition, reading, disclosure)[0],
                "own": wording.published_value(definition, published.own, published.own_marker),
                "neighbours": (
                    wording.indicator_value(definition, mean)
                    if mean is not None
                    else "Not published"
                ),
                "neighbours_counted": published.neighbours_counted,
                "neighbours_listed": published.neighbours_listed,
                "model": published.neighbour_model,
                "england": wording.published_value(
                    definition, published.england, published.england_marker
                ),
            }
        )
    return rows


def months_for(
    la: LocalAuthority, detail: reports.IndicatorDetail, *, suppress: bool
) -> dict[dt.date, dict[str, reports.Reading]]:
    """Each month's readings that decide what a committee member may see of this indicator:
    its own and those of the placement groups and total it could give away (one query)."""
    if not suppress:
        return {}
    months = reports.month_readings(la=la, indicators=suppression.MONTH_KEYS)
    for reading in detail.series:
        months.setdefault(reading.period_end, {})[detail.definition.key] = reading
    return months
