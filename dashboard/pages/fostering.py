"""Fostering: the in-house service's capacity against the children placed with it, what
placements cost, and what moving children from agency to in-house fostering would be worth."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from dashboard import wording
from dashboard.cards import Card, build_card, disclosure_for, shown
from dashboard.charts import Chart, lines_figure
from placements.models import LocalAuthority
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
SHIFT_NOT_WORKED_OUT = (
    "This can't be worked out for {month}: the authority's average weekly cost of {missing} is "
    "not available."
)


@dataclass(frozen=True)
class Shift:
    """What moving `children` from agency to in-house foster care is worth, in words."""

    children: int
    in_house_cost: str  # a week, as the page shows it
    agency_cost: str
    year: str  # the difference over a year
    saves: bool
    per_child: str  # the weekly difference for each child
    missing: str  # why it can't be worked out; "" when it can


@dataclass(frozen=True)
class FosteringPage:
    data: reports.Overview
    capacity: list[Card]
    costs: list[Card]
    chart: Chart | None
    shift: Shift | None  # None, as the rest, when the authority has no values yet


def fostering_page(
    *, la: LocalAuthority, period_end: dt.date | None, suppress: bool, children: int
) -> FosteringPage:
    """The fostering figures at the month end (the latest when None or not held), and the
    worth of moving `children` children to in-house foster care."""
    data = reports.overview(la=la, period_end=period_end)
    if data.period_end is None:
        return FosteringPage(data=data, capacity=[], costs=[], chart=None, shift=None)
    disclosure = disclosure_for(data.summaries.values(), suppress=suppress)
    # The chart covers five years: their readings, in one query.
    since = reports.months_before(data.period_end, CHART_MONTHS - 1)
    months = reports.month_readings(la=la, indicators=list(BY_KEY), since=since)
    return FosteringPage(
        data=data,
        capacity=[build_card(data.summaries[key], disclosure=disclosure) for key in CAPACITY],
        costs=[build_card(data.summaries[key], disclosure=disclosure) for key in COSTS],
        chart=capacity_chart(months, data.period_end, Disclosure(months, suppress=suppress)),
        shift=shift(data, children=children, disclosure=disclosure),
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


def shift(data: reports.Overview, *, children: int, disclosure: Disclosure) -> Shift:
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
    return Shift(
        children=children,
        in_house_cost=f"£{wording.thousands(round(in_house))}" if in_house is not None else "",
        agency_cost=f"£{wording.thousands(round(agency))}" if agency is not None else "",
        year=f"£{wording.thousands(round(abs(worth[0])))}" if worth else "",
        saves=worth is not None and worth[0] >= 0,
        per_child=f"£{wording.thousands(round(abs(worth[1])))}" if worth else "",
        missing=(
            SHIFT_NOT_WORKED_OUT.format(
                month=wording.long_date(data.period_end), missing=" and ".join(missing)
            )
            if missing
            else ""
        ),
    )


def capacity_chart(
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
