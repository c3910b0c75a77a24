"""Stitching an upload onto the stored history, as docs/uploads.md#stitching says. Pure pandas, no ORM.

After a successful upload the stored episodes of an authority are every stored episode that
started before the window start, plus every episode in the upload; the key is (CHILD, DECOM)
and the newer upload wins. Then two repairs, each reported: an open episode followed by a
later one of the same child is closed at the later DECOM with REC X1 (exact duplicates were
already dropped by validation).

The optional Episodes columns (CARER_ID, WEEKLY_COST) are fields like any other, with one
difference: an upload whose Episodes table lacks the column says nothing about them, so each of
its episodes keeps the value stored for the same CHILD and DECOM (a blank cell does blank it).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from placements.ssda903 import codes
from placements.ssda903.problems import Problem
from placements.ssda903.validate import CHILD_FIELDS, EPISODE_FIELDS

KEY = ["child_id", "decom"]
MSG_CHAIN_REPAIRED = (
    "This episode was open but the child has a later episode starting {next_decom}; "
    "it was closed on {next_decom} with REC X1."
)


def stitch_episodes(
    stored: pd.DataFrame,
    upload: pd.DataFrame,
    *,
    window_start: dt.date | None,
    source: str = "",
    absent_fields: tuple[str, ...] = (),
) -> tuple[pd.DataFrame, list[Problem]]:
    """The new history: stored episodes before the window, plus the upload, repaired.

    `absent_fields` are optional fields the upload's Episodes table had no column for: their
    stored values carry over to the upload's episodes with the same key.
    """
    upload = _carry_over(stored, upload, absent_fields)
    if window_start is None:
        kept = stored.iloc[0:0]
    else:
        before = stored[stored["decom"] < pd.Timestamp(window_start)]
        replaced = _keys(before).isin(_keys(upload))
        kept = before[~replaced.to_numpy()]
    combined = pd.concat([kept[EPISODE_FIELDS], upload[EPISODE_FIELDS]], ignore_index=True)
    combined = combined.sort_values(KEY, kind="mergesort").reset_index(drop=True)
    return _close_open_chains(combined, source)


def _carry_over(
    stored: pd.DataFrame, upload: pd.DataFrame, fields: tuple[str, ...]
) -> pd.DataFrame:
    # Only fields something is stored for: the usual upload (no optional columns, none stored)
    # costs nothing here.
    fields = tuple(f for f in fields if _has_values(stored[f]))
    if not fields or upload.empty:
        return upload
    values = stored.assign(_key=_keys(stored).to_numpy()).set_index("_key")[list(fields)]
    upload_keys = _keys(upload)
    upload = upload.copy()
    for name in fields:
        carried = upload_keys.map(values[name])
        blank = "" if stored[name].dtype == object else np.nan
        upload[name] = carried.fillna(blank).to_numpy()
    return upload


def _has_values(values: pd.Series) -> bool:
    if values.dtype == object:
        return bool((values.fillna("") != "").any())
    return bool(values.notna().any())


def stitch_children(
    stored: pd.DataFrame, upload: pd.DataFrame, *, episodes: pd.DataFrame
) -> pd.DataFrame:
    """The upload's children, and the stored children who still have an episode in the
    stitched `episodes`; the upload's details win for the children it holds. A stored child
    left with no episode (one of another authority's extract, loaded by mistake and then
    replaced) would show nowhere, so is not kept."""
    kept = stored[
        ~stored["child_id"].isin(upload["child_id"]) & stored["child_id"].isin(episodes["child_id"])
    ]
    combined = pd.concat([kept[CHILD_FIELDS], upload[CHILD_FIELDS]], ignore_index=True)
    return combined.sort_values("child_id", kind="mergesort").reset_index(drop=True)


def _close_open_chains(episodes: pd.DataFrame, source: str) -> tuple[pd.DataFrame, list[Problem]]:
    same_child_next = episodes["child_id"].shift(-1) == episodes["child_id"]
    next_decom = episodes["decom"].shift(-1)
    broken = episodes["dec"].isna() & same_child_next
    repairs: list[Problem] = []
    if broken.any():
        episodes = episodes.copy()
        episodes.loc[broken, "dec"] = next_decom[broken]
        episodes.loc[broken, "rec"] = codes.CONTINUES_IN_CARE
        for index in episodes.index[broken.to_numpy()]:
            repairs.append(
                Problem.warning(
                    MSG_CHAIN_REPAIRED.format(next_decom=f"{next_decom[index]:%d/%m/%Y}"),
                    file=source,
                    child=episodes.at[index, "child_id"],
                    column="DEC",
                    value=f"{episodes.at[index, 'decom']:%d/%m/%Y}",
                )
            )
    return episodes, repairs


def _keys(frame: pd.DataFrame) -> pd.Series:
    days = frame["decom"].to_numpy().astype("datetime64[D]").astype(str)
    return frame["child_id"].astype(str) + "|" + pd.Series(days, index=frame.index, dtype=object)


@dataclass
class EpisodeDiff:
    """What must change in storage to turn the stored episodes into the new history."""

    delete_ids: list[int]
    insert: pd.DataFrame
    added: int
    updated: int
    removed: int


def diff_episodes(stored: pd.DataFrame, new: pd.DataFrame) -> EpisodeDiff:
    """Compare by key; a changed episode is deleted and inserted again (counted as updated).

    `stored` carries the database `id` of each row; `new` has no ids.
    """
    if stored.empty:
        return EpisodeDiff(
            delete_ids=[], insert=new[EPISODE_FIELDS].reset_index(drop=True), added=len(new),
            updated=0, removed=0,
        )  # fmt: skip
    stored_keyed = stored.assign(_key=_keys(stored).to_numpy())
    new_keyed = new.assign(_key=_keys(new).to_numpy())
    merged = stored_keyed.merge(
        new_keyed, on="_key", how="outer", suffixes=("_old", ""), indicator=True
    )
    both = merged["_merge"] == "both"
    changed = pd.Series(False, index=merged.index)
    for name in EPISODE_FIELDS:
        if name in KEY:
            continue
        old, now = merged[f"{name}_old"], merged[name]
        same = (old == now) | (old.isna() & now.isna())
        changed |= both & ~same
    gone = merged["_merge"] == "left_only"
    fresh = merged["_merge"] == "right_only"
    delete_ids = merged.loc[gone | changed, "id"].astype(np.int64).tolist()
    insert = merged.loc[fresh | changed, EPISODE_FIELDS].reset_index(drop=True)
    return EpisodeDiff(
        delete_ids=delete_ids,
        insert=insert,
        added=int(fresh.sum()),
        updated=int(changed.sum()),
        removed=int(gone.sum()),
    )


def changed_children(stored: pd.DataFrame, new: pd.DataFrame) -> pd.DataFrame:
    """The children of `new` that are not stored, or stored with other details."""
    merged = new.merge(stored, on="child_id", how="left", suffixes=("", "_old"), indicator=True)
    differs = merged["_merge"] == "left_only"
    for name in CHILD_FIELDS:
        if name == "child_id":
            continue
        old, now = merged[f"{name}_old"], merged[name]
        differs |= ~((old == now) | (old.isna() & now.isna()))
    return merged.loc[differs, CHILD_FIELDS].reset_index(drop=True)
