"""The indicators counted from the 903 episodes alone, each declared once with its rule.

Each rule takes the authority's `CareHistory` and returns a `Rule`: the rows its numerator and
denominator count, and at which month ends (`sufficiency/care_history.py`). The words are what
users read beside the number; docs/indicators.md is generated from them.
"""

from __future__ import annotations

from functools import partial

import numpy as np

from sufficiency.care_history import (
    ADOPTION_PLACEMENTS,
    CHILDRENS_HOMES,
    CONTINUOUS_CARE_MONTHS,
    FOSTERING,
    INDEPENDENT_PROVIDERS,
    KINSHIP_FOSTERING,
    LA_OWN_PROVIDER,
    OTHER_FOSTERING,
    POPULATION,
    SETTLED_PLACEMENT_MONTHS,
    SUPPORTED_16PLUS,
    WITH_PARENTS,
    CareHistory,
    Rule,
    Spans,
    ended_months,
    in_month,
    isin,
    looked_after,
    once_a_year,
    over_20_miles,
)
from sufficiency.decisions import (
    ADOPTION_CLAUSE,
    AT_D,
    AT_MONTH_END,
    CEASED_REC,
    CHILDREN_ONCE,
    DISTANCE_OVER_20,
    EXCLUDE_SHORT_BREAK_EPISODES,
    EXCLUDE_SHORT_BREAKS,
    FLOW_MONTH,
    FLOW_YEAR,
    IN_12_MONTHS,
    IN_MONTH,
    INDEPENDENT_FOSTERING,
    LOOKED_AFTER_AT_D,
    MOVES_ALL_PERIODS,
    MOVES_WINDOW,
    OUTSIDE_UNKNOWN,
    PLACEMENT_AT_D,
    PLACEMENT_HISTORY,
    POPULATION_YEAR,
    PUBLICATION,
    RATE_ROUNDING,
    SHORT_BREAKS,
    STARTERS_RNE_S,
    STOCK_DENOMINATOR,
    UNDER_16,
    count_fields,
    placement_count_fields,
)
from sufficiency.declaration import Breakdown, Promise, cell_of, gives_away, stands_alone, total_of
from sufficiency.measures import REGISTRY

indicator = partial(REGISTRY.declare, "ssda903")

# "Where children live": the placement groups and what is left over add up to the number
# looked after, so a hidden group could be worked out from the total and the others.
PLACEMENTS = REGISTRY.breakdown(
    Breakdown("placements", "Where children live", "other", "Other placements")
).key

# Why a figure gives no other figure away, for those that are no part of a breakdown.
FLOW = (
    "Children who started or stopped being looked after in a month or a year: they are not "
    "the children looked after at D that the placement groups divide, so no group can be "
    "worked out from it."
)
ACROSS_GROUPS = (
    "A percentage of the children looked after at D that cuts across the placement groups: "
    "neither its numerator nor its denominator is a group or a sum of groups (a test checks "
    "this on synthetic data), and the committee never sees either."
)
COHORT = (
    "A percentage of the children under 16 who have been looked after for 2.5 years, a cohort "
    "that cuts across the placement groups: neither side is a group or a sum of groups."
)


@indicator(
    **count_fields(
        "cla_count",
        "Children looked after",
        "The number of children looked after at the month end D.",
        f"{PUBLICATION}: children looked after on 31 March; LAIT LACnum (Number of Looked "
        "after Children).",
        *AT_D,
        short_name="Children in care",
        polarity="lower",
    ),
    look_back_months=0,
    disclosure=total_of(PLACEMENTS),
)
def cla_count(history: CareHistory) -> Rule:
    return Rule(looked_after(history))


@indicator(
    key="cla_rate",
    name="Rate per 10,000 children",
    unit="rate",
    polarity="lower",
    definition="The number of children looked after at the month end D per 10,000 children "
    "aged 0-17 living in the authority, rounded to a whole number.",
    numerator="Children looked after at D (cla_count).",
    denominator="The ONS mid-year estimate of children aged 0-17, from the authority's "
    "settings, for the year before the 31 March that ends the collection year containing D.",
    reference_date="The month end D, and the population of the year before the 31 March "
    "that ends the collection year containing D.",
    exclusions=EXCLUDE_SHORT_BREAKS,
    source=f"{PUBLICATION}: rate per 10,000 children; LAIT LAC (Children Looked after rate "
    "per 10,000).",
    decisions=(*AT_D, POPULATION_YEAR, RATE_ROUNDING),
    short_name="Rate per 10,000",
    look_back_months=0,
    disclosure=gives_away("cla_count"),
    promise=Promise("need-for-care", "Safely reduce the need for children to come into care", 1),
)
def cla_rate(history: CareHistory) -> Rule:
    """The children of cla_count over the population, which the caller supplies by year; the
    drill-down lists cla_count's children."""
    return Rule(cla_count(history).numerator, POPULATION)


@indicator(
    **count_fields(
        "starters",
        "Started to be looked after in the month",
        "The number of periods of care that started (RNE S) in the month ending D.",
        f"{PUBLICATION}: children starting to be looked after each year, here by month and "
        "by period of care (a child who starts twice counts twice); the published annual "
        "figure counts children, as 'Started to be looked after in 12 months' does.",
        SHORT_BREAKS,
        FLOW_MONTH,
        STARTERS_RNE_S,
        short_name="Started care this month",
        exclusions=EXCLUDE_SHORT_BREAK_EPISODES,
        reference_date=IN_MONTH,
    ),
    look_back_months=1,
    disclosure=stands_alone(FLOW),
)
def starters(history: CareHistory) -> Rule:
    """In the drill-down each start is one row (a child who started twice in the month is listed
    twice), with the start date as `event_date`, `period_start` and `placement_start`.
    """
    return Rule(in_month(history.open_from, history.starts_care, history.decom))


@indicator(
    **count_fields(
        "ceased",
        "Ceased to be looked after in the month",
        "The number of periods of care that ended (an episode ending with a reason other than "
        "X1) in the month ending D, including those ending on D itself.",
        f"{PUBLICATION}: children ceasing to be looked after each year, here by month and by "
        "period of care (a child who ceases twice counts twice); the published annual figure "
        "counts children, as 'Ceased to be looked after in 12 months' does.",
        LOOKED_AFTER_AT_D,
        SHORT_BREAKS,
        FLOW_MONTH,
        CEASED_REC,
        short_name="Left care this month",
        exclusions=EXCLUDE_SHORT_BREAK_EPISODES,
        reference_date=IN_MONTH,
    ),
    look_back_months=1,
    disclosure=stands_alone(FLOW),
)
def ceased(history: CareHistory) -> Rule:
    """In the drill-down each end is one row, with the DEC as `event_date`; the placement and the
    period are those that ended, with their start dates.
    """
    return Rule(in_month(ended_months(history), history.ends_care, history.dec))


@indicator(
    **count_fields(
        "starters_12m",
        "Started to be looked after in 12 months",
        "The number of children who started to be looked after (a period of care starting with "
        "RNE S) at any time in the 12 months ending at D, each child counted once however many "
        "of their periods started. At D = 31 March this is the DfE's number of children "
        "starting to be looked after during the year.",
        f"{PUBLICATION}: children starting to be looked after each year; LAIT LACnum_Start.",
        SHORT_BREAKS,
        FLOW_YEAR,
        CHILDREN_ONCE,
        STARTERS_RNE_S,
        short_name="Started care, 12 months",
        exclusions=EXCLUDE_SHORT_BREAK_EPISODES,
        reference_date=IN_12_MONTHS,
    ),
    look_back_months=12,
    disclosure=stands_alone(FLOW),
)
def starters_12m(history: CareHistory) -> Rule:
    """In the drill-down a child's row is their first start in the 12 months, its date as
    `event_date`, `period_start` and `placement_start`.
    """
    return Rule(
        once_a_year(history, history.open_from, history.starts_care, history.decom, "first")
    )


@indicator(
    **count_fields(
        "ceased_12m",
        "Ceased to be looked after in 12 months",
        "The number of children who ceased to be looked after (a period of care ending with a "
        "reason other than X1) at any time in the 12 months ending at D, including on D itself, "
        "each child counted once however many of their periods ended. At D = 31 March this is "
        "the DfE's number of children ceasing to be looked after during the year.",
        f"{PUBLICATION}: children ceasing to be looked after each year; LAIT LACceased.",
        LOOKED_AFTER_AT_D,
        SHORT_BREAKS,
        FLOW_YEAR,
        CHILDREN_ONCE,
        CEASED_REC,
        short_name="Left care, 12 months",
        exclusions=EXCLUDE_SHORT_BREAK_EPISODES,
        reference_date=IN_12_MONTHS,
    ),
    look_back_months=12,
    disclosure=stands_alone(FLOW),
)
def ceased_12m(history: CareHistory) -> Rule:
    """In the drill-down a child's row is their last end in the 12 months, its DEC as `event_date`;
    the placement and the period are those that ended, with their start dates.
    """
    return Rule(once_a_year(history, ended_months(history), history.ends_care, history.dec, "last"))


@indicator(
    key="moves_3plus",
    name="Three or more placements in 12 months",
    unit="percent",
    polarity="lower",
    definition="Of the children looked after at the month end D, the percentage who had 3 "
    "or more placements open at any time in the 12 months ending at D.",
    numerator="Children looked after at D who had 3 or more placements open at any time in "
    "the 12 months ending at D.",
    denominator=STOCK_DENOMINATOR,
    reference_date="The month end D, and the 12 months ending at D.",
    exclusions=EXCLUDE_SHORT_BREAKS + " Short-break stays are not placements; temporary "
    "placements (T0-T4) are not placements.",
    source=f"{PUBLICATION}: CLA on 31 March with 3 or more placements during the year; "
    "LAIT LACStable_2016on (Placement 1 - % 3 or more places).",
    decisions=(*PLACEMENT_HISTORY, MOVES_WINDOW, MOVES_ALL_PERIODS),
    short_name="3+ placements in a year",
    look_back_months=12,
    disclosure=stands_alone(ACROSS_GROUPS),
    promise=Promise("stable-placements", "More stable placements: fewer moves", 4),
)
def moves_3plus(history: CareHistory) -> Rule:
    until = np.minimum(history.open_until, history.three_placements_until)
    return Rule(Spans(history.open_from, until), looked_after(history))


@indicator(
    key="long_term_stability",
    name="Long-term stability",
    unit="percent",
    polarity="higher",
    definition="Of the children looked after at the month end D, aged under 16 at D, who "
    "have been looked after continuously for at least 2.5 years (their current period of "
    "care began on or before D minus 30 months), the percentage whose current placement "
    "began on or before D minus 24 months, or who are placed for adoption (A3-A6) and whose "
    "adoptive placement together with the placement before it began on or before D minus "
    "24 months.",
    numerator="Children in the denominator whose current placement began on or before D "
    "minus 24 months, or who are placed for adoption and whose placement before the "
    "adoptive placement began on or before D minus 24 months.",
    denominator="Children looked after at D, under 16 at D, whose current period of care "
    "began on or before D minus 30 months.",
    reference_date="The month end D, D minus 30 months and D minus 24 months.",
    exclusions=EXCLUDE_SHORT_BREAKS + " Children aged 16 or over at D. Time under short "
    "breaks is not time looked after.",
    source=f"{PUBLICATION}: children looked after continuously for at least 2.5 years on "
    "31 March aged under 16 years, living with the same carer for at least 2 years.",
    decisions=(*PLACEMENT_HISTORY, UNDER_16, ADOPTION_CLAUSE),
    short_name="Long-term stability",
    look_back_months=30,
    disclosure=stands_alone(COHORT),
    promise=Promise(
        "long-term-stability", "More children settled with the same carer for the long term", 5
    ),
)
def long_term_stability(history: CareHistory) -> Rule:
    cohort_from = np.maximum(history.open_from, history.period_from + CONTINUOUS_CARE_MONTHS)
    cohort_until = np.minimum(history.open_until, history.sixteenth_birthday)
    settled_from = np.maximum(cohort_from, history.settled_from + SETTLED_PLACEMENT_MONTHS)
    return Rule(Spans(settled_from, cohort_until), Spans(cohort_from, cohort_until))


@indicator(
    key="distance_20_miles",
    name="Placed more than 20 miles from home, outside the LA",
    unit="percent",
    polarity="lower",
    definition="Of the children looked after at the month end D, the percentage whose "
    "placement is more than 20 miles from their home and outside the authority's boundary.",
    numerator="Children looked after at D placed more than 20 miles from home, in a "
    "district that is not one of the authority's own.",
    denominator=STOCK_DENOMINATOR + " Children whose distance is not known are included.",
    reference_date=AT_MONTH_END,
    exclusions=EXCLUDE_SHORT_BREAKS,
    source="DfE LAIT LACDistance (Children looked after at 31 March placed more than 20 "
    "miles from their home and outside LA boundary), the measure statistical neighbour "
    "figures exist for.",
    decisions=(*PLACEMENT_AT_D, DISTANCE_OVER_20, OUTSIDE_UNKNOWN),
    short_name="Over 20 miles, out of area",
    look_back_months=0,
    disclosure=stands_alone(ACROSS_GROUPS),
    promise=Promise("near-home", "More children placed in or near the borough", 6),
)
def distance_20_miles(history: CareHistory) -> Rule:
    outside = history.outside_la == 1.0
    return Rule(looked_after(history, over_20_miles(history) & outside), looked_after(history))


@indicator(
    key="distance_20_miles_any",
    name="Placed more than 20 miles from home",
    unit="percent",
    polarity="lower",
    definition="Of the children looked after at the month end D, the percentage whose "
    "placement is more than 20 miles from their home, inside or outside the authority's "
    "boundary.",
    numerator="Children looked after at D placed more than 20 miles from home.",
    denominator=STOCK_DENOMINATOR + " Children whose distance is not known are included.",
    reference_date=AT_MONTH_END,
    exclusions=EXCLUDE_SHORT_BREAKS,
    source=f"{PUBLICATION}: children looked after at 31 March placed more than 20 miles "
    "from home (national publication).",
    decisions=(*PLACEMENT_AT_D, DISTANCE_OVER_20),
    short_name="Over 20 miles from home",
    look_back_months=0,
    disclosure=stands_alone(ACROSS_GROUPS),
)
def distance_20_miles_any(history: CareHistory) -> Rule:
    return Rule(looked_after(history, over_20_miles(history)), looked_after(history))


@indicator(
    key="distance_unknown",
    name="Distance not known",
    unit="percent",
    polarity="info",
    definition="Of the children looked after at the month end D, the percentage whose "
    "distance from home to placement cannot be worked out.",
    numerator="Children looked after at D whose distance is not known.",
    denominator=STOCK_DENOMINATOR,
    reference_date=AT_MONTH_END,
    exclusions=EXCLUDE_SHORT_BREAKS,
    source=f"{PUBLICATION}: distance not known or not recorded.",
    decisions=(*PLACEMENT_AT_D, DISTANCE_OVER_20),
    short_name="Distance not known",
    look_back_months=0,
    disclosure=stands_alone(ACROSS_GROUPS),
)
def distance_unknown(history: CareHistory) -> Rule:
    return Rule(looked_after(history, np.isnan(history.distance)), looked_after(history))


@indicator(
    key="ifa_share",
    name="Foster placements with independent agencies",
    unit="percent",
    polarity="lower",
    definition="Of the children looked after at the month end D in foster placements "
    "(U1-U6), the percentage fostered by other carers (U4-U6) through a private or "
    "voluntary provider (PR4 or PR5).",
    numerator="Children looked after at D in U4-U6 with provider PR4 or PR5.",
    denominator="Children looked after at D in U1-U6 (short breaks excluded).",
    reference_date=AT_MONTH_END,
    exclusions=EXCLUDE_SHORT_BREAKS,
    source=f"{PUBLICATION}: children looked after at 31 March by placement type and provider.",
    decisions=(*PLACEMENT_AT_D, INDEPENDENT_FOSTERING),
    short_name="Agency fostering",
    look_back_months=0,
    disclosure=cell_of(
        PLACEMENTS,
        "Agency fostering (independent fostering agencies)",
        2,
        key="agency_fostering",
        # Its denominator, every foster placement, is the fostering cells and part of "other".
        gives_away=("in_house_fostering", "agency_fostering", "kinship_fostering", "other"),
    ),
    promise=Promise(
        "own-fostering", "Grow our own fostering service and rely less on independent agencies", 2
    ),
)
def ifa_share(history: CareHistory) -> Rule:
    fostered = isin(history.place, FOSTERING)
    independent = isin(history.place, OTHER_FOSTERING) & isin(
        history.provider, INDEPENDENT_PROVIDERS
    )
    return Rule(looked_after(history, independent), looked_after(history, fostered))


@indicator(
    **placement_count_fields(
        "residential_count",
        "Children in children's homes",
        "secure children's homes or children's homes (K1 or K2)",
        short_name="Children's homes",
        polarity="lower",
    ),
    look_back_months=0,
    disclosure=cell_of(PLACEMENTS, "Children's homes", 4),
    promise=Promise("childrens-homes", "Fewer children living in children's homes", 3),
)
def residential_count(history: CareHistory) -> Rule:
    return Rule(looked_after(history, isin(history.place, CHILDRENS_HOMES)))


@indicator(
    **placement_count_fields(
        "in_house_fostering",
        "In-house foster placements",
        "foster placements with other carers (U4-U6) provided by the authority itself (PR1)",
        short_name="In-house fostering",
    ),
    look_back_months=0,
    disclosure=cell_of(PLACEMENTS, "In-house fostering", 1),
)
def in_house_fostering(history: CareHistory) -> Rule:
    in_house = isin(history.place, OTHER_FOSTERING) & isin(history.provider, LA_OWN_PROVIDER)
    return Rule(looked_after(history, in_house))


@indicator(
    **placement_count_fields(
        "kinship_fostering",
        "Foster placements with relatives or friends",
        "foster placements with relatives or friends (U1-U3)",
        short_name="Kinship fostering",
    ),
    look_back_months=0,
    disclosure=cell_of(PLACEMENTS, "Fostering with relatives or friends (kinship)", 3),
)
def kinship_fostering(history: CareHistory) -> Rule:
    return Rule(looked_after(history, isin(history.place, KINSHIP_FOSTERING)))


@indicator(
    **placement_count_fields(
        "placed_for_adoption",
        "Placed for adoption",
        "placements for adoption (A3-A6)",
        short_name="Placed for adoption",
    ),
    look_back_months=0,
    disclosure=cell_of(PLACEMENTS, "Placed for adoption", 5),
)
def placed_for_adoption(history: CareHistory) -> Rule:
    return Rule(looked_after(history, isin(history.place, ADOPTION_PLACEMENTS)))


@indicator(
    **placement_count_fields(
        "supported_16plus",
        "Supported accommodation and independent living",
        "semi-independent living (H5), registered supported accommodation (K3) or independent "
        "living (P2)",
        short_name="Supported accommodation",
    ),
    look_back_months=0,
    disclosure=cell_of(
        PLACEMENTS, "Supported accommodation and independent living (16 and over)", 6
    ),
)
def supported_16plus(history: CareHistory) -> Rule:
    return Rule(looked_after(history, isin(history.place, SUPPORTED_16PLUS)))


@indicator(
    **placement_count_fields(
        "placed_with_parents",
        "Placed with parents",
        "placements with parents or others with parental responsibility (P1)",
        short_name="Placed with parents",
    ),
    look_back_months=0,
    disclosure=cell_of(PLACEMENTS, "Placed with parents", 7),
)
def placed_with_parents(history: CareHistory) -> Rule:
    return Rule(looked_after(history, isin(history.place, WITH_PARENTS)))
