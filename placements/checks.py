"""Checks against careless uploads (docs/uploads.md#checks-before-loading): an extract that
is old for its as-at date, one whose children are mostly new to the authority, and one whose
children mostly live outside the authority's districts. Each is a figure and, past its
threshold (settings), one sentence that data staff must confirm they have checked.

They read only the validated extract and the stored children: figures, never row contents.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd
from django.conf import settings

from placements.models import Child, LocalAuthority
from placements.ssda903.validate import Extract

MSG_STALE_EXTRACT = (
    "The latest episode start or end in this extract is {latest}, {months} months before its "
    "as-at date of {as_at}: check that this is this month's extract, not an older one."
)
MSG_CHILDREN_UNKNOWN = (
    "{unknown} of this extract's {total} children ({share}%) are not in {la}'s stored history: "
    "check that the extract is {la}'s and not another authority's."
)
MSG_HOMES_OUTSIDE = (
    "{outside} of the {total} home postcodes found in this extract ({share}%) are outside "
    "{la}'s districts: check that the extract is {la}'s and not another authority's."
)
MSG_CHECKS_NOT_CONFIRMED = (
    "This upload has warnings to check before it loads: tick that you have checked them, and "
    "say why it is right to load it."
)


@dataclass(frozen=True)
class ExtractCheck:
    """One check: its name, the figure it saw, and the sentence when it warns ("" if not)."""

    name: str
    value: str
    warning: str = ""

    @property
    def warns(self) -> bool:
        return bool(self.warning)


def _long_date(day: dt.date) -> str:
    return f"{day.day} {day:%B %Y}"


def _share(part: int, whole: int) -> str:
    return f"{100 * part / whole:.0f}"


def stale_extract(extract: Extract, *, as_at: dt.date) -> ExtractCheck:
    """Whether the extract's latest DECOM or DEC is more than EXTRACT_STALE_MONTHS before
    its as-at date."""
    dates = pd.concat([extract.episodes["decom"], extract.episodes["dec"]]).dropna()
    if dates.empty:
        return ExtractCheck("latest_episode_date", "none")
    latest = pd.Timestamp(dates.max()).date()
    value = latest.isoformat()
    months = settings.EXTRACT_STALE_MONTHS
    if latest >= (pd.Timestamp(as_at) - pd.DateOffset(months=months)).date():
        return ExtractCheck("latest_episode_date", value)
    # Whole months between them, as a person counts them.
    gap = (as_at.year - latest.year) * 12 + as_at.month - latest.month - (as_at.day < latest.day)
    return ExtractCheck(
        "latest_episode_date",
        value,
        MSG_STALE_EXTRACT.format(
            latest=_long_date(latest), months=gap,
            as_at=_long_date(as_at),
        ),
    )  # fmt: skip


def children_unknown(extract: Extract, *, la: LocalAuthority) -> ExtractCheck:
    """Whether more than EXTRACT_UNKNOWN_CHILDREN_SHARE of the extract's children are not
    stored for the authority, when it has stored children at all."""
    ids = extract.children["child_id"]
    stored = set(Child.objects.filter(la=la).values_list("child_id", flat=True))
    unknown = int((~ids.isin(stored)).sum())
    value = f"{unknown}/{len(ids)}"
    if not stored or ids.empty or unknown <= settings.EXTRACT_UNKNOWN_CHILDREN_SHARE * len(ids):
        return ExtractCheck("children_unknown", value)
    return ExtractCheck(
        "children_unknown",
        value,
        MSG_CHILDREN_UNKNOWN.format(
            unknown=unknown, total=len(ids), share=_share(unknown, len(ids)), la=la.name
        ),
    )


def homes_outside(extract: Extract, *, la: LocalAuthority) -> ExtractCheck:
    """Whether more than EXTRACT_HOMES_OUTSIDE_SHARE of the episodes' home postcodes found in
    the directory are outside the authority's districts (unchecked while it has none)."""
    lookup = extract.postcode_lookup
    homes = extract.episodes["home_post"]
    if lookup is None or not la.districts:
        return ExtractCheck("home_postcodes_outside", "none")
    found = lookup[lookup["found"].eq(True)]
    located = homes[homes.isin(found.index)]
    outside = int((~located.map(found["district"]).isin(la.districts)).sum())
    value = f"{outside}/{len(located)}"
    if located.empty or outside <= settings.EXTRACT_HOMES_OUTSIDE_SHARE * len(located):
        return ExtractCheck("home_postcodes_outside", value)
    return ExtractCheck(
        "home_postcodes_outside",
        value,
        MSG_HOMES_OUTSIDE.format(
            outside=outside, total=len(located), share=_share(outside, len(located)), la=la.name
        ),
    )


def extract_checks(extract: Extract, *, la: LocalAuthority, as_at: dt.date) -> list[ExtractCheck]:
    """Every check of a validated extract, in the order pages and commands show them."""
    return [
        stale_extract(extract, as_at=as_at),
        children_unknown(extract, la=la),
        homes_outside(extract, la=la),
    ]
