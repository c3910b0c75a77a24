"""The targets page: every indicator with its target in force and their history, and one
month's commentary with what each indicator stood at that month."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from dashboard import wording
from dashboard.target_forms import CommentaryForm, CommentaryMonthForm, margin_text, value_text
from placements.models import LocalAuthority
from sufficiency import registry
from sufficiency.commentary import CommentaryChanges
from sufficiency.declaration import Indicator
from sufficiency.models import Commentary, IndicatorValue, Target
from sufficiency.reports import RAG_WORDS

POLARITY_WORDS = {
    "lower": "Lower is better",
    "higher": "Higher is better",
    "info": "For information",
}
MONTH_NOT_AVAILABLE = (
    "Commentary can only be written for a month with indicator values. "
    "Showing the latest month, {latest}, instead."
)


@dataclass(frozen=True)
class HistoryRow:
    target: Target
    value: str
    margin: str
    status: str  # "In force", "Starts later" or "Replaced"


@dataclass(frozen=True)
class IndicatorRow:
    definition: Indicator
    polarity: str
    in_force: HistoryRow | None
    upcoming: HistoryRow | None
    history: list[HistoryRow]


@dataclass
class CommentarySection:
    months: list[date]
    period: date | None = None
    indicator: Indicator | None = None
    chooser: CommentaryMonthForm | None = None
    notice: str = ""
    form: CommentaryForm | None = None
    existing: dict[str, Commentary] = field(default_factory=dict)


@dataclass(frozen=True)
class TargetsPage:
    rows: list[IndicatorRow]
    commentary: CommentarySection

    @property
    def has_targets(self) -> bool:
        return any(row.history for row in self.rows)


def targets_page(
    *,
    la: LocalAuthority,
    today: date,
    params: Mapping[str, Any],
    commentary: CommentarySection | None = None,
) -> TargetsPage:
    """The page for the authority; `commentary` is a section already bound to a POST that
    failed its checks, else the one `params` chooses."""
    if commentary is None:
        commentary = commentary_section(la, IndicatorValue.objects.period_ends(la), params)
    return TargetsPage(rows=indicator_rows(la, today), commentary=commentary)


def indicator_rows(la: LocalAuthority, today: date) -> list[IndicatorRow]:
    """Every indicator, with the target in force `today` and the history of its targets."""
    in_force = {
        key: target.pk for key, target in Target.objects.filter(la=la).in_force(today).items()
    }
    by_indicator: dict[str, list[Target]] = defaultdict(list)
    for target in Target.objects.filter(la=la).select_related("set_by"):  # oldest start first
        by_indicator[target.indicator].append(target)
    rows = []
    for definition in registry.INDICATORS:
        history = []
        for target in by_indicator.get(definition.key, []):
            if target.pk == in_force.get(definition.key):
                status = "In force"
            elif target.start_date > today:
                status = "Starts later"
            else:
                status = "Replaced"
            history.append(
                HistoryRow(
                    target=target,
                    value=value_text(definition, target.value),
                    margin=margin_text(definition, target.amber_margin),
                    status=status,
                )
            )
        rows.append(
            IndicatorRow(
                definition=definition,
                polarity=POLARITY_WORDS[definition.polarity],
                in_force=next((row for row in history if row.status == "In force"), None),
                upcoming=next((row for row in history if row.status == "Starts later"), None),
                history=history,
            )
        )
    return rows


STALE_COMMENTARY = (
    "The figure has changed since this was written, so the committee does not see it: check "
    "it and save it again to show it."
)


def commentary_section(
    la: LocalAuthority,
    months: list[date],
    params: Mapping[str, Any],
    *,
    data: Mapping[str, Any] | None = None,
) -> CommentarySection:
    """The month (from `period`, else the latest), the indicator filter (`indicator`, else
    every one) and the commentary form for them; `data` binds the form to a POST."""
    section = CommentarySection(months=months)
    if not months:
        return section
    asked = CommentaryMonthForm(params, months=months)
    asked.is_valid()
    section.period = asked.cleaned_data.get("period") or months[0]
    if params.get("period") and "period" not in asked.cleaned_data:
        section.notice = MONTH_NOT_AVAILABLE.format(latest=wording.long_date(months[0]))
    section.indicator = registry.BY_KEY.get(asked.cleaned_data.get("indicator") or "")
    section.chooser = CommentaryMonthForm(
        months=months,
        initial={
            "period": section.period.isoformat(),
            "indicator": section.indicator.key if section.indicator else "",
        },
    )
    shown = [section.indicator] if section.indicator else list(registry.INDICATORS)
    section.existing = {
        c.indicator: c
        for c in Commentary.objects.filter(la=la, period_end=section.period).select_related(
            "author"
        )
    }
    figures = {
        key: (value, numerator, denominator) if enough else (None, None, None)
        for key, value, numerator, denominator, enough in IndicatorValue.objects.current()
        .filter(la=la, period_end=section.period)
        .values_list("indicator", "value", "numerator", "denominator", "enough_history")
    }
    values = {key: figure[0] for key, figure in figures.items()}
    targets_then = Target.objects.filter(la=la).in_force(section.period)
    hints = {
        d.key: commentary_hint(
            d,
            section.period,
            values,
            targets_then.get(d.key),
            section.existing.get(d.key),
            stale=_stale(section.existing.get(d.key), figures.get(d.key)),
        )
        for d in shown
    }
    section.form = CommentaryForm(data, indicators=shown, existing=section.existing, hints=hints)
    return section


def commentary_hint(
    definition: Indicator,
    period: date,
    values: Mapping[str, float | None],
    target: Target | None,
    commentary: Commentary | None,
    *,
    stale: bool = False,
) -> str:
    """What the officer is commenting on: the value that month, and how it stands; and, when
    the figure has changed since the words were written, that they are held back."""
    if definition.key in values:
        value = values[definition.key]
        words = [f"Value at {wording.long_date(period)}: {value_text(definition, value)}."]
    else:
        words = [f"No value at {wording.long_date(period)}."]
    if definition.polarity != "info":
        if target is None:
            words.append("No target set.")
        else:
            rag = target.rag(values.get(definition.key), definition.polarity)
            judged = f", {RAG_WORDS[rag].lower()}" if rag else ""
            words.append(
                f"Target {value_text(definition, target.value)} "
                f"{'or lower' if definition.polarity == 'lower' else 'or higher'}{judged}."
            )
    if commentary is not None:
        by = f" by {_person(commentary.author)}" if commentary.author else ""
        words.append(f"Last changed{by} on {wording.long_datetime(commentary.updated_at)}.")
    if commentary is not None and stale:
        then = value_text(definition, commentary.written_value)
        words.append(
            f"{STALE_COMMENTARY} (It was written against {then}.)"
            if commentary.written_numerator is not None
            else STALE_COMMENTARY
        )
    return " ".join(words)


def _stale(commentary: Commentary | None, figure: tuple | None) -> bool:
    if commentary is None:
        return False
    return commentary.is_stale(*(figure or (None, None, None)))


def target_words(target: Target) -> str:
    """ "Three or more placements in 12 months, 10.0% from 1 April 2025"."""
    definition = registry.BY_KEY.get(target.indicator)
    name = definition.name if definition else target.indicator
    return (
        f"{name}, {value_text(definition, target.value)} "
        f"from {wording.long_date(target.start_date)}"
    )


def saved_words(period: date, changes: CommentaryChanges) -> str:
    month = wording.long_date(period)
    if not changes.total:
        return f"No commentary for {month} was changed."
    parts = [
        f"{count} {verb}"
        for count, verb in (
            (changes.added, "added"),
            (changes.changed, "changed"),
            (changes.removed, "removed"),
        )
        if count
    ]
    return f"Commentary for {month} saved: {', '.join(parts)}."


def _person(user: Any) -> str:
    return user.get_full_name() or user.get_username()
