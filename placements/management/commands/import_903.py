import sys
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from placements.management.commands._common import authority, iso_date
from placements.models import Upload
from placements.services import default_window_start, import_extract
from placements.ssda903.readers import RawFile

MSG_TOO_LARGE = 'File "{name}" is larger than the {limit} MB limit.'


class Command(BaseCommand):
    help = (
        "Load a 903 extract (CSV files, one Excel workbook or the XML file) for an authority, "
        "as the web form does. Exit 0 when loaded, 1 when rejected."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--la", required=True, help="DfE 3-digit authority code")
        parser.add_argument("--as-at", required=True, help="Extract date, YYYY-MM-DD")
        window = parser.add_mutually_exclusive_group()
        window.add_argument(
            "--start", help="Window start, YYYY-MM-DD (default 1 April of the collection year)"
        )
        window.add_argument(
            "--full-history", action="store_true", help="The files hold the whole history"
        )
        parser.add_argument("files", nargs="+", help="The extract's files")

    def handle(self, *args: object, **options: object) -> None:
        la = authority(str(options["la"]))
        as_at = iso_date(str(options["as_at"]), "--as-at")
        if options["full_history"]:
            window_start = None
        elif options["start"]:
            window_start = iso_date(str(options["start"]), "--start")
        else:
            window_start = default_window_start(as_at)
        files = self._read_files([Path(str(f)) for f in options["files"]])  # type: ignore[union-attr]

        upload = import_extract(
            la=la, user=None, as_at=as_at, window_start=window_start, files=files
        )
        if upload.status == Upload.Status.DUPLICATE:
            earlier = upload.duplicate_of
            if earlier is not None and earlier.status == Upload.Status.REJECTED:
                self.stderr.write(
                    f"These files were already uploaded for {la.name} with the same window "
                    f"(upload {earlier.pk}) and were rejected; nothing was done. "
                    "Correct the problems listed for that upload and upload again."
                )
                sys.exit(1)
            self.stdout.write(
                f"These files were already uploaded for {la.name} with the same window "
                f"(upload {upload.duplicate_of_id}); nothing was loaded again."
            )
            return
        for problem in upload.problems.order_by("id"):
            line = problem.as_problem().as_line()
            (self.stderr if problem.severity == "error" else self.stdout).write(line)
        if upload.status == Upload.Status.LOADED:
            self.stdout.write(
                f"Loaded upload {upload.pk} for {la.name}: {upload.children_count} children, "
                f"{upload.episodes_count} episodes ({upload.episodes_added} added, "
                f"{upload.episodes_updated} updated, {upload.episodes_removed} removed), "
                f"{upload.warnings_count} warning(s)."
            )
            return
        if upload.status == Upload.Status.FAILED:
            self.stderr.write(upload.failure)
        else:
            self.stderr.write(
                f"Rejected upload {upload.pk}: {upload.errors_count} error(s). "
                "Nothing was changed; the stored history is as it was."
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
            files.append(RawFile(name=path.name, content=path.read_bytes()))
        return files
