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
