"""What a page says about an indicator at a month end, as words ready for a template.

One place turns an IndicatorSummary into text (value, changes, target, benchmarks), so the
overview, the indicator pages and the committee report word things the same way, and so that
small-number suppression, when it applies, is applied before any number reaches a template.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.safestring import SafeString

from dashboard import wording
from dashboard.charts import sparkline_svg
from sufficiency.definitions import IndicatorDefinition
from sufficiency.reports import RECENT_MONTHS, IndicatorSummary, Reading, months_before

NO_VALUE = "Not available"


@dataclass(frozen=True)
class Card:
    definition: IndicatorDefinition
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
    definition: IndicatorDefinition, reading: Reading | None, suppress: bool
) -> tuple[str, float | None]:
    """The words and the number a page may show for a reading; (words, None) when hidden."""
    if reading is None or reading.value is None:
        return NO_VALUE, None
    if suppress:
        hidden = _small(definition, reading)
        if hidden:
            return hidden, None
    return wording.indicator_value(definition, reading.value), reading.value


def target_words(summary: IndicatorSummary) -> str:
    definition, target = summary.definition, summary.target
    if target is None:
        return "No target set" if definition.polarity != "info" else "No target: for information"
    better = "or lower" if definition.polarity == "lower" else "or higher"
    return f"{wording.indicator_value(definition, target.value)} {better}"


def build_card(summary: IndicatorSummary, *, suppress: bool = False) -> Card:
    definition = summary.definition
    value_text, value = shown(definition, summary.current, suppress)
    previous_text, previous = shown(definition, summary.previous, suppress)
    year_text, year_value = shown(definition, summary.year_ago, suppress)

    rag = summary.rag if value is not None else None
    if summary.target is not None and value is None and summary.current is not None:
        rag_words = "Not shown: small number" if suppress else "No value to compare"
    else:
        rag_words = summary.rag_words

    # One slot per month, so a month without a value is a gap rather than a shorter line.
    by_day = {reading.period_end: reading for reading in summary.recent}
    days = [months_before(summary.period_end, n) for n in range(RECENT_MONTHS - 1, -1, -1)]
    recent = [shown(definition, by_day.get(day), suppress)[1] for day in days]
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


def _small(definition: IndicatorDefinition, reading: Reading) -> str:
    # TEMPORARY until sufficiency.suppression lands.
    if definition.unit == "percent":
        if 1 <= reading.numerator <= 4 or reading.denominator < 10:
            return "Not shown (small number)"
        return ""
    if 1 <= reading.numerator <= 4:
        return "fewer than 5"
    return ""
