"""The children behind a number, as rows for the page and the download."""

from __future__ import annotations

import datetime as dt
import math

import pandas as pd

from dashboard import wording
from placements.models import LocalAuthority
from placements.ssda903.codes import PLACEMENT_LABELS, PROVIDER_LABELS
from sufficiency.indicators import NOT_ABOUT_CHILDREN
from sufficiency.models import IndicatorValue

CSV_HEADER = [
    "child",
    "age",
    "placement_type",
    "provider",
    "urn",
    "distance_miles",
    "placement_start",
]


def lists_children(indicator: str) -> bool:
    """Whether an indicator's number is made of children, so that they can be listed."""
    return indicator not in NOT_ABOUT_CHILDREN


def children_behind(
    *, la: LocalAuthority, indicator: str, period_end: dt.date
) -> list[dict] | None:
    """One row per child counted in the indicator's value at the month end; None when the
    authority has no value for it then (none stored, or not enough history behind it)."""
    if (
        not IndicatorValue.objects.current()
        .filter(la=la, indicator=indicator, period_end=period_end, enough_history=True)
        .exists()
    ):
        return None
    # Imported on use: the engine brings in pandas maths only this page needs.
    from sufficiency.services import children_in_numerator

    return child_rows(children_in_numerator(la=la, indicator=indicator, period_end=period_end))


def child_rows(frame: pd.DataFrame) -> list[dict]:
    rows = []
    for record in frame.itertuples(index=False):
        distance = None if pd.isna(record.distance) else round(float(record.distance), 1)
        start = (
            None if pd.isna(record.placement_start) else pd.Timestamp(record.placement_start).date()
        )
        place = record.place or ""
        provider = record.provider or ""
        urn = getattr(record, "urn", "") or ""
        provider_text = PROVIDER_LABELS.get(provider, provider)
        if urn:
            provider_text = f"{provider_text} (URN {urn})" if provider_text else f"URN {urn}"
        rows.append(
            {
                "child_id": record.child_id,
                "age": None if pd.isna(record.age) else int(record.age),
                "placement": place,
                "placement_text": f"{place}: {PLACEMENT_LABELS[place]}"
                if place in PLACEMENT_LABELS
                else place,
                "provider": provider,
                "urn": urn,
                "provider_text": provider_text or "Not recorded",
                "distance": distance if distance is not None else math.inf,
                "distance_text": f"{distance:,.1f}" if distance is not None else "Not known",
                "distance_export": distance,
                "placement_start": start,
                "placement_start_text": wording.long_date(start) if start else "",
            }
        )
    return rows


def csv_rows(rows: list[dict]) -> list[list[object]]:
    """The rows as the download has them, in CSV_HEADER's order."""
    return [
        [r["child_id"], r["age"], r["placement"], r["provider"], r["urn"], r["distance_export"],
         r["placement_start"].isoformat() if r["placement_start"] else ""]
        for r in rows
    ]  # fmt: skip
