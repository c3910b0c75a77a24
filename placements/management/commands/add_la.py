import datetime as dt
import re

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from placements.models import LocalAuthority, Population

DISTRICT_CODE = re.compile(r"^[EW]0[6-9]\d{6}$")


class Command(BaseCommand):
    help = "Create or update a local authority, its ONS districts and its population aged 0-17."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("code", help="DfE 3-digit authority code, e.g. 210")
        parser.add_argument("name", help='Authority name, e.g. "Southwark"')
        parser.add_argument(
            "--districts",
            required=True,
            help="Comma-separated ONS district codes, e.g. E09000028",
        )
        parser.add_argument(
            "--population",
            action="extend",
            nargs="+",
            default=[],
            metavar="YEAR:COUNT",
            help="Population aged 0-17 from the ONS mid-year estimate for YEAR (one or more)",
        )
        parser.add_argument(
            "--history-from",
            metavar="YYYY-MM-DD",
            help="The records before this date are known to be incomplete: figures that look "
            "back before it show 'not enough history' ('none' clears it)",
        )

    def handle(self, *args: object, **options: object) -> None:
        code = str(options["code"]).strip()
        if not re.fullmatch(r"\d{3}", code):
            raise CommandError(f"The DfE code must be 3 digits, not {code!r}.")
        districts = [d.strip().upper() for d in str(options["districts"]).split(",") if d.strip()]
        bad = [d for d in districts if not DISTRICT_CODE.match(d)]
        if not districts or bad:
            raise CommandError(
                "--districts must list ONS district codes such as E09000028"
                + (f"; not {', '.join(bad)}." if bad else ".")
            )
        populations: dict[int, int] = {}
        for item in options["population"]:  # type: ignore[union-attr]
            match = re.fullmatch(r"\s*(\d{4})\s*:\s*(\d+)\s*", str(item))
            if not match:
                raise CommandError(f"--population takes YEAR:COUNT, e.g. 2024:64210; not {item!r}.")
            populations[int(match[1])] = int(match[2])

        defaults: dict[str, object] = {"name": str(options["name"]).strip(), "districts": districts}
        history_from = options.get("history_from")
        if history_from is not None:
            if str(history_from).lower() == "none":
                defaults["history_complete_from"] = None
            else:
                try:
                    defaults["history_complete_from"] = dt.date.fromisoformat(str(history_from))
                except ValueError:
                    raise CommandError(
                        f"--history-from takes a date as YYYY-MM-DD, or none; not {history_from!r}."
                    ) from None
        with transaction.atomic():
            la, created = LocalAuthority.objects.update_or_create(code=code, defaults=defaults)
            for year, count in populations.items():
                Population.objects.update_or_create(la=la, year=year, defaults={"count": count})
        verb = "Created" if created else "Updated"
        self.stdout.write(
            f"{verb} {la.name} ({la.code}): {len(districts)} district(s), "
            f"{len(populations)} population figure(s)."
        )
        if history_from is not None and not created:
            self.stdout.write(
                f"Run `manage.py compute_indicators --la {la.code}` to show the figures with the "
                "new history date (the monthly recompute does it too)."
            )
