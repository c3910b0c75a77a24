"""The upload pages: each authority's history of uploads with what they hold, and one upload's
files, problems and the computation that followed it."""

from __future__ import annotations

from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass
from itertools import groupby

from django.db.models import Case, Count, F, IntegerField, OuterRef, QuerySet, Subquery, Value, When

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
    problems: QuerySet[UploadProblem] | None  # None for a duplicate, or until it is checked
    computation: Computation | None  # the latest computation after it
    ignored_note: str  # the other 903 tables recognised and ignored, in a sentence, or ""
    # For a rejected upload with warnings: that what they describe has not happened.
    rejected_note: str


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
    files = list(upload.files.defer("compressed_content"))
    for upload_file in files:
        kinds = file_table_kinds(upload_file)
        upload_file.tables_text = _tables_text(upload, kinds, IGNORED_TABLES)
    return UploadPage(
        files=files,
        problems=problems_in_order(upload) if checked else None,
        computation=upload.computations.order_by("-started_at", "-id").first(),
        ignored_note=ignored_tables_note(files) if checked else "",
        rejected_note=(
            MSG_REJECTED_WARNINGS
            if upload.status == Upload.Status.REJECTED and upload.warnings_count
            else ""
        ),
    )
