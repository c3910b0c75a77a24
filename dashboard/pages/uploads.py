"""The upload pages: each authority's history of uploads with what they hold, and one upload's
files, problems and the computation that followed it."""

from __future__ import annotations

import functools
import re
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from itertools import groupby

from django.db.models import (
    Case,
    Count,
    F,
    IntegerField,
    Min,
    OuterRef,
    QuerySet,
    Subquery,
    Value,
    When,
    Window,
)
from django.db.models.functions import RowNumber

from dashboard import access, wording
from placements.models import (
    CarerHousehold,
    Child,
    Episode,
    LocalAuthority,
    PlacementCost,
    Upload,
    UploadFile,
    UploadProblem,
)
from sufficiency.models import Computation

_PROBLEM_FIELDS = ("severity", "file", "row", "child_id", "column", "value", "message")


def _count_of(
    model: type[Child] | type[Episode] | type[CarerHousehold] | type[PlacementCost],
) -> Subquery:
    # Subqueries, not joined Counts: joining children and episodes multiplies the rows.
    counts = model.objects.filter(la=OuterRef("pk")).order_by().values("la")
    return Subquery(counts.annotate(n=Count("pk")).values("n"), output_field=IntegerField())


def authorities_with_totals(user: access.User) -> QuerySet[LocalAuthority]:
    """The user's authorities, each with what is stored for it and its latest extracts."""

    def latest_loaded(kind: str) -> Subquery:
        loaded = Upload.objects.filter(
            la=OuterRef("pk"), kind=kind, status=Upload.Status.LOADED
        ).order_by(F("applied_seq").desc(nulls_last=True), "-created_at")
        return Subquery(loaded.values("as_at")[:1])

    return LocalAuthority.objects.for_user(user).annotate(
        children_stored=_count_of(Child),
        episodes_stored=_count_of(Episode),
        carers_stored=_count_of(CarerHousehold),
        costs_stored=_count_of(PlacementCost),
        latest_as_at=latest_loaded(Upload.Kind.SSDA903),
        carers_as_at=latest_loaded(Upload.Kind.CARERS),
    )


def upload_history(
    authorities: Sequence[LocalAuthority],
) -> list[tuple[LocalAuthority, list[Upload]]]:
    """Each authority with its uploads, newest first, each with what it holds in words (one
    query for them all)."""
    history = (
        Upload.objects.filter(la__in=authorities)
        .select_related("la", "uploaded_by")
        .order_by("la__name", "la_id", "-created_at", "-id")
    )
    by_la: dict[int, list[Upload]] = {la.pk: [] for la in authorities}
    for la_id, rows in groupby(history, key=lambda upload: upload.la_id):
        by_la[la_id] = list(rows)
        for upload in by_la[la_id]:
            upload.contents = wording.loaded_text(upload)
    return [(la, by_la[la.pk]) for la in authorities]


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
        .only(*_PROBLEM_FIELDS)
    )


def errors_in_order(upload: Upload) -> QuerySet[UploadProblem]:
    """An upload's errors, in the order they were stored (by file, then row)."""
    return (
        upload.problems.filter(severity=UploadProblem.Severity.ERROR)
        .order_by("id")
        .only(*_PROBLEM_FIELDS)
    )


# --- Warnings by kind ------------------------------------------------------------------------

WARNING_ROWS_SHOWN = 100  # per kind; the problems download has every row
_FIELD = re.compile(r"\{([A-Za-z_]\w*)\}")
# A part that varies is shown as its values when there are this few, else as an ellipsis.
VALUES_NAMED = 3


@dataclass(frozen=True)
class _Template:
    text: str
    pattern: re.Pattern[str]
    fields: tuple[str, ...]
    literal: int  # characters of fixed text: of two templates a message fits, the longer wins


def _template(text: str) -> _Template | None:
    """A message template as a pattern its messages match, or None if nothing in it varies."""
    parts: list[str] = []
    fields: list[str] = []
    position = 0
    for match in _FIELD.finditer(text):
        parts.append(re.escape(text[position : match.start()]))
        name = match.group(1)
        parts.append(f"(?P={name})" if name in fields else f"(?P<{name}>.+?)")
        if name not in fields:
            fields.append(name)
        position = match.end()
    if not fields:
        return None
    parts.append(re.escape(text[position:]))
    literal = len(_FIELD.sub("", text))
    return _Template(text, re.compile("".join(parts), re.DOTALL), tuple(fields), literal)


@functools.cache
def _templates() -> tuple[_Template, ...]:
    # Imported on use, as the views import the services: they bring in pandas.
    from placements.uploads import message_templates

    found = (_template(text) for text in message_templates())
    return tuple(sorted((t for t in found if t), key=lambda t: -t.literal))


def _kind_of(message: str) -> tuple[_Template | None, dict[str, str]]:
    """The template a stored message was made from, with its varying parts; (None, {}) for a
    message that never varies (it is its own kind)."""
    for template in _templates():
        match = template.pattern.fullmatch(message)
        if match:
            return template, match.groupdict()
    return None, {}


def _values_text(values: list[str]) -> str:
    if len(values) > VALUES_NAMED:
        return "…"
    return values[0] if len(values) == 1 else f"{', '.join(values[:-1])} or {values[-1]}"


@dataclass
class WarningKind:
    """One kind of warning: the same message (or template) in the same column."""

    column: str
    message: str  # the message; for a template, each varying part as its values, or "…"
    count: int
    rows: list[UploadProblem] = field(default_factory=list)  # the first WARNING_ROWS_SHOWN

    @property
    def more(self) -> int:
        return self.count - len(self.rows)


def warning_kinds(upload: Upload) -> list[WarningKind]:
    """The upload's warnings, each kind once with its count and its first rows; kinds in the
    order their first row was found. Two queries, however many warnings or kinds."""
    warnings = upload.problems.filter(severity=UploadProblem.Severity.WARNING)
    distinct = (
        warnings.values("column", "message")
        .annotate(count=Count("id"), first=Min("id"))
        .order_by("first")
    )
    kinds: dict[tuple[str, str], WarningKind] = {}
    varying: dict[tuple[str, str], tuple[_Template, dict[str, list[str]]]] = {}
    kind_of_message: dict[tuple[str, str], tuple[str, str]] = {}
    for group in distinct:
        column, message = group["column"], group["message"]
        template, values = _kind_of(message)
        key = (column, template.text if template else message)
        kind_of_message[(column, message)] = key
        if key not in kinds:
            kinds[key] = WarningKind(column=column, message=message, count=0)
        kinds[key].count += group["count"]
        if template is not None:
            seen = varying.setdefault(key, (template, {name: [] for name in template.fields}))[1]
            for name, value in values.items():
                if value not in seen[name]:
                    seen[name].append(value)
    for key, (template, seen) in varying.items():
        if any(len(values) > 1 for values in seen.values()):
            shown = {name: _values_text(values) for name, values in seen.items()}
            kinds[key].message = template.text.format(**shown)
    # The first rows of each distinct message; a kind's first rows are among them.
    first_rows = (
        warnings.annotate(
            rank=Window(
                RowNumber(), partition_by=[F("column"), F("message")], order_by=F("id").asc()
            )
        )
        .filter(rank__lte=WARNING_ROWS_SHOWN)
        .order_by("id")
        # With the upload's id: the related manager sets each row's upload, and a filter on a
        # window does not keep what only() leaves out, so leaving it out costs a query a row.
        .only(*_PROBLEM_FIELDS, "upload")
    )
    for problem in first_rows:
        kind = kinds[kind_of_message[(problem.column, problem.message)]]
        if len(kind.rows) < WARNING_ROWS_SHOWN:
            kind.rows.append(problem)
    return list(kinds.values())


def problem_values(upload: Upload) -> Iterator[tuple]:
    """The upload's problems for the download, in the order of tables.problems_csv_header."""
    return problems_in_order(upload).values_list(*_PROBLEM_FIELDS).iterator()


# What the files table says of a file in which no table was recognised, or none yet.
NOT_READ_YET = "Not read yet"
NOT_READ_AGAIN = "Not read again: already uploaded"
NOT_KNOWN_AFTER_FAILURE = "Not known: processing stopped"
NO_TABLE_RECOGNISED = {
    Upload.Kind.SSDA903: "No 903 table recognised",
    Upload.Kind.CARERS: "Not recognised as a foster carers extract",
    Upload.Kind.COSTS: "Not recognised as a placement costs extract",
}
IGNORED_MARK = "{kind} (ignored)"


@dataclass(frozen=True)
class UploadPage:
    files: list[UploadFile]  # each with `tables_text`, what it was recognised as
    # Both None for a duplicate, or until the upload is checked.
    errors: QuerySet[UploadProblem] | None
    warnings: list[WarningKind] | None
    computation: Computation | None  # the latest computation after it
    ignored_note: str  # the other 903 tables recognised and ignored, in a sentence, or ""
    # For a rejected upload with warnings: that what they describe has not happened.
    rejected_note: str
    # For an upload awaiting confirmation: what loading it would change.
    preview: PreviewPage | None = None


@dataclass(frozen=True)
class PreviewRow:
    """One indicator before and after, at the latest month end and the latest 31 March."""

    name: str
    latest_before: str
    latest_after: str
    march_before: str
    march_after: str


@dataclass(frozen=True)
class PreviewPage:
    added: int
    changed: int
    removed: int
    latest_month: date | None
    latest_march: date | None
    rows: list[PreviewRow]
    months_changed: list[date]
    # Why a reason is needed to load it, in words; [] when it is not a large change.
    large_change: list[str]
    history_token: str
    # The checks against careless uploads that warn, each in a sentence: to be ticked checked.
    warnings: list[str]


def preview_page(upload: Upload) -> PreviewPage:
    """The preview of an upload awaiting confirmation, in words."""
    # Imported on use, as the services are: the preview brings in pandas and the engine.
    from sufficiency.preview import large_change_reasons, preview_indicators, upload_preview
    from sufficiency.registry import BY_KEY

    preview = upload_preview(upload)

    def shown(key: str, day: date | None, after: bool) -> str:
        figure = preview.figure(key, day)
        if figure is None:
            return "Not worked out"
        return wording.indicator_value(BY_KEY[key], figure.after if after else figure.before)

    rows = [
        PreviewRow(
            name=BY_KEY[key].name,
            latest_before=shown(key, preview.latest_month, False),
            latest_after=shown(key, preview.latest_month, True),
            march_before=shown(key, preview.latest_march, False),
            march_after=shown(key, preview.latest_march, True),
        )
        for key in preview_indicators()
    ]
    return PreviewPage(
        added=preview.episodes_added,
        changed=preview.episodes_changed,
        removed=preview.episodes_removed,
        latest_month=preview.latest_month,
        latest_march=preview.latest_march,
        rows=rows,
        months_changed=preview.months_changed,
        large_change=large_change_reasons(preview),
        history_token=preview.history_token,
        warnings=preview.warnings,
    )


def _tables_text(upload: Upload, kinds: list[str], ignored: Collection[str]) -> str:
    if kinds:
        return ", ".join(IGNORED_MARK.format(kind=k) if k in ignored else k for k in kinds)
    if not upload.is_finished:
        return NOT_READ_YET
    if upload.status == Upload.Status.DUPLICATE:
        return NOT_READ_AGAIN
    if upload.status == Upload.Status.FAILED:
        return NOT_KNOWN_AFTER_FAILURE
    return NO_TABLE_RECOGNISED.get(upload.kind, NO_TABLE_RECOGNISED[Upload.Kind.SSDA903])


def upload_page(upload: Upload) -> UploadPage:
    # Imported on use, as the views import the services: the readers bring in pandas.
    from placements.ssda903.readers import IGNORED_TABLES
    from placements.uploads import MSG_REJECTED_WARNINGS, file_table_kinds, ignored_tables_note

    # A duplicate was never checked: it has no problems of its own to list.
    checked = upload.is_finished and upload.status != Upload.Status.DUPLICATE
    files = list(upload.files.all())
    for upload_file in files:
        kinds = file_table_kinds(upload_file)
        upload_file.tables_text = _tables_text(upload, kinds, IGNORED_TABLES)
    return UploadPage(
        files=files,
        errors=errors_in_order(upload) if checked else None,
        warnings=warning_kinds(upload) if checked else None,
        computation=upload.computations.order_by("-started_at", "-id").first(),
        ignored_note=ignored_tables_note(files) if checked else "",
        rejected_note=(
            MSG_REJECTED_WARNINGS
            if upload.status == Upload.Status.REJECTED and upload.warnings_count
            else ""
        ),
        preview=preview_page(upload) if upload.status == Upload.Status.AWAITING else None,
    )
