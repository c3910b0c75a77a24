"""Read paths for the pages: an authority's values at a month end, with what they are judged by.

Everything a page shows about an indicator comes from here: the value at the month end, the
month before and the year before, the target in force, red/amber/green, the last two years for
a sparkline, and the DfE's published figures at 31 March (England, the mean of the statistical
neighbours, the authority's own). Each function runs a fixed, small number of queries whatever
the number of indicators or months, so the overview stays within its query budget.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Q

from placements.models import LocalAuthority
from sufficiency import suppression
from sufficiency.declaration import Indicator, Promise
from sufficiency.models import (
    Commentary,
    IndicatorValue,
    PublishedValue,
    StatisticalNeighbour,
    Target,
)
from sufficiency.registry import BY_KEY, INDICATORS, PROMISES

# The months a sparkline covers, the current one included.
RECENT_MONTHS = 25
# The 2025 neighbour model is used from the 31 March 2025 figures on; the April 2021 model for
# the years before (and for every year when it is the only list held for the authority).
NEIGHBOUR_MODEL_FROM = {"2025": 2025, "2021": 0}

# How many years back the overview looks for the latest published figures.
PUBLISHED_LOOKBACK_YEARS = 2

RAG_WORDS = {
    "green": "On target",
    "amber": "Close to target",
    "red": "Off target",
    None: "No target set",
}


PROMISE_INDICATORS = [promise.indicator for promise in PROMISES]


@dataclass(frozen=True)
class Reading:
    """One stored value: the indicator at one month end, with its numerator and denominator."""

    period_end: dt.date
    value: float | None
    numerator: int
    denominator: int
    # False: the indicator looks back further than the history is complete (no value).
    enough_history: bool = True


@dataclass(frozen=True)
class Published:
    """The DfE's published figures for an indicator at 31 March of one year."""

    year: int
    england: float | None = None
    england_marker: str = ""
    own: float | None = None
    own_marker: str = ""
    neighbours_mean: float | None = None
    neighbours_counted: int = 0  # neighbours with a published number (markers excluded)
    neighbours_listed: int = 0  # neighbours in the model used for this year
    neighbour_model: str = ""

    @property
    def period_end(self) -> dt.date:
        return dt.date(self.year, 3, 31)


@dataclass
class IndicatorSummary:
    """An indicator at the chosen month end, with everything it is compared with."""

    definition: Indicator
    period_end: dt.date
    current: Reading | None
    previous: Reading | None
    year_ago: Reading | None
    target: Target | None
    recent: list[Reading]
    published: Published | None  # the newest 31 March figures on or before the month end
    commentary: Commentary | None

    @property
    def commentary_stale(self) -> bool:
        """The commentary was written against another figure than the one stored now: it is
        held back from the committee until an officer saves it again."""
        if self.commentary is None:
            return False
        current = self.current
        if current is None or not current.enough_history:
            return self.commentary.is_stale(None, None, None)
        return self.commentary.is_stale(current.value, current.numerator, current.denominator)

    @property
    def rag(self) -> str | None:
        if self.target is None or self.current is None:
            return None
        return self.target.rag(self.current.value, self.definition.polarity)

    @property
    def rag_words(self) -> str:
        if self.target is None:
            return RAG_WORDS[None]
        if self.rag is None:
            return "No value to compare"
        return RAG_WORDS[self.rag]


@dataclass
class Overview:
    la: LocalAuthority
    period_end: dt.date | None
    periods: list[dt.date]  # every month end with values, newest first
    summaries: dict[str, IndicatorSummary] = field(default_factory=dict)

    @property
    def promises(self) -> list[tuple[Promise, IndicatorSummary]]:
        return [(p, self.summaries[p.indicator]) for p in PROMISES if p.indicator in self.summaries]

    @property
    def others(self) -> list[IndicatorSummary]:
        shown = set(PROMISE_INDICATORS)
        return [s for key, s in self.summaries.items() if key not in shown]


@dataclass
class IndicatorDetail:
    la: LocalAuthority
    definition: Indicator
    series: list[Reading]  # every month, oldest first
    targets: list[Target]  # oldest start first
    published: list[Published]  # by year, oldest first
    commentary: dict[dt.date, Commentary]
    summary: IndicatorSummary | None  # at the chosen month end

    def target_on(self, day: dt.date) -> Target | None:
        return _in_force(self.targets, day)


def months_before(day: dt.date, months: int) -> dt.date:
    """The month end `months` months before the month end `day`."""
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    first_of_next = dt.date(year + (month + 1) // 12, (month + 1) % 12 + 1, 1)
    return first_of_next - dt.timedelta(days=1)


def latest_march(day: dt.date) -> int:
    """The year of the latest 31 March on or before `day`."""
    return day.year if (day.month, day.day) >= (3, 31) else day.year - 1


def overview(
    *, la: LocalAuthority, period_end: dt.date | None = None, indicators: list[str] | None = None
) -> Overview:
    """Every indicator (or those named) at `period_end`, or at the latest month end with values.

    Six queries: the month ends, the values of the last two years, the targets, the neighbour
    lists, the published figures and the month's commentary.
    """
    keys = indicators or [d.key for d in INDICATORS]
    periods = IndicatorValue.objects.period_ends(la)
    if period_end is None or period_end not in periods:
        period_end = periods[0] if periods else None
    result = Overview(la=la, period_end=period_end, periods=periods)
    if period_end is None:
        return result

    since = months_before(period_end, RECENT_MONTHS - 1)
    # Two years of the promises (for their sparklines) and of what a committee member's view
    # of them depends on (the placement groups: sufficiency.suppression.MONTH_KEYS); for every
    # other indicator only the three months a page compares.
    long_keys = [k for k in keys if k in PROMISE_INDICATORS or k in suppression.MONTH_KEYS]
    compared = [period_end, months_before(period_end, 1), months_before(period_end, 12)]
    rows = (
        IndicatorValue.objects.current()
        .filter(la=la, indicator__in=keys)
        .filter(
            Q(indicator__in=long_keys, period_end__gte=since, period_end__lte=period_end)
            | Q(period_end__in=compared)
        )
        .order_by("indicator", "period_end")
        .values_list(
            "indicator", "period_end", "value", "numerator", "denominator", "enough_history"
        )
    )
    readings: dict[str, dict[dt.date, Reading]] = defaultdict(dict)
    for key, day, *reading in rows:
        readings[key][day] = Reading(day, *reading)

    targets = Target.objects.filter(la=la, indicator__in=keys).in_force(period_end)
    # The newest 31 March figures on or before the month end: the DfE publishes each year's
    # in the autumn, so for most of a year the latest figures are those of the March before.
    year = latest_march(period_end)
    published = published_figures(
        la=la, indicators=keys, years=list(range(year - PUBLISHED_LOOKBACK_YEARS, year + 1))
    )
    commentary = {
        c.indicator: c
        for c in Commentary.objects.filter(la=la, period_end=period_end, indicator__in=keys)
    }
    for key in keys:
        by_day = readings.get(key, {})
        result.summaries[key] = IndicatorSummary(
            definition=BY_KEY[key],
            period_end=period_end,
            current=by_day.get(period_end),
            previous=_compared(by_day, period_end, 1),
            year_ago=_compared(by_day, period_end, 12),
            target=targets.get(key),
            recent=list(by_day.values()),
            published=_newest(published.get(key, {})),
            commentary=commentary.get(key),
        )
    return result


def _compared(by_day: dict[dt.date, Reading], period_end: dt.date, months: int) -> Reading | None:
    """The reading `months` before the month end. Month ends are stored without a gap from
    the first the history reaches, so one missing before a stored month end is before the
    history begins: not enough history to say, rather than no figure."""
    day = months_before(period_end, months)
    reading = by_day.get(day)
    if reading is None and period_end in by_day:
        return Reading(day, None, 0, 0, enough_history=False)
    return reading


def indicator_detail(
    *, la: LocalAuthority, indicator: str, period_end: dt.date | None = None
) -> IndicatorDetail:
    """One indicator's whole history for an authority, and its summary at `period_end` (or at
    the latest month end). Five queries."""
    definition = BY_KEY[indicator]
    series = [
        Reading(*row)
        for row in IndicatorValue.objects.current()
        .filter(la=la, indicator=indicator)
        .order_by("period_end")
        .values_list("period_end", "value", "numerator", "denominator", "enough_history")
    ]
    targets = list(
        Target.objects.filter(la=la, indicator=indicator)
        .select_related("set_by")
        .order_by("start_date", "id")
    )
    by_year = published_figures(la=la, indicators=[indicator]).get(indicator, {})
    commentary = {
        c.period_end: c
        for c in Commentary.objects.filter(la=la, indicator=indicator).select_related("author")
    }
    detail = IndicatorDetail(
        la=la,
        definition=definition,
        series=series,
        targets=targets,
        published=[by_year[year] for year in sorted(by_year)],
        commentary=commentary,
        summary=None,
    )
    if not series:
        return detail
    by_day = {reading.period_end: reading for reading in series}
    if period_end not in by_day:
        period_end = series[-1].period_end
    since = months_before(period_end, RECENT_MONTHS - 1)
    detail.summary = IndicatorSummary(
        definition=definition,
        period_end=period_end,
        current=by_day[period_end],
        previous=_compared(by_day, period_end, 1),
        year_ago=_compared(by_day, period_end, 12),
        target=_in_force(targets, period_end),
        recent=[r for r in series if since <= r.period_end <= period_end],
        published=_newest({y: p for y, p in by_year.items() if y <= latest_march(period_end)}),
        commentary=commentary.get(period_end),
    )
    return detail


def published_figures(
    *, la: LocalAuthority, indicators: list[str], years: list[int] | None = None
) -> dict[str, dict[int, Published]]:
    """England, the authority's own and its neighbours' mean, by indicator and year. Two queries.

    The neighbours' mean uses the neighbour list in force for the year (NEIGHBOUR_MODEL_FROM)
    and leaves out neighbours with no published number (a marker such as c or x instead).
    """
    lists: dict[str, list[str]] = defaultdict(list)
    for model, code in (
        StatisticalNeighbour.objects.filter(la_code=la.code)
        .order_by("model", "rank")
        .values_list("model", "neighbour_code")
    ):
        lists[model].append(code)
    neighbour_codes = {code for codes in lists.values() for code in codes}

    rows = PublishedValue.objects.filter(indicator__in=indicators).filter(
        Q(level=PublishedValue.Level.NATIONAL)
        | Q(level=PublishedValue.Level.LA, la_code__in=[la.code, *neighbour_codes])
    )
    if years is not None:
        rows = rows.filter(year__in=years)
    england: dict[tuple[str, int], tuple[float | None, str]] = {}
    own: dict[tuple[str, int], tuple[float | None, str]] = {}
    others: dict[tuple[str, int], dict[str, float | None]] = defaultdict(dict)
    for key, level, code, year, value, marker in rows.values_list(
        "indicator", "level", "la_code", "year", "value", "marker"
    ):
        if level == PublishedValue.Level.NATIONAL:
            england[(key, year)] = (value, marker)
        elif code == la.code:
            own[(key, year)] = (value, marker)
        if level == PublishedValue.Level.LA and code in neighbour_codes:
            others[(key, year)][code] = value

    result: dict[str, dict[int, Published]] = defaultdict(dict)
    for key, year in sorted({*england, *own, *others}):
        model = _model_for(year, lists)
        listed = lists.get(model, [])
        numbers = [others[(key, year)].get(code) for code in listed]
        numbers = [n for n in numbers if n is not None]
        result[key][year] = Published(
            year=year,
            england=england.get((key, year), (None, ""))[0],
            england_marker=england.get((key, year), (None, ""))[1],
            own=own.get((key, year), (None, ""))[0],
            own_marker=own.get((key, year), (None, ""))[1],
            neighbours_mean=sum(numbers) / len(numbers) if numbers else None,
            neighbours_counted=len(numbers),
            neighbours_listed=len(listed),
            neighbour_model=model,
        )
    return dict(result)


def _newest(by_year: dict[int, Published]) -> Published | None:
    return by_year[max(by_year)] if by_year else None


def _model_for(year: int, lists: dict[str, list[str]]) -> str:
    held = [model for model in lists if lists[model]]
    if not held:
        return ""
    in_force = [m for m in held if NEIGHBOUR_MODEL_FROM.get(m, 0) <= year]
    if in_force:
        return max(in_force, key=lambda m: NEIGHBOUR_MODEL_FROM.get(m, 0))
    return min(held, key=lambda m: NEIGHBOUR_MODEL_FROM.get(m, 0))


def _in_force(targets: list[Target], day: dt.date) -> Target | None:
    found = None
    for target in targets:  # oldest start first
        if target.start_date <= day:
            found = target
    return found


def month_readings(
    *, la: LocalAuthority, indicators: list[str], since: dt.date | None = None
) -> dict[dt.date, dict[str, Reading]]:
    """Several indicators' stored values by month end and indicator. One query."""
    rows = IndicatorValue.objects.current().filter(la=la, indicator__in=indicators)
    if since is not None:
        rows = rows.filter(period_end__gte=since)
    months: dict[dt.date, dict[str, Reading]] = defaultdict(dict)
    for key, day, *reading in rows.values_list(
        "indicator", "period_end", "value", "numerator", "denominator", "enough_history"
    ):
        months[day][key] = Reading(day, *reading)
    return dict(months)
