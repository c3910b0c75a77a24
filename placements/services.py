"""The write use-cases for records: submit and process an upload, rebuild and export the history.

Each is one keyword-only function, callable from a view, a Celery task, a management command or
a shell. Processing is all-or-nothing: the history changes in one transaction, or not at all.
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
from django.db.models import Max
from django.utils import timezone
from django.utils.module_loading import import_string

from placements import csvsafe, postcodes
from placements.models import Child, Episode, LocalAuthority, Upload, UploadFile, UploadProblem
from placements.ssda903 import codes
from placements.ssda903.problems import Problem
from placements.ssda903.readers import TABLE_COLUMNS, RawFile, read_files
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
    Extract,
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
_EPISODE_TEXT = [f for f in EPISODE_FIELDS if f not in {"decom", "dec", "pl_distance"}]


def default_window_start(as_at: dt.date) -> dt.date:
    """1 April of the collection year containing the as-at date (DOMAIN.md 1)."""
    return codes.collection_year_start(as_at)


def upload_fingerprint(
    *, checksums: list[str], as_at: dt.date, window_start: dt.date | None
) -> str:
    """Identifies a file set and window: the same files in any order give the same print."""
    payload = json.dumps(
        {
            "files": sorted(checksums),
            "as_at": as_at.isoformat(),
            "window_start": window_start.isoformat() if window_start else "full",
        }
    )
    return hashlib.sha256(payload.encode()).hexdigest()


# --- Submitting ------------------------------------------------------------------------------


@transaction.atomic
def submit_upload(
    *,
    la: LocalAuthority,
    user: AbstractBaseUser | None,
    as_at: dt.date,
    window_start: dt.date | None,
    files: list[RawFile],
    enqueue: bool = True,
) -> Upload:
    """Keep the raw files and queue their processing after commit.

    `window_start=None` means the upload is the authority's full history. An identical file set
    and window that was submitted before is recorded as a duplicate and not processed again.
    """
    checksums = [hashlib.sha256(f.content).hexdigest() for f in files]
    fingerprint = upload_fingerprint(checksums=checksums, as_at=as_at, window_start=window_start)
    earlier = (
        Upload.objects.filter(la=la, fingerprint=fingerprint)
        .exclude(status__in=[Upload.Status.DUPLICATE, Upload.Status.FAILED])
        .order_by("created_at")
        .first()
    )
    upload = Upload.objects.create(
        la=la,
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
) -> Upload:
    """What the web form does, synchronously: submit, then process in this process."""
    upload = submit_upload(
        la=la, user=user, as_at=as_at, window_start=window_start, files=files, enqueue=False
    )
    if upload.status == Upload.Status.DUPLICATE:
        return upload
    return process_upload(upload_id=upload.pk)


# --- Processing ------------------------------------------------------------------------------


def process_upload(*, upload_id: int) -> Upload:
    """Read, validate, stitch and store one upload; all-or-nothing.

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
    set_stage = _stage_setter(upload)
    set_stage(Upload.Stage.READING, 5, status=Upload.Status.PROCESSING)
    extract, file_tables = _read_and_validate(upload, on_validating=set_stage)
    for upload_file, tables in zip(upload.files.order_by("id"), file_tables, strict=True):
        if upload_file.tables != tables:
            UploadFile.objects.filter(pk=upload_file.pk).update(tables=tables)
    if extract.has_errors:
        _finish(upload, Upload.Status.REJECTED, extract.problems)
        return

    set_stage(Upload.Stage.STITCHING, 60)
    with transaction.atomic():
        # One upload at a time per authority: the stitch must see the history it replaces.
        LocalAuthority.objects.select_for_update().get(pk=upload.la_id)
        stored = stored_episodes_frame(la_id=upload.la_id)
        episodes, repairs = stitch_episodes(
            stored, extract.episodes, window_start=upload.window_start, source="Episodes"
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
        last = Upload.objects.filter(la_id=upload.la_id).aggregate(seq=Max("applied_seq"))["seq"]
        Upload.objects.filter(pk=upload.pk).update(
            applied_seq=(last or 0) + 1,
            children_count=len(extract.children),
            episodes_count=len(extract.episodes),
            episodes_added=diff.added,
            episodes_updated=diff.updated,
            episodes_removed=diff.removed,
        )
        _finish(upload, Upload.Status.LOADED, extract.problems + repairs)
        la_id, upload_id = upload.la_id, upload.pk
        transaction.on_commit(lambda: after_history_changed(la_id=la_id, upload_id=upload_id))
    logger.info(
        "upload %s loaded: %s added, %s updated, %s removed",
        upload.pk,
        diff.added,
        diff.updated,
        diff.removed,
    )


def _read_and_validate(
    upload: Upload, *, on_validating: Callable[..., None] | None = None
) -> tuple[Extract, list[str]]:
    raw_files = [RawFile(name=f.name, content=f.content) for f in upload.files.order_by("id")]
    tables, problems = read_files(
        raw_files,
        max_bytes=settings.UPLOAD_MAX_BYTES,
        max_unzipped_bytes=settings.UPLOAD_MAX_UNZIPPED_BYTES,
    )
    if on_validating is not None:
        on_validating(Upload.Stage.VALIDATING, 30)
    file_tables = [
        ", ".join(t.kind for t in tables if _source_file(t.source) == f.name) for f in raw_files
    ]
    if any(p.is_error for p in problems):
        return Extract(empty_children(), empty_episodes(), problems), file_tables
    extract = validate_extract(tables, as_at=upload.as_at)
    extract.problems[:0] = problems
    return extract, file_tables


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
                child_id=p.child[:10],
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


def episodes_frame(*, la_id: int, columns: list[str]) -> pd.DataFrame:
    """An authority's stored episodes: the CHILD id and the given Episode columns, typed.

    Dates come back as datetime64, distances as float (NaN when unknown), outside_la as
    1.0 / 0.0 / NaN. Read with one plain query: the ORM costs several times more per row.
    """
    episode, child = Episode._meta.db_table, Child._meta.db_table
    selected = ", ".join(f"e.{name}" for name in columns)
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
    for name in set(columns) & {"pl_distance", "distance"}:
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
    "source_upload_id",
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
    frame = frame.assign(la_id=la_id)
    fields = [name for name in CHILD_FIELDS if name != "child_id"]
    if connection.vendor == "postgresql":
        table = Child._meta.db_table
        columns = ["la_id", *CHILD_FIELDS]
        known = frame["child_id"].isin(stored_ids).to_numpy()
        # New children go straight in; only changed ones need the slower upsert.
        copy_frame(table, frame.loc[~known, columns])
        if not known.any():
            return
        with connection.cursor() as cursor:
            cursor.execute(
                f"CREATE TEMP TABLE incoming_children (LIKE {table} INCLUDING DEFAULTS) "
                "ON COMMIT DROP"
            )
            cursor.execute("ALTER TABLE incoming_children ALTER COLUMN id DROP NOT NULL")
        copy_frame("incoming_children", frame.loc[known, columns])
        updates = ", ".join(f"{name} = EXCLUDED.{name}" for name in fields)
        names = ", ".join(columns)
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {table} ({names}) SELECT {names} FROM incoming_children "  # noqa: S608
                f"ON CONFLICT (la_id, child_id) DO UPDATE SET {updates}"
            )
            cursor.execute("DROP TABLE incoming_children")
        return
    Child.objects.bulk_create(
        (Child(**record) for record in _records(frame)),
        batch_size=500,
        update_conflicts=True,
        unique_fields=["la", "child_id"],
        update_fields=fields,
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
    uploads = list(Upload.objects.filter(la=la).applied())
    for upload in uploads:
        extract, _ = _read_and_validate(upload)
        if extract.has_errors:
            raise RuntimeError(f"upload {upload.pk} no longer validates; cannot replay it")
        episodes, _ = stitch_episodes(episodes, extract.episodes, window_start=upload.window_start)
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
    """Write the stored history in 903 layout: header.csv, episodes.csv and uasc.csv."""
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
