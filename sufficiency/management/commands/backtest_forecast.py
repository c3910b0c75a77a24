from django.core.management.base import BaseCommand, CommandError, CommandParser

from placements.csvsafe import write_rows
from placements.management.commands._common import authority
from sufficiency.forecast.backtest import BACKTEST_COLUMNS
from sufficiency.forecast.measures import TooLittleHistory
from sufficiency.forecasting import latest_or_new_run


def _figure(value: object) -> str:
    """A measure or a count as it is; a rate to three decimals; blank when not known."""
    if value is None:
        return ""
    return f"{value:.3f}" if isinstance(value, float) else str(value)


class Command(BaseCommand):
    help = (
        "Write an authority's forecast track record as CSV to standard output: measure,"
        "horizon_months,origins,mae,mape,bias,skill_vs_no_change,coverage_80,coverage_95, from "
        "a rolling-origin backtest over its own history. Computes it first if there is none."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--la", required=True, help="DfE 3-digit authority code")

    def handle(self, *args: object, **options: object) -> None:
        la = authority(str(options["la"]))
        try:
            run = latest_or_new_run(la)
        except TooLittleHistory as short:
            raise CommandError(str(short)) from None
        rows = (
            tuple(_figure(value) for value in row)
            for row in run.backtest.order_by("id").values_list(*BACKTEST_COLUMNS)
        )
        write_rows(self.stdout, BACKTEST_COLUMNS, rows)
