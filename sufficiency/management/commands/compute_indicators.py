import sys

from django.core.management.base import BaseCommand, CommandParser

from placements.management.commands._common import authority
from sufficiency.models import Computation
from sufficiency.services import recompute_indicators


class Command(BaseCommand):
    help = "Recompute an authority's indicators for every month end now, in this process."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--la", required=True, help="DfE 3-digit authority code")

    def handle(self, *args: object, **options: object) -> None:
        la = authority(str(options["la"]))
        try:
            run = recompute_indicators(la_id=la.pk, trigger=Computation.Trigger.COMMAND)
        except Exception:
            failed = Computation.objects.filter(la=la).first()
            self.stderr.write(failed.error if failed else "The computation failed.")
            sys.exit(1)
        self.stdout.write(
            f"Computed {run.values_written} values for {la.name}: {run.months} month(s), "
            f"definitions {run.definitions_version}, {run.compute_seconds or 0:.2f} s."
        )
