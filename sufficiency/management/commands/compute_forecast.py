from django.core.management.base import BaseCommand, CommandError, CommandParser

from placements.management.commands._common import authority
from sufficiency.forecast.measures import TooLittleHistory
from sufficiency.forecasting import compute_forecast


class Command(BaseCommand):
    help = (
        "Recompute an authority's demand forecast and its track record now (what the Celery "
        "task does after each upload and monthly). Exit 1 when the history is too short."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--la", required=True, help="DfE 3-digit authority code")

    def handle(self, *args: object, **options: object) -> None:
        la = authority(str(options["la"]))
        try:
            run = compute_forecast(la_id=la.pk)
        except TooLittleHistory as short:
            raise CommandError(str(short)) from None
        self.stdout.write(
            f"Forecast for {la.name} from {run.start:%d %B %Y}, estimated on the month ends "
            f"from {run.reference_from:%d %B %Y}: {run.horizon_months} months ahead, "
            f"{run.backtest.count()} track record lines, in {run.seconds:.1f} s."
        )
