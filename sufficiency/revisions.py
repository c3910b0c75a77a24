"""Issued committee reports and the revisions to them: one write use-case and one read.

A report is issued when an officer marks it so, or a committee member downloads its PDF. From
then on the figures it showed are kept; when a later upload changes one of them, the report
for that month says "Revised: was 81, now 88" and the revisions log lists it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction

from placements.models import LocalAuthority
from sufficiency.declaration import Indicator
from sufficiency.models import IndicatorValue, IssuedFigure, IssuedReport, same_value
from sufficiency.registry import BY_KEY, DEFINITIONS_VERSION


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
    def definition(self) -> Indicator:
        return BY_KEY[self.indicator]


def revisions_log(*, la: LocalAuthority) -> list[Revision]:
    """Every figure of an issued report that differs now, newest month first. Two queries."""
    figures = list(
        IssuedFigure.objects.filter(report__la=la)
        .select_related("report")
        .order_by("-report__period_end", "indicator")
    )
    if not figures:
        return []
    now = {
        (key, day): value
        for key, day, value in IndicatorValue.objects.filter(
            la=la,
            definitions_version=DEFINITIONS_VERSION,
            indicator__in={f.indicator for f in figures},
            period_end__in={f.report.period_end for f in figures},
        ).values_list("indicator", "period_end", "value")
    }
    return [
        Revision(
            period_end=f.report.period_end,
            indicator=f.indicator,
            name=BY_KEY[f.indicator].name,
            was=f.text,
            now=now.get((f.indicator, f.report.period_end)),
            issued_at=f.report.issued_at,
        )
        for f in figures
        if f.indicator in BY_KEY
        and not same_value(f.value, now.get((f.indicator, f.report.period_end)))
    ]
