"""The children behind a number, for officers and data staff. Every view is logged first."""

from __future__ import annotations

import datetime as dt
import math

import pandas as pd
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.views.decorators.http import require_GET
from django_tables2 import RequestConfig

from dashboard import access, wording
from dashboard.forms import parse_period
from dashboard.models import ChildListView
from dashboard.tables import CHILDREN_PER_PAGE, ChildTable
from placements.csvsafe import write_rows
from placements.models import LocalAuthority
from placements.ssda903.codes import PLACEMENT_LABELS, PROVIDER_LABELS
from sufficiency.indicators import NOT_ABOUT_CHILDREN
from sufficiency.models import IndicatorValue
from sufficiency.registry import BY_KEY

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


def _log(
    request: HttpRequest, la: LocalAuthority, key: str, period: dt.date, count: int, fmt: str
) -> None:
    ChildListView.objects.create(
        user=request.user,
        username=request.user.get_username(),
        role=access.role_of(request.user) or "",
        la=la,
        indicator=key,
        period_end=period,
        children_listed=count,
        format=fmt,
    )


@require_GET
@access.require(access.can_view_children)
def children(request: HttpRequest) -> HttpResponse:
    la, _ = access.authority_for(request.user, request.GET.get("la"))
    key = request.GET.get("indicator", "")
    definition = BY_KEY.get(key)
    period = parse_period(request.GET.get("period"))
    if la is None or definition is None or period is None:
        raise Http404("Choose an indicator and a month end from an indicator's page.")
    if not lists_children(key):
        raise Http404("That number counts foster carer households or places, not children.")
    if (
        not IndicatorValue.objects.current()
        .filter(la=la, indicator=key, period_end=period)
        .exists()
    ):
        raise Http404("There is no value for that indicator at that month end.")

    # Imported on use: the engine brings in pandas maths only this page needs.
    from sufficiency.services import children_in_numerator

    frame = children_in_numerator(la=la, indicator=key, period_end=period)
    rows = child_rows(frame)
    if request.GET.get("_export") == "csv":
        _log(request, la, key, period, len(rows), ChildListView.Format.CSV)
        response = HttpResponse(
            content_type="text/csv; charset=utf-8",
            headers={
                "Content-Disposition": f'attachment; filename="children-{la.code}-{key}-{period:%Y-%m-%d}.csv"',
                "Cache-Control": "no-store",
            },
        )
        response.write("\ufeff")
        write_rows(
            response,
            CSV_HEADER,
            (
                [r["child_id"], r["age"], r["placement"], r["provider"], r["urn"], r["distance_export"],
                 r["placement_start"].isoformat() if r["placement_start"] else ""]
                for r in rows
            ),
        )  # fmt: skip
        return response

    _log(request, la, key, period, len(rows), ChildListView.Format.PAGE)
    table = ChildTable(rows)
    RequestConfig(request, paginate={"per_page": CHILDREN_PER_PAGE}).configure(table)
    response = render(
        request,
        "dashboard/children.html",
        {
            "la": la,
            "definition": definition,
            "period_end": period,
            "table": table,
            "count": len(rows),
        },
    )
    # Named children: never kept in a shared or browser cache.
    response["Cache-Control"] = "no-store"
    return response


urlpatterns = [
    path("children/", children, name="dashboard-children"),
]
