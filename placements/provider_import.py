"""Importing an Ofsted provider workbook: one write use-case, atomic per file.

Providers are national (every authority's episodes point at the same lists), so an import
upserts by URN and never deletes: a provider missing from a later file stays as it was, because
Ofsted moves closed providers to a separate list (or sheet) rather than keeping them, and
episodes years old still point at them. What a re-import changes is kept, field by field.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from collections.abc import Iterable

import numpy as np
import pandas as pd
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from placements import postcodes
from placements.models import ImportLog, Provider, ProviderChange
from placements.providers import (
    DATE_FIELDS,
    FIELDS,
    NUMBER_FIELDS,
    ProviderList,
    RefusedProviderFile,
    read_provider_workbook,
)

logger = logging.getLogger(__name__)

IMPORTED = "Imported {count} from {name} ({kind}): {added} added, {changed} changed."
LEFT_OUT = " {count} rows without a URN were left out."
# Worked out from the postcode, not read from the file: kept up to date, never reported as a
# change (the postcode's own change is).
LOCATION_FIELDS = ("district", "easting", "northing")
CHANGE_TEXT_LENGTH = 200
_BATCH = 1000


def import_provider_file(*, name: str, content: bytes, who: str = "") -> ImportLog:
    """Add the file's new providers and update the others; record what changed.

    A file in another layout (or not a workbook) changes nothing and is recorded as refused,
    its message saying why. Only the fields the file's layout has a column for are updated, so
    a list without, say, top companies does not blank those another list gave. Providers not in
    the file are kept: Ofsted lists closed providers separately.
    """
    sha256 = hashlib.sha256(content).hexdigest()
    try:
        parsed = read_provider_workbook(
            name=name, content=content, max_unzipped_bytes=settings.UPLOAD_MAX_UNZIPPED_BYTES
        )
    except RefusedProviderFile as refusal:
        logger.info("Provider file refused (%s bytes)", len(content))
        return ImportLog.objects.create(
            importer=ImportLog.Importer.PROVIDERS,
            who=who,
            file_name=name,
            sha256=sha256,
            status=ImportLog.Status.REFUSED,
            message=str(refusal),
        )
    frame = with_locations(parsed.frame)
    with transaction.atomic():
        record = ImportLog.objects.create(
            importer=ImportLog.Importer.PROVIDERS,
            who=who,
            file_name=name,
            sha256=sha256,
            kind=parsed.kind,
            rows=parsed.rows,
            status=ImportLog.Status.DONE,
        )
        added, changed = _upsert(frame, parsed=parsed, record=record)
        record.added, record.changed = added, changed
        record.message = IMPORTED.format(
            count=_providers(len(frame)), name=name, kind=parsed.kind,
            added=f"{added:,}", changed=f"{changed:,}",
        )  # fmt: skip
        if parsed.without_urn:
            record.message += LEFT_OUT.format(count=f"{parsed.without_urn:,}")
        record.save(update_fields=["added", "changed", "message"])
    logger.info(
        "Provider import %s: %s providers, %s added, %s changed",
        record.pk, len(frame), added, changed,
    )  # fmt: skip
    return record


def _providers(count: int) -> str:
    return f"{count:,} provider" if count == 1 else f"{count:,} providers"


def with_locations(frame: pd.DataFrame) -> pd.DataFrame:
    """The providers with the ONS district and grid reference of their postcode (blank when
    the postcode is blank or not in the directory)."""
    result = frame.copy()
    wanted = result["postcode"].fillna("").astype(str)
    distinct = pd.Series(pd.unique(wanted[wanted != ""]), dtype=object)
    found = postcodes.lookup(distinct).set_axis(distinct.to_numpy())
    places = found.reindex(wanted.to_numpy())
    easting = places["easting"].to_numpy(dtype=float)
    northing = places["northing"].to_numpy(dtype=float)
    result["district"] = places["district"].fillna("").to_numpy(dtype=object)
    result["easting"] = [None if np.isnan(v) else round(v) for v in easting]
    result["northing"] = [None if np.isnan(v) else round(v) for v in northing]
    return result


def _stored(name: str, value: object) -> object:
    """A parsed value as the model keeps it: text fields are never NULL."""
    if name in DATE_FIELDS or name in NUMBER_FIELDS or name in ("easting", "northing"):
        if value is None or (isinstance(value, float) and np.isnan(value)):
            return None
        # pandas may hand back numpy integers, which database drivers do not take.
        return int(value) if isinstance(value, np.integer) else value
    return "" if value is None else str(value)


def _shown(value: object) -> str:
    """A value as a change record shows it."""
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)[:CHANGE_TEXT_LENGTH]


def _existing(urns: Iterable[str]) -> dict[str, Provider]:
    urns = list(urns)
    found: dict[str, Provider] = {}
    # Batched: SQLite limits the parameters of one statement.
    for start in range(0, len(urns), _BATCH):
        for provider in Provider.objects.filter(urn__in=urns[start : start + _BATCH]):
            found[provider.urn] = provider
    return found


def _upsert(frame: pd.DataFrame, *, parsed: ProviderList, record: ImportLog) -> tuple[int, int]:
    file_fields = [f for f in FIELDS if f in parsed.carried and f != "urn"]
    fields = [*file_fields, *LOCATION_FIELDS]
    existing = _existing(frame["urn"])
    now = timezone.now()
    new: list[Provider] = []
    updated: list[Provider] = []
    changes: list[ProviderChange] = []
    changed = 0
    for row in frame.to_dict("records"):
        values = {f: _stored(f, row[f]) for f in fields}
        provider = existing.get(row["urn"])
        if provider is None:
            new.append(Provider(urn=row["urn"], updated_at=now, **values))
            continue
        differing = [f for f in fields if getattr(provider, f) != values[f]]
        if not differing:
            continue
        reported = [f for f in differing if f not in LOCATION_FIELDS]
        if reported:
            changed += 1
        for f in reported:
            changes.append(
                ProviderChange(
                    provider=provider,
                    provider_import=record,
                    field=f,
                    old_value=_shown(getattr(provider, f)),
                    new_value=_shown(values[f]),
                )
            )
        for f in differing:
            setattr(provider, f, values[f])
        provider.updated_at = now  # bulk_update does not apply auto_now
        updated.append(provider)
    Provider.objects.bulk_create(new, batch_size=_BATCH)
    if updated:
        # An upsert, not bulk_update: bulk_update's CASE per field took two minutes for a
        # national list whose grades had all changed; this takes seconds.
        Provider.objects.bulk_create(
            updated,
            batch_size=_BATCH,
            update_conflicts=True,
            unique_fields=["urn"],
            update_fields=[*fields, "updated_at"],
        )
    ProviderChange.objects.bulk_create(changes, batch_size=_BATCH)
    return len(new), changed
