import datetime as dt
import sys
from pathlib import Path

from django.conf import settings
from django.core.management.base import CommandParser
from django.utils.module_loading import import_string

from placements.checks import extract_checks
from placements.management.commands._common import authority, iso_date
from placements.management.commands._imports import ImportCommand
from placements.models import LocalAuthority, Upload
from placements.uploads import as_at_refusal, default_window_start, validate_903_files

MSG_COMMAND_WARNINGS = (
    "Not loaded: check the warnings above, then run again with --confirm-warnings to load it. "
    "Nothing was changed."
)


class Command(ImportCommand):
    help = (
        "Load a 903 extract (CSV files, one Excel workbook or the XML file) for an authority, "
        "as the web form does. Exit 0 when loaded, 1 when rejected."
    )
    kind = Upload.Kind.SSDA903
    same = "the same window"

    def add_window_arguments(self, parser: CommandParser) -> None:
        window = parser.add_mutually_exclusive_group()
        window.add_argument(
            "--start", help="Window start, YYYY-MM-DD (default 1 April of the collection year)"
        )
        window.add_argument(
            "--full-history", action="store_true", help="The files hold the whole history"
        )

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Check the files and print what loading them would change; keep nothing",
        )
        parser.add_argument(
            "--confirm-warnings",
            action="store_true",
            help="Load even when the checks against careless uploads warn (an old extract, "
            "children new to the authority, homes outside its districts): they were checked",
        )

    def handle(self, *args: object, **options: object) -> None:
        if not options["dry_run"]:
            if not options["confirm_warnings"]:
                self._refuse_warned(options)
            super().handle(*args, **options)
            return
        la = authority(str(options["la"]))
        as_at = iso_date(str(options["as_at"]), "--as-at")
        files = self._read_files([Path(str(f)) for f in options["files"]])  # type: ignore[union-attr]
        refusal = as_at_refusal(as_at)
        if refusal is not None:
            self.stderr.write(f"ERROR: {refusal}")
            sys.exit(1)
        # The preview needs the indicators, which placements may not import: settings name it.
        dry_run = import_string(settings.UPLOAD_PREVIEW)
        result = dry_run(
            la=la, as_at=as_at, window_start=self.window_start(options, as_at), files=files
        )
        # Every problem on standard error: standard output is only the preview's lines.
        for problem in result.problems:
            self.stderr.write(problem.as_line())
        if result.preview is None:
            self.stderr.write(
                f"Rejected: {sum(p.is_error for p in result.problems)} error(s). "
                "Nothing was changed (dry run); the stored history is as it was."
            )
            sys.exit(1)
        for name, value in result.preview.lines():
            self.stdout.write(f"{name}: {value}")

    def _refuse_warned(self, options: dict[str, object]) -> None:
        """Exit 1, loading nothing, when a check against careless uploads warns."""
        la = authority(str(options["la"]))
        as_at = iso_date(str(options["as_at"]), "--as-at")
        if as_at_refusal(as_at) is not None:
            return  # refused as any upload is, by the load itself
        files = self._read_files([Path(str(f)) for f in options["files"]])  # type: ignore[union-attr]
        extract, _ = validate_903_files(files, la_id=la.pk, as_at=as_at)
        if extract.has_errors:
            return  # rejected, with its problems, by the load itself
        warnings = [c.warning for c in extract_checks(extract, la=la, as_at=as_at) if c.warns]
        if not warnings:
            return
        for warning in warnings:
            self.stderr.write(f"WARNING: {warning}")
        self.stderr.write(MSG_COMMAND_WARNINGS)
        sys.exit(1)

    def window_start(self, options: dict[str, object], as_at: dt.date) -> dt.date | None:
        if options["full_history"]:
            return None
        if options["start"]:
            return iso_date(str(options["start"]), "--start")
        return default_window_start(as_at)

    def loaded(self, upload: Upload, la: LocalAuthority) -> str:
        return (
            f"Loaded upload {upload.pk} for {la.name}: {upload.children_count} children, "
            f"{upload.rows_count} episodes ({upload.rows_added} added, "
            f"{upload.rows_updated} updated, {upload.rows_removed} removed), "
            f"{upload.warnings_count} warning(s)."
        )
