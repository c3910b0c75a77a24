"""The overview: a card for each "We Will" promise and a line for every other measure."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from dashboard.cards import Card, build_card, disclosure_for
from placements.models import LocalAuthority
from sufficiency import reports


@dataclass(frozen=True)
class OverviewPage:
    data: reports.Overview
    promises: list[tuple[reports.Promise, Card]]
    others: list[Card]  # without sparklines: they are table rows


def overview_page(
    *, la: LocalAuthority, period_end: dt.date | None, suppress: bool
) -> OverviewPage:
    """Every indicator at the month end (the latest when None or not held)."""
    data = reports.overview(la=la, period_end=period_end)
    disclosure = disclosure_for(data.summaries.values(), suppress=suppress)
    return OverviewPage(
        data=data,
        promises=[
            (promise, build_card(summary, disclosure=disclosure))
            for promise, summary in data.promises
        ],
        others=[build_card(summary, disclosure=disclosure, trend=False) for summary in data.others],
    )
