from django.core.management.base import BaseCommand, CommandError, CommandParser

from placements.history import NothingToUndo, revert_latest_upload
from placements.management.commands._common import authority


class Command(BaseCommand):
    help = (
        "Undo an authority's latest loaded 903 upload: the history is put back exactly as it was "
        "before it (replayed from the other uploads' kept files), the upload is marked undone "
        "and the indicators are recomputed."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--la", required=True, help="DfE 3-digit authority code")
        parser.add_argument("--reason", default="", help="Why it is undone (kept on the upload)")

    def handle(self, *args: object, **options: object) -> None:
        la = authority(str(options["la"]))
        try:
            upload, report = revert_latest_upload(
                la=la, user=None, reason=str(options["reason"] or "")
            )
        except NothingToUndo as refused:
            raise CommandError(str(refused)) from None
        self.stdout.write(
            f"Undid upload {upload.pk} (as at {upload.as_at:%d/%m/%Y}) for {la.name}: the history "
            f"is as it was before it, {report.children} children and {report.episodes} episodes "
            f"from {report.uploads_replayed} upload(s)."
        )
