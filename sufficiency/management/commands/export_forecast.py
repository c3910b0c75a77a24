from django.core.management.base import BaseCommand, CommandError, CommandParser

from placements.csvsafe import write_rows
from placements.management.commands._common import authority
from sufficiency.forecast.measures import TooLittleHistory
from sufficiency.forecasting import BASE_SCENARIO, forecast_frame, latest_or_new_run

HEADER = [
    "scenario",
    "period_end",
    "measure",
    "mean",
    "lower_80",
    "upper_80",
    "lower_95",
    "upper_95",
]
MSG_UNKNOWN_SCENARIO = "{la} has no scenario called {name!r}."


def _one_decimal(value: float | None) -> str:
    return "" if value is None else f"{value:.1f}"


class Command(BaseCommand):
    help = (
        "Write an authority's demand forecast as CSV to standard output: scenario,period_end,"
        "measure,mean,lower_80,upper_80,lower_95,upper_95, from the forecast's start (the last "
        "stored month end) to 36 months ahead. Computes the forecast first if there is none."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--la", required=True, help="DfE 3-digit authority code")
        parser.add_argument("--scenario", default=BASE_SCENARIO, help="Scenario name (base)")

    def handle(self, *args: object, **options: object) -> None:
        la = authority(str(options["la"]))
        scenario = str(options["scenario"])
        if scenario != BASE_SCENARIO:
            raise CommandError(MSG_UNKNOWN_SCENARIO.format(la=la.name, name=scenario))
        try:
            run = latest_or_new_run(la)
        except TooLittleHistory as short:
            raise CommandError(str(short)) from None
        frame = forecast_frame(run)
        rows = (
            (scenario, period_end.isoformat(), measure, *(_one_decimal(v) for v in values))
            for period_end, measure, *values in frame.sort_values(
                ["period_end", "measure"], kind="stable"
            ).itertuples(index=False)
        )
        write_rows(self.stdout, HEADER, rows)
