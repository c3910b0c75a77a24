"""Uploads: submit one (keep its raw files, queue its processing) and process it.

Each write is one keyword-only function, callable from a view, a Celery task, a management
command or a shell. Processing is all-or-nothing: the stored records change in one transaction,
or not at all.

An upload is one of three kinds (Upload.Kind): the SSDA903 extract, stitched onto the stored
history of episodes; the foster carers extract, which replaces the stored carer households; and
the placement costs extract, whose costs are added to (or replace) the stored ones. All three
keep their raw files, share the authority's applied sequence and queue the indicators'
recompute when loaded; only 903 uploads make the history that `rebuild_history`
(placements.history) replays.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import io
import json
import logging
import traceback
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import IO, TypeVar

import pandas as pd
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import InterfaceError, OperationalError, transaction
from django.db.models import F, Max
from django.utils import timezone
from django.utils.module_loading import import_string

from placements import carers, costs, locks
from placements.bulk import insert_rows, upsert_rows, write_history
from placements.models import (
    CarerHousehold,
    LocalAuthority,
    PlacementCost,
    Provider,
    Upload,
    UploadFile,
    UploadFileChunk,
    UploadProblem,
)
from placements.ssda903 import codes, limits, readers, stitch, validate
from placements.ssda903.limits import UploadLimits, upload_refusal
from placements.ssda903.problems import Problem
from placements.ssda903.readers import (
    IGNORED_TABLES,
    SSDA903,
    Layout,
    RawFile,
    Table,
    read_files,
)
from placements.ssda903.stitch import stitch_children, stitch_episodes
from placements.ssda903.validate import (
    Extract,
    KnownValues,
    empty_children,
    empty_episodes,
    validate_extract,
)
from placements.stored import (
    episodes_frame,
    stored_children_frame,
    stored_costs_frame,
    stored_episodes_frame,
    stored_households_frame,
)

logger = logging.getLogger(__name__)

MSG_PROCESSING_FAILED = (
    "Processing stopped unexpectedly, on a fault in the product rather than in the files "
    "({kind}). Nothing was changed: the stored history and the figures are as they were, and "
    "the files are kept. Please tell your system administrator, who can find it in the log."
)
MSG_TOO_SLOW = (
    "Processing took longer than the {minutes} minutes an upload may take, so it was stopped. "
    "Nothing was changed: the stored history and the figures are as they were, and the files "
    "are kept. An extract this large may need to be split by year, or the limit raised by your "
    "system administrator."
)
MSG_OUT_OF_MEMORY = (
    "Processing needed more memory than the server could give it, so it was stopped. Nothing "
    "was changed: the stored history and the figures are as they were, and the files are kept. "
    "Please tell your system administrator."
)
MSG_GAVE_UP = (
    "Processing was stopped {times} before it could finish (the server ran out of time or "
    "memory on it, or was restarted), so it was not tried again. Nothing was changed: the stored "
    "history and the figures are as they were, and the files are kept. Please tell your system "
    "administrator."
)
MSG_AS_AT_AFTER_TODAY = (
    "The as-at date, {as_at}, is after today, {today}: an extract can only be correct to a "
    "day that has already come."
)
MSG_REJECTED_WARNINGS = (
    "Nothing of this upload was loaded: its warnings say what will happen to those rows once "
    "the errors are put right."
)
MSG_HISTORY_CHANGED = (
    "The stored history has changed since this upload was previewed (another upload was "
    "loaded or undone): the preview has been worked out again. Check it before loading."
)
MSG_NOT_AWAITING = "Only an upload awaiting confirmation can be loaded or cancelled."
MSG_TABLES_IGNORED = "Other 903 tables recognised and ignored (no figure uses them): {tables}."
LAYOUTS: dict[str, Layout] = {
    Upload.Kind.SSDA903: SSDA903,
    Upload.Kind.CARERS: carers.LAYOUT,
    Upload.Kind.COSTS: costs.LAYOUT,
}


def default_window_start(as_at: dt.date) -> dt.date:
    """1 April of the collection year containing the as-at date (docs/uploads.md#the-window)."""
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


class UploadRefused(ValueError):
    """An upload refused before anything of it is kept; the message says why, in one sentence."""


class UploadOverLimit(UploadRefused):
    """An upload over one of the limits on a whole upload (docs/uploads.md#limits)."""


@dataclass(frozen=True)
class IncomingFile:
    """A file to submit read from a seekable stream (the form's uploaded temporary file), so
    that keeping it never holds it whole in memory."""

    name: str
    stream: IO[bytes]


def upload_limits() -> UploadLimits:
    """The limits on one upload, from settings (read on use, so that tests can change them)."""
    return UploadLimits(
        max_total_bytes=settings.UPLOAD_MAX_TOTAL_BYTES,
        max_unzipped_bytes=settings.UPLOAD_MAX_UNZIPPED_BYTES,
        max_cells=settings.UPLOAD_MAX_CELLS,
        max_columns=settings.UPLOAD_MAX_COLUMNS,
    )


def limits_refusal(files: Sequence[RawFile | IncomingFile]) -> str | None:
    """Why these files are over a limit on one upload, in one sentence, or None."""
    return upload_refusal(_streams(files), upload_limits())


def _streams(files: Sequence[RawFile | IncomingFile]) -> list[tuple[str, IO[bytes]]]:
    return [
        (f.name, f.stream if isinstance(f, IncomingFile) else io.BytesIO(f.content)) for f in files
    ]


def _sha256(stream: IO[bytes]) -> str:
    digest = hashlib.sha256()
    stream.seek(0)
    while data := stream.read(UploadFileChunk.SIZE):
        digest.update(data)
    stream.seek(0)
    return digest.hexdigest()


def _long_date(day: dt.date) -> str:
    return f"{day.day} {day:%B %Y}"


def as_at_refusal(as_at: dt.date) -> str | None:
    """Why no upload may have this as-at date, or None. Today is the site's (Europe/London)."""
    today = timezone.localdate()
    if as_at > today:
        return MSG_AS_AT_AFTER_TODAY.format(as_at=_long_date(as_at), today=_long_date(today))
    return None


@transaction.atomic
def submit_upload(
    *,
    la: LocalAuthority,
    user: AbstractBaseUser | None,
    as_at: dt.date,
    window_start: dt.date | None,
    files: Sequence[RawFile | IncomingFile],
    kind: str = Upload.Kind.SSDA903,
    enqueue: bool = True,
    confirm_first: bool = False,
) -> Upload:
    """Keep the raw files and queue their processing after commit.

    `window_start=None` means the upload is the authority's full history; only a 903 upload
    has a window (a carers or costs upload is stored without one, whatever is passed). An
    identical file set, window and kind that was submitted before is recorded as a duplicate
    and not processed again. With `confirm_first` a 903 upload, once checked, waits "awaiting
    confirmation" for `load_confirmed` or `cancel_upload` (docs/uploads.md#previewing-an-
    upload). An as-at date after today raises UploadRefused, keeping nothing: the form
    refuses one itself, and every other path (the commands, a shell) meets this. Files over a
    limit on one upload raise UploadOverLimit, keeping nothing. The files are read as streams,
    a chunk at a time, and kept so.
    """
    refusal = as_at_refusal(as_at)
    if refusal is not None:
        raise UploadRefused(refusal)
    streams = _streams(files)
    refusal = upload_refusal(streams, upload_limits())
    if refusal is not None:
        raise UploadOverLimit(refusal)
    kind = Upload.Kind(kind)
    if kind != Upload.Kind.SSDA903:
        window_start = None
    checksums = [_sha256(stream) for _, stream in streams]
    fingerprint = upload_fingerprint(
        checksums=checksums, as_at=as_at, window_start=window_start, kind=kind
    )
    earlier = _same_files_done(la_id=la.pk, kind=kind, fingerprint=fingerprint)
    upload = Upload.objects.create(
        la=la,
        kind=kind,
        uploaded_by=user if user is not None and user.is_authenticated else None,
        as_at=as_at,
        window_start=window_start,
        fingerprint=fingerprint,
        confirm_first=confirm_first and kind == Upload.Kind.SSDA903,
    )
    for (name, stream), digest in zip(streams, checksums, strict=True):
        UploadFile.keep(upload=upload, name=name, stream=stream, sha256=digest)
    if earlier is not None:
        _duplicate(upload, earlier)
        upload.refresh_from_db()
        return upload
    if enqueue:
        upload_id = upload.pk
        transaction.on_commit(lambda: send_upload(upload_id=upload_id))
    return upload


# What an identical upload must have become to make a later one a duplicate: one still queued,
# processing or awaiting confirmation may yet fail, so it does not count; an undone, cancelled
# or failed one is no longer (or never was) part of the history.
DUPLICATE_OF = (Upload.Status.LOADED, Upload.Status.REJECTED)


def _same_files_done(
    *, la_id: int, kind: str, fingerprint: str, other_than: int | None = None
) -> Upload | None:
    earlier = Upload.objects.filter(
        la_id=la_id, kind=kind, fingerprint=fingerprint, status__in=DUPLICATE_OF
    )
    if other_than is not None:
        earlier = earlier.exclude(pk=other_than)
    return earlier.order_by("created_at", "id").first()


def _duplicate(upload: Upload, earlier: Upload) -> None:
    Upload.objects.filter(pk=upload.pk).update(
        status=Upload.Status.DUPLICATE,
        stage=Upload.Stage.DONE,
        progress=100,
        duplicate_of=earlier,
        finished_at=timezone.now(),
    )
    logger.info("upload %s duplicates upload %s; not processed", upload.pk, earlier.pk)


def send_upload(*, upload_id: int) -> bool:
    """Hand a queued upload to the task queue; whether that worked. With the broker down the
    upload stays queued ("waiting to start"), kept, and the sweeper (placements.recovery) sends
    it again once the broker is back: a user never meets the outage as an error."""
    from placements.tasks import process_upload_task

    sent_at = timezone.now()
    try:
        process_upload_task.delay(upload_id)
    except Exception as exc:
        logger.warning(
            "upload %s waits to start: the task queue did not take it (%s)",
            upload_id,
            type(exc).__name__,
        )
        return False
    Upload.objects.filter(pk=upload_id, status=Upload.Status.QUEUED).update(sent_at=sent_at)
    return True


def import_extract(
    *,
    la: LocalAuthority,
    user: AbstractBaseUser | None,
    as_at: dt.date,
    window_start: dt.date | None,
    files: Sequence[RawFile | IncomingFile],
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

    One process at a time works on an upload (another waits for it to end), and an upload that
    has started settings.UPLOAD_MAX_ATTEMPTS times without finishing is failed, not started
    again: a file that kills its worker cannot take the queue down with it. Database outages
    propagate (the Celery task retries them); any other failure, the task's time limit and a
    lack of memory included, marks the upload failed without changing the history, with a
    plain message and a log line without row contents.
    """
    # A second copy of the message (sent again by the sweeper, or put back when a worker was
    # killed) waits here for the first to end, then finds the upload finished, or abandoned: a
    # killed process's session, and its lock, can outlive it by a moment.
    with locks.holding(locks.UPLOAD, upload_id, wait=True):
        _claimed(upload_id)
    return Upload.objects.select_related("la").get(pk=upload_id)


def _claimed(upload_id: int) -> None:
    upload = Upload.objects.select_related("la").get(pk=upload_id)
    if upload.is_finished:
        return
    if upload.attempts >= settings.UPLOAD_MAX_ATTEMPTS:
        give_up(upload)
        return
    earlier = _same_files_done(
        la_id=upload.la_id, kind=upload.kind, fingerprint=upload.fingerprint, other_than=upload.pk
    )
    if earlier is not None:
        # The same files were loaded (or rejected) while this one waited in the queue.
        _duplicate(upload, earlier)
        return
    Upload.objects.filter(pk=upload.pk).update(
        attempts=F("attempts") + 1, started_at=timezone.now()
    )
    try:
        _process(upload)
    except (OperationalError, InterfaceError):
        raise
    except SoftTimeLimitExceeded:
        logger.error("upload %s stopped at the task time limit", upload.pk)
        minutes = max(1, round(settings.CELERY_TASK_SOFT_TIME_LIMIT / 60))
        _failed(upload, message=MSG_TOO_SLOW.format(minutes=minutes))
    except MemoryError:
        logger.error("upload %s ran out of memory", upload.pk)
        _failed(upload, message=MSG_OUT_OF_MEMORY)
    except Exception as exc:
        _failed(upload, exc)


def give_up(upload: Upload) -> None:
    """Fail an upload that has started settings.UPLOAD_MAX_ATTEMPTS times without finishing."""
    logger.error("upload %s stopped %s times; failed", upload.pk, upload.attempts)
    times = {1: "once", 2: "twice"}.get(upload.attempts, f"{upload.attempts} times")
    _failed(upload, message=MSG_GAVE_UP.format(times=times))


def _failed(upload: Upload, exc: Exception | None = None, *, message: str = "") -> None:
    if exc is not None:
        # Exception messages from parsers can quote row contents: log the type and frames only.
        logger.error(
            "upload %s failed with %s\n%s",
            upload.pk,
            type(exc).__name__,
            "".join(traceback.format_tb(exc.__traceback__)),
        )
        message = MSG_PROCESSING_FAILED.format(kind=type(exc).__name__)
    Upload.objects.filter(pk=upload.pk).update(
        status=Upload.Status.FAILED,
        stage=Upload.Stage.DONE,
        failure=message,
        finished_at=timezone.now(),
    )


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
    extract, file_tables = read_and_validate(upload, on_validating=set_stage, check_links=True)
    _record_tables(upload, file_tables)
    if extract.has_errors:
        _finish(upload, Upload.Status.REJECTED, extract.problems)
        return
    if upload.confirm_first:
        # Checked: the preview (worked out by sufficiency.preview) waits for data staff.
        Upload.objects.filter(pk=upload.pk).update(
            rows_count=len(extract.episodes), children_count=len(extract.children)
        )
        _finish(upload, Upload.Status.AWAITING, extract.problems)
        upload_id = upload.pk
        transaction.on_commit(lambda: _after_checked(upload_id))
        return
    set_stage(Upload.Stage.STITCHING, 60)
    _stitch_and_store(upload, extract, set_stage=set_stage)


def _stitch_and_store(
    upload: Upload,
    extract: Extract,
    *,
    set_stage: Callable[..., None],
    expected_history: str | None = None,
    decided: dict[str, object] | None = None,
) -> None:
    """Stitch a checked extract onto the stored history and store it, in one transaction. With
    `expected_history`, raise HistoryChanged (storing nothing) unless the stored history is
    still the one with that token."""
    with transaction.atomic():
        # One upload at a time per authority: the stitch must see the history it replaces.
        LocalAuthority.objects.select_for_update().get(pk=upload.la_id)
        earlier = _same_files_done(
            la_id=upload.la_id,
            kind=upload.kind,
            fingerprint=upload.fingerprint,
            other_than=upload.pk,
        )
        if earlier is not None and earlier.status == Upload.Status.LOADED:
            # The same files, posted twice at once, were loaded by the other while this one
            # waited for the lock.
            _duplicate(upload, earlier)
            return
        stitched = stitch_onto_stored(
            la_id=upload.la_id, extract=extract, window_start=upload.window_start
        )
        if expected_history is not None:
            # Confirmed twice at once: the second waits for the lock, then finds it loaded.
            if not Upload.objects.filter(pk=upload.pk, status=Upload.Status.AWAITING).exists():
                raise NotAwaitingConfirmation(MSG_NOT_AWAITING)
            if stitched.token != expected_history:
                raise HistoryChanged(MSG_HISTORY_CHANGED)
        if decided:
            Upload.objects.filter(pk=upload.pk).update(**decided)
        set_stage(Upload.Stage.STORING, 80)
        diff = write_history(
            la_id=upload.la_id,
            upload_id=upload.pk,
            stored_episodes=stitched.stored_episodes,
            stored_children=stitched.stored_children,
            episodes=stitched.episodes,
            children=stitched.children,
            postcode_lookup=extract.postcode_lookup,
        )
        Upload.objects.filter(pk=upload.pk).update(
            complete_from=_complete_from(upload, extract.episodes)
        )
        _loaded(
            upload,
            extract.problems + stitched.repairs,
            rows_count=len(extract.episodes),
            rows_added=diff.added,
            rows_updated=diff.updated,
            rows_removed=diff.removed,
            children_count=len(extract.children),
        )
    logger.info(
        "upload %s loaded: %s added, %s updated, %s removed",
        upload.pk,
        diff.added,
        diff.updated,
        diff.removed,
    )


class HistoryChanged(RuntimeError):
    """The stored history is not the one an upload was previewed on."""


class NotAwaitingConfirmation(ValueError):
    """Only an upload awaiting confirmation can be loaded or cancelled so."""


def load_confirmed(
    *,
    upload_id: int,
    user: AbstractBaseUser | None,
    expected_history: str,
    reason: str = "",
) -> Upload:
    """Load an upload awaiting confirmation with the same checks, stitch and write as any other,
    provided the stored history is still the one its preview was worked out on (the token
    `expected_history`); otherwise raise HistoryChanged and change nothing, so that it can be
    previewed again. `reason` is kept on the upload."""
    upload = Upload.objects.select_related("la").get(pk=upload_id)
    if upload.status != Upload.Status.AWAITING:
        raise NotAwaitingConfirmation(MSG_NOT_AWAITING)
    set_stage = _stage_setter(upload)
    extract, _ = read_and_validate(upload, check_links=True)
    if extract.has_errors:
        # The checks have changed since it was checked: it is rejected as any other would be.
        _finish(upload, Upload.Status.REJECTED, extract.problems)
        upload.refresh_from_db()
        return upload
    decided = {
        "change_reason": reason.strip(),
        "decided_at": timezone.now(),
        "decided_by": user if user is not None and user.is_authenticated else None,
    }
    try:
        _stitch_and_store(
            upload, extract, set_stage=set_stage, expected_history=expected_history,
            decided=decided,
        )  # fmt: skip
    except (HistoryChanged, NotAwaitingConfirmation, OperationalError, InterfaceError):
        raise
    except Exception as exc:
        # As process_upload: nothing was stored; the upload is marked failed, without row
        # contents in the log.
        _failed(upload, exc)
    upload.refresh_from_db()
    return upload


def cancel_upload(*, upload_id: int, user: AbstractBaseUser | None) -> Upload:
    """Cancel an upload awaiting confirmation: it is kept, marked cancelled, and nothing of it
    loads (its files can be uploaded again)."""
    with transaction.atomic():
        upload = Upload.objects.select_for_update().get(pk=upload_id)
        if upload.status != Upload.Status.AWAITING:
            raise NotAwaitingConfirmation(MSG_NOT_AWAITING)
        Upload.objects.filter(pk=upload.pk).update(
            status=Upload.Status.CANCELLED,
            decided_at=timezone.now(),
            decided_by=user if user is not None and user.is_authenticated else None,
        )
    upload.refresh_from_db()
    return upload


@dataclass
class StitchedHistory:
    """The stored history as read, and what it becomes with an extract stitched onto it."""

    stored_episodes: pd.DataFrame
    stored_children: pd.DataFrame
    episodes: pd.DataFrame
    children: pd.DataFrame
    repairs: list[Problem]

    @property
    def token(self) -> str:
        """Identifies the stored history this was stitched onto (see `history_token`)."""
        return history_token(self.stored_episodes, self.stored_children)


def stitch_onto_stored(
    *, la_id: int, extract: Extract, window_start: dt.date | None
) -> StitchedHistory:
    """Read the authority's stored history and stitch a validated 903 extract onto it, writing
    nothing: what processing stores, and what a preview shows before it is stored. Called
    under the authority's lock when what follows writes."""
    stored = stored_episodes_frame(la_id=la_id)
    episodes, repairs = stitch_episodes(
        stored,
        extract.episodes,
        window_start=window_start,
        source="Episodes",
        absent_fields=extract.absent_fields,
    )
    stored_children = stored_children_frame(la_id=la_id)
    children = stitch_children(stored_children, extract.children, episodes=episodes)
    return StitchedHistory(stored, stored_children, episodes, children, repairs)


def history_token(stored_episodes: pd.DataFrame, stored_children: pd.DataFrame) -> str:
    """A SHA-256 over the stored episodes (database ids included) and children: the same
    token means the same stored history, so a preview still says what loading will do."""
    digest = hashlib.sha256()
    for frame in (stored_episodes, stored_children):
        digest.update(pd.util.hash_pandas_object(frame, index=False).to_numpy().tobytes())
        digest.update(b"|")
    return digest.hexdigest()


def current_history_token(*, la_id: int) -> str:
    """The token of the authority's stored history now."""
    return history_token(stored_episodes_frame(la_id=la_id), stored_children_frame(la_id=la_id))


def _complete_from(upload: Upload, episodes: pd.DataFrame) -> dt.date | None:
    return complete_from(window_start=upload.window_start, episodes=episodes)


def complete_from(*, window_start: dt.date | None, episodes: pd.DataFrame) -> dt.date | None:
    """The first day an upload's episodes are complete from (docs/uploads.md#history-
    coverage): its window start; for a full history, its earliest DECOM."""
    if window_start is not None:
        return window_start
    if episodes.empty:
        return None
    return pd.Timestamp(episodes["decom"].min()).date()


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
    return read_raw_files(raw_files, kind=upload.kind)


def read_raw_files(
    raw_files: list[RawFile], *, kind: str
) -> tuple[list[Table], list[Problem], list[str]]:
    """Files read as a kind's layout: tables, problems, and per file the tables recognised."""
    layout = LAYOUTS[kind]
    tables, problems = read_files(
        raw_files,
        max_bytes=settings.UPLOAD_MAX_BYTES,
        max_unzipped_bytes=settings.UPLOAD_MAX_UNZIPPED_BYTES,
        layout=layout,
        others=[other for other in LAYOUTS.values() if other is not layout],
        limits=upload_limits(),
    )
    # Each kind once per file: a workbook may hold any number of sheets of an ignored table,
    # and the list is stored in a column of fixed length (all the kinds together fit in it).
    file_tables = [
        ", ".join(dict.fromkeys(t.kind for t in tables if _source_file(t.source) == f.name))
        for f in raw_files
    ]
    return tables, problems, file_tables


@functools.cache
def message_templates() -> tuple[str, ...]:
    """Every problem message with a part that changes from row to row ("{place}"), as written
    in the modules that make them: what a stored message is matched against to group an
    upload's problems by kind."""
    templates: list[str] = []
    for module in (readers, limits, validate, stitch, carers, costs):
        for name, value in vars(module).items():
            if name.isupper() and isinstance(value, str) and "{" in value:
                templates.append(value)
    for layout in LAYOUTS.values():
        templates.extend(
            value for value in vars(layout).values() if isinstance(value, str) and "{" in value
        )
    return tuple(dict.fromkeys(templates))


def file_table_kinds(upload_file: UploadFile) -> list[str]:
    """The tables recognised in a file, as recorded when it was read."""
    return [kind for kind in upload_file.tables.split(", ") if kind]


def ignored_tables_note(upload_files: Iterable[UploadFile]) -> str:
    """One sentence naming the other 903 tables found in these files, or ""."""
    found = [
        f"{kind} in {upload_file.name}"
        for upload_file in upload_files
        for kind in file_table_kinds(upload_file)
        if kind in IGNORED_TABLES
    ]
    return MSG_TABLES_IGNORED.format(tables=", ".join(found)) if found else ""


def _record_tables(upload: Upload, file_tables: list[str]) -> None:
    for upload_file, tables in zip(upload.files.order_by("id"), file_tables, strict=True):
        if upload_file.tables != tables:
            UploadFile.objects.filter(pk=upload_file.pk).update(tables=tables)


def read_and_validate(
    upload: Upload,
    *,
    on_validating: Callable[..., None] | None = None,
    check_links: bool = False,
) -> tuple[Extract, list[str]]:
    """Read and check a 903 upload. With `check_links`, its URNs and CARER_IDs are looked up
    in the stored providers and carer households (a replay does without: it only needs the
    episodes, and the warnings would be today's, not the upload's)."""
    tables, problems, file_tables = _read_tables(upload)
    return _validated(
        tables, problems, la_id=upload.la_id, as_at=upload.as_at,
        on_validating=on_validating, check_links=check_links,
    ), file_tables  # fmt: skip


def validate_903_files(
    raw_files: list[RawFile], *, la_id: int, as_at: dt.date
) -> tuple[Extract, list[str]]:
    """Read and check 903 files as processing does (links looked up), keeping nothing: the
    extract, and per file the tables recognised in it."""
    tables, problems, file_tables = read_raw_files(raw_files, kind=Upload.Kind.SSDA903)
    return _validated(tables, problems, la_id=la_id, as_at=as_at, check_links=True), file_tables


def _validated(
    tables: list[Table],
    problems: list[Problem],
    *,
    la_id: int,
    as_at: dt.date,
    on_validating: Callable[..., None] | None = None,
    check_links: bool,
) -> Extract:
    if on_validating is not None:
        on_validating(Upload.Stage.VALIDATING, 30)
    if any(p.is_error for p in problems):
        return Extract(empty_children(), empty_episodes(), problems)
    extract = validate_extract(
        tables,
        as_at=as_at,
        known_urns=known_provider_urns if check_links else None,
        known_carers=_carer_lookup(la_id) if check_links else None,
    )
    extract.problems[:0] = problems
    return extract


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
# Their rows (Upload.rows_*) are carer households or placement costs:
#   carers: rows_count = households in the extract, deregistered_count = of them deregistered,
#           rows_added / _updated / _removed = households new / changed / no longer listed
#   costs:  rows_count = costs in the extract, children_count = children they are for,
#           rows_added / _updated = costs new / changing a stored cost

_SupplyExtract = TypeVar("_SupplyExtract", carers.CarersExtract, costs.CostsExtract)


def _read_supply_extract(
    upload: Upload, validate: Callable[[list[Table]], _SupplyExtract]
) -> tuple[_SupplyExtract, list[Problem]] | None:
    """Read and check a carers or costs upload: its extract and every problem found, or None
    when it was rejected (and finished so)."""
    set_stage = _stage_setter(upload)
    set_stage(Upload.Stage.READING, 5, status=Upload.Status.PROCESSING)
    tables, problems, file_tables = _read_tables(upload)
    _record_tables(upload, file_tables)
    if any(p.is_error for p in problems):
        _finish(upload, Upload.Status.REJECTED, problems)
        return None
    set_stage(Upload.Stage.VALIDATING, 30)
    extract = validate(tables)
    problems += extract.problems
    if extract.has_errors:
        _finish(upload, Upload.Status.REJECTED, problems)
        return None
    set_stage(Upload.Stage.STORING, 80)
    return extract, problems


def _process_carers(upload: Upload) -> None:
    checked = _read_supply_extract(
        upload,
        lambda tables: carers.validate_carers(
            tables, as_at=upload.as_at, known_agencies=known_provider_urns
        ),
    )
    if checked is None:
        return
    extract, problems = checked
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
            rows_count=len(extract.households),
            deregistered_count=extract.deregistered,
            rows_added=added,
            rows_updated=changed,
            rows_removed=removed,
        )
    logger.info(
        "upload %s loaded: %s carer households (%s new, %s changed, %s no longer listed)",
        upload.pk,
        len(extract.households),
        added,
        changed,
        removed,
    )


def _process_costs(upload: Upload) -> None:
    checked = _read_supply_extract(
        upload,
        lambda tables: costs.validate_costs(
            tables,
            as_at=upload.as_at,
            episode_keys=episodes_frame(la_id=upload.la_id, columns=["decom"]),
        ),
    )
    if checked is None:
        return
    extract, problems = checked
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
        upsert_rows(
            PlacementCost,
            new[["la_id", *costs.FIELDS, "source_upload_id"]],
            unique=["la", "child_id", "decom"],
            update=["weekly_cost", "source_upload"],
            known=known,
        )
        _loaded(
            upload,
            problems,
            rows_count=len(extract.costs),
            children_count=extract.costs["child_id"].nunique(),
            rows_added=added,
            rows_updated=changed,
        )
    logger.info(
        "upload %s loaded: %s placement costs (%s new, %s changed)",
        upload.pk,
        len(extract.costs),
        added,
        changed,
    )


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


def in_row_order(problems: list[Problem], file_names: list[str]) -> list[Problem]:
    """Errors, then warnings; each in the order of the files as uploaded (a workbook's sheets
    in the order they were met), then by row, problems about a whole file or upload first."""
    rank = {name: i for i, name in enumerate(file_names)}
    first_seen: dict[str, int] = {}
    for problem in problems:
        first_seen.setdefault(problem.file, len(first_seen))

    def key(problem: Problem) -> tuple[bool, int, int, int]:
        # Problems of no file come first; those of the history (a repaired chain) after the files.
        file_rank = rank.get(_source_file(problem.file), len(rank)) if problem.file else -1
        row = -1 if problem.row is None else problem.row
        return (not problem.is_error, file_rank, first_seen[problem.file], row)

    return sorted(problems, key=key)


def _finish(upload: Upload, status: str, problems: list[Problem]) -> None:
    errors = sum(p.is_error for p in problems)
    names = list(upload.files.order_by("id").values_list("name", flat=True))
    UploadProblem.objects.filter(upload=upload).delete()
    # Written as a frame: an extract can have thousands of warnings, and COPY stores them in
    # a fraction of the time the ORM takes.
    ordered = in_row_order(problems, names)
    insert_rows(
        UploadProblem,
        pd.DataFrame(
            {
                "upload_id": pd.Series(upload.pk, index=range(len(ordered)), dtype="Int64"),
                "severity": pd.Series([p.severity for p in ordered], dtype=object),
                "file": pd.Series([p.file[:255] for p in ordered], dtype=object),
                "row": pd.Series([p.row for p in ordered], dtype="Int64"),
                "child_id": pd.Series([p.child[:20] for p in ordered], dtype=object),
                "column": pd.Series([p.column[:40] for p in ordered], dtype=object),
                "value": pd.Series([p.value[:100] for p in ordered], dtype=object),
                "message": pd.Series([p.message for p in ordered], dtype=object),
            }
        ),
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
    """Queue what follows a change of history (the indicators' recompute, named in settings).
    With the broker down it is not queued; the sweeper queues it once the broker is back."""
    _send(getattr(settings, "AFTER_UPLOAD_LOADED_TASK", ""), la_id, upload_id)


def _after_checked(upload_id: int) -> None:
    """Queue the preview of an upload awaiting confirmation (the task named in settings), so
    that its page usually finds it worked out (and works it out itself if not)."""
    _send(getattr(settings, "AFTER_UPLOAD_CHECKED_TASK", ""), upload_id)


def _send(name: str, *args: object) -> None:
    if not name:
        return
    try:
        import_string(name).delay(*args)
    except Exception as exc:
        # What was done is stored; what follows is caught up by the sweeper.
        logger.warning("%s not queued: the task queue did not take it (%s)", name,
                       type(exc).__name__)  # fmt: skip
