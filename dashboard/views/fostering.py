"""Fostering: capacity, costs, and what moving children from agency to in-house fostering
would be worth."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.views.decorators.http import require_GET

from dashboard import access
from dashboard.forms import parse_period, period_options
from dashboard.fostering_forms import ShiftForm
from dashboard.pages.fostering import fostering_page


@require_GET
@access.require(access.can_view_indicators)
def fostering(request: HttpRequest) -> HttpResponse:
    la, authorities = access.authority_for(request.user, request.GET.get("la"))
    context: dict[str, object] = {"la": la, "authorities": authorities}
    if la is None:
        return render(request, "dashboard/fostering.html", context)
    suppress = access.sees_suppressed(request.user)
    form = ShiftForm(request.GET if "children" in request.GET else None)
    children = form.children_asked()
    page = fostering_page(
        la=la,
        period_end=parse_period(request.GET.get("period")),
        suppress=suppress,
        children=children,
    )
    context.update(data=page.data, suppressed=suppress)
    if page.shift is None:
        return render(request, "dashboard/fostering.html", context)
    data, shift = page.data, page.shift
    context.update(
        capacity=page.capacity,
        costs=page.costs,
        chart=page.chart,
        periods=data.periods,
        period_options=period_options(data.periods, data.period_end),
        period_end=data.period_end,
        keep=[("children", children)] if form.is_bound and form.is_valid() else [],
        form=form,
        shift_children=shift.children,
        in_house_cost=shift.in_house_cost,
        agency_cost=shift.agency_cost,
        shift_year=shift.year,
        shift_saves=shift.saves,
        shift_per_child=shift.per_child,
        shift_missing=shift.missing,
    )
    return render(request, "dashboard/fostering.html", context)


urlpatterns = [
    path("fostering/", fostering, name="dashboard-fostering"),
]
