"""What a page says about an indicator at a month end, as words ready for a template.

One place turns an IndicatorSummary into text (value, changes, target, benchmarks), so the
overview, the indicator pages and the committee report word things the same way, and so that
small-number suppression, when it applies, is applied before any number reaches a template.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.utils.safestring import SafeString

from dashboard import wording
from dashboard.charts import sparkline_svg
from sufficiency.coverage import NOT_ENOUGH_HISTORY
from sufficiency.declaration import Indicator
from sufficiency.reports import RECENT_MONTHS, IndicatorSummary, Reading, months_before
from sufficiency.suppression import Disclosure

NO_VALUE = "Not available"


@dataclass(frozen=True)
class Card:
    definition: Indicator
    value: str
    previous: str
    previous_change: str
    year_ago: str
    year_ago_change: str
    target: str
    rag: str | None  # green / amber / red, or None: no target, no value, or value not shown
    rag_words: str
    sparkline: SafeString
    trend_words: str
    england: str
    neighbours: str
    published_year: int | None
    commentary: str
    suppressed: bool  # the current value is hidden as a small number


def shown(
    definition: Indicator, reading: Reading | None, disclosure: Disclosure | None = None
) -> tuple[str, float | None]:
    """The words and the number a page may show for a reading; (words, None) when hidden.

    With a suppressing `disclosure` (committee members), the reading's month is judged as a
    whole, so that a figure hidden to protect a small number elsewhere stays hidden here too.
    """
    if reading is not None and not reading.enough_history:
        return NOT_ENOUGH_HISTORY, None
    if reading is None or reading.value is None:
        return NO_VALUE, None
    if disclosure is not None and disclosure.suppress:
        result = disclosure.at(reading.period_end, definition.key)
        if result.suppressed:
            return result.text, None
    return wording.indicator_value(definition, reading.value), reading.value


def disclosure_for(summaries: Iterable[IndicatorSummary], *, suppress: bool) -> Disclosure:
    """The months of the summaries' recent readings, for judging what may be shown."""
    months: dict[dt.date, dict[str, Reading]] = defaultdict(dict)
    for summary in summaries:
        for reading in summary.recent:
            months[reading.period_end][summary.definition.key] = reading
    return Disclosure(months, suppress=suppress)


def target_words(summary: IndicatorSummary) -> str:
    definition, target = summary.definition, summary.target
    if target is None:
        return "No target set" if definition.polarity != "info" else "No target: for information"
    better = "or lower" if definition.polarity == "lower" else "or higher"
    return f"{wording.indicator_value(definition, target.value)} {better}"


def build_card(
    summary: IndicatorSummary, *, disclosure: Disclosure | None = None, trend: bool = True
) -> Card:
    definition = summary.definition
    suppress = disclosure is not None and disclosure.suppress
    value_text, value = shown(definition, summary.current, disclosure)
    previous_text, previous = shown(definition, summary.previous, disclosure)
    year_text, year_value = shown(definition, summary.year_ago, disclosure)

    rag = summary.rag if value is not None else None
    if summary.target is not None and value is None and summary.current is not None:
        rag_words = "Not shown: small number" if suppress else "No value to compare"
    else:
        rag_words = summary.rag_words

    # One slot per month, so a month without a value is a gap rather than a shorter line.
    by_day = {reading.period_end: reading for reading in summary.recent}
    # A table row has no sparkline: skip the two years of months.
    months = RECENT_MONTHS if trend else 0
    days = [months_before(summary.period_end, n) for n in range(months - 1, -1, -1)]
    recent = [shown(definition, by_day.get(day), disclosure)[1] for day in days]
    while recent and recent[0] is None and len(recent) > 1:
        recent.pop(0)
        days.pop(0)
    numbers = [v for v in recent if v is not None]
    trend_words = ""
    if len(numbers) >= 2:
        first = days[0]
        trend_words = (
            f"From {wording.long_date(first)} to {wording.long_date(summary.period_end)} the "
            f"value went from {wording.indicator_value(definition, numbers[0])} to "
            f"{wording.indicator_value(definition, numbers[-1])}"
            + (" (months with small numbers are not shown)." if None in recent else ".")
        )

    published = summary.published
    england = neighbours = ""
    if published is not None:
        england = wording.published_value(definition, published.england, published.england_marker)
        if published.neighbours_listed:
            mean = (
                wording.indicator_value(definition, published.neighbours_mean)
                if published.neighbours_mean is not None
                else "Not published"
            )
            neighbours = (
                f"{mean} (mean of {published.neighbours_counted} of "
                f"{published.neighbours_listed} neighbours)"
            )
        else:
            neighbours = "No neighbour list held"
    return Card(
        definition=definition,
        value=value_text,
        previous=previous_text,
        previous_change=wording.change(definition, value, previous),
        year_ago=year_text,
        year_ago_change=wording.change(definition, value, year_value),
        target=target_words(summary),
        rag=rag,
        rag_words=rag_words,
        sparkline=sparkline_svg(recent),
        trend_words=trend_words,
        england=england,
        neighbours=neighbours,
        published_year=published.year if published else None,
        commentary=summary.commentary.text if summary.commentary else "",
        suppressed=summary.current is not None and value is None,
    )
