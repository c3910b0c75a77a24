"""Tables for the pages (django-tables2), rendered with templates/dashboard/_table.html."""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

import django_tables2 as tables
from django.contrib.humanize.templatetags.humanize import intcomma
from django.core.paginator import EmptyPage, PageNotAnInteger
from django.http import HttpRequest
from django_tables2 import RequestConfig

from placements.models import Upload, UploadProblem

PROBLEMS_PER_PAGE = 100
# However many rows a page is asked for in its address, it shows at most this many.
MAX_PER_PAGE = 500


def _whole_number(text: str | None) -> int | None:
    """A positive whole number given in a query parameter, or None for anything else."""
    if text is None or not text.strip().isdigit() or len(text.strip()) > 9:
        return None
    number = int(text)
    return number if number > 0 else None


def configure(request: HttpRequest, table: tables.Table, *, per_page: int | None) -> None:
    """Sorting from the request, and pages of `per_page` rows (None: one page): `per_page`
    and `page` from the address are taken only when they are sensible (a whole number, the
    size at most MAX_PER_PAGE); otherwise the default, or the last page when the page asked
    for is past the end. A hand-edited address never fails the page."""
    RequestConfig(request, paginate=False).configure(table)
    if per_page is None:
        return
    asked = _whole_number(request.GET.get(table.prefixed_per_page_field))
    size = min(asked or per_page, MAX_PER_PAGE)
    page = _whole_number(request.GET.get(table.prefixed_page_field)) or 1
    try:
        table.paginate(page=page, per_page=size)
    except (EmptyPage, PageNotAnInteger):
        table.paginate(page=table.paginator.num_pages, per_page=size)


PROBLEMS_CSV_HEADER = ["severity", "file", "row", "child", "column", "value", "message"]
# A carers extract's problems name the household, in the place the others name the child.
CARER_ID_HEADING = "CARER_ID"


def problems_csv_header(kind: str) -> list[str]:
    """The headings of the problems download of an upload of this kind."""
    if kind == Upload.Kind.CARERS:
        return [CARER_ID_HEADING.lower() if h == "child" else h for h in PROBLEMS_CSV_HEADER]
    return PROBLEMS_CSV_HEADER


class ProblemTable(tables.Table):
    severity = tables.Column(verbose_name="Severity")
    file = tables.Column(verbose_name="File", default="")
    row = tables.Column(verbose_name="Row", default="", attrs={"td": {"class": "numeric"}})
    child_id = tables.Column(verbose_name="CHILD", default="")
    column = tables.Column(verbose_name="Column", default="")
    value = tables.Column(verbose_name="Value", default="")
    message = tables.Column(verbose_name="Message")

    caption = "Errors, by file and row"
    page_label = "Pages of errors"

    class Meta:
        orderable = False  # file and row order is the order that helps; no re-sorting
        attrs = {"class": "table"}
        empty_text = "No errors were found."
        # An extra class so errors and warnings differ in more than words, never in colour alone.
        row_attrs = {"class": lambda record: f"problem-{record.severity}"}

    def __init__(self, data: Any, *, kind: str = Upload.Kind.SSDA903, **kwargs: Any) -> None:
        super().__init__(data, **kwargs)
        if kind == Upload.Kind.CARERS:
            # The table's columns are copied per instance, so this renames this one only.
            self.columns["child_id"].column.verbose_name = CARER_ID_HEADING

    def render_severity(self, record: UploadProblem) -> str:
        return record.get_severity_display()


MONTHS_PER_PAGE = 24
NUMERIC = {"td": {"class": "numeric"}, "th": {"class": "numeric"}}


class MonthTable(tables.Table):
    """An indicator's value at every month end, newest first; sortable, exportable.

    Rows are plain dicts (see dashboard.pages.indicator.month_rows) carrying the words to show
    (`*_text`) beside the numbers to sort and export by: each column shows the words and sorts
    by the number, without a render method per cell (django-tables2 inspects a render method's
    signature on every call, which was most of the page's time).
    """

    period_end = tables.Column(
        verbose_name="Month ending", accessor="period_end_text", order_by=("period_end",)
    )
    value = tables.Column(
        verbose_name="Value", accessor="value_text", order_by=("value",), attrs=NUMERIC
    )
    numerator = tables.Column(
        verbose_name="Numerator", accessor="numerator_text", order_by=("numerator",), attrs=NUMERIC
    )
    denominator = tables.Column(
        verbose_name="Denominator",
        accessor="denominator_text",
        order_by=("denominator",),
        attrs=NUMERIC,
    )
    target = tables.Column(verbose_name="Target", orderable=False, default="")
    rag = tables.Column(verbose_name="Against target", orderable=False, default="")

    caption = "Value at each month end"
    hide_counts = False
    page_label = "Pages of months"

    class Meta:
        attrs = {"class": "table"}
        empty_text = "No values have been computed yet."
        order_by = ("-period_end",)

    def __init__(self, data: list[dict], *, hide_counts: bool = False, **kwargs: Any) -> None:
        super().__init__(data, **kwargs)
        if hide_counts:
            # The committee never sees numerators and denominators.
            self.exclude = ("numerator", "denominator")
            self.hide_counts = True

    def value_period_end(self, value: object, record: dict) -> str:
        return record["period_end"].isoformat()

    def value_value(self, value: object, record: dict) -> object:
        return record["value_export"]

    def value_numerator(self, value: object, record: dict) -> object:
        return record["numerator_export"]

    def value_denominator(self, value: object, record: dict) -> object:
        return record["denominator_export"]


CHILDREN_PER_PAGE = 50


class ChildTable(tables.Table):
    """The children behind a number: rows are dicts from dashboard.pages.children.child_rows."""

    child_id = tables.Column(verbose_name="CHILD")
    age = tables.Column(
        verbose_name="Age", attrs={"td": {"class": "numeric"}, "th": {"class": "numeric"}}
    )
    placement = tables.Column(verbose_name="Placement type")
    provider = tables.Column(verbose_name="Provider")
    distance = tables.Column(
        verbose_name="Distance (miles)",
        attrs={"td": {"class": "numeric"}, "th": {"class": "numeric"}},
    )
    placement_start = tables.Column(verbose_name="Placement began")

    caption = "Children counted"
    page_label = "Pages of children"

    class Meta:
        attrs = {"class": "table"}
        empty_text = "No children are counted in this number."
        order_by = ("child_id",)

    def render_placement(self, value: object, record: dict) -> str:
        return record["placement_text"]

    def render_provider(self, value: object, record: dict) -> str:
        return record["provider_text"]

    def render_distance(self, value: object, record: dict) -> str:
        return record["distance_text"]

    def render_placement_start(self, value: object, record: dict) -> str:
        return record["placement_start_text"]

    def value_placement_start(self, value: object, record: dict) -> str:
        return record["placement_start"].isoformat() if record["placement_start"] else ""

    def value_distance(self, value: object, record: dict) -> object:
        return record["distance_export"]


PROVIDERS_PER_PAGE = 50


class ProviderTable(tables.Table):
    """The providers the authority uses: rows are dicts from dashboard.pages.providers.usage_rows."""

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
    # The download's headings, by column: plain names, where the page has words.
    csv_names = {
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

    def csv_header(self) -> list[str]:
        return [self.csv_names[column.name] for column in self.columns.iterall()]

    def csv_rows(self) -> Iterator[list[object]]:
        """The rows as exported, with no "inf" or "nan" where a number is not known."""
        values = self.as_values()
        next(values)  # the headings as shown; the CSV has its own
        return ([_plain(value) for value in row] for row in values)


def _plain(value: object) -> object:
    if isinstance(value, float) and (math.isinf(value) or math.isnan(value)):
        return ""
    return value


class CapacityTable(tables.Table):
    """Registered children's homes near the authority: rows from
    dashboard.pages.providers.local_capacity."""

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
