from django.core.management.base import BaseCommand, CommandParser

from placements.csvsafe import write_rows
from placements.management.commands._common import authority, iso_date
from sufficiency.services import format_value, values_frame

HEADER = ["indicator", "period_end", "value", "numerator", "denominator"]


class Command(BaseCommand):
    help = (
        "Write an authority's indicator values as CSV to standard output: "
        "indicator,period_end,value,numerator,denominator (all three blank at a month end "
        "without enough history behind it)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--la", required=True, help="DfE 3-digit authority code")
        parser.add_argument("--from", dest="start", help="First month end, YYYY-MM-DD")
        parser.add_argument("--to", dest="end", help="Last month end, YYYY-MM-DD")

    def handle(self, *args: object, **options: object) -> None:
        la = authority(str(options["la"]))
        start = iso_date(str(options["start"]), "--from") if options["start"] else None
        end = iso_date(str(options["end"]), "--to") if options["end"] else None
        frame = values_frame(la=la, start=start, end=end)
        # A month end without enough history behind it has no value and no counts: blank.
        rows = (
            (
                (indicator, period_end.isoformat(), format_value(indicator, value),
                 int(numerator), int(denominator))
                if enough
                else (indicator, period_end.isoformat(), "", "", "")
            )
            for indicator, period_end, value, numerator, denominator, enough in frame.itertuples(
                index=False
            )
        )  # fmt: skip
        write_rows(self.stdout, HEADER, rows)
