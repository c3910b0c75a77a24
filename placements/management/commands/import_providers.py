"""Import Ofsted's provider workbooks (Children's Homes list, Social Care Providers list, or the
2025 combined list) by hand: one line per file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from placements.models import ImportLog
from placements.provider_import import import_provider_file

NOT_A_FILE = "{path} does not exist or is not a file."
UNREADABLE_FILE = "{path} could not be read."
NOT_IMPORTED = "{count} of {total} files not imported (see above)."


class Command(BaseCommand):
    help = (
        "Import Ofsted provider workbooks (.xlsx): add new providers by URN and update the "
        "others, recording what changed. Providers missing from a file are kept, since Ofsted "
        "lists closed providers separately. Exit 1 if any file was refused."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("files", nargs="+", type=Path)

    def handle(self, *args: Any, files: list[Path], **options: Any) -> None:
        refusals: list[str] = []
        for path in files:
            content = self._read(path, refusals)
            if content is None:
                continue
            record = import_provider_file(name=path.name, content=content, who="import_providers")
            if record.status == ImportLog.Status.REFUSED:
                message = f"{record.message} Nothing was imported from it."
                self.stderr.write(message)
                refusals.append(message)
            else:
                self.stdout.write(record.message)
        if refusals:
            # Every other file has been imported; a non-zero exit still tells scripts to look.
            raise CommandError(
                NOT_IMPORTED.format(count=len(refusals), total=len(files)), returncode=1
            )

    def _read(self, path: Path, refusals: list[str]) -> bytes | None:
        if not path.is_file():
            message = NOT_A_FILE.format(path=path)
        else:
            try:
                return path.read_bytes()
            except OSError:
                message = UNREADABLE_FILE.format(path=path)
        self.stderr.write(message)
        refusals.append(message)
        return None
