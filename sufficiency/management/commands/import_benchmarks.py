"""Import published DfE benchmark files (EES, LAIT, statistical neighbours) by hand."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from placements.models import ImportLog
from sufficiency.benchmark_import import import_benchmark_file


class Command(BaseCommand):
    help = "Import published DfE benchmark CSV files; each replaces its own earlier import."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("files", nargs="+", type=Path)

    def handle(self, *args: Any, files: list[Path], **options: Any) -> None:
        refusals = []
        for path in files:
            if not path.is_file():
                raise CommandError(f"{path} does not exist.")
            record = import_benchmark_file(
                name=path.name, content=path.read_bytes(), who="import_benchmarks"
            )
            if record.status == ImportLog.Status.REFUSED:
                self.stderr.write(record.message)
                refusals.append(record.message)
            else:
                self.stdout.write(record.message)
        if refusals:
            # Every other file has been imported; a non-zero exit still tells scripts to look.
            raise CommandError(refusals[0], returncode=1)
