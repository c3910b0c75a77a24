"""What the import commands share: read the files, load them as the web form does, report.

Exit 0 when loaded (warnings printed), 1 when rejected or refused (an as-at date after today,
a file over the size limit, files over a limit on one upload: docs/uploads.md#limits), one line
per problem: file, row, CHILD (for carers, the
CARER_ID), column, value, message.
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from placements.management.commands._common import authority, iso_date
from placements.models import LocalAuthority, Upload
from placements.ssda903.limits import TOTAL_TOO_LARGE, format_size
from placements.ssda903.readers import RawFile
from placements.uploads import (
    MSG_REJECTED_WARNINGS,
    UploadRefused,
    ignored_tables_note,
    import_extract,
    limits_refusal,
)

MSG_TOO_LARGE = 'File "{name}" is larger than the {limit} MB limit.'


class ImportCommand(BaseCommand):
    """One kind of extract's import command; subclasses say what a loaded upload was."""

    kind: str = Upload.Kind.SSDA903
    # "the stored history is as it was": what a rejected upload left alone.
    unchanged = "the stored history is as it was"
    # What an identical earlier upload had in common with this one.
    same = "the same as-at date"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--la", required=True, help="DfE 3-digit authority code")
        parser.add_argument("--as-at", required=True, help="Extract date, YYYY-MM-DD")
        self.add_window_arguments(parser)
        parser.add_argument("files", nargs="+", help="The extract's files")

    def add_window_arguments(self, parser: CommandParser) -> None:
        """Only a 903 extract has a window."""

    def window_start(self, options: dict[str, object], as_at: dt.date) -> dt.date | None:
        return None

    def loaded(self, upload: Upload, la: LocalAuthority) -> str:
        raise NotImplementedError

    def handle(self, *args: object, **options: object) -> None:
        la = authority(str(options["la"]))
        as_at = iso_date(str(options["as_at"]), "--as-at")
        window_start = self.window_start(options, as_at)
        files = self._read_files([Path(str(f)) for f in options["files"]])  # type: ignore[union-attr]

        try:
            upload = import_extract(
                la=la, user=None, as_at=as_at, window_start=window_start, files=files,
                kind=self.kind,
            )  # fmt: skip
        except UploadRefused as refusal:
            self.stderr.write(f"ERROR: {refusal}")
            sys.exit(1)
        if upload.status == Upload.Status.DUPLICATE:
            earlier = upload.duplicate_of
            if earlier is not None and earlier.status == Upload.Status.REJECTED:
                self.stderr.write(
                    f"These files were already uploaded for {la.name} with {self.same} "
                    f"(upload {earlier.pk}) and were rejected; nothing was done. "
                    "Correct the problems listed for that upload and upload again."
                )
                sys.exit(1)
            self.stdout.write(
                f"These files were already uploaded for {la.name} with {self.same} "
                f"(upload {upload.duplicate_of_id}); nothing was loaded again."
            )
            return
        for problem in upload.problems.order_by("id"):
            line = problem.as_problem().as_line()
            (self.stderr if problem.severity == "error" else self.stdout).write(line)
        note = ignored_tables_note(upload.files.order_by("id"))
        if note:
            self.stdout.write(note)
        if upload.status == Upload.Status.LOADED:
            self.stdout.write(self.loaded(upload, la))
            return
        if upload.status == Upload.Status.FAILED:
            self.stderr.write(upload.failure)
        else:
            if upload.warnings_count:
                self.stdout.write(MSG_REJECTED_WARNINGS)
            self.stderr.write(
                f"Rejected upload {upload.pk}: {upload.errors_count} error(s). "
                f"Nothing was changed; {self.unchanged}."
            )
        sys.exit(1)

    def _read_files(self, paths: list[Path]) -> list[RawFile]:
        limit = settings.UPLOAD_MAX_BYTES
        files = []
        for path in paths:
            if not path.is_file():
                raise CommandError(f'File "{path}" does not exist.')
            # Refuse before reading: a huge file is never loaded into memory.
            if path.stat().st_size > limit:
                self.stderr.write(
                    "ERROR: " + MSG_TOO_LARGE.format(name=path.name, limit=limit // 2**20)
                )
                sys.exit(1)
        # The limits on one upload, before any file is parsed: the bytes of them all first,
        # before any is read, then what the files hold (docs/uploads.md#limits).
        total_limit = settings.UPLOAD_MAX_TOTAL_BYTES
        if sum(path.stat().st_size for path in paths) > total_limit:
            self.stderr.write("ERROR: " + TOTAL_TOO_LARGE.format(limit=format_size(total_limit)))
            sys.exit(1)
        for path in paths:
            files.append(RawFile(name=path.name, content=path.read_bytes()))
        refusal = limits_refusal(files)
        if refusal is not None:
            self.stderr.write(f"ERROR: {refusal}")
            sys.exit(1)
        return files
