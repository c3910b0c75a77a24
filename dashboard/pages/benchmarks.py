"""The benchmarks page: what is held of the DfE's published figures and neighbour lists, and
the recent imports."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Count, Max, Q

from placements.models import ImportLog, LocalAuthority
from sufficiency.benchmarks import KIND_NAMES
from sufficiency.models import PublishedValue, StatisticalNeighbour
from sufficiency.reports import NEIGHBOUR_MODEL_FROM

RECENT_IMPORTS = 20
LEVEL_ORDER = [level for level, _ in PublishedValue.Level.choices]
SOURCE_ORDER = [source for source, _ in PublishedValue.Source.choices]


@dataclass(frozen=True)
class HeldSet:
    """The published values held from one source at one level."""

    source: str
    level: str
    years: str
    areas: int
    rows: int
    missing: int  # rows where a marker was published instead of a number
    imported_at: dt.datetime | None


@dataclass(frozen=True)
class Neighbour:
    rank: int
    code: str
    name: str  # "" when the authority is not one of ours


@dataclass
class NeighbourList:
    """One model's ten neighbours of an authority, and the years it is used for."""

    model: str
    label: str
    used_for: str = ""
    neighbours: dict[int, Neighbour] = field(default_factory=dict)


@dataclass(frozen=True)
class NeighbourSection:
    la: LocalAuthority
    lists: list[NeighbourList]

    @property
    def ranks(self) -> list[list[Neighbour | None]]:
        """Rows of the table: for each rank, the neighbour in each list (None if absent)."""
        top = max((rank for held in self.lists for rank in held.neighbours), default=0)
        return [[held.neighbours.get(rank) for held in self.lists] for rank in range(1, top + 1)]


@dataclass(frozen=True)
class BenchmarksPage:
    held: list[HeldSet]
    neighbour_sections: list[NeighbourSection]
    imports: list[ImportLog]


def benchmarks_page(*, user: AbstractBaseUser) -> BenchmarksPage:
    """What is held, the neighbour lists of each of the user's authorities, and the recent
    imports."""
    return BenchmarksPage(
        held=held_sets(), neighbour_sections=neighbour_sections(user), imports=recent_imports()
    )


def recent_imports() -> list[ImportLog]:
    """The last imports, newest first, each with its kind in words. One query."""
    records = list(
        ImportLog.objects.filter(importer=ImportLog.Importer.BENCHMARKS)[:RECENT_IMPORTS]
    )
    for record in records:
        record.kind_name = KIND_NAMES.get(record.kind, record.kind) or "not recognised"
    return records


def held_sets() -> list[HeldSet]:
    """Per source and level: the years covered and the rows held. Two queries."""
    years: dict[tuple[str, str], list[int]] = defaultdict(list)
    for source, level, year in (
        PublishedValue.objects.values_list("source", "level", "year")
        .distinct()
        .order_by("source", "level", "year")
    ):
        years[(source, level)].append(year)
    totals = (
        PublishedValue.objects.values("source", "level")
        .annotate(
            rows=Count("id"),
            missing=Count("id", filter=Q(value__isnull=True)),
            las=Count("la_code", distinct=True),
            regions=Count("region", distinct=True),
            imported_at=Max("imported_at"),
        )
        .order_by()
    )
    sources = dict(PublishedValue.Source.choices)
    levels = dict(PublishedValue.Level.choices)

    def position(row: dict) -> tuple[int, int, str]:
        source, level = row["source"], row["level"]
        return (
            SOURCE_ORDER.index(source) if source in SOURCE_ORDER else len(SOURCE_ORDER),
            LEVEL_ORDER.index(level) if level in LEVEL_ORDER else len(LEVEL_ORDER),
            source,
        )

    return [
        HeldSet(
            source=sources.get(row["source"], row["source"]),
            level=levels.get(row["level"], row["level"]),
            years=year_ranges(years[(row["source"], row["level"])]),
            # England is one area; a region is told apart by its name, an authority by code.
            areas={"la": row["las"], "regional": row["regions"]}.get(row["level"], 1),
            rows=row["rows"],
            missing=row["missing"],
            imported_at=row["imported_at"],
        )
        for row in sorted(totals, key=position)
    ]


def year_ranges(years: list[int]) -> str:
    """[2016, 2017, 2018, 2021] -> "2016 to 2018, 2021"."""
    runs: list[list[int]] = []
    for year in sorted(set(years)):
        if runs and year == runs[-1][-1] + 1:
            runs[-1].append(year)
        else:
            runs.append([year])
    return ", ".join(f"{run[0]} to {run[-1]}" if len(run) > 1 else f"{run[0]}" for run in runs)


def neighbour_sections(user: AbstractBaseUser) -> list[NeighbourSection]:
    """The neighbour lists held for each of the user's authorities. Three queries."""
    authorities = list(LocalAuthority.objects.for_user(user))
    rows = list(
        StatisticalNeighbour.objects.filter(la_code__in=[la.code for la in authorities])
        .order_by("la_code", "model", "rank")
        .values_list("la_code", "model", "neighbour_code", "rank")
    )
    names = dict(
        LocalAuthority.objects.filter(code__in={row[2] for row in rows}).values_list("code", "name")
    )
    labels = dict(StatisticalNeighbour.Model.choices)
    by_la: dict[str, dict[str, NeighbourList]] = defaultdict(dict)
    for la_code, model, code, rank in rows:
        held = by_la[la_code].setdefault(
            model, NeighbourList(model=model, label=f"{labels.get(model, model)} model")
        )
        held.neighbours[rank] = Neighbour(rank=rank, code=code, name=names.get(code, ""))
    sections = []
    for la in authorities:
        lists = sorted(by_la[la.code].values(), key=lambda held: _model_start(held.model))
        _say_which_years(lists)
        sections.append(NeighbourSection(la=la, lists=lists))
    return sections


def _model_start(model: str) -> int:
    return NEIGHBOUR_MODEL_FROM.get(model, 0)


def _say_which_years(lists: list[NeighbourList]) -> None:
    """The years each list is used for: from its model's first year to the next one's.

    The earliest list held also covers the years before its model, and the only list held
    covers every year (as sufficiency.reports chooses them).
    """
    if len(lists) == 1:
        lists[0].used_for = "every year"
        return
    for position, held in enumerate(lists):
        following = lists[position + 1] if position + 1 < len(lists) else None
        start = _model_start(held.model)
        if following is None:
            held.used_for = f"31 March {start} onwards"
        elif position == 0:
            held.used_for = f"31 March {_model_start(following.model) - 1} and earlier"
        else:
            held.used_for = f"31 March {start} to 31 March {_model_start(following.model) - 1}"
