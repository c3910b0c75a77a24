import sys

from django.core.management.base import BaseCommand, CommandParser

from placements.history import rebuild_history
from placements.management.commands._common import authority


class Command(BaseCommand):
    help = (
        "Replay an authority's loaded uploads from their kept raw files, in order, and compare "
        "the result with the stored history; unless --check, store the rebuilt history."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--la", required=True, help="DfE 3-digit authority code")
        parser.add_argument(
            "--check",
            action="store_true",
            help="Only compare; exit 1 if the stored history differs from the replay",
        )

    def handle(self, *args: object, **options: object) -> None:
        la = authority(str(options["la"]))
        report = rebuild_history(la=la, check_only=bool(options["check"]))
        self.stdout.write(
            f"Replayed {report.uploads_replayed} upload(s) for {la.name}: "
            f"{report.children} children, {report.episodes} episodes."
        )
        if report.identical:
            self.stdout.write("The stored history is identical to the replay.")
            return
        self.stdout.write(
            f"The stored history differed from the replay in {report.episodes_differing} "
            f"episode(s) and {report.children_differing} child record(s)."
        )
        if report.written:
            self.stdout.write("The stored history has been replaced by the replay.")
        elif options["check"]:
            sys.exit(1)
