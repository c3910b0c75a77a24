"""Issued committee reports and the revisions to them: one write use-case and one read.

A report is issued when an officer marks it so, or a committee member downloads its PDF. From
then on the figures it showed are kept; when a later upload changes one of them, the report
for that month says "Revised: was 81, now 88" and the revisions log lists it.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction

from placements.models import LocalAuthority
from sufficiency import suppression
from sufficiency.declaration import Indicator
from sufficiency.models import IndicatorValue, IssuedFigure, IssuedReport, same_value
from sufficiency.registry import BY_KEY, DEFINITIONS_VERSION

# An issued figure of the "where children live" table is kept under its row's key so prefixed:
# the rows are counts within one indicator's breakdown, not indicators of their own.
PLACEMENT_FIGURE = "where:"


def placement_figure(key: str) -> str:
    """The issued figure's key for a "where children live" row (or the total, TOTAL_KEY)."""
    return f"{PLACEMENT_FIGURE}{key}"


def issue_report(
    *,
    la: LocalAuthority,
    period_end: dt.date,
    user: AbstractBaseUser | None,
    how: str,
    figures: Mapping[str, tuple[str, float | None]],
) -> tuple[IssuedReport, bool]:
    """Keep the month's report as issued, with `figures` ({indicator: (the words shown to the
    committee, the stored value)}); the first issue stands, a later one changes nothing.
    Returns the issued report and whether it was issued now."""
    existing = IssuedReport.objects.filter(la=la, period_end=period_end).first()
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            report = IssuedReport.objects.create(
                la=la,
                period_end=period_end,
                issued_by=user if user is not None and user.is_authenticated else None,
                how=how,
            )
            IssuedFigure.objects.bulk_create(
                IssuedFigure(report=report, indicator=key, text=text[:100], value=value)
                for key, (text, value) in figures.items()
            )
    except IntegrityError:
        # Issued at the same moment by someone else: theirs stands.
        return IssuedReport.objects.get(la=la, period_end=period_end), False
    return report, True


@dataclass(frozen=True)
class Revision:
    period_end: dt.date
    indicator: str
    name: str
    was: str  # as the committee read it
    now: float | None  # the stored value now
    issued_at: dt.datetime

    @property
    def definition(self) -> Indicator | None:
        """The indicator, or None for a row of "where children live" (a count: `now`)."""
        return BY_KEY.get(self.indicator)


def revisions_log(*, la: LocalAuthority) -> list[Revision]:
    """Every figure of an issued report that differs now, newest month first. Two queries."""
    figures = list(
        IssuedFigure.objects.filter(report__la=la)
        .select_related("report")
        .order_by("-report__period_end", "indicator")
    )
    if not figures:
        return []
    readings: dict[dt.date, dict[str, IndicatorValue]] = defaultdict(dict)
    for stored in IndicatorValue.objects.filter(
        la=la,
        definitions_version=DEFINITIONS_VERSION,
        indicator__in={f.indicator for f in figures if f.indicator in BY_KEY}
        | set(suppression.MONTH_KEYS),
        period_end__in={f.report.period_end for f in figures},
    ):
        readings[stored.period_end][stored.indicator] = stored
    # Each month's "where children live" rows, worked out from its readings as the report did.
    months = {
        day: suppression.month_as_shown(month, suppress=False) for day, month in readings.items()
    }
    revisions = []
    for figure in figures:
        day, key = figure.report.period_end, figure.indicator
        if key.startswith(PLACEMENT_FIGURE):
            cell = key.removeprefix(PLACEMENT_FIGURE)
            label = suppression.GROUP_CELL_LABELS.get(cell, "All children looked after")
            name = f"Where children live: {label}"
            shown = months.get(day, {}).get(cell)
            now = shown.value if shown is not None else None
        elif key in BY_KEY:
            name = BY_KEY[key].name
            stored = readings.get(day, {}).get(key)
            now = stored.value if stored is not None else None
        else:
            continue  # an indicator since retired
        if not same_value(figure.value, now):
            revisions.append(
                Revision(
                    period_end=day,
                    indicator=key,
                    name=name,
                    was=figure.text,
                    now=now,
                    issued_at=figure.report.issued_at,
                )
            )
    return revisions
