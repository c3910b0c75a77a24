import datetime as dt

from django.core.management.base import CommandParser

from placements.management.commands._common import iso_date
from placements.management.commands._imports import ImportCommand
from placements.models import LocalAuthority, Upload
from placements.uploads import default_window_start


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
