"""The embedded quick start's data: a synthetic demo authority with five years of history, and
one demo user per role. Safe to run again: it loads the history once and resets the demo logins."""

import datetime as dt
import io
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction

from dashboard import access
from placements.models import LocalAuthority, Population, Upload
from placements.services import import_extract
from placements.ssda903 import codes
from placements.ssda903.readers import RawFile

DEMO_LA_CODE = "999"
DEMO_LA_NAME = "Demo Borough"
# The demo borough borrows Southwark's geography so that its postcodes are real.
DEMO_DISTRICTS = ["E09000028"]
DEMO_PASSWORD = "demo-sufficiency-2026"  # noqa: S105 - printed on purpose: demo data only
DEMO_USERS = {
    "demo-officer": access.OFFICERS,
    "demo-committee": access.COMMITTEE,
    "demo-data": access.DATA_STAFF,
    "demo-admin": access.ADMIN,
}


class Command(BaseCommand):
    help = "Create the demo authority with five years of synthetic history, and the demo users."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--children-in-care", type=int, default=450)
        parser.add_argument("--years", type=int, default=5)
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument("--out", default=str(Path(settings.BASE_DIR) / "demo-data"))

    def handle(self, *args: object, **options: object) -> None:
        as_at = codes.last_month_end(dt.date.today())
        with transaction.atomic():
            la, _ = LocalAuthority.objects.update_or_create(
                code=DEMO_LA_CODE, defaults={"name": DEMO_LA_NAME, "districts": DEMO_DISTRICTS}
            )
            for year in range(as_at.year - 12, as_at.year + 1):
                Population.objects.get_or_create(la=la, year=year, defaults={"count": 61000})
        if Upload.objects.filter(la=la, status=Upload.Status.LOADED).exists():
            self.stdout.write(f"{la} already has its history loaded.")
        else:
            self._load_history(la, as_at, options)
        self._users(la)

    def _load_history(self, la: LocalAuthority, as_at: dt.date, options: dict) -> None:
        out = Path(str(options["out"]))
        call_command(
            "generate_903",
            "--la", la.code,
            "--children-in-care", str(options["children_in_care"]),
            "--years", str(options["years"]),
            "--seed", str(options["seed"]),
            "--as-at", as_at.isoformat(),
            "--out", str(out),
            stdout=io.StringIO(),
        )  # fmt: skip
        years = sorted(p for p in out.iterdir() if p.is_dir() and p.name[:4].isdigit())
        for folder in years:
            year_end = dt.date(int(folder.name[:4]) + 1, 3, 31)
            upload = import_extract(
                la=la,
                user=None,
                as_at=min(year_end, as_at),
                window_start=dt.date(int(folder.name[:4]), 4, 1),
                files=[RawFile(p.name, p.read_bytes()) for p in sorted(folder.glob("*.csv"))],
            )
            self.stdout.write(
                f"Loaded {folder.name} for {la.name}: {upload.get_status_display()}, "
                f"{upload.episodes_count} episodes, {upload.warnings_count} warning(s)."
            )

    def _users(self, la: LocalAuthority) -> None:
        User = get_user_model()
        self.stdout.write("\nDemo logins (synthetic data only), password for all: " + DEMO_PASSWORD)
        for username, role in DEMO_USERS.items():
            user, _ = User.objects.get_or_create(username=username)
            user.set_password(DEMO_PASSWORD)
            user.is_staff = role == access.ADMIN
            user.is_superuser = role == access.ADMIN
            user.save()
            user.groups.set([Group.objects.get(name=role)])
            la.users.add(user)
            self.stdout.write(f"  {username:<16} {role}")
        self.stdout.write("\nOpen http://127.0.0.1:8000 and sign in.")
