"""The embedded quick start's data: a synthetic demo authority with five years of history, the
DfE's published figures it is compared with, targets and commentary, and one demo user per role.
Safe to run again: it loads the history once, replaces the demo's benchmark files only when they
changed, and resets the demo targets, commentary and logins."""

import csv
import datetime as dt
import hashlib
import io
import math
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, Group
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction
from django.utils import timezone

from dashboard import access
from dashboard.wording import long_date
from placements.models import ImportLog, LocalAuthority, Population, Upload
from placements.provider_import import import_provider_file
from placements.ssda903 import codes
from placements.ssda903.readers import RawFile
from placements.uploads import import_extract
from sufficiency.benchmark_import import import_benchmark_file
from sufficiency.benchmarks import (
    EES_CLA_NUMBERS,
    EES_PLACEMENT_STABILITY,
    KIND_NAMES,
    LAIT_CLA,
    SN_2021,
    SN_2025,
)
from sufficiency.models import (
    Commentary,
    Computation,
    IndicatorValue,
    StatisticalNeighbour,
    Target,
)
from sufficiency.registry import BY_KEY, DEFINITIONS_VERSION
from sufficiency.reports import months_before
from sufficiency.services import format_value, recompute_indicators

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

# England's real published figures and ten invented neighbours, in the DfE's own layouts
# (fixtures/demo/README.md says what is real and what is invented). Imported in this order.
DEMO_DFE = Path(settings.BASE_DIR) / "fixtures" / "demo" / "dfe"
DEMO_BENCHMARK_FILES = {
    "cla_number_and_rate_per_10k_children.csv": EES_CLA_NUMBERS,
    "la_cla_placement_stability.csv": EES_PLACEMENT_STABILITY,
    "lait_cla_measures.csv": LAIT_CLA,
    "New_Statistical_Neighbour_Groupings_April_2021.csv": SN_2021,
    "sn_model_2025_wide.csv": SN_2025,
}
DEMO_IMPORTER = "setup_demo"
PUBLISHED_YEARS = range(2021, 2026)  # the 31 March years the demo files cover
DEMO_REGION = ("E12000007", "London")
DEMO_NEW_LA_CODE = "E09000999"  # invented, like the neighbours' E09000701...
PUBLISHED_FLOWS = [
    ("Children starting to be looked after each year", "starters_12m"),
    ("Children ceasing to be looked after each year", "ceased_12m"),
]

# The promises' targets: (indicator, years after the first start, value, amber margin, note).
# Chosen against the demo's computed values so the overview shows a mix of on target, close
# and off target; a second row for an indicator is the target revised a year later.
DEMO_TARGETS = [
    ("cla_rate", 0, 78, 3, "Sufficiency strategy: hold the rate below 78 per 10,000."),
    ("cla_rate", 1, 70, 3, "Revised at the annual review: towards our neighbours' average."),
    ("ifa_share", 0, 28, 2, "Grow our own fostering: at most 28% of fostered children with IFAs."),
    ("residential_count", 0, 50, 5, "No more than 50 children living in children's homes."),
    ("moves_3plus", 0, 12, 1, "At or below 12%, in line with statistical neighbours."),
    ("long_term_stability", 0, 72, 3, "At least 72%, above the England average."),
    ("distance_20_miles", 0, 20, 2, "Sufficiency strategy: at most 20% placed far from home."),
    ("distance_20_miles", 1, 15, 2, "Revised when the new in-borough homes were commissioned."),
]


class Command(BaseCommand):
    help = (
        "Create the demo authority with five years of synthetic history, its benchmarks, "
        "targets and commentary, and the demo users."
    )

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
        if Upload.objects.filter(
            la=la, kind=Upload.Kind.SSDA903, status=Upload.Status.LOADED
        ).exists():
            self.stdout.write(f"{la} already has its history loaded.")
        else:
            self._load_history(la, as_at, options)
        users = self._users(la)
        latest = self._indicators(la) or as_at
        self._benchmarks(la)
        self._targets(la, latest, users["demo-officer"])
        self._commentary(la, latest, users["demo-officer"])
        self._print_logins()

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
            "--supply", "--episode-columns",
            stdout=io.StringIO(),
        )  # fmt: skip
        # The supply side first: the provider lists and the carers, so that the 903 uploads
        # can check their URNs and CARER_IDs against them.
        workbook = out / "providers.xlsx"
        result = import_provider_file(name=workbook.name, content=workbook.read_bytes())
        self.stdout.write(
            f"Imported {result.rows} providers from the synthetic Ofsted list: "
            f"{result.get_status_display()}."
        )
        carers = out / "carers.csv"
        upload = import_extract(
            la=la, user=None, as_at=as_at, window_start=None, kind=Upload.Kind.CARERS,
            files=[RawFile(carers.name, carers.read_bytes())],
        )  # fmt: skip
        self.stdout.write(
            f"Loaded the foster carers for {la.name}: {upload.get_status_display()}, "
            f"{upload.rows_count} households."
        )
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
                f"{upload.rows_count} episodes, {upload.warnings_count} warning(s)."
            )
        costs = out / "costs.csv"
        upload = import_extract(
            la=la, user=None, as_at=as_at, window_start=None, kind=Upload.Kind.COSTS,
            files=[RawFile(costs.name, costs.read_bytes())],
        )  # fmt: skip
        self.stdout.write(
            f"Loaded the placement costs for {la.name}: {upload.get_status_display()}, "
            f"{upload.rows_count} costs."
        )

    def _users(self, la: LocalAuthority) -> dict[str, AbstractBaseUser]:
        User = get_user_model()
        users = {}
        for username, role in DEMO_USERS.items():
            user, _ = User.objects.get_or_create(username=username)
            user.set_password(DEMO_PASSWORD)
            user.is_staff = role == access.ADMIN
            user.is_superuser = role == access.ADMIN
            user.save()
            user.groups.set([Group.objects.get(name=role)])
            la.users.add(user)
            users[username] = user
        return users

    def _print_logins(self) -> None:
        self.stdout.write("\nDemo logins (synthetic data only), password for all: " + DEMO_PASSWORD)
        for username, role in DEMO_USERS.items():
            self.stdout.write(f"  {username:<16} {role}")
        self.stdout.write("\nOpen http://127.0.0.1:8000 and sign in.")

    def _indicators(self, la: LocalAuthority) -> dt.date | None:
        """The latest month end with computed values, working them out first if need be."""
        values = IndicatorValue.objects.filter(la=la, definitions_version=DEFINITIONS_VERSION)
        loaded = Upload.objects.filter(
            la=la, kind=Upload.Kind.SSDA903, status=Upload.Status.LOADED
        ).exists()
        if loaded and not values.exists():
            # With a Celery worker (REDIS_URL set) the recompute after each upload is queued
            # rather than done; the targets, commentary and published rows need the values now.
            recompute_indicators(la_id=la.pk, trigger=Computation.Trigger.COMMAND)
            self.stdout.write(f"Worked out the indicators for {la.name}.")
        return values.order_by("-period_end").values_list("period_end", flat=True).first()

    def _benchmarks(self, la: LocalAuthority) -> None:
        own = _own_published_rows(la)
        for name, kind in DEMO_BENCHMARK_FILES.items():
            content = _with_rows((DEMO_DFE / name).read_bytes(), own.get(kind, []))
            what = f"{name} ({KIND_NAMES[kind]})"
            latest = ImportLog.objects.filter(
                importer=ImportLog.Importer.BENCHMARKS, kind=kind, status=ImportLog.Status.DONE
            ).first()
            if latest is not None and latest.sha256 == hashlib.sha256(content).hexdigest():
                self.stdout.write(f"Published figures already imported: {what}.")
                continue
            if latest is not None and latest.who != DEMO_IMPORTER:
                # Someone has imported the real file since: replacing it with the demo's
                # handful of authorities would throw their import away.
                self.stdout.write(
                    f"Kept the {KIND_NAMES[kind]} imported by {latest.who or 'someone'} on "
                    f"{long_date(timezone.localtime(latest.imported_at))}; {name} was not imported over it."
                )
                continue
            record = import_benchmark_file(name=name, content=content, who=DEMO_IMPORTER)
            self.stdout.write(f"Imported {record.rows} rows from {what}.")
        lists = StatisticalNeighbour.objects.filter(la_code=la.code)
        self.stdout.write(
            f"Statistical neighbours of {la.name}: "
            f"{lists.filter(model=StatisticalNeighbour.Model.APRIL_2021).count()} (April 2021 "
            f"model), {lists.filter(model=StatisticalNeighbour.Model.MODEL_2025).count()} "
            "(2025 model)."
        )

    def _targets(self, la: LocalAuthority, latest: dt.date, officer: AbstractBaseUser) -> None:
        this_year = codes.collection_year_start(latest)
        first_start = this_year.replace(year=this_year.year - 2)
        for indicator, years_on, value, margin, note in DEMO_TARGETS:
            Target.objects.update_or_create(
                la=la,
                indicator=indicator,
                start_date=first_start.replace(year=first_start.year + years_on),
                defaults={
                    "value": value,
                    "amber_margin": margin,
                    "note": note,
                    "set_by": officer,
                },
            )
        indicators = {indicator for indicator, *_ in DEMO_TARGETS}
        self.stdout.write(
            f"Targets for {la.name}: {len(DEMO_TARGETS)} on {len(indicators)} indicators, "
            f"from {long_date(first_start)}."
        )

    def _commentary(self, la: LocalAuthority, latest: dt.date, officer: AbstractBaseUser) -> None:
        year_ago = months_before(latest, 12)
        values = {
            (indicator, day): value
            for indicator, day, value in IndicatorValue.objects.filter(
                la=la,
                definitions_version=DEFINITIONS_VERSION,
                period_end__in=[latest, year_ago],
                indicator__in=list(COMMENTARY),
            ).values_list("indicator", "period_end", "value")
        }
        written = 0
        for indicator, words in COMMENTARY.items():
            now, before = values.get((indicator, latest)), values.get((indicator, year_ago))
            if now is None:
                continue
            text = words.format(
                now=format_value(indicator, now),
                month=f"{latest:%B %Y}",
                trend=_trend(indicator, now, before),
            )
            Commentary.objects.update_or_create(
                la=la,
                indicator=indicator,
                period_end=latest,
                defaults={"text": text, "author": officer},
            )
            written += 1
        self.stdout.write(f"Commentary for {latest:%B %Y}: {written} indicators.")


# An officer's monthly words on four promises: aggregate only, no child named or described.
COMMENTARY = {
    "cla_rate": (
        "{now} children in every 10,000 were looked after at the end of {month}, {trend}. "
        "The edge-of-care service is keeping more families together safely, and every "
        "request for care now goes to the weekly resource panel first."
    ),
    "ifa_share": (
        "{now}% of fostered children live with independent agency carers, {trend}. Most of "
        "the in-house carers approved this year have taken children already living with us, "
        "so agencies still find most new placements; the recruitment campaign relaunches in "
        "January."
    ),
    "residential_count": (
        "{now} children live in children's homes, {trend}. Step-down plans to foster "
        "families are reviewed monthly, and the two new in-borough homes open in the spring."
    ),
    "long_term_stability": (
        "{now}% of children looked after for two and a half years or more have lived with the "
        "same carer for at least two years, {trend}. Stability meetings for placements at "
        "risk of ending started in the summer."
    ),
}


def _trend(indicator: str, now: float, before: float | None) -> str:
    if before is None:
        return "the first month with a figure a year earlier to compare"
    shown_now, shown_before = format_value(indicator, now), format_value(indicator, before)
    if shown_now == shown_before:
        return "the same as a year earlier"
    direction = "down" if now < before else "up"
    unit = "%" if BY_KEY[indicator].unit == "percent" else ""
    return f"{direction} from {shown_before}{unit} a year earlier"


def _published(value: float | None) -> str:
    """A figure as the DfE prints it: whole numbers, halves rounded up; x when not available."""
    return "x" if value is None else str(math.floor(value + 0.5))


def _own_published_rows(la: LocalAuthority) -> dict[str, list[dict[str, str]]]:
    """The demo borough's own "published" figures, by kind of file: its computed 31 March
    values, rounded as the DfE rounds them.

    A real authority's own figures come in the DfE's files; the demo borough is not in them, so
    it gets the figures the DfE would publish from the same history. Only years the stored
    history covers in full are given (the whole year to 31 March, and 2.5 years for long-term
    stability): earlier ones would be artefacts of where the history starts. An indicator not
    computed (e.g. under an older definitions version) is simply left out.
    """
    starts = list(
        Upload.objects.filter(
            la=la, kind=Upload.Kind.SSDA903, status=Upload.Status.LOADED
        ).values_list("window_start", flat=True)
    )
    if not starts:
        return {}
    first = dt.date.min if None in starts else min(starts)
    wanted = [
        "cla_count",
        "cla_rate",
        "starters_12m",
        "ceased_12m",
        "moves_3plus",
        "long_term_stability",
        "distance_20_miles",
    ]
    computed = {
        (indicator, day.year): (value, numerator, denominator)
        for indicator, day, value, numerator, denominator in IndicatorValue.objects.filter(
            la=la,
            definitions_version=DEFINITIONS_VERSION,
            indicator__in=wanted,
            period_end__in=[dt.date(year, 3, 31) for year in PUBLISHED_YEARS],
            enough_history=True,
        ).values_list("indicator", "period_end", "value", "numerator", "denominator")
    }
    population = dict(Population.objects.filter(la=la).values_list("year", "count"))
    rows: dict[str, list[dict[str, str]]] = {EES_CLA_NUMBERS: [], EES_PLACEMENT_STABILITY: []}
    rows[LAIT_CLA] = []
    for year in reversed(PUBLISHED_YEARS):
        ees = {
            "time_period": str(year),
            "time_identifier": "Reporting year",
            "geographic_level": "Local authority",
            "country_code": "E92000001",
            "country_name": "England",
            "region_code": DEMO_REGION[0],
            "region_name": DEMO_REGION[1],
            "old_la_code": la.code,
            "la_name": la.name,
            "new_la_code": DEMO_NEW_LA_CODE,
        }
        whole_year = first <= dt.date(year - 1, 4, 1)
        count = computed.get(("cla_count", year))
        children = population.get(year - 1)
        if whole_year and count is not None:
            rate = computed.get(("cla_rate", year), (None, 0, 0))[0]
            flows = [("Children looked after on 31 March each year", count[1], rate)]
            for population_type, indicator in PUBLISHED_FLOWS:
                flow = computed.get((indicator, year))
                if flow is not None:
                    per_10000 = flow[1] * 10000 / children if children else None
                    flows.append((population_type, flow[1], per_10000))
            for population_type, number, per_10000 in flows:
                rows[EES_CLA_NUMBERS].append(
                    ees
                    | {
                        "population_type": population_type,
                        "population_estimate": str(children or "x"),
                        "children_count": str(number),
                        "rate_per_10000": _published(per_10000),
                    }
                )
            moves = computed.get(("moves_3plus", year), (None, 0, 0))
            for stability, number, percent in [
                ("Total children", count[1], "100"),
                ("With 3 or more placements during the year", moves[1], _published(moves[0])),
            ]:
                rows[EES_PLACEMENT_STABILITY].append(
                    ees
                    | {
                        "cla_group": "CLA on 31 March",
                        "placement_stability": stability,
                        "children_count": str(number),
                        "children_percent": percent,
                    }
                )
            distance = computed.get(("distance_20_miles", year), (None, 0, 0))[0]
            rows[LAIT_CLA].append(
                {
                    "Short Desc": "LACDistance",
                    "Years": str(year),
                    "LA and Regions": la.name,
                    "Values": _published(distance),
                    "LA Number": f"{la.code}.0",
                    "Region": DEMO_REGION[1],
                }
            )
        settled = computed.get(("long_term_stability", year))
        if first <= dt.date(year - 3, 10, 1) and settled is not None and settled[2] > 0:
            for stability, number, percent in [
                ("Living with the same carer for at least 2 years", settled[1], settled[0]),
                ("Total children", settled[2], 100),
            ]:
                rows[EES_PLACEMENT_STABILITY].append(
                    ees
                    | {
                        "cla_group": "Children looked after continuously for at least 2.5 "
                        "years on 31 March aged under 16 years",
                        "placement_stability": stability,
                        "children_count": str(number),
                        "children_percent": _published(percent),
                    }
                )
    return rows


def _with_rows(content: bytes, rows: list[dict[str, str]]) -> bytes:
    """The published file with rows added at the end, in its own columns."""
    if not rows:
        return content
    header = next(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=header, restval="", lineterminator="\n")
    writer.writerows(rows)
    return content.rstrip(b"\n") + b"\n" + buffer.getvalue().encode("utf-8")
