"""Tables for the pages (django-tables2), rendered with templates/dashboard/_table.html."""

from __future__ import annotations

import django_tables2 as tables
from django.db.models import Case, IntegerField, QuerySet, Value, When

from placements.models import Upload, UploadProblem

PROBLEMS_PER_PAGE = 100


def problems_in_order(upload: Upload) -> QuerySet[UploadProblem]:
    """An upload's problems, errors before warnings, each in the order they were found."""
    return (
        upload.problems.annotate(
            severity_rank=Case(
                When(severity=UploadProblem.Severity.ERROR, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            )
        )
        .order_by("severity_rank", "id")
        .only("severity", "file", "row", "child_id", "column", "value", "message")
    )


class ProblemTable(tables.Table):
    severity = tables.Column(verbose_name="Severity")
    file = tables.Column(verbose_name="File", default="")
    row = tables.Column(verbose_name="Row", default="", attrs={"td": {"class": "numeric"}})
    child_id = tables.Column(verbose_name="CHILD", default="")
    column = tables.Column(verbose_name="Column", default="")
    value = tables.Column(verbose_name="Value", default="")
    message = tables.Column(verbose_name="Message")

    caption = "Problems found, errors first"
    page_label = "Pages of problems"

    class Meta:
        orderable = False  # errors first is the order that helps; no re-sorting by column
        attrs = {"class": "table"}
        empty_text = "No problems were found."
        # An extra class so errors and warnings differ in more than words, never in colour alone.
        row_attrs = {"class": lambda record: f"problem-{record.severity}"}

    def render_severity(self, record: UploadProblem) -> str:
        return record.get_severity_display()


MONTHS_PER_PAGE = 24
NUMERIC = {"td": {"class": "numeric"}, "th": {"class": "numeric"}}


class MonthTable(tables.Table):
    """An indicator's value at every month end, newest first; sortable, exportable.

    Rows are plain dicts (see dashboard.views.indicators.month_rows) carrying the words to show
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
    hide_counts = False  # the committee never sees numerators and denominators
    page_label = "Pages of months"

    class Meta:
        attrs = {"class": "table"}
        empty_text = "No values have been computed yet."
        order_by = ("-period_end",)

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
    """The children behind a number: rows are dicts from dashboard.views.children.child_rows."""

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
