import datetime as dt
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from placements.management.commands._common import authority, iso_date
from placements.ssda903 import codes
from placements.synthetic import (
    episode_columns,
    generate_history,
    generate_supply,
    write_extracts,
    write_supply,
)


def positive(value: str) -> int:
    number = int(value)
    if number < 1:
        raise ValueError(value)
    return number


class Command(BaseCommand):
    help = (
        "Write synthetic SSDA903 extracts for an authority: one folder per collection year "
        "(header.csv, episodes.csv, uasc.csv) and full_history/. With --supply, also the "
        "supply side in the top folder: carers.csv (foster carers extract), costs.csv "
        "(placement costs extract) and providers.xlsx (Ofsted's 2025 combined provider list). "
        "No real child's data."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--la", required=True, help="DfE 3-digit code of an existing authority")
        parser.add_argument(
            "--children-in-care",
            type=positive,
            default=460,
            help="Children looked after at any month end (default 460, the median LA)",
        )
        parser.add_argument(
            "--years", type=positive, default=5, help="Collection years to write (default 5)"
        )
        parser.add_argument("--seed", type=int, default=0, help="Random seed (default 0)")
        parser.add_argument("--out", required=True, help="Folder to write into")
        parser.add_argument(
            "--as-at",
            help="Extract date YYYY-MM-DD (default: the last day of the previous month)",
        )
        parser.add_argument(
            "--supply",
            action="store_true",
            help=(
                "Also write carers.csv (every foster carer household: in-house ones and the "
                "agency ones the children live with), costs.csv (CHILD, DECOM, WEEKLY_COST for "
                "about 97%% of episodes) and providers.xlsx (every URN the episodes use, plus "
                "children's homes nearby the authority does not use) into --out, as at --as-at"
            ),
        )
        parser.add_argument(
            "--episode-columns",
            action="store_true",
            help=(
                "Add the optional CARER_ID and WEEKLY_COST columns to every episodes.csv "
                "(the same households and costs as --supply writes)"
            ),
        )

    def handle(self, *args: object, **options: object) -> None:
        la = authority(str(options["la"]))
        districts = [str(code) for code in la.districts or []]
        if not districts:
            raise CommandError(
                f"Local authority {la.code} has no ONS districts; set them with manage.py add_la."
            )
        as_at = (
            iso_date(str(options["as_at"]), "--as-at")
            if options["as_at"]
            else codes.last_month_end(dt.date.today())
        )
        try:
            history = generate_history(
                districts=districts,
                children_in_care=int(options["children_in_care"]),  # type: ignore[call-overload]
                years=int(options["years"]),  # type: ignore[call-overload]
                seed=int(options["seed"]),  # type: ignore[call-overload]
                as_at=as_at,
            )
        except ValueError as error:
            raise CommandError(str(error)) from None
        out = Path(str(options["out"]))
        supply = None
        if options["supply"] or options["episode_columns"]:
            supply = generate_supply(history, la_name=la.name)
        extra = episode_columns(supply) if supply and options["episode_columns"] else None
        for written in write_extracts(history, out, extra_episode_columns=extra):
            self.stdout.write(
                f"Wrote {written.folder}: {written.children} children, {written.episodes} episodes"
            )
        if supply and options["supply"]:
            for file in write_supply(supply, out):
                self.stdout.write(f"Wrote {file.path}: {file.description}")
