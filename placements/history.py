"""Rebuilding the stored history from the kept 903 uploads, and exporting it as 903 files.

A rebuild replays the kept raw files of the authority's loaded 903 uploads in the order they
were applied, and compares the result with (and unless asked only to check, replaces) what is
stored; an export writes the stored history back out in the 903 layout, so that loading the
export gives the same history.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from placements import csvsafe
from placements.bulk import write_history
from placements.models import LocalAuthority, Upload
from placements.ssda903.readers import TABLE_COLUMNS
from placements.ssda903.stitch import (
    changed_children,
    diff_episodes,
    stitch_children,
    stitch_episodes,
)
from placements.ssda903.validate import (
    EPISODE_FIELDS,
    EPISODE_OPTIONAL_FIELDS,
    empty_children,
    empty_episodes,
)
from placements.stored import stored_children_frame, stored_episodes_frame
from placements.uploads import after_history_changed, read_and_validate

# --- Rebuilding from the kept raw files -------------------------------------------------------


@dataclass
class RebuildReport:
    uploads_replayed: int
    episodes: int
    children: int
    episodes_differing: int
    children_differing: int
    written: bool

    @property
    def identical(self) -> bool:
        return self.episodes_differing == 0 and self.children_differing == 0


def replay_history(
    *, la: LocalAuthority, leave_out: int | None = None
) -> tuple[pd.DataFrame, pd.DataFrame, int]:
    """The history the authority's loaded uploads produce when replayed in order, in memory;
    without the upload `leave_out` (its id), for undoing it."""
    episodes, children = empty_episodes(), empty_children()
    # Carers and costs uploads share the sequence but are no part of the episodes' history.
    uploads = list(
        Upload.objects.filter(la=la, kind=Upload.Kind.SSDA903).applied().exclude(pk=leave_out)
    )
    for upload in uploads:
        extract, _ = read_and_validate(upload)
        if extract.has_errors:
            raise RuntimeError(f"upload {upload.pk} no longer validates; cannot replay it")
        episodes, _ = stitch_episodes(
            episodes,
            extract.episodes,
            window_start=upload.window_start,
            absent_fields=extract.absent_fields,
        )
        children = stitch_children(children, extract.children, episodes=episodes)
    return episodes, children, len(uploads)


def rebuild_history(*, la: LocalAuthority, check_only: bool = False) -> RebuildReport:
    """Replay the kept uploads and compare with (and unless `check_only`, replace) storage."""
    episodes, children, count = replay_history(la=la)
    with transaction.atomic():
        LocalAuthority.objects.select_for_update().get(pk=la.pk)
        report = _store_replayed(la, episodes, children, count, check_only=check_only)
        if report.written:
            transaction.on_commit(lambda: after_history_changed(la_id=la.pk, upload_id=None))
    return report


def _store_replayed(
    la: LocalAuthority,
    episodes: pd.DataFrame,
    children: pd.DataFrame,
    count: int,
    *,
    check_only: bool,
) -> RebuildReport:
    """Compare a replayed history with storage and, unless `check_only`, replace it (inside
    the caller's transaction, with the authority locked)."""
    stored = stored_episodes_frame(la_id=la.pk)
    stored_children = stored_children_frame(la_id=la.pk)
    diff = diff_episodes(stored, episodes)
    extra_children = ~stored_children["child_id"].isin(children["child_id"])
    children_differing = len(changed_children(stored_children, children)) + int(
        extra_children.sum()
    )
    differing = diff.added + diff.updated + diff.removed
    written = not check_only and (differing > 0 or children_differing > 0)
    if written:
        write_history(
            la_id=la.pk,
            upload_id=None,
            stored_episodes=stored,
            stored_children=stored_children,
            episodes=episodes,
            children=children,
        )
    return RebuildReport(
        uploads_replayed=count,
        episodes=len(episodes),
        children=len(children),
        episodes_differing=differing,
        children_differing=children_differing,
        written=written,
    )


# --- Undoing the latest upload ----------------------------------------------------------------

MSG_NOTHING_TO_UNDO = "{la} has no loaded 903 upload to undo."


class NothingToUndo(Exception):
    """The authority has no loaded 903 upload."""


def latest_loaded_upload(*, la: LocalAuthority) -> Upload | None:
    """The 903 upload that changed the history last: the one an undo takes back."""
    return (
        Upload.objects.filter(la=la, kind=Upload.Kind.SSDA903).applied().order_by("-applied_seq")
    ).first()


def revert_latest_upload(
    *, la: LocalAuthority, user: AbstractBaseUser | None, reason: str = ""
) -> tuple[Upload, RebuildReport]:
    """Put the stored history back exactly as it was before the latest loaded 903 upload.

    The other loaded uploads are replayed from their kept raw files without it (what
    `rebuild_history` does), the result replaces the stored history in one transaction, the
    upload is marked undone (who, when, why) and the indicators are recomputed after the
    commit. Its raw files stay kept: loading the same files again loads them again.
    """
    upload = latest_loaded_upload(la=la)
    if upload is None:
        raise NothingToUndo(MSG_NOTHING_TO_UNDO.format(la=la.name))
    episodes, children, count = replay_history(la=la, leave_out=upload.pk)
    with transaction.atomic():
        LocalAuthority.objects.select_for_update().get(pk=la.pk)
        if latest_loaded_upload(la=la) != upload:
            # Another upload was loaded meanwhile: undo that one, not this replay.
            raise NothingToUndo(MSG_NOTHING_TO_UNDO.format(la=la.name))
        report = _store_replayed(la, episodes, children, count, check_only=False)
        Upload.objects.filter(pk=upload.pk).update(
            status=Upload.Status.REVERTED,
            reverted_at=timezone.now(),
            reverted_by=user if user is not None and user.is_authenticated else None,
            revert_reason=reason.strip(),
        )
        # Recomputed even when the replay stores the same episodes: the upload's coverage and
        # as-at date no longer count.
        transaction.on_commit(lambda: after_history_changed(la_id=la.pk, upload_id=None))
    upload.refresh_from_db()
    return upload, report


# --- Exporting ------------------------------------------------------------------------------

HEADER_COLUMNS = list(TABLE_COLUMNS["Header"])
EPISODE_COLUMNS = list(TABLE_COLUMNS["Episodes"])
UASC_COLUMNS = list(TABLE_COLUMNS["UASC"])
_EPISODE_TEXT = [
    f for f in EPISODE_FIELDS if f not in {"decom", "dec", "pl_distance", *EPISODE_OPTIONAL_FIELDS}
]


def export_history(*, la: LocalAuthority, out_dir: Path) -> list[Path]:
    """Write the stored history in 903 layout: header.csv, episodes.csv and uasc.csv.

    Episodes get the optional PL_DISTANCE, CARER_ID and WEEKLY_COST columns when any stored
    episode has a value for them, so that loading the export gives the same history.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    children = stored_children_frame(la_id=la.pk).sort_values("child_id")
    episodes = stored_episodes_frame(la_id=la.pk)

    def dmy(values: pd.Series) -> pd.Series:
        return values.dt.strftime("%d/%m/%Y").fillna("")

    header = pd.DataFrame(
        {
            "CHILD": children["child_id"],
            "SEX": children["sex"],
            "DOB": dmy(children["dob"]),
            "ETHNIC": children["ethnic"],
            "UPN": children["upn"],
            "MOTHER": children["mother"],
            "MC_DOB": dmy(children["mc_dob"]),
        }
    )
    uasc = children[children["uasc"]]
    uasc_table = pd.DataFrame(
        {
            "CHILD": uasc["child_id"],
            "SEX": uasc["sex"],
            "DOB": dmy(uasc["dob"]),
            "DUC": dmy(uasc["uasc_ceased"]),
        }
    )
    table = {name.upper(): episodes[name] for name in _EPISODE_TEXT}
    table["CHILD"] = episodes["child_id"]
    table["DECOM"] = dmy(episodes["decom"])
    table["DEC"] = dmy(episodes["dec"])
    episode_table = pd.DataFrame(table)[EPISODE_COLUMNS]
    if episodes["pl_distance"].notna().any():
        episode_table["PL_DISTANCE"] = episodes["pl_distance"].map(
            lambda d: "" if pd.isna(d) else f"{d:.1f}"
        )
    if (episodes["carer_id"] != "").any():
        episode_table["CARER_ID"] = episodes["carer_id"]
    if episodes["weekly_cost"].notna().any():
        episode_table["WEEKLY_COST"] = episodes["weekly_cost"].map(
            lambda c: "" if pd.isna(c) else f"{c:.2f}"
        )
    written = []
    for name, frame in (
        ("header.csv", header),
        ("episodes.csv", episode_table),
        ("uasc.csv", uasc_table),
    ):
        path = out_dir / name
        with path.open("w", encoding="utf-8", newline="") as out:
            csvsafe.write_rows(out, list(frame.columns), frame.itertuples(index=False))
        written.append(path)
    return written
