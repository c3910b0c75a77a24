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


class MonthTable(tables.Table):
    """An indicator's value at every month end, newest first; sortable, exportable.

    Rows are plain dicts (see dashboard.views.indicators.month_rows). What is shown is worded
    as councils write numbers; what is exported is the number itself (`value_*`), so a
    spreadsheet can calculate with it.
    """

    period_end = tables.Column(verbose_name="Month ending")
    value = tables.Column(
        verbose_name="Value", attrs={"td": {"class": "numeric"}, "th": {"class": "numeric"}}
    )
    numerator = tables.Column(
        verbose_name="Numerator", attrs={"td": {"class": "numeric"}, "th": {"class": "numeric"}}
    )
    denominator = tables.Column(
        verbose_name="Denominator", attrs={"td": {"class": "numeric"}, "th": {"class": "numeric"}}
    )
    target = tables.Column(verbose_name="Target", orderable=False, default="")
    rag = tables.Column(verbose_name="Against target", orderable=False, default="")

    caption = "Value at each month end"
    page_label = "Pages of months"

    class Meta:
        attrs = {"class": "table"}
        empty_text = "No values have been computed yet."
        order_by = ("-period_end",)

    def render_period_end(self, value: object, record: dict) -> str:
        return record["period_end_text"]

    def render_value(self, value: object, record: dict) -> str:
        return record["value_text"]

    def render_numerator(self, value: object, record: dict) -> str:
        return record["numerator_text"]

    def render_denominator(self, value: object, record: dict) -> str:
        return record["denominator_text"]

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
