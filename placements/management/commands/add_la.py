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

        with transaction.atomic():
            la, created = LocalAuthority.objects.update_or_create(
                code=code, defaults={"name": str(options["name"]).strip(), "districts": districts}
            )
            for year, count in populations.items():
                Population.objects.update_or_create(la=la, year=year, defaults={"count": count})
        verb = "Created" if created else "Updated"
        self.stdout.write(
            f"{verb} {la.name} ({la.code}): {len(districts)} district(s), "
            f"{len(populations)} population figure(s)."
        )
