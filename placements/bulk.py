"""Writing many rows at once: the stored history made to match a stitched one, and the
insert, upsert and Postgres COPY plumbing that the uploads and the recompute store frames with.
"""

from __future__ import annotations

import csv
import io
import itertools
from collections.abc import Iterator

import numpy as np
import pandas as pd
from django.db import connection
from django.db.models import Model

from placements import postcodes
from placements.models import Child, Episode, LocalAuthority, PlacementCost
from placements.ssda903.stitch import EpisodeDiff, changed_children, diff_episodes
from placements.ssda903.validate import CHILD_FIELDS


def write_history(
    *,
    la_id: int,
    upload_id: int | None,
    stored_episodes: pd.DataFrame,
    stored_children: pd.DataFrame,
    episodes: pd.DataFrame,
    children: pd.DataFrame,
    postcode_lookup: pd.DataFrame | None = None,
) -> EpisodeDiff:
    """Make storage hold exactly `children` and `episodes`, touching only what changed.

    `stored_episodes` and `stored_children` are what storage holds now, read by the caller
    under the authority's lock.
    """
    _upsert_children(
        la_id,
        changed_children(stored_children, children),
        stored_ids=stored_children["child_id"],
    )
    diff = diff_episodes(stored_episodes, episodes)
    # Chunked: SQLite limits how many parameters one statement may carry.
    for start in range(0, len(diff.delete_ids), 20000):
        Episode.objects.filter(la_id=la_id, pk__in=diff.delete_ids[start : start + 20000]).delete()
    if not diff.insert.empty:
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT child_id, id FROM {Child._meta.db_table} WHERE la_id = %s",  # noqa: S608
                [la_id],
            )
            pks = dict(cursor.fetchall())
        districts = LocalAuthority.objects.get(pk=la_id).districts
        where = postcodes.placement_distances(
            home_post=diff.insert["home_post"],
            pl_post=diff.insert["pl_post"],
            pl_distance=diff.insert["pl_distance"],
            districts=districts,
            known=postcode_lookup,
        )
        rows = diff.insert.assign(
            la_id=la_id,
            child_pk=diff.insert["child_id"].map(pks),
            source_upload_id=pd.Series(upload_id, index=diff.insert.index, dtype="Int64"),
            distance=where["distance"],
            outside_la=where["outside_la"].astype("boolean"),
        )
        _insert_episodes(rows)
    # Children no longer in the history (their episodes all gone) go with them.
    gone = stored_children.loc[~stored_children["child_id"].isin(children["child_id"]), "child_id"]
    for start in range(0, len(gone), 20000):
        chunk = gone.iloc[start : start + 20000].tolist()
        Child.objects.filter(la_id=la_id, child_id__in=chunk).delete()
    return diff


_EPISODE_COLUMNS = [
    "la_id", "child_id", "decom", "rne", "ls", "cin", "place", "place_provider", "dec", "rec",
    "reason_place_change", "home_post", "pl_post", "urn", "pl_distance", "distance", "outside_la",
    "carer_id", "weekly_cost", "source_upload_id",
]  # fmt: skip


def _insert_episodes(rows: pd.DataFrame) -> None:
    frame = rows.drop(columns=["child_id"]).rename(columns={"child_pk": "child_id"})
    insert_rows(Episode, frame[_EPISODE_COLUMNS])


def insert_rows(model: type[Model], frame: pd.DataFrame) -> None:
    """Insert the rows of `frame` (columns named as the table's): COPY on Postgres."""
    if connection.vendor == "postgresql":
        copy_frame(model._meta.db_table, frame)
        return
    model.objects.bulk_create((model(**record) for record in _records(frame)), batch_size=2000)


def _upsert_children(la_id: int, frame: pd.DataFrame, *, stored_ids: pd.Series) -> None:
    """Insert new children and update changed ones (the CHILD id is the key within the LA)."""
    if frame.empty:
        return
    upsert_rows(
        Child,
        frame.assign(la_id=la_id)[["la_id", *CHILD_FIELDS]],
        unique=["la", "child_id"],
        update=[name for name in CHILD_FIELDS if name != "child_id"],
        known=frame["child_id"].isin(stored_ids).to_numpy(),
    )


def upsert_rows(
    model: type[Child] | type[PlacementCost],
    frame: pd.DataFrame,
    *,
    unique: list[str],
    update: list[str],
    known: np.ndarray,
) -> None:
    """Insert the rows of `frame` (columns named as the table's) and update, on the `unique`
    fields, those whose key is `known` to be stored already."""
    if frame.empty:
        return
    if connection.vendor == "postgresql":
        table = model._meta.db_table
        incoming = f"incoming_{table}"
        # New rows go straight in; only the known ones need the slower upsert.
        copy_frame(table, frame.loc[~known])
        if not known.any():
            return
        with connection.cursor() as cursor:
            cursor.execute(
                f"CREATE TEMP TABLE {incoming} (LIKE {table} INCLUDING DEFAULTS) ON COMMIT DROP"
            )
            cursor.execute(f"ALTER TABLE {incoming} ALTER COLUMN id DROP NOT NULL")
        copy_frame(incoming, frame.loc[known])
        keys = ", ".join(model._meta.get_field(name).column for name in unique)
        columns = [model._meta.get_field(name).column for name in update]
        updates = ", ".join(f"{name} = EXCLUDED.{name}" for name in columns)
        names = ", ".join(frame.columns)
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {table} ({names}) SELECT {names} FROM {incoming} "  # noqa: S608
                f"ON CONFLICT ({keys}) DO UPDATE SET {updates}"
            )
            cursor.execute(f"DROP TABLE {incoming}")
        return
    model.objects.bulk_create(
        (model(**record) for record in _records(frame)),
        batch_size=500,
        update_conflicts=True,
        unique_fields=unique,
        update_fields=update,
    )


def copy_frame(table: str, frame: pd.DataFrame) -> None:
    """Postgres COPY: the fastest way to store tens of thousands of rows.

    Missing values are written as empty fields, which COPY reads as NULL; text columns are
    FORCE_NOT_NULL so that their empty strings stay empty strings.
    """
    if frame.empty:
        return
    columns, text_columns = [], []
    for name in frame.columns:
        values = frame[name]
        if pd.api.types.is_datetime64_any_dtype(values):
            raw = values.to_numpy()
            days = raw.astype("datetime64[D]").astype(str).astype(object)
            days[np.isnat(raw)] = None
            columns.append(days)
        elif values.dtype == object:
            columns.append(values.tolist())
            text_columns.append(name)
        else:  # numbers and booleans, nullable or not
            columns.append(values.astype(object).where(values.notna(), None).tolist())
    # Quoted: some tables have columns named as SQL keywords ("column", "row").
    names = ", ".join(f'"{name}"' for name in frame.columns)
    forced = ", ".join(f'"{name}"' for name in text_columns)
    force = f", FORCE_NOT_NULL ({forced})" if text_columns else ""
    with connection.cursor() as cursor:
        cursor.copy_expert(
            f"COPY {table} ({names}) FROM STDIN WITH (FORMAT csv{force})",
            _CsvStream(zip(*columns, strict=True)),
            _CsvStream.CHUNK,
        )


class _CsvStream(io.RawIOBase):
    """A file that writes its CSV as COPY reads it, so that Postgres (on the other core)
    stores one chunk while this process writes the next, instead of waiting for all of it."""

    CHUNK = 1 << 18
    ROWS = 4000

    def __init__(self, rows: Iterator[tuple[object, ...]]) -> None:
        self._rows = rows
        self._text = io.StringIO()
        self._writer = csv.writer(self._text, lineterminator="\n")

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        # One batch of rows per call, whatever `size` asks: psycopg2 sends what it is given,
        # and joining and slicing one growing buffer cost more than writing the rows.
        if size >= 0:
            return self._batch()
        return b"".join(iter(self._batch, b""))

    def _batch(self) -> bytes:
        self._writer.writerows(itertools.islice(self._rows, self.ROWS))
        chunk = self._text.getvalue().encode()
        self._text.seek(0)
        self._text.truncate()
        return chunk


def _records(frame: pd.DataFrame) -> list[dict[str, object]]:
    clean = frame.astype(object).where(frame.notna(), None)
    records = clean.to_dict("records")
    for record in records:
        for key, value in record.items():
            if isinstance(value, pd.Timestamp):
                record[key] = value.date()
    return records
