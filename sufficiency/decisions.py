"""The decisions behind the indicators, and the words their declarations share.

A `Decision` settles one point of a definition, once, for every indicator it concerns
(`sufficiency/measures/` lists each indicator's decisions). `ours=False` marks the DfE's own rule;
`ours=True` our reading of a point the DfE's guidance leaves open, which pages flag as the
product's choice. docs/indicators.md prints every decision under each indicator it applies to.
"""

from __future__ import annotations

from typing import Any

from sufficiency.declaration import Decision, Polarity

# --- Decisions ----------------------------------------------------------------------------------

LOOKED_AFTER_AT_D = Decision(
    "looked-after-at-D",
    "Looked after at a month end D means the child has an episode that started on or before D "
    "and had not ended by D (no end date, or an end date after D). A child whose episode ended "
    "on D has ceased to be looked after and is not counted at D. In the same way, a placement "
    "that ended on the first day of a window was not open in that window.",
    ours=False,
)
SHORT_BREAKS = Decision(
    "short-breaks",
    "Short breaks are left out: a child whose episode open at D has legal status V3 or V4 (an "
    "agreed series of short breaks) is not counted, and V3/V4 episodes are not counted as "
    "starting or ceasing to be looked after. Unaccompanied asylum-seeking children are "
    "included.",
    ours=False,
)
SHORT_BREAK_EPISODES_DROPPED = Decision(
    "short-break-episodes-dropped",
    "V3/V4 episodes are set aside before placements and periods of care are worked out: a "
    "short-break stay is never one of a child's placements, and time under short breaks is not "
    "time looked after. A period that starts under V3/V4 and carries on under another legal "
    "status counts as looked after from the first episode under that other status.",
    ours=True,
)
TEMPORARY_INVISIBLE = Decision(
    "temporary-invisible",
    "Temporary placements (T0-T4: hospital, holiday, carer's holiday, under 7 days) are "
    "invisible: they neither start nor end a placement. At D a child in a temporary placement "
    "is counted as still in the placement before it (its type, provider, postcode and distance), "
    "and the episode returning from it (RNE P, same placement type and postcode as before) "
    "continues that placement.",
    ours=False,
)
TEMPORARY_RETURN_B = Decision(
    "temporary-return-b",
    "A return from a temporary placement coded RNE B (legal status changed at the same time) "
    "to the same placement type and postcode also continues the placement, as RNE P does. A "
    "return to a different placement type or postcode is a new placement.",
    ours=True,
)
TEMPORARY_AT_PERIOD_START = Decision(
    "temporary-at-period-start",
    "When a period of care begins in a temporary placement there is no placement before it: "
    "the temporary stay is counted as part of the first placement that follows it (so it adds "
    "no placement, and that placement starts when the period starts). While the stay lasts the "
    "child's placement type, provider and distance are the temporary episode's own, so the "
    "child is in none of the placement-type counts.",
    ours=True,
)
PLACEMENTS_SAME_CARER = Decision(
    "placements-same-carer",
    "A new placement starts with an episode whose reason for new episode (RNE) is S, P or B; "
    "episodes with RNE L, T or U continue the current placement (following the DfE's 'same "
    "carer' wording). A change of legal status only, a change of placement with the same "
    "carer, and placement for adoption with the current foster carer (A3/A5) are therefore "
    "not moves.",
    ours=False,
)
PERIOD_OF_CARE = Decision(
    "period-of-care",
    "A period of care is a chain of episodes, each starting on the day the one before it ended "
    "with reason X1 (still in care); it starts with RNE S or wherever the chain is broken. When "
    "a child's stored history starts part-way through a period, the first stored episode is "
    "taken as the start of the period and of the placement, because nothing earlier is known: "
    "in the first 2.5 years of a stored history a child can be missing from the long-term "
    "cohort or counted as less settled than they are.",
    ours=True,
)
MONTH_ARITHMETIC = Decision(
    "month-arithmetic",
    "'D minus N months' is the last day of the month N months before D's month: for 30 April "
    "2025, minus 30 months is 31 October 2022; for 28 February 2025, minus 12 months is 29 "
    "February 2024. At 31 March this is the same as going back N calendar months.",
    ours=True,
)
MOVES_WINDOW = Decision(
    "moves-window",
    "The 12 months ending at D are the 12 calendar months ending with D's month (after D minus "
    "12 months, up to and including D), so the window's first day is the 1st of the month 11 "
    "months before D's month. A placement counts if it started on or before D and ended after "
    "the window's first day or is still open; one ending on the first day itself does not "
    "count.",
    ours=False,
)
MOVES_ALL_PERIODS = Decision(
    "moves-all-periods",
    "The placement open at the start of the window counts as one, and placements in every "
    "period of care in the window count, including those before a break in care.",
    ours=False,
)
UNDER_16 = Decision(
    "under-16",
    "Under 16 at D means the 16th birthday is after D: a child whose 16th birthday is D itself "
    "is not under 16.",
    ours=False,
)
ADOPTION_CLAUSE = Decision(
    "adoption-clause",
    "A child placed for adoption (A3-A6) at D also counts as stable when the placement before "
    "the adoptive placement began on or before D minus 24 months. If the adoptive placement "
    "was a new placement (RNE P or B, usually a new adopter, A4/A6), the placement before it "
    "is the previous placement in the same period of care. If it continued the foster "
    "placement (RNE L, T or U, usually A3/A5 with the current foster carer), that foster "
    "placement is still the current placement, so the test is the same as for other children.",
    ours=True,
)
DISTANCE_OVER_20 = Decision(
    "distance-over-20",
    "Over 20 miles means a distance, in miles rounded to one decimal place, above 20.0: 20.0 "
    "miles is not over, 20.1 is. The distance is the straight line between the home and "
    "placement postcodes (DfE formula), or PL_DISTANCE where the extract gives it. It is not "
    "known when either postcode is blank or not found, or PL_DISTANCE is 999.9.",
    ours=False,
)
OUTSIDE_UNKNOWN = Decision(
    "outside-unknown",
    "A placement whose local authority district is not known is not counted as outside the "
    "LA, even when its distance (for example from PL_DISTANCE) is over 20 miles.",
    ours=True,
)
POPULATION_YEAR = Decision(
    "population-year",
    "The population is the ONS mid-year estimate of children aged 0-17 for the year before the "
    "31 March that ends the collection year containing D: 31 October 2025 and 31 March 2026 "
    "use mid-2025; 31 March 2025 uses mid-2024. With no population for that year there is no "
    "rate.",
    ours=False,
)
RATE_ROUNDING = Decision(
    "rate-rounding",
    "The rate is rounded to a whole number, halves rounded up (69.5 becomes 70).",
    ours=True,
)
FLOW_MONTH = Decision(
    "flow-month",
    "'In the month' ending D means on a date after the previous month end and on or before D.",
    ours=False,
)
STARTERS_RNE_S = Decision(
    "starters-rne-s",
    "A start is an episode with RNE S. A period whose first stored episode has another RNE "
    "(the stored history begins part-way through it), or that began under short breaks and "
    "continued under another legal status, is not counted as a start.",
    ours=True,
)
CEASED_REC = Decision(
    "ceased-rec",
    "An end is an episode whose reason ceased (REC) is anything other than X1 with its end "
    "date in the month. An open episode closed by the chain repair on upload gets X1 and is "
    "not an end.",
    ours=False,
)
FLOW_YEAR = Decision(
    "flow-year",
    "The 12 months ending at D are the 12 calendar months ending with D's month: from the 1st "
    "of the month 11 months before D's month up to and including D. At D = 31 March they are "
    "the DfE's collection year, 1 April to 31 March, so the figure is the one the DfE "
    "publishes for the year; at other month ends it is the same count over a rolling year.",
    ours=True,
)
CHILDREN_ONCE = Decision(
    "children-once",
    "Children, not periods of care, are counted: a child who started (or ceased) more than "
    "once in the 12 months is counted once. As the DfE does, the occasion counted is the "
    "first time the child started in the 12 months, and the last time the child ceased; it "
    "is the one shown in the list of children behind the number.",
    ours=False,
)
COUNT_DENOMINATOR = Decision(
    "count-denominator",
    "A count has no denominator of its own: it is stored with the denominator equal to the count.",
    ours=True,
)
INDEPENDENT_FOSTERING = Decision(
    "independent-fostering",
    "Independent fostering agencies are the providers coded PR4 (private) and PR5 (voluntary). "
    "The denominator is every foster placement, U1-U6, including those with relatives or "
    "friends.",
    ours=False,
)

AT_D = (LOOKED_AFTER_AT_D, SHORT_BREAKS)
PLACEMENT_AT_D = (*AT_D, TEMPORARY_INVISIBLE, TEMPORARY_AT_PERIOD_START)
PLACEMENT_HISTORY = (
    *AT_D,
    SHORT_BREAK_EPISODES_DROPPED,
    PERIOD_OF_CARE,
    PLACEMENTS_SAME_CARER,
    TEMPORARY_INVISIBLE,
    TEMPORARY_RETURN_B,
    TEMPORARY_AT_PERIOD_START,
    MONTH_ARITHMETIC,
)

PUBLICATION = (
    "DfE, Children looked after in England including adoptions (Explore Education Statistics)"
)
EXCLUDE_SHORT_BREAKS = "Children on an agreed series of short breaks (V3/V4) at D."
EXCLUDE_SHORT_BREAK_EPISODES = "Episodes with legal status V3 or V4 (short breaks)."
AT_MONTH_END = "The month end D (the last day of each month)."
IN_MONTH = "The month ending D: after the previous month end, up to and including D."
IN_12_MONTHS = (
    "The 12 months ending at D: from the 1st of the month 11 months before D's month up to and "
    "including D."
)
STOCK_DENOMINATOR = "Children looked after at D (short breaks excluded)."


# --- Supply: foster carers, their places, and what placements cost --------------------------
# The DfE's 903 guidance says nothing about carers or costs: every decision here is our own.

APPROVED_AT_D = Decision(
    "approved-at-D",
    "A foster carer household is approved at a month end D when its approval date is on or "
    "before D and it has no deregistration date or one after D: a household deregistered on D "
    "is no longer approved at D, as a child whose episode ends on D is no longer looked after. "
    "Approvals and deregistrations in the month are those dated after the previous month end "
    "and on or before D; a household approved and deregistered in the same month counts in "
    "both, and is not approved at either month end.",
    ours=True,
)
IN_HOUSE_HOUSEHOLDS = Decision(
    "in-house-households",
    "In-house households are those the carers extract gives PROVISION IN_HOUSE; agency "
    "households are not counted. The household's PROVISION decides, not the PLACE_PROVIDER "
    "of the children placed with it. Connected-person (kinship), short-breaks and every other "
    "type of approved household count as households, approvals and deregistrations, as "
    "Ofsted's fostering statistics count every approved household.",
    ours=True,
)
SHORT_BREAK_PLACES = Decision(
    "short-break-places",
    "The places of short-breaks households (CARER_TYPE SHORT_BREAKS) are left out of approved "
    "places, places filled, vacancies and use of places: they serve children on short breaks, "
    "whom no indicator counts, so they would show as vacant however much they were used. A "
    "child looked after at D placed with a short-breaks household fills no counted place.",
    ours=True,
)
CARERS_NOT_KNOWN = Decision(
    "carers-not-known",
    "With no foster carer households stored for the authority (no carers extract loaded), the "
    "household, approval, place and vacancy figures have no value rather than 0.",
    ours=True,
)
PLACE_FILLED = Decision(
    "place-filled",
    "A child looked after at D fills a place when the placement counted at D is a foster "
    "placement (U1-U6) and the CARER_ID on the episode counted at D is an in-house household "
    "approved at D. A child in a temporary placement (T0-T4) at D fills the place of the carer "
    "before it, not one of the carer of the temporary stay (such as a respite carer). A child "
    "placed for adoption with their foster carer (A3/A5) is placed for adoption and fills no "
    "fostering place. A CARER_ID that is not in the carers extract, an agency household, or a "
    "household not approved at D fills no place.",
    ours=True,
)
CARER_ID_NOT_KNOWN = Decision(
    "carer-id-not-known",
    "Places filled, vacancies and use of places have no value at a month end when no child "
    "looked after at D has a CARER_ID on the episode counted at D (the 903 extract did not "
    "carry the column then): otherwise every place would show as vacant.",
    ours=True,
)
VACANCIES_PER_HOUSEHOLD = Decision(
    "vacancies-per-household",
    "Vacancies are counted household by household: its approved places minus the children "
    "filling them, never below 0. A household with more children than approved places (under "
    "an exemption or a variation) has no vacancies, and its extra children do not fill another "
    "household's places, so vacancies can be more than approved places minus places filled, "
    "never fewer. Use of places counts each household's children up to its approved places, "
    "so it is at most 100%, and the places used and the vacancies add up to the approved "
    "places.",
    ours=True,
)
COST_OF_COUNTED_EPISODE = Decision(
    "cost-of-counted-episode",
    "A child's weekly cost at D is that of the episode whose details count at D: for a "
    "temporary placement (T0-T4), the placement before it, which goes on being paid for; the "
    "temporary stay's own cost is not used. It is the costs extract's WEEKLY_COST for that "
    "episode's CHILD and DECOM where the extract has one, else the WEEKLY_COST on the episode "
    "itself. A cost is not carried over from another episode, even of the same placement: "
    "after a change of legal status the new episode needs its own cost. A child with neither "
    "has no known cost.",
    ours=True,
)
COST_IN_PENCE = Decision(
    "cost-in-pence",
    "Weekly costs are added up in whole pence, so totals are exact. An average is that total "
    "over the children with a known cost, in pounds (shown to the penny); with no child with "
    "a known cost there is no value, and the denominator is 0.",
    ours=True,
)
MONTHLY_SPEND = Decision(
    "monthly-spend",
    "A month's spend is the weekly costs of the placements open at D times 52 and divided by "
    "12: what a month of those placements costs at D's rates, not what was paid in the month "
    "(placements that began and ended within the month are not in it). Placements with no "
    "known cost are not in it either: the share of children with a known cost says how "
    "complete it is. With no known cost at all there is no value.",
    ours=True,
)

CARERS_SOURCE = (
    "The authority's foster carers extract (PROVISION, CARER_TYPE, APPROVAL_DATE, "
    "DEREGISTRATION_DATE, APPROVED_PLACES). Ofsted's Fostering in England statistics publish "
    "figures of this kind for each fostering service at 31 March; they are not imported here."
)
PLACES_SOURCE = (
    "The authority's foster carers extract, and CARER_ID and PLACE on the 903 episodes counted "
    "at D."
)
COSTS_SOURCE = (
    "The authority's placement costs extract (WEEKLY_COST by CHILD and DECOM), else "
    "WEEKLY_COST on the 903 episodes; the placement from the 903 episodes."
)
EXCLUDE_AGENCY = "Agency households (PROVISION AGENCY)."
EXCLUDE_AGENCY_SHORT_BREAKS = (
    "Agency households (PROVISION AGENCY). Short-breaks households (CARER_TYPE SHORT_BREAKS)."
)
EXCLUDE_NO_COST = EXCLUDE_SHORT_BREAKS + " Children whose placement has no known weekly cost."
HOUSEHOLDS = (APPROVED_AT_D, IN_HOUSE_HOUSEHOLDS, CARERS_NOT_KNOWN)
PLACES = (*HOUSEHOLDS, SHORT_BREAK_PLACES)
FILLED = (*PLACEMENT_AT_D, *PLACES, PLACE_FILLED, CARER_ID_NOT_KNOWN)
COSTED = (*PLACEMENT_AT_D, COST_OF_COUNTED_EPISODE)


# --- Words shared by whole kinds of declaration -------------------------------------------------


def count_fields(
    key: str,
    name: str,
    definition: str,
    source: str,
    *decisions: Decision,
    short_name: str,
    polarity: Polarity = "info",
    exclusions: str = EXCLUDE_SHORT_BREAKS,
    reference_date: str = AT_MONTH_END,
) -> dict[str, Any]:
    """A count's fields: its numerator is its definition, and it is its own denominator."""
    return {
        "key": key,
        "name": name,
        "unit": "count",
        "polarity": polarity,
        "definition": definition,
        "numerator": definition,
        "denominator": "None: the stored denominator equals the count.",
        "reference_date": reference_date,
        "exclusions": exclusions,
        "source": source,
        "decisions": (*decisions, COUNT_DENOMINATOR),
        "short_name": short_name,
    }


def placement_count_fields(
    key: str, name: str, codes: str, *, short_name: str, polarity: Polarity = "info"
) -> dict[str, Any]:
    """A count of the children looked after at D in the placement types `codes` describes."""
    return count_fields(
        key,
        name,
        f"The number of children looked after at the month end D in {codes}.",
        f"{PUBLICATION}: children looked after at 31 March by placement type.",
        *PLACEMENT_AT_D,
        short_name=short_name,
        polarity=polarity,
    )


def average_cost_fields(
    key: str, name: str, group: str, children: str, *extra: Decision, short_name: str
) -> dict[str, Any]:
    """An average weekly cost over the children of a placement group with a known cost."""
    # Info, not "lower is better": a lower average can mean children moved to placements that
    # suit them less, or costs missing for the dearest ones; it is not a target to rate.
    return {
        "key": key,
        "name": name,
        "unit": "money",
        "polarity": "info",
        "definition": f"The average weekly cost, in pounds, of the placements of children looked "
        f"after at the month end D in {group}, over those whose placement has a known weekly "
        "cost.",
        "numerator": "The known weekly costs of those placements added up, in pence.",
        "denominator": f"Children looked after at D in {children} whose placement has a known "
        "weekly cost.",
        "reference_date": AT_MONTH_END,
        "exclusions": EXCLUDE_NO_COST,
        "source": COSTS_SOURCE,
        "decisions": (*COSTED, *extra, COST_IN_PENCE),
        "short_name": short_name,
    }
