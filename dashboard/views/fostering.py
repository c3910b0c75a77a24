"""Fostering: the in-house service's capacity against the children placed with it, what
placements cost, and what moving children from agency to in-house fostering would be worth."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.views.decorators.http import require_GET

from dashboard import access, wording
from dashboard.cards import build_card, disclosure_for, shown
from dashboard.charts import Chart, lines_figure
from dashboard.forms import parse_period, period_options
from sufficiency import reports
from sufficiency.registry import BY_KEY
from sufficiency.suppression import Disclosure

CAPACITY = [
    "fostering_households", "approved_places", "places_filled", "vacancies", "utilisation",
    "carer_approvals", "carer_deregistrations", "in_house_fostering", "ifa_share",
]  # fmt: skip
COSTS = [
    "avg_cost_in_house_fostering", "avg_cost_agency_fostering", "avg_cost_kinship",
    "avg_cost_childrens_homes", "avg_cost_supported", "monthly_spend", "cost_known_share",
]  # fmt: skip
CHART_MONTHS = 60
WEEKS_A_YEAR = 52
SHIFT_DEFAULT = 5
SHIFT_MAX = 500
SHIFT_NOT_WORKED_OUT = (
    "This can't be worked out for {month}: the authority's average weekly cost of {missing} is "
    "not available."
)


class ShiftForm(forms.Form):
    children = forms.IntegerField(
        label="Children moved from agency to in-house foster care",
        min_value=1,
        max_value=SHIFT_MAX,
        initial=SHIFT_DEFAULT,
        error_messages={
            "min_value": "Enter a number of children from 1 to 500.",
            "max_value": "Enter a number of children from 1 to 500.",
            "invalid": "Enter a whole number of children, like 5.",
        },
    )


def shift_worth(
    *, children: int, in_house: float | None, agency: float | None
) -> tuple[float, float] | None:
    """A year's difference in cost, and the weekly difference per child, of `children` placed
    in-house rather than with agencies, at the authority's own average weekly costs."""
    if in_house is None or agency is None:
        return None
    per_child = agency - in_house
    return children * per_child * WEEKS_A_YEAR, per_child


def capacity_chart(
    la_name: str,
    months: dict[dt.date, dict[str, reports.Reading]],
    end: dt.date,
    disclosure: Disclosure,
) -> Chart | None:
    since = reports.months_before(end, CHART_MONTHS - 1)
    days = sorted(day for day in months if since <= day <= end)
    if not days:
        return None
    series = []
    for key in ("approved_places", "places_filled"):
        definition = BY_KEY[key]
        points = [(day, shown(definition, months[day].get(key), disclosure)[1]) for day in days]
        series.append((definition.name, points))
    figure = lines_figure(series=series, y_title="Places and children")
    last = months[days[-1]]
    places = shown(BY_KEY["approved_places"], last.get("approved_places"), disclosure)[0]
    filled = shown(BY_KEY["places_filled"], last.get("places_filled"), disclosure)[0]
    summary = (
        f"Approved places in the authority's own fostering service and the children placed in "
        f"them, month by month from {wording.long_date(days[0])} to "
        f"{wording.long_date(days[-1])}. At {wording.long_date(days[-1])}: {places} approved "
        f"places, {filled} filled."
    )
    if disclosure.suppress:
        summary += " Months with small numbers are not shown."
    return Chart(
        element_id="fostering-capacity",
        figure=figure,
        summary=summary,
        title="In-house fostering: approved places and places filled",
    )


@require_GET
@access.require(access.can_view_indicators)
def fostering(request: HttpRequest) -> HttpResponse:
    la, authorities = access.authority_for(request.user, request.GET.get("la"))
    context: dict[str, object] = {"la": la, "authorities": authorities}
    if la is None:
        return render(request, "dashboard/fostering.html", context)
    suppress = access.sees_suppressed(request.user)
    data = reports.overview(la=la, period_end=parse_period(request.GET.get("period")))
    context.update(data=data, suppressed=suppress)
    if data.period_end is None:
        return render(request, "dashboard/fostering.html", context)

    disclosure = disclosure_for(data.summaries.values(), suppress=suppress)
    capacity = [build_card(data.summaries[key], disclosure=disclosure) for key in CAPACITY]
    costs = [build_card(data.summaries[key], disclosure=disclosure) for key in COSTS]

    # The chart covers five years: their readings, in one query.
    since = reports.months_before(data.period_end, CHART_MONTHS - 1)
    months = reports.month_readings(la=la, indicators=list(BY_KEY), since=since)
    chart_disclosure = Disclosure(months, suppress=suppress)

    form = ShiftForm(request.GET if "children" in request.GET else None)
    children = form.cleaned_data["children"] if form.is_valid() else SHIFT_DEFAULT
    in_house = shown(
        BY_KEY["avg_cost_in_house_fostering"],
        data.summaries["avg_cost_in_house_fostering"].current,
        disclosure,
    )[1]
    agency = shown(
        BY_KEY["avg_cost_agency_fostering"],
        data.summaries["avg_cost_agency_fostering"].current,
        disclosure,
    )[1]
    # Worked out from the averages as the page shows them (whole pounds), so that a reader
    # checking the sum on the page gets the same answer.
    in_house = round(in_house) if in_house is not None else None
    agency = round(agency) if agency is not None else None
    worth = shift_worth(children=children, in_house=in_house, agency=agency)
    missing = [
        name
        for name, value in (("in-house fostering", in_house), ("agency fostering", agency))
        if value is None
    ]
    context.update(
        capacity=capacity,
        costs=costs,
        chart=capacity_chart(la.name, months, data.period_end, chart_disclosure),
        periods=data.periods,
        period_options=period_options(data.periods, data.period_end),
        period_end=data.period_end,
        keep=[("children", children)] if form.is_bound and form.is_valid() else [],
        form=form,
        shift_children=children,
        in_house_cost=f"£{wording.thousands(round(in_house))}" if in_house is not None else "",
        agency_cost=f"£{wording.thousands(round(agency))}" if agency is not None else "",
        shift_year=f"£{wording.thousands(round(abs(worth[0])))}" if worth else "",
        shift_saves=worth is not None and worth[0] >= 0,
        shift_per_child=f"£{wording.thousands(round(abs(worth[1])))}" if worth else "",
        shift_missing=(
            SHIFT_NOT_WORKED_OUT.format(
                month=wording.long_date(data.period_end), missing=" and ".join(missing)
            )
            if missing
            else ""
        ),
    )
    return render(request, "dashboard/fostering.html", context)


urlpatterns = [
    path("fostering/", fostering, name="dashboard-fostering"),
]
