"""The overview: one card per "We Will" promise for the chosen authority and month end."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.views.decorators.http import require_GET

from dashboard import access
from dashboard.cards import build_card, disclosure_for
from dashboard.forms import parse_period, period_options
from sufficiency import reports


@require_GET
@access.require(access.can_view_indicators)
def index(request: HttpRequest) -> HttpResponse:
    la, authorities = access.authority_for(request.user, request.GET.get("la"))
    context: dict[str, object] = {"la": la, "authorities": authorities}
    if la is not None:
        suppress = access.sees_suppressed(request.user)
        data = reports.overview(la=la, period_end=parse_period(request.GET.get("period")))
        disclosure = disclosure_for(data.summaries.values(), suppress=suppress)
        context.update(
            {
                "data": data,
                "suppressed": suppress,
                "promises": [
                    (promise, build_card(summary, disclosure=disclosure))
                    for promise, summary in data.promises
                ],
                "others": [
                    build_card(summary, disclosure=disclosure, trend=False)
                    for summary in data.others
                ],
                "period_options": period_options(data.periods, data.period_end),
                "can_view_uploads": access.can_view_uploads(request.user),
            }
        )
    return render(request, "dashboard/index.html", context)


urlpatterns = [
    path("", index, name="dashboard-index"),
]
