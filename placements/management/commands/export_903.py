from pathlib import Path

from django.core.management.base import BaseCommand, CommandParser

from placements.history import export_history
from placements.management.commands._common import authority


class Command(BaseCommand):
    help = (
        "Write an authority's stored history as header.csv, episodes.csv and uasc.csv (903 layout)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--la", required=True, help="DfE 3-digit authority code")
        parser.add_argument("--out", required=True, help="Folder to write into")

    def handle(self, *args: object, **options: object) -> None:
        la = authority(str(options["la"]))
        for path in export_history(la=la, out_dir=Path(str(options["out"]))):
            rows = sum(1 for _ in path.open(encoding="utf-8")) - 1
            self.stdout.write(f"Wrote {path} ({rows} rows)")
