"""The children behind a number, for officers and data staff. Every view is logged first."""

from __future__ import annotations

import datetime as dt

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.views.decorators.http import require_GET

from dashboard import access
from dashboard.exports import csv_download
from dashboard.forms import parse_period
from dashboard.models import ChildListView
from dashboard.pages.children import CSV_HEADER, children_behind, csv_rows, lists_children
from dashboard.tables import CHILDREN_PER_PAGE, ChildTable, configure
from placements.models import LocalAuthority
from sufficiency.registry import BY_KEY


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
    rows = children_behind(la=la, indicator=key, period_end=period)
    if rows is None:
        raise Http404("There is no value for that indicator at that month end.")

    if request.GET.get("_export") == "csv":
        _log(request, la, key, period, len(rows), ChildListView.Format.CSV)
        return csv_download(
            filename=f"children-{la.code}-{key}-{period:%Y-%m-%d}.csv",
            header=CSV_HEADER,
            rows=csv_rows(rows),
            no_store=True,
        )

    _log(request, la, key, period, len(rows), ChildListView.Format.PAGE)
    table = ChildTable(rows)
    configure(request, table, per_page=CHILDREN_PER_PAGE)
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
