"""The supply indicators: the authority's own foster carers and their places, and what
placements cost, each declared once with its rule.

Each rule takes the `SupplyHistory` (the care history with each row's carer and cost, and the
households; `sufficiency/supply_history.py`) and the month ends, and returns a `Figure`. The
groups of children are the 903 rules' own (`sufficiency.measures.care`), so "looked after at D"
means the same here. docs/indicators.md is generated from these declarations.
"""

from __future__ import annotations

from functools import partial

import numpy as np

from sufficiency.care_history import MonthRange, Spans
from sufficiency.decisions import (
    AT_MONTH_END,
    CARERS_SOURCE,
    COST_IN_PENCE,
    COSTED,
    COSTS_SOURCE,
    EXCLUDE_AGENCY,
    EXCLUDE_AGENCY_SHORT_BREAKS,
    EXCLUDE_NO_COST,
    EXCLUDE_SHORT_BREAKS,
    FILLED,
    FLOW_MONTH,
    HOUSEHOLDS,
    IN_MONTH,
    INDEPENDENT_FOSTERING,
    MONTHLY_SPEND,
    PLACES,
    PLACES_SOURCE,
    STOCK_DENOMINATOR,
    VACANCIES_PER_HOUSEHOLD,
    average_cost_fields,
    count_fields,
)
from sufficiency.declaration import stands_alone
from sufficiency.measures import REGISTRY, care
from sufficiency.supply_history import (
    MONTHS_PER_YEAR,
    PENCE_PER_POUND,
    WEEKS_PER_YEAR,
    Figure,
    SupplyHistory,
    average_cost,
    carers_known,
    count_figure,
    percent_figure,
    place_households,
    places_known,
    places_used,
    weighted_total,
    with_known_cost,
)

indicator = partial(REGISTRY.declare, "supply")

# Why each figure gives no other figure away (none is part of "where children live").
HOUSEHOLDS_NOT_CHILDREN = (
    "Counts foster carer households or their places, not children, so it is no part of the "
    "placement groups; its own small-number rule still applies."
)
PLACES_FILLED = (
    "Children placed with the authority's own carers in foster placements of any kind: it "
    "takes in part of the in-house group and part of the kinship group, so it is neither a "
    "group nor a sum of groups and pins none of them down."
)
AVERAGE_COST = (
    "An average in pounds over the group's children with a known cost: it says nothing of how "
    "many children there are, and it is not shown when fewer than 5 are behind it."
)
SPEND = (
    "A total in pounds: it says nothing of how many children there are, and it is not shown "
    "when fewer than 5 are behind it."
)
PERCENT_OF_ALL = (
    "A percentage of every child looked after at D, whatever the placement: neither side is a "
    "placement group or a sum of groups, and the committee never sees either."
)


@indicator(
    **count_fields(
        "fostering_households",
        "In-house fostering households",
        "The number of the authority's own (in-house) foster carer households approved at the "
        "month end D: approved on or before D and not deregistered by D.",
        CARERS_SOURCE,
        *HOUSEHOLDS,
        short_name="Fostering households",
        polarity="higher",
        exclusions=EXCLUDE_AGENCY,
    ),
    look_back_months=0,
    disclosure=stands_alone(HOUSEHOLDS_NOT_CHILDREN),
    lists_children=False,
)
def fostering_households(supply: SupplyHistory, months: MonthRange) -> Figure:
    households = supply.households
    approved = Spans(households.approved_from, households.approved_until)
    return count_figure(approved.count(months), carers_known(supply, months))


@indicator(
    **count_fields(
        "carer_approvals",
        "Fostering households approved in the month",
        "The number of in-house foster carer households whose approval date is in the month "
        "ending D.",
        CARERS_SOURCE,
        *HOUSEHOLDS,
        FLOW_MONTH,
        short_name="Households approved",
        polarity="higher",
        exclusions=EXCLUDE_AGENCY,
        reference_date=IN_MONTH,
    ),
    look_back_months=1,
    disclosure=stands_alone(HOUSEHOLDS_NOT_CHILDREN),
    lists_children=False,
)
def carer_approvals(supply: SupplyHistory, months: MonthRange) -> Figure:
    month = supply.households.approved_from
    return count_figure(Spans(month, month + 1).count(months), carers_known(supply, months))


@indicator(
    **count_fields(
        "carer_deregistrations",
        "Fostering households deregistered in the month",
        "The number of in-house foster carer households whose deregistration date is in the "
        "month ending D.",
        CARERS_SOURCE,
        *HOUSEHOLDS,
        FLOW_MONTH,
        short_name="Households deregistered",
        polarity="lower",
        exclusions=EXCLUDE_AGENCY,
        reference_date=IN_MONTH,
    ),
    look_back_months=1,
    disclosure=stands_alone(HOUSEHOLDS_NOT_CHILDREN),
    lists_children=False,
)
def carer_deregistrations(supply: SupplyHistory, months: MonthRange) -> Figure:
    households = supply.households
    month = households.approved_until  # the deregistration's month, for those deregistered
    ended = Spans(month, month + 1, households.deregistered)
    return count_figure(ended.count(months), carers_known(supply, months))


@indicator(
    **count_fields(
        "approved_places",
        "Approved in-house fostering places",
        "The number of places (APPROVED_PLACES) of the in-house foster carer households "
        "approved at the month end D, short-breaks households aside.",
        CARERS_SOURCE,
        *PLACES,
        short_name="Approved places",
        polarity="higher",
        exclusions=EXCLUDE_AGENCY_SHORT_BREAKS,
    ),
    look_back_months=0,
    disclosure=stands_alone(HOUSEHOLDS_NOT_CHILDREN),
    lists_children=False,
)
def approved_places(supply: SupplyHistory, months: MonthRange) -> Figure:
    places = weighted_total(place_households(supply), months, supply.households.places)
    return count_figure(places, carers_known(supply, months))


@indicator(
    **count_fields(
        "places_filled",
        "In-house fostering places filled",
        "The number of children looked after at the month end D in a foster placement (U1-U6) "
        "with an in-house foster carer household approved at D: the CARER_ID on the episode "
        "counted at D is that household's.",
        PLACES_SOURCE,
        *FILLED,
        short_name="Places filled",
        exclusions=EXCLUDE_SHORT_BREAKS + " " + EXCLUDE_AGENCY_SHORT_BREAKS,
    ),
    look_back_months=0,
    disclosure=stands_alone(PLACES_FILLED),
)
def places_filled(supply: SupplyHistory, months: MonthRange) -> Figure:
    """In the drill-down each child filling a place is one row, with the CARER_ID and weekly cost of
    the episode counted at D.
    """
    filled = supply.filled
    return count_figure(filled.count(months), places_known(supply, months), filled)


@indicator(
    **count_fields(
        "vacancies",
        "In-house fostering vacancies",
        "The number of approved places of the in-house foster carer households approved at the "
        "month end D that no child looked after at D fills: for each household, its approved "
        "places minus the children placed with it, never below 0, added up.",
        PLACES_SOURCE,
        *FILLED,
        VACANCIES_PER_HOUSEHOLD,
        short_name="Vacancies",
        exclusions=EXCLUDE_SHORT_BREAKS + " " + EXCLUDE_AGENCY_SHORT_BREAKS,
    ),
    look_back_months=0,
    disclosure=stands_alone(HOUSEHOLDS_NOT_CHILDREN),
    lists_children=False,
)
def vacancies(supply: SupplyHistory, months: MonthRange) -> Figure:
    places = weighted_total(place_households(supply), months, supply.households.places)
    used = places_used(supply, months)
    return count_figure(places - used, places_known(supply, months))


@indicator(
    key="utilisation",
    name="Use of in-house fostering places",
    unit="percent",
    polarity="higher",
    definition="Of the approved places of the in-house foster carer households approved at "
    "the month end D, the percentage filled by children looked after at D, each household's "
    "children counted up to its approved places.",
    numerator="Approved places filled at D: for each household, the children looked after "
    "at D placed with it (as places_filled counts them), up to its approved places.",
    denominator="Approved places of the in-house households approved at D (approved_places).",
    reference_date=AT_MONTH_END,
    exclusions=EXCLUDE_SHORT_BREAKS + " " + EXCLUDE_AGENCY_SHORT_BREAKS,
    source=PLACES_SOURCE,
    decisions=(*FILLED, VACANCIES_PER_HOUSEHOLD),
    short_name="Places used",
    look_back_months=0,
    disclosure=stands_alone(HOUSEHOLDS_NOT_CHILDREN),
    lists_children=False,
)
def utilisation(supply: SupplyHistory, months: MonthRange) -> Figure:
    known = places_known(supply, months)
    places = weighted_total(place_households(supply), months, supply.households.places)
    used = places_used(supply, months)
    return percent_figure(np.where(known, used, 0), np.where(known, places, 0))


@indicator(
    **average_cost_fields(
        "avg_cost_in_house_fostering",
        "Average weekly cost: in-house fostering",
        "foster placements with other carers (U4-U6) provided by the authority itself (PR1)",
        "U4-U6 with provider PR1",
        short_name="Cost: in-house fostering",
    ),
    look_back_months=0,
    disclosure=stands_alone(AVERAGE_COST),
)
def avg_cost_in_house_fostering(supply: SupplyHistory, months: MonthRange) -> Figure:
    """In the drill-down the children listed are those whose costs are added up (as many as the
    denominator), each with the weekly cost counted.
    """
    children = care.in_house_fostering(supply.history).numerator
    return average_cost(supply, months, children)


@indicator(
    **average_cost_fields(
        "avg_cost_agency_fostering",
        "Average weekly cost: agency fostering",
        "foster placements with other carers (U4-U6) through a private or voluntary provider "
        "(PR4 or PR5)",
        "U4-U6 with provider PR4 or PR5",
        INDEPENDENT_FOSTERING,
        short_name="Cost: agency fostering",
    ),
    look_back_months=0,
    disclosure=stands_alone(AVERAGE_COST),
)
def avg_cost_agency_fostering(supply: SupplyHistory, months: MonthRange) -> Figure:
    children = supply.fostering.numerator  # as ifa_share's numerator counts them
    return average_cost(supply, months, children)


@indicator(
    **average_cost_fields(
        "avg_cost_kinship",
        "Average weekly cost: fostering with relatives or friends",
        "foster placements with relatives or friends (U1-U3)",
        "U1-U3",
        short_name="Cost: kinship fostering",
    ),
    look_back_months=0,
    disclosure=stands_alone(AVERAGE_COST),
)
def avg_cost_kinship(supply: SupplyHistory, months: MonthRange) -> Figure:
    children = care.kinship_fostering(supply.history).numerator
    return average_cost(supply, months, children)


@indicator(
    **average_cost_fields(
        "avg_cost_childrens_homes",
        "Average weekly cost: children's homes",
        "secure children's homes or children's homes (K1 or K2)",
        "K1 or K2",
        short_name="Cost: children's homes",
    ),
    look_back_months=0,
    disclosure=stands_alone(AVERAGE_COST),
)
def avg_cost_childrens_homes(supply: SupplyHistory, months: MonthRange) -> Figure:
    children = care.residential_count(supply.history).numerator
    return average_cost(supply, months, children)


@indicator(
    **average_cost_fields(
        "avg_cost_supported",
        "Average weekly cost: supported accommodation and independent living",
        "semi-independent living (H5), registered supported accommodation (K3) or independent "
        "living (P2)",
        "H5, K3 or P2",
        short_name="Cost: supported accommodation",
    ),
    look_back_months=0,
    disclosure=stands_alone(AVERAGE_COST),
)
def avg_cost_supported(supply: SupplyHistory, months: MonthRange) -> Figure:
    children = care.supported_16plus(supply.history).numerator
    return average_cost(supply, months, children)


@indicator(
    key="monthly_spend",
    name="Monthly spend on placements",
    unit="money",
    # Info: spend follows need; a lower figure is not better in itself.
    polarity="info",
    definition="The weekly costs of the placements of the children looked after at the "
    "month end D whose placement has a known weekly cost, added up, times 52 and divided by "
    "12: what a month of those placements costs at D's rates, in pounds.",
    numerator="The known weekly costs of the placements of children looked after at D "
    "added up, in pence (a week's cost, not a month's).",
    denominator="Children looked after at D whose placement has a known weekly cost "
    "(cost_known_share gives them as a share of all children looked after at D).",
    reference_date=AT_MONTH_END,
    exclusions=EXCLUDE_NO_COST,
    source=COSTS_SOURCE,
    decisions=(*COSTED, COST_IN_PENCE, MONTHLY_SPEND),
    short_name="Monthly spend",
    look_back_months=0,
    disclosure=stands_alone(SPEND),
)
def monthly_spend(supply: SupplyHistory, months: MonthRange) -> Figure:
    """In the drill-down the children listed are those whose costs are added up (as many as the
    denominator), each with the weekly cost counted.
    """
    costed = with_known_cost(supply, care.cla_count(supply.history).numerator)
    weekly = weighted_total(costed, months, np.nan_to_num(supply.cost))
    count = costed.count(months).astype(np.int64)
    pounds = weekly * WEEKS_PER_YEAR / MONTHS_PER_YEAR / PENCE_PER_POUND
    return Figure(weekly, count, np.where(count > 0, pounds, np.nan), costed)


@indicator(
    key="cost_known_share",
    name="Children with a known weekly cost",
    unit="percent",
    polarity="info",
    definition="Of the children looked after at the month end D, the percentage whose "
    "placement has a known weekly cost (from the costs extract or the episode's "
    "WEEKLY_COST): how much of the spend the cost figures cover.",
    numerator="Children looked after at D whose placement has a known weekly cost.",
    denominator=STOCK_DENOMINATOR,
    reference_date=AT_MONTH_END,
    exclusions=EXCLUDE_SHORT_BREAKS,
    source=COSTS_SOURCE,
    decisions=COSTED,
    short_name="Cost known",
    look_back_months=0,
    disclosure=stands_alone(PERCENT_OF_ALL),
)
def cost_known_share(supply: SupplyHistory, months: MonthRange) -> Figure:
    """In the drill-down the children listed are those with a known weekly cost."""
    looked_after = care.cla_count(supply.history).numerator
    costed = with_known_cost(supply, looked_after)
    return percent_figure(costed.count(months), looked_after.count(months), costed)
