"""The write use-cases for records: submit and process an upload, rebuild and export the history.

Each is one keyword-only function, callable from a view, a Celery task, a management command or
a shell. Processing is all-or-nothing: the history changes in one transaction, or not at all.

An upload is one of three kinds (Upload.Kind): the SSDA903 extract, stitched onto the stored
history of episodes; the foster carers extract, which replaces the stored carer households; and
the placement costs extract, whose costs are added to (or replace) the stored ones. All three
keep their raw files, share the authority's applied sequence and queue the indicators'
recompute when loaded; only 903 uploads make the history that `rebuild_history` replays.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import itertools
import json
import logging
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import InterfaceError, OperationalError, connection, transaction
from django.db.models import FloatField, Max
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.module_loading import import_string

from placements import carers, costs, csvsafe, postcodes
from placements.models import (
    CarerHousehold,
    Child,
    Episode,
    LocalAuthority,
    PlacementCost,
    Provider,
    Upload,
    UploadFile,
    UploadProblem,
)
from placements.ssda903 import codes
from placements.ssda903.problems import Problem
from placements.ssda903.readers import SSDA903, TABLE_COLUMNS, Layout, RawFile, Table, read_files
from placements.ssda903.stitch import (
    EpisodeDiff,
    changed_children,
    diff_episodes,
    stitch_children,
    stitch_episodes,
)
from placements.ssda903.validate import (
    CHILD_FIELDS,
    EPISODE_FIELDS,
    EPISODE_OPTIONAL_FIELDS,
    Extract,
    KnownValues,
    empty_children,
    empty_episodes,
    validate_extract,
)

logger = logging.getLogger(__name__)

MSG_PROCESSING_FAILED = (
    "Processing stopped because of an internal error ({kind}). Nothing was changed; "
    "the stored history is as it was. Please tell your system administrator."
)
_CHILD_TEXT = ["child_id", "sex", "ethnic", "upn", "mother"]
_CHILD_DATES = ["dob", "mc_dob", "uasc_ceased"]
_EPISODE_TEXT = [
    f for f in EPISODE_FIELDS if f not in {"decom", "dec", "pl_distance", *EPISODE_OPTIONAL_FIELDS}
]
LAYOUTS: dict[str, Layout] = {
    Upload.Kind.SSDA903: SSDA903,
    Upload.Kind.CARERS: carers.LAYOUT,
    Upload.Kind.COSTS: costs.LAYOUT,
}


def default_window_start(as_at: dt.date) -> dt.date:
    """1 April of the collection year containing the as-at date (DOMAIN.md 1)."""
    return codes.collection_year_start(as_at)


def upload_fingerprint(
    *,
    checksums: list[str],
    as_at: dt.date,
    window_start: dt.date | None,
    kind: str = Upload.Kind.SSDA903,
) -> str:
    """Identifies a file set, window and kind: the same files in any order give the same print."""
    fields = {
        "files": sorted(checksums),
        "as_at": as_at.isoformat(),
        "window_start": window_start.isoformat() if window_start else "full",
    }
    # Only the newer kinds are named, so that a 903 upload keeps the print it had before there
    # were kinds, and resubmitting an old extract is still recognised.
    if kind != Upload.Kind.SSDA903:
        fields["kind"] = str(kind)
    return hashlib.sha256(json.dumps(fields).encode()).hexdigest()


# --- Submitting ------------------------------------------------------------------------------


@transaction.atomic
def submit_upload(
    *,
    la: LocalAuthority,
    user: AbstractBaseUser | None,
    as_at: dt.date,
    window_start: dt.date | None,
    files: list[RawFile],
    kind: str = Upload.Kind.SSDA903,
    enqueue: bool = True,
) -> Upload:
    """Keep the raw files and queue their processing after commit.

    `window_start=None` means the upload is the authority's full history; only a 903 upload
    has a window (a carers or costs upload is stored without one, whatever is passed). An
    identical file set, window and kind that was submitted before is recorded as a duplicate
    and not processed again.
    """
    kind = Upload.Kind(kind)
    if kind != Upload.Kind.SSDA903:
        window_start = None
    checksums = [hashlib.sha256(f.content).hexdigest() for f in files]
    fingerprint = upload_fingerprint(
        checksums=checksums, as_at=as_at, window_start=window_start, kind=kind
    )
    earlier = (
        Upload.objects.filter(la=la, kind=kind, fingerprint=fingerprint)
        .exclude(status__in=[Upload.Status.DUPLICATE, Upload.Status.FAILED])
        .order_by("created_at")
        .first()
    )
    upload = Upload.objects.create(
        la=la,
        kind=kind,
        uploaded_by=user if user is not None and user.is_authenticated else None,
        as_at=as_at,
        window_start=window_start,
        fingerprint=fingerprint,
    )
    UploadFile.objects.bulk_create(
        UploadFile.keep(upload=upload, name=f.name, content=f.content, sha256=digest)
        for f, digest in zip(files, checksums, strict=True)
    )
    if earlier is not None:
        upload.status = Upload.Status.DUPLICATE
        upload.stage = Upload.Stage.DONE
        upload.progress = 100
        upload.duplicate_of = earlier
        upload.finished_at = timezone.now()
        upload.save()
        logger.info("upload %s duplicates upload %s; not processed", upload.pk, earlier.pk)
        return upload
    if enqueue:
        from placements.tasks import process_upload_task

        upload_id = upload.pk
        transaction.on_commit(lambda: process_upload_task.delay(upload_id))
    return upload


def import_extract(
    *,
    la: LocalAuthority,
    user: AbstractBaseUser | None,
    as_at: dt.date,
    window_start: dt.date | None,
    files: list[RawFile],
    kind: str = Upload.Kind.SSDA903,
) -> Upload:
    """What the web form does, synchronously: submit, then process in this process."""
    upload = submit_upload(
        la=la,
        user=user,
        as_at=as_at,
        window_start=window_start,
        files=files,
        kind=kind,
        enqueue=False,
    )
    if upload.status == Upload.Status.DUPLICATE:
        return upload
    return process_upload(upload_id=upload.pk)


# --- Processing ------------------------------------------------------------------------------


def process_upload(*, upload_id: int) -> Upload:
    """Read, validate and store one upload of any kind (a 903 one is stitched); all-or-nothing.

    Database outages propagate (the Celery task retries them); any other failure marks the
    upload failed without changing the history, and is logged without row contents.
    """
    upload = Upload.objects.select_related("la").get(pk=upload_id)
    if upload.is_finished:
        return upload
    try:
        _process(upload)
    except (OperationalError, InterfaceError):
        raise
    except Exception as exc:
        # Exception messages from parsers can quote row contents: log the type and frames only.
        logger.error(
            "upload %s failed with %s\n%s",
            upload.pk,
            type(exc).__name__,
            "".join(traceback.format_tb(exc.__traceback__)),
        )
        Upload.objects.filter(pk=upload.pk).update(
            status=Upload.Status.FAILED,
            stage=Upload.Stage.DONE,
            failure=MSG_PROCESSING_FAILED.format(kind=type(exc).__name__),
            finished_at=timezone.now(),
        )
    upload.refresh_from_db()
    return upload


def _process(upload: Upload) -> None:
    if upload.kind == Upload.Kind.CARERS:
        _process_carers(upload)
    elif upload.kind == Upload.Kind.COSTS:
        _process_costs(upload)
    else:
        _process_903(upload)


def _process_903(upload: Upload) -> None:
    set_stage = _stage_setter(upload)
    set_stage(Upload.Stage.READING, 5, status=Upload.Status.PROCESSING)
    extract, file_tables = _read_and_validate(upload, on_validating=set_stage, check_links=True)
    _record_tables(upload, file_tables)
    if extract.has_errors:
        _finish(upload, Upload.Status.REJECTED, extract.problems)
        return

    set_stage(Upload.Stage.STITCHING, 60)
    with transaction.atomic():
        # One upload at a time per authority: the stitch must see the history it replaces.
        LocalAuthority.objects.select_for_update().get(pk=upload.la_id)
        stored = stored_episodes_frame(la_id=upload.la_id)
        episodes, repairs = stitch_episodes(
            stored,
            extract.episodes,
            window_start=upload.window_start,
            source="Episodes",
            absent_fields=extract.absent_fields,
        )
        stored_children = stored_children_frame(la_id=upload.la_id)
        children = stitch_children(stored_children, extract.children)
        set_stage(Upload.Stage.STORING, 80)
        diff = write_history(
            la_id=upload.la_id,
            upload_id=upload.pk,
            stored_episodes=stored,
            stored_children=stored_children,
            episodes=episodes,
            children=children,
            postcode_lookup=extract.postcode_lookup,
        )
        _loaded(
            upload,
            extract.problems + repairs,
            children_count=len(extract.children),
            episodes_count=len(extract.episodes),
            episodes_added=diff.added,
            episodes_updated=diff.updated,
            episodes_removed=diff.removed,
        )
    logger.info(
        "upload %s loaded: %s added, %s updated, %s removed",
        upload.pk,
        diff.added,
        diff.updated,
        diff.removed,
    )


def _loaded(upload: Upload, problems: list[Problem], **counts: int) -> None:
    """Mark an upload loaded, inside the transaction that stored it, with its counts; queue
    the indicators' recompute for after the commit."""
    last = Upload.objects.filter(la_id=upload.la_id).aggregate(seq=Max("applied_seq"))["seq"]
    Upload.objects.filter(pk=upload.pk).update(applied_seq=(last or 0) + 1, **counts)
    _finish(upload, Upload.Status.LOADED, problems)
    la_id, upload_id = upload.la_id, upload.pk
    transaction.on_commit(lambda: after_history_changed(la_id=la_id, upload_id=upload_id))


def _read_tables(upload: Upload) -> tuple[list[Table], list[Problem], list[str]]:
    """The upload's files read as its kind's layout: tables, problems, and per file the tables
    recognised in it. A file of another kind of upload is reported as such."""
    raw_files = [RawFile(name=f.name, content=f.content) for f in upload.files.order_by("id")]
    layout = LAYOUTS[upload.kind]
    tables, problems = read_files(
        raw_files,
        max_bytes=settings.UPLOAD_MAX_BYTES,
        max_unzipped_bytes=settings.UPLOAD_MAX_UNZIPPED_BYTES,
        layout=layout,
        others=[other for other in LAYOUTS.values() if other is not layout],
    )
    file_tables = [
        ", ".join(t.kind for t in tables if _source_file(t.source) == f.name) for f in raw_files
    ]
    return tables, problems, file_tables


def _record_tables(upload: Upload, file_tables: list[str]) -> None:
    for upload_file, tables in zip(upload.files.order_by("id"), file_tables, strict=True):
        if upload_file.tables != tables:
            UploadFile.objects.filter(pk=upload_file.pk).update(tables=tables)


def _read_and_validate(
    upload: Upload,
    *,
    on_validating: Callable[..., None] | None = None,
    check_links: bool = False,
) -> tuple[Extract, list[str]]:
    """Read and check a 903 upload. With `check_links`, its URNs and CARER_IDs are looked up
    in the stored providers and carer households (a replay does without: it only needs the
    episodes, and the warnings would be today's, not the upload's)."""
    tables, problems, file_tables = _read_tables(upload)
    if on_validating is not None:
        on_validating(Upload.Stage.VALIDATING, 30)
    if any(p.is_error for p in problems):
        return Extract(empty_children(), empty_episodes(), problems), file_tables
    extract = validate_extract(
        tables,
        as_at=upload.as_at,
        known_urns=known_provider_urns if check_links else None,
        known_carers=_carer_lookup(upload.la_id) if check_links else None,
    )
    extract.problems[:0] = problems
    return extract, file_tables


def known_provider_urns(urns: list[str]) -> set[str] | None:
    """Which of these URNs the Ofsted provider lists hold; None while no list is imported."""
    if not Provider.objects.exists():
        return None
    found: set[str] = set()
    for start in range(0, len(urns), 20000):  # SQLite limits a statement's parameters
        chunk = urns[start : start + 20000]
        found.update(Provider.objects.filter(urn__in=chunk).values_list("urn", flat=True))
    return found


def _carer_lookup(la_id: int) -> KnownValues:
    def known(carer_ids: list[str]) -> set[str] | None:
        households = CarerHousehold.objects.filter(la_id=la_id)
        if not households.exists():
            return None
        found: set[str] = set()
        for start in range(0, len(carer_ids), 20000):
            chunk = carer_ids[start : start + 20000]
            found.update(households.filter(carer_id__in=chunk).values_list("carer_id", flat=True))
        return found

    return known


# --- Carers and costs uploads --------------------------------------------------------------------
# These have no counters of their own on Upload: they use the generic ones, as follows (and
# dashboard.wording.result_text words them so).
#   carers: episodes_count = households in the extract, children_count = of them deregistered,
#           episodes_added / _updated / _removed = households new / changed / no longer listed
#   costs:  episodes_count = costs in the extract, children_count = children they are for,
#           episodes_added / _updated = costs new / changing a stored cost


def _process_carers(upload: Upload) -> None:
    set_stage = _stage_setter(upload)
    set_stage(Upload.Stage.READING, 5, status=Upload.Status.PROCESSING)
    tables, problems, file_tables = _read_tables(upload)
    _record_tables(upload, file_tables)
    if any(p.is_error for p in problems):
        _finish(upload, Upload.Status.REJECTED, problems)
        return
    set_stage(Upload.Stage.VALIDATING, 30)
    extract = carers.validate_carers(tables, as_at=upload.as_at, known_agencies=known_provider_urns)
    problems += extract.problems
    if extract.has_errors:
        _finish(upload, Upload.Status.REJECTED, problems)
        return

    set_stage(Upload.Stage.STORING, 80)
    with transaction.atomic():
        LocalAuthority.objects.select_for_update().get(pk=upload.la_id)
        stored = stored_households_frame(la_id=upload.la_id)
        added, changed, removed = carers.compare_households(stored, extract.households)
        # The extract lists every household the service has had: it replaces the stored list.
        CarerHousehold.objects.filter(la_id=upload.la_id).delete()
        CarerHousehold.objects.bulk_create(
            (
                CarerHousehold(la_id=upload.la_id, source_upload_id=upload.pk, **record)
                for record in carers.households_records(extract.households)
            ),
            batch_size=2000,
        )
        _loaded(
            upload,
            problems,
            episodes_count=len(extract.households),
            children_count=extract.deregistered,
            episodes_added=added,
            episodes_updated=changed,
            episodes_removed=removed,
        )
    logger.info(
        "upload %s loaded: %s carer households (%s new, %s changed, %s no longer listed)",
        upload.pk,
        len(extract.households),
        added,
        changed,
        removed,
    )


def stored_households_frame(*, la_id: int) -> pd.DataFrame:
    """The authority's stored carer households, typed as `carers.validate_carers` gives them."""
    rows = CarerHousehold.objects.filter(la_id=la_id).values_list(*carers.FIELDS)
    frame = pd.DataFrame.from_records(list(rows), columns=carers.FIELDS)
    if frame.empty:
        return carers.empty_households()
    for name in ("approval_date", "deregistration_date"):
        frame[name] = pd.to_datetime(frame[name]).astype("datetime64[ns]")
    for name in ("approved_places", "age_from", "age_to"):
        frame[name] = frame[name].astype("Int64")
    return frame


def _process_costs(upload: Upload) -> None:
    set_stage = _stage_setter(upload)
    set_stage(Upload.Stage.READING, 5, status=Upload.Status.PROCESSING)
    tables, problems, file_tables = _read_tables(upload)
    _record_tables(upload, file_tables)
    if any(p.is_error for p in problems):
        _finish(upload, Upload.Status.REJECTED, problems)
        return
    set_stage(Upload.Stage.VALIDATING, 30)
    episode_keys = episodes_frame(la_id=upload.la_id, columns=["decom"])
    extract = costs.validate_costs(tables, as_at=upload.as_at, episode_keys=episode_keys)
    problems += extract.problems
    if extract.has_errors:
        _finish(upload, Upload.Status.REJECTED, problems)
        return

    set_stage(Upload.Stage.STORING, 80)
    with transaction.atomic():
        LocalAuthority.objects.select_for_update().get(pk=upload.la_id)
        stored = stored_costs_frame(la_id=upload.la_id)
        added, changed = costs.compare_costs(stored, extract.costs)
        new = extract.costs.assign(la_id=upload.la_id, source_upload_id=upload.pk)
        known = (
            pd.MultiIndex.from_frame(new[["child_id", "decom"]])
            .isin(pd.MultiIndex.from_frame(stored[["child_id", "decom"]]))
        )  # fmt: skip
        # A later extract's cost for the same episode wins; costs it does not list are kept.
        _upsert_rows(
            PlacementCost,
            new[["la_id", *costs.FIELDS, "source_upload_id"]],
            unique=["la", "child_id", "decom"],
            update=["weekly_cost", "source_upload"],
            known=known,
        )
        _loaded(
            upload,
            problems,
            episodes_count=len(extract.costs),
            children_count=extract.costs["child_id"].nunique(),
            episodes_added=added,
            episodes_updated=changed,
        )
    logger.info(
        "upload %s loaded: %s placement costs (%s new, %s changed)",
        upload.pk,
        len(extract.costs),
        added,
        changed,
    )


def stored_costs_frame(*, la_id: int) -> pd.DataFrame:
    """The authority's stored placement costs: child_id, decom (datetime64), weekly_cost."""
    rows = (
        PlacementCost.objects.filter(la_id=la_id)
        .annotate(cost=Cast("weekly_cost", FloatField()))
        .values_list("child_id", "decom", "cost")
    )
    frame = pd.DataFrame.from_records(list(rows), columns=costs.FIELDS)
    if frame.empty:
        return costs.empty_costs()
    frame["decom"] = pd.to_datetime(frame["decom"]).astype("datetime64[ns]")
    frame["weekly_cost"] = pd.to_numeric(frame["weekly_cost"]).astype(float)
    return frame


def _source_file(source: str) -> str:
    # A workbook's sheets are named "book.xlsx, sheet Episodes".
    return source.split(", sheet ", 1)[0]


def _stage_setter(upload: Upload) -> Callable[..., None]:
    def set_stage(stage: str, progress: int, *, status: str | None = None) -> None:
        fields: dict[str, object] = {"stage": stage, "progress": progress}
        if status is not None:
            fields["status"] = status
        Upload.objects.filter(pk=upload.pk).update(**fields)

    return set_stage


def _finish(upload: Upload, status: str, problems: list[Problem]) -> None:
    errors = sum(p.is_error for p in problems)
    UploadProblem.objects.filter(upload=upload).delete()
    UploadProblem.objects.bulk_create(
        (
            UploadProblem(
                upload=upload,
                severity=p.severity,
                file=p.file[:255],
                row=p.row,
                child_id=p.child[:20],
                column=p.column[:40],
                value=p.value[:100],
                message=p.message,
            )
            for p in sorted(problems, key=lambda p: not p.is_error)
        ),
        batch_size=2000,
    )
    Upload.objects.filter(pk=upload.pk).update(
        status=status,
        stage=Upload.Stage.DONE,
        progress=100,
        errors_count=errors,
        warnings_count=len(problems) - errors,
        finished_at=timezone.now(),
    )


def after_history_changed(*, la_id: int, upload_id: int | None) -> None:
    """Queue what follows a change of history (the indicators' recompute, named in settings)."""
    name = getattr(settings, "AFTER_UPLOAD_LOADED_TASK", "")
    if name:
        import_string(name).delay(la_id, upload_id)


# --- Reading and writing the stored history -----------------------------------------------------


_DECIMAL_EPISODE_COLUMNS = {"pl_distance", "distance", "weekly_cost"}


def episodes_frame(*, la_id: int, columns: list[str]) -> pd.DataFrame:
    """An authority's stored episodes: the CHILD id and the given Episode columns, typed.

    Dates come back as datetime64, distances as float (NaN when unknown), outside_la as
    1.0 / 0.0 / NaN. Read with one plain query: the ORM costs several times more per row.
    """
    episode, child = Episode._meta.db_table, Child._meta.db_table
    # Decimal columns come back as floats from the database itself: turning Decimal objects
    # into floats in Python costs more than reading them.
    selected = ", ".join(
        f"CAST(e.{name} AS DOUBLE PRECISION)" if name in _DECIMAL_EPISODE_COLUMNS else f"e.{name}"
        for name in columns
    )
    sql = (
        f"SELECT c.child_id, {selected} FROM {episode} e "  # noqa: S608 - names are ours
        f"JOIN {child} c ON c.id = e.child_id WHERE e.la_id = %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [la_id])
        rows = cursor.fetchall()
    frame = pd.DataFrame.from_records(rows, columns=["child_id", *columns])
    for name in set(columns) & {"decom", "dec"}:
        frame[name] = pd.to_datetime(frame[name]).astype("datetime64[ns]")
    for name in set(columns) & {"pl_distance", "distance", "weekly_cost"}:
        frame[name] = pd.to_numeric(frame[name], errors="coerce").astype(float)
    if "outside_la" in columns:
        frame["outside_la"] = frame["outside_la"].map({True: 1.0, False: 0.0}).astype(float)
    return frame


def stored_episodes_frame(*, la_id: int) -> pd.DataFrame:
    """Every stored episode of an authority, with its database id, in stitching form."""
    columns = [name for name in EPISODE_FIELDS if name != "child_id"]
    frame = episodes_frame(la_id=la_id, columns=["id", *columns])
    if frame.empty:
        return empty_episodes().assign(id=pd.Series(dtype=np.int64))
    return frame.sort_values(["child_id", "decom"]).reset_index(drop=True)


def stored_children_frame(*, la_id: int) -> pd.DataFrame:
    rows = Child.objects.filter(la_id=la_id).values_list(*CHILD_FIELDS)
    frame = pd.DataFrame.from_records(list(rows), columns=CHILD_FIELDS)
    if frame.empty:
        return empty_children()
    for name in _CHILD_DATES:
        frame[name] = pd.to_datetime(frame[name]).astype("datetime64[ns]")
    frame["uasc"] = frame["uasc"].astype(bool)
    return frame


def write_history(
    *,
    la_id: int,
    upload_id: int | None,
    stored_episodes: pd.DataFrame,
    stored_children: pd.DataFrame,
    episodes: pd.DataFrame,
    children: pd.DataFrame,
    postcode_lookup: pd.DataFrame | None = None,
) -> EpisodeDiff:
    """Make storage hold exactly `children` and `episodes`, touching only what changed.

    `stored_episodes` and `stored_children` are what storage holds now, read by the caller
    under the authority's lock.
    """
    _upsert_children(
        la_id,
        changed_children(stored_children, children),
        stored_ids=stored_children["child_id"],
    )
    diff = diff_episodes(stored_episodes, episodes)
    # Chunked: SQLite limits how many parameters one statement may carry.
    for start in range(0, len(diff.delete_ids), 20000):
        Episode.objects.filter(la_id=la_id, pk__in=diff.delete_ids[start : start + 20000]).delete()
    if not diff.insert.empty:
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT child_id, id FROM {Child._meta.db_table} WHERE la_id = %s",  # noqa: S608
                [la_id],
            )
            pks = dict(cursor.fetchall())
        districts = LocalAuthority.objects.get(pk=la_id).districts
        where = postcodes.placement_distances(
            home_post=diff.insert["home_post"],
            pl_post=diff.insert["pl_post"],
            pl_distance=diff.insert["pl_distance"],
            districts=districts,
            known=postcode_lookup,
        )
        rows = diff.insert.assign(
            la_id=la_id,
            child_pk=diff.insert["child_id"].map(pks),
            source_upload_id=pd.Series(upload_id, index=diff.insert.index, dtype="Int64"),
            distance=where["distance"],
            outside_la=where["outside_la"].astype("boolean"),
        )
        _insert_episodes(rows)
    return diff


_EPISODE_COLUMNS = [
    "la_id", "child_id", "decom", "rne", "ls", "cin", "place", "place_provider", "dec", "rec",
    "reason_place_change", "home_post", "pl_post", "urn", "pl_distance", "distance", "outside_la",
    "carer_id", "weekly_cost", "source_upload_id",
]  # fmt: skip


def _insert_episodes(rows: pd.DataFrame) -> None:
    frame = rows.drop(columns=["child_id"]).rename(columns={"child_pk": "child_id"})
    frame = frame[_EPISODE_COLUMNS]
    if connection.vendor == "postgresql":
        copy_frame(Episode._meta.db_table, frame)
        return
    Episode.objects.bulk_create((Episode(**record) for record in _records(frame)), batch_size=2000)


def _upsert_children(la_id: int, frame: pd.DataFrame, *, stored_ids: pd.Series) -> None:
    """Insert new children and update changed ones (the CHILD id is the key within the LA)."""
    if frame.empty:
        return
    _upsert_rows(
        Child,
        frame.assign(la_id=la_id)[["la_id", *CHILD_FIELDS]],
        unique=["la", "child_id"],
        update=[name for name in CHILD_FIELDS if name != "child_id"],
        known=frame["child_id"].isin(stored_ids).to_numpy(),
    )


def _upsert_rows(
    model: type[Child] | type[PlacementCost],
    frame: pd.DataFrame,
    *,
    unique: list[str],
    update: list[str],
    known: np.ndarray,
) -> None:
    """Insert the rows of `frame` (columns named as the table's) and update, on the `unique`
    fields, those whose key is `known` to be stored already."""
    if frame.empty:
        return
    if connection.vendor == "postgresql":
        table = model._meta.db_table
        incoming = f"incoming_{table}"
        # New rows go straight in; only the known ones need the slower upsert.
        copy_frame(table, frame.loc[~known])
        if not known.any():
            return
        with connection.cursor() as cursor:
            cursor.execute(
                f"CREATE TEMP TABLE {incoming} (LIKE {table} INCLUDING DEFAULTS) ON COMMIT DROP"
            )
            cursor.execute(f"ALTER TABLE {incoming} ALTER COLUMN id DROP NOT NULL")
        copy_frame(incoming, frame.loc[known])
        keys = ", ".join(model._meta.get_field(name).column for name in unique)
        columns = [model._meta.get_field(name).column for name in update]
        updates = ", ".join(f"{name} = EXCLUDED.{name}" for name in columns)
        names = ", ".join(frame.columns)
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {table} ({names}) SELECT {names} FROM {incoming} "  # noqa: S608
                f"ON CONFLICT ({keys}) DO UPDATE SET {updates}"
            )
            cursor.execute(f"DROP TABLE {incoming}")
        return
    model.objects.bulk_create(
        (model(**record) for record in _records(frame)),
        batch_size=500,
        update_conflicts=True,
        unique_fields=unique,
        update_fields=update,
    )


def copy_frame(table: str, frame: pd.DataFrame) -> None:
    """Postgres COPY: the fastest way to store tens of thousands of rows.

    Missing values are written as empty fields, which COPY reads as NULL; text columns are
    FORCE_NOT_NULL so that their empty strings stay empty strings.
    """
    if frame.empty:
        return
    columns, text_columns = [], []
    for name in frame.columns:
        values = frame[name]
        if pd.api.types.is_datetime64_any_dtype(values):
            raw = values.to_numpy()
            days = raw.astype("datetime64[D]").astype(str).astype(object)
            days[np.isnat(raw)] = None
            columns.append(days)
        elif values.dtype == object:
            columns.append(values.tolist())
            text_columns.append(name)
        else:  # numbers and booleans, nullable or not
            columns.append(values.astype(object).where(values.notna(), None).tolist())
    names = ", ".join(frame.columns)
    force = f", FORCE_NOT_NULL ({', '.join(text_columns)})" if text_columns else ""
    with connection.cursor() as cursor:
        cursor.copy_expert(
            f"COPY {table} ({names}) FROM STDIN WITH (FORMAT csv{force})",
            _CsvStream(zip(*columns, strict=True)),
            _CsvStream.CHUNK,
        )


class _CsvStream(io.RawIOBase):
    """A file that writes its CSV as COPY reads it, so that Postgres (on the other core)
    stores one chunk while this process writes the next, instead of waiting for all of it."""

    CHUNK = 1 << 18
    ROWS = 4000

    def __init__(self, rows: Iterator[tuple[object, ...]]) -> None:
        self._rows = rows
        self._pending = b""
        self._text = io.StringIO()
        self._writer = csv.writer(self._text, lineterminator="\n")

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        while size < 0 or len(self._pending) < size:
            batch = list(itertools.islice(self._rows, self.ROWS))
            if not batch:
                break
            self._writer.writerows(batch)
            self._pending += self._text.getvalue().encode()
            self._text.seek(0)
            self._text.truncate()
        if size < 0:
            size = len(self._pending)
        chunk, self._pending = self._pending[:size], self._pending[size:]
        return chunk


def _records(frame: pd.DataFrame) -> list[dict[str, object]]:
    clean = frame.astype(object).where(frame.notna(), None)
    records = clean.to_dict("records")
    for record in records:
        for key, value in record.items():
            if isinstance(value, pd.Timestamp):
                record[key] = value.date()
    return records


# --- Rebuilding from the kept raw files -------------------------------------------------------


@dataclass
class RebuildReport:
    uploads_replayed: int
    episodes: int
    children: int
    episodes_differing: int
    children_differing: int
    written: bool

    @property
    def identical(self) -> bool:
        return self.episodes_differing == 0 and self.children_differing == 0


def replay_history(*, la: LocalAuthority) -> tuple[pd.DataFrame, pd.DataFrame, int]:
    """The history the authority's loaded uploads produce when replayed in order, in memory."""
    episodes, children = empty_episodes(), empty_children()
    # Carers and costs uploads share the sequence but are no part of the episodes' history.
    uploads = list(Upload.objects.filter(la=la, kind=Upload.Kind.SSDA903).applied())
    for upload in uploads:
        extract, _ = _read_and_validate(upload)
        if extract.has_errors:
            raise RuntimeError(f"upload {upload.pk} no longer validates; cannot replay it")
        episodes, _ = stitch_episodes(
            episodes,
            extract.episodes,
            window_start=upload.window_start,
            absent_fields=extract.absent_fields,
        )
        children = stitch_children(children, extract.children)
    return episodes, children, len(uploads)


def rebuild_history(*, la: LocalAuthority, check_only: bool = False) -> RebuildReport:
    """Replay the kept uploads and compare with (and unless `check_only`, replace) storage."""
    episodes, children, count = replay_history(la=la)
    with transaction.atomic():
        LocalAuthority.objects.select_for_update().get(pk=la.pk)
        stored = stored_episodes_frame(la_id=la.pk)
        stored_children = stored_children_frame(la_id=la.pk)
        diff = diff_episodes(stored, episodes)
        extra_children = ~stored_children["child_id"].isin(children["child_id"])
        children_differing = len(changed_children(stored_children, children)) + int(
            extra_children.sum()
        )
        differing = diff.added + diff.updated + diff.removed
        written = not check_only and (differing > 0 or children_differing > 0)
        if written:
            write_history(
                la_id=la.pk,
                upload_id=None,
                stored_episodes=stored,
                stored_children=stored_children,
                episodes=episodes,
                children=children,
            )
            stale = stored_children.loc[extra_children, "child_id"].tolist()
            Child.objects.filter(la=la, child_id__in=stale).delete()
            transaction.on_commit(lambda: after_history_changed(la_id=la.pk, upload_id=None))
    return RebuildReport(
        uploads_replayed=count,
        episodes=len(episodes),
        children=len(children),
        episodes_differing=differing,
        children_differing=children_differing,
        written=written,
    )


# --- Exporting ------------------------------------------------------------------------------

HEADER_COLUMNS = list(TABLE_COLUMNS["Header"])
EPISODE_COLUMNS = list(TABLE_COLUMNS["Episodes"])
UASC_COLUMNS = list(TABLE_COLUMNS["UASC"])


def export_history(*, la: LocalAuthority, out_dir: Path) -> list[Path]:
    """Write the stored history in 903 layout: header.csv, episodes.csv and uasc.csv.

    Episodes get the optional PL_DISTANCE, CARER_ID and WEEKLY_COST columns when any stored
    episode has a value for them, so that loading the export gives the same history.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    children = stored_children_frame(la_id=la.pk).sort_values("child_id")
    episodes = stored_episodes_frame(la_id=la.pk)

    def dmy(values: pd.Series) -> pd.Series:
        return values.dt.strftime("%d/%m/%Y").fillna("")

    header = pd.DataFrame(
        {
            "CHILD": children["child_id"],
            "SEX": children["sex"],
            "DOB": dmy(children["dob"]),
            "ETHNIC": children["ethnic"],
            "UPN": children["upn"],
            "MOTHER": children["mother"],
            "MC_DOB": dmy(children["mc_dob"]),
        }
    )
    uasc = children[children["uasc"]]
    uasc_table = pd.DataFrame(
        {
            "CHILD": uasc["child_id"],
            "SEX": uasc["sex"],
            "DOB": dmy(uasc["dob"]),
            "DUC": dmy(uasc["uasc_ceased"]),
        }
    )
    table = {name.upper(): episodes[name] for name in _EPISODE_TEXT}
    table["CHILD"] = episodes["child_id"]
    table["DECOM"] = dmy(episodes["decom"])
    table["DEC"] = dmy(episodes["dec"])
    episode_table = pd.DataFrame(table)[EPISODE_COLUMNS]
    if episodes["pl_distance"].notna().any():
        episode_table["PL_DISTANCE"] = episodes["pl_distance"].map(
            lambda d: "" if pd.isna(d) else f"{d:.1f}"
        )
    if (episodes["carer_id"] != "").any():
        episode_table["CARER_ID"] = episodes["carer_id"]
    if episodes["weekly_cost"].notna().any():
        episode_table["WEEKLY_COST"] = episodes["weekly_cost"].map(
            lambda c: "" if pd.isna(c) else f"{c:.2f}"
        )
    written = []
    for name, frame in (
        ("header.csv", header),
        ("episodes.csv", episode_table),
        ("uasc.csv", uasc_table),
    ):
        path = out_dir / name
        with path.open("w", encoding="utf-8", newline="") as out:
            csvsafe.write_rows(out, list(frame.columns), frame.itertuples(index=False))
        written.append(path)
    return written
