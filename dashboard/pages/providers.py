"""The providers page: the Ofsted-registered providers an authority places children with, and
the registered children's homes within 20 miles of it.

The counts are small numbers about children (a provider often has one or two of ours), so the
page is for officers, data staff and admins. No child is named: this reads episodes only to
count them per provider.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd
from django.contrib.humanize.templatetags.humanize import intcomma
from django.db.models import Max, Q

from dashboard import wording
from dashboard.centres import Centre, authority_centre
from dashboard.provider_forms import INSIDE, NEAR, NOT_INSPECTED, OUTSIDE
from placements import postcodes
from placements.models import (
    Episode,
    ImportLog,
    LocalAuthority,
    PlacementCost,
    Provider,
    Upload,
)
from placements.providers import normalise_urn

WITHIN_MILES = 20.0
# The 903's URN for a placement with a provider Ofsted does not register.
NOT_REGISTERED_URN = "XXXXXXX"
# Ofsted's grades, best first; anything else (older or list-specific wording) sorts after them.
GRADE_ORDER = {
    "outstanding": 0,
    "good": 1,
    "requires improvement to be good": 2,
    "requires improvement": 2,
    "inadequate": 3,
}
CHILDRENS_HOME_TYPES = ("children's home", "childrens home", "children\u2019s home")
OPEN_STATUSES = ("active", "registered")


@dataclass(frozen=True)
class Unlinked:
    """Episodes naming a URN that is on none of the lists held (XXXXXXX left aside)."""

    episodes: int
    urns: int


@dataclass(frozen=True)
class ProvidersPage:
    as_at: dt.date | None  # the latest loaded 903 extract's as-at date: "now" on this page
    centre: Centre | None
    lists: list[dict]  # the Ofsted lists held: each kind, and when it was last imported
    used: list[dict]  # a row per listed provider the episodes name (usage_rows); [] without as_at
    unlinked: Unlinked | None  # None without as_at
    homes: list[dict] | None  # children's homes near the centre (local_capacity); None without it

    @property
    def types(self) -> list[str]:
        return sorted({row["provider_type"] for row in self.used if row["provider_type"]})

    @property
    def grades(self) -> list[str]:
        """The grades of the providers used, best first."""
        names = {row["grade_name"]: row["grade"] for row in self.used}
        return sorted(names, key=lambda name: names[name])

    def shown(self, filters: Mapping[str, str]) -> list[dict]:
        """The providers used that pass the filters (ProviderFilterForm.filters)."""
        return filter_rows(self.used, filters)

    @property
    def used_now(self) -> int:
        return sum(1 for row in self.used if row["children_now"])

    @property
    def children_now(self) -> int:
        return sum(row["children_now"] for row in self.used)

    @property
    def window_start(self) -> dt.date | None:
        """The first day of the 12 months to `as_at`."""
        return (pd.Timestamp(self.as_at) - pd.DateOffset(years=1)).date() if self.as_at else None

    @property
    def home_places(self) -> int:
        return sum(row["registered_places"] or 0 for row in self.homes or [])

    @property
    def homes_without_places(self) -> int:
        return sum(1 for row in self.homes or [] if row["registered_places"] is None)


def providers_page(*, la: LocalAuthority) -> ProvidersPage:
    as_at = latest_as_at(la)
    centre = authority_centre(list(la.districts or []))
    lists = list(
        ImportLog.objects.filter(
            importer=ImportLog.Importer.PROVIDERS, status=ImportLog.Status.DONE
        )
        .values("kind")
        .annotate(latest=Max("imported_at"))
        .order_by("kind")
    )
    used: list[dict] = []
    missing = None
    if as_at is not None:
        usage = provider_usage(provider_episodes_frame(la), costs_frame(la, as_at), as_at=as_at)
        held = providers_by_urn(list(usage.index))
        used = usage_rows(usage, held, districts=list(la.districts or []), centre=centre)
        missing = unlinked(usage, held)
    return ProvidersPage(
        as_at=as_at,
        centre=centre,
        lists=lists,
        used=used,
        unlinked=missing,
        homes=local_capacity(centre) if centre is not None else None,
    )


def latest_as_at(la: LocalAuthority) -> dt.date | None:
    """The as-at date of the authority's latest loaded 903 extract: "now" on this page."""
    return Upload.objects.filter(
        la=la, status=Upload.Status.LOADED, kind=Upload.Kind.SSDA903
    ).aggregate(latest=Max("as_at"))["latest"]


EPISODE_COLUMNS = ["child", "child_code", "decom", "dec", "urn", "distance", "weekly_cost"]
COST_COLUMNS = ["child_code", "decom", "weekly_cost"]


def provider_episodes_frame(la: LocalAuthority) -> pd.DataFrame:
    """The authority's episodes that name a provider by URN (one query)."""
    rows = (
        Episode.objects.filter(la=la)
        .exclude(urn="")
        .values_list(
            "child_id", "child__child_id", "decom", "dec", "urn", "distance", "weekly_cost"
        )
        .order_by()
    )
    frame = pd.DataFrame.from_records(list(rows), columns=EPISODE_COLUMNS)
    for column in ("distance", "weekly_cost"):
        frame[column] = pd.to_numeric(frame[column], errors="coerce").astype(float)
    return frame


def costs_frame(la: LocalAuthority, as_at: dt.date) -> pd.DataFrame:
    """The costs extract's weekly costs of placements begun by `as_at` (one query)."""
    rows = (
        PlacementCost.objects.filter(la=la, decom__lte=as_at)
        .values_list("child_id", "decom", "weekly_cost")
        .order_by()
    )
    frame = pd.DataFrame.from_records(list(rows), columns=COST_COLUMNS)
    frame["weekly_cost"] = pd.to_numeric(frame["weekly_cost"], errors="coerce").astype(float)
    return frame


USAGE_COLUMNS = ["children_now", "children_12m", "median_distance", "weekly_cost", "episodes"]


def provider_usage(episodes: pd.DataFrame, costs: pd.DataFrame, *, as_at: dt.date) -> pd.DataFrame:
    """Per URN (normalised), what the authority's placements there add up to at `as_at` (D).

    - `children_now`: distinct children with an episode open at D (DECOM <= D and DEC blank
      or after D: an episode ending on D has ceased, as for the indicators);
    - `children_12m`: distinct children with an episode open at any time in the 12 months to
      D (one that ended on the window's first day was not open in it);
    - `median_distance`: median miles from home of the episodes open at D (known ones only);
    - `weekly_cost`: mean weekly cost of the episodes open at D, the costs extract's figure
      (by CHILD and DECOM) winning over the episode's WEEKLY_COST; NaN when none has one;
    - `episodes`: every stored episode naming the URN.

    Short breaks and temporary placements count like any other: this is about who uses the
    provider, not an indicator.
    """
    if episodes.empty:
        return pd.DataFrame(columns=USAGE_COLUMNS, index=pd.Index([], name="urn"))
    frame = episodes.copy()
    frame["urn"] = frame["urn"].map(normalise_urn)
    day = pd.Timestamp(as_at)
    start = day - pd.DateOffset(years=1)
    decom = pd.to_datetime(frame["decom"])
    dec = pd.to_datetime(frame["dec"])
    open_now = (decom <= day) & (dec.isna() | (dec > day))
    in_year = (decom <= day) & (dec.isna() | (dec > start))

    extract_costs = costs.assign(decom=pd.to_datetime(costs["decom"])).drop_duplicates(
        ["child_code", "decom"], keep="last"
    )
    costed = frame.assign(decom=decom).merge(
        extract_costs.rename(columns={"weekly_cost": "extract_cost"}),
        on=["child_code", "decom"],
        how="left",
    )
    frame["cost"] = costed["extract_cost"].fillna(costed["weekly_cost"]).to_numpy()

    now = frame[open_now.to_numpy()].groupby("urn")
    usage = pd.DataFrame(
        {
            "children_now": now["child"].nunique(),
            "children_12m": frame[in_year.to_numpy()].groupby("urn")["child"].nunique(),
            "median_distance": now["distance"].median(),
            "weekly_cost": now["cost"].mean(),
            "episodes": frame.groupby("urn").size(),
        }
    )
    for column in ("children_now", "children_12m", "episodes"):
        usage[column] = usage[column].fillna(0).astype(int)
    usage.index.name = "urn"
    return usage[USAGE_COLUMNS]


PROVIDER_FIELDS = [
    "urn", "name", "provider_type", "sector", "owner_name", "registered_places", "district",
    "easting", "northing", "last_inspection_date", "overall_effectiveness", "local_authority",
]  # fmt: skip


def providers_by_urn(urns: list[str]) -> dict[str, dict]:
    """The providers with these URNs, as dicts (one query per 1,000 URNs)."""
    found: dict[str, dict] = {}
    for start in range(0, len(urns), 1000):
        for row in Provider.objects.filter(urn__in=urns[start : start + 1000]).values(
            *PROVIDER_FIELDS
        ):
            found[row["urn"]] = row
    return found


def local_capacity(centre: Centre, *, within: float = WITHIN_MILES) -> list[dict]:
    """Registered children's homes within `within` miles of the centre, nearest first (one
    query: a square around the centre in SQL, the circle in Python)."""
    # Rounding to one decimal lets a home up to 0.05 miles further count as within.
    reach = (within + 0.05) * postcodes.METRES_PER_MILE
    is_home = Q()
    for words in CHILDRENS_HOME_TYPES:
        is_home |= Q(provider_type__icontains=words)
    is_open = Q()
    for status in OPEN_STATUSES:
        is_open |= Q(registration_status__iexact=status)
    rows = list(
        Provider.objects.filter(
            is_home,
            is_open,
            closed_date__isnull=True,
            easting__range=(centre.easting - reach, centre.easting + reach),
            northing__range=(centre.northing - reach, centre.northing + reach),
        ).values(*PROVIDER_FIELDS)
    )
    homes = []
    for row in rows:
        miles = float(
            postcodes.distance_miles(
                row["easting"], row["northing"], centre.easting, centre.northing
            )
        )
        if miles <= within:
            homes.append({**row, "miles": miles})
    homes.sort(key=lambda row: (row["miles"], row["name"].casefold(), row["urn"]))
    for row in homes:
        row["miles_text"] = f"{row['miles']:,.1f}"
        row["places_text"] = _count_text(row["registered_places"])
        row["grade_text"] = _grade_text(row["overall_effectiveness"], row["last_inspection_date"])
    return homes


def _count_text(value: int | None) -> str:
    return "Not known" if value is None else intcomma(value)


def _grade_text(grade: str, day: dt.date | None) -> str:
    if not grade:
        return NOT_INSPECTED
    return f"{grade}, {wording.long_date(day)}" if day else grade


def money_text(value: float | None) -> str:
    """£1,234 a week; "" when there is no cost."""
    if value is None or math.isnan(value):
        return ""
    return f"£{intcomma(round(value))} a week"


def _nan_to_none(value: object) -> float | None:
    if value is None:
        return None
    number = float(value)
    return None if math.isnan(number) else number


def usage_rows(
    usage: pd.DataFrame,
    providers: dict[str, dict],
    *,
    districts: list[str],
    centre: Centre | None,
) -> list[dict]:
    """One row per provider on the lists that the authority's episodes name: shown words,
    sort keys and exported numbers. Largest use now first."""
    rows = []
    for urn, use in usage.iterrows():
        provider = providers.get(urn)
        if provider is None:
            continue
        grade = provider["overall_effectiveness"]
        inspected = provider["last_inspection_date"]
        places = provider["registered_places"]
        district = provider["district"]
        location = "" if not district else (INSIDE if district in districts else OUTSIDE)
        miles = None
        if centre is not None and provider["easting"] is not None:
            miles = float(
                postcodes.distance_miles(
                    provider["easting"], provider["northing"], centre.easting, centre.northing
                )
            )
        distance = _nan_to_none(use["median_distance"])
        cost = _nan_to_none(use["weekly_cost"])
        rows.append(
            {
                "name": provider["name"],
                "urn": urn,
                "provider_type": provider["provider_type"],
                "sector": provider["sector"],
                "owner_name": provider["owner_name"],
                "grade": (GRADE_ORDER.get(grade.casefold(), 4) if grade else 5, grade.casefold()),
                "grade_name": grade or NOT_INSPECTED,
                "grade_text": _grade_text(grade, inspected),
                "inspection_date": inspected.isoformat() if inspected else "",
                "registered_places": -1 if places is None else places,
                "places_text": _count_text(places),
                "places_export": places,
                "location": location,
                "location_text": {INSIDE: "Inside", OUTSIDE: "Outside"}.get(location, "Not known"),
                "miles": math.inf if miles is None else miles,
                "miles_text": "Not known" if miles is None else f"{miles:,.1f}",
                "miles_export": miles,
                "children_now": int(use["children_now"]),
                "children_12m": int(use["children_12m"]),
                "median_distance": math.inf if distance is None else distance,
                "median_distance_text": "" if distance is None else f"{distance:,.1f}",
                "median_distance_export": None if distance is None else round(distance, 1),
                "weekly_cost": -1.0 if cost is None else cost,
                "weekly_cost_text": money_text(cost),
                "weekly_cost_export": None if cost is None else round(cost, 2),
            }
        )
    rows.sort(key=lambda row: (-row["children_now"], -row["children_12m"], row["name"].casefold()))
    return rows


def filter_rows(rows: list[dict], filters: dict[str, str]) -> list[dict]:
    kept = rows
    if "provider_type" in filters:
        kept = [row for row in kept if row["provider_type"] == filters["provider_type"]]
    if "grade" in filters:
        kept = [row for row in kept if row["grade_name"] == filters["grade"]]
    location = filters.get("location")
    if location in (INSIDE, OUTSIDE):
        kept = [row for row in kept if row["location"] == location]
    elif location == NEAR:
        kept = [row for row in kept if row["miles"] <= WITHIN_MILES]
    return kept


def unlinked(usage: pd.DataFrame, providers: dict[str, dict]) -> Unlinked:
    missing = [urn for urn in usage.index if urn not in providers and urn != NOT_REGISTERED_URN]
    return Unlinked(episodes=int(usage.loc[missing, "episodes"].sum()), urns=len(missing))
