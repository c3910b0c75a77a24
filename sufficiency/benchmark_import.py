"""Importing a published DfE benchmark file: one write use-case, atomic and idempotent."""

from __future__ import annotations

import hashlib

import pandas as pd
from django.db import transaction
from django.utils import timezone

from placements.models import ImportLog
from sufficiency.benchmarks import NEIGHBOUR_KINDS, RefusedLayout, parse_published
from sufficiency.models import PublishedValue, StatisticalNeighbour

_VALUE_KEY = ["indicator", "level", "region", "la_code", "year"]


def _decode(content: bytes) -> str:
    # EES downloads are UTF-8 with a byte-order mark; files re-saved in Excel are often cp1252.
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        return content.decode("cp1252")


def import_benchmark_file(*, name: str, content: bytes, who: str = "") -> ImportLog:
    """Replace everything previously imported from this kind of file with this file's rows.

    A file in an unknown layout changes nothing and is recorded as refused. Where two sources
    publish the same figure (e.g. cla_count in EES and LAIT) the later import wins; the row's
    source says which file it came from.
    """
    sha256 = hashlib.sha256(content).hexdigest()
    try:
        kind, frame = parse_published(_decode(content), name=name)
    except RefusedLayout as refusal:
        return ImportLog.objects.create(
            importer=ImportLog.Importer.BENCHMARKS,
            who=who,
            file_name=name,
            sha256=sha256,
            status=ImportLog.Status.REFUSED,
            message=str(refusal),
        )
    with transaction.atomic():
        if kind in NEIGHBOUR_KINDS:
            rows = _replace_neighbours(NEIGHBOUR_KINDS[kind], frame)
        else:
            rows = _replace_values(kind, frame)
        return ImportLog.objects.create(
            importer=ImportLog.Importer.BENCHMARKS,
            who=who,
            file_name=name,
            sha256=sha256,
            kind=kind,
            rows=rows,
            status=ImportLog.Status.DONE,
            message=f"{name}: {rows} rows imported as {kind}.",
        )


def _replace_values(kind: str, frame: pd.DataFrame) -> int:
    now = timezone.now()
    # A repeated key within one file would make the upsert touch a row twice, which
    # PostgreSQL refuses; the last row printed is taken as the publisher's final word.
    frame = frame.drop_duplicates(subset=_VALUE_KEY, keep="last")
    PublishedValue.objects.filter(source=kind).delete()
    objects = [
        PublishedValue(
            indicator=row.indicator,
            level=row.level,
            la_code=row.la_code,
            region=row.region,
            year=int(row.year),
            value=None if pd.isna(row.value) else float(row.value),
            marker=row.marker,
            source=kind,
            imported_at=now,
        )
        for row in frame.itertuples(index=False)
    ]
    PublishedValue.objects.bulk_create(
        objects,
        batch_size=2000,
        update_conflicts=True,
        unique_fields=_VALUE_KEY,
        update_fields=["value", "marker", "source", "imported_at"],
    )
    return len(objects)


def _replace_neighbours(model: str, frame: pd.DataFrame) -> int:
    StatisticalNeighbour.objects.filter(model=model).delete()
    frame = frame.drop_duplicates(subset=["la_code", "rank"], keep="last")
    StatisticalNeighbour.objects.bulk_create(
        StatisticalNeighbour(
            model=model,
            la_code=row.la_code,
            neighbour_code=row.neighbour_code,
            rank=int(row.rank),
        )
        for row in frame.itertuples(index=False)
    )
    return len(frame)
