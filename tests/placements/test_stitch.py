"""Stitching monthly uploads into one history (docs/uploads.md#stitching), on tiny literal frames."""

import datetime as dt

import pandas as pd

from placements.ssda903.stitch import MSG_CHAIN_REPAIRED, diff_episodes, stitch_episodes
from placements.ssda903.validate import EPISODE_FIELDS, empty_episodes


def episodes(*rows: tuple) -> pd.DataFrame:
    """Rows of (child, decom, dec, rec, place)."""
    frame = empty_episodes()
    records = []
    for child, decom, dec, rec, place in rows:
        record = dict.fromkeys(EPISODE_FIELDS, "")
        record.update(
            child_id=child,
            decom=pd.Timestamp(decom),
            dec=pd.Timestamp(dec) if dec else pd.NaT,
            rec=rec,
            place=place,
            pl_distance=float("nan"),
        )
        records.append(record)
    return pd.concat([frame, pd.DataFrame(records)], ignore_index=True)


def keys(frame: pd.DataFrame) -> list[tuple]:
    return [
        (
            r.child_id,
            f"{r.decom:%Y-%m-%d}",
            "" if pd.isna(r.dec) else f"{r.dec:%Y-%m-%d}",
            r.rec,
            r.place,
        )
        for r in frame.itertuples()
    ]


def test_stitch_keeps_stored_before_window_and_takes_upload_inside_it():
    stored = episodes(
        ("A", "2023-05-01", "2024-06-01", "X1", "U4"),  # started before the window: kept
        ("A", "2024-06-01", "", "", "U5"),  # open; the upload closes it
        ("B", "2024-07-01", "", "", "K2"),  # inside the window, missing from the upload: removed
    )
    upload = episodes(
        ("A", "2024-06-01", "2024-09-01", "X1", "U5"),
        ("A", "2024-09-01", "", "", "U6"),
    )
    new, repairs = stitch_episodes(stored, upload, window_start=dt.date(2024, 4, 1))
    assert keys(new) == [
        ("A", "2023-05-01", "2024-06-01", "X1", "U4"),
        ("A", "2024-06-01", "2024-09-01", "X1", "U5"),
        ("A", "2024-09-01", "", "", "U6"),
    ]
    assert repairs == []


def test_stitch_upload_repeating_an_episode_open_on_1_april_replaces_the_stored_one():
    stored = episodes(("A", "2022-01-10", "", "", "U4"))
    upload = episodes(("A", "2022-01-10", "2024-05-01", "E11", "A4"))
    new, _ = stitch_episodes(stored, upload, window_start=dt.date(2024, 4, 1))
    assert keys(new) == [("A", "2022-01-10", "2024-05-01", "E11", "A4")]


def test_stitch_full_history_replaces_everything():
    stored = episodes(("A", "2019-01-01", "", "", "U4"), ("B", "2020-01-01", "", "", "U4"))
    upload = episodes(("B", "2020-01-01", "", "", "U4"))
    new, _ = stitch_episodes(stored, upload, window_start=None)
    assert keys(new) == [("B", "2020-01-01", "", "", "U4")]


def test_stitch_open_episode_followed_by_a_later_one_is_closed_and_reported():
    stored = episodes(("A", "2023-05-01", "", "", "U4"))  # never closed by the source
    upload = episodes(("A", "2024-06-01", "", "", "K2"))
    new, repairs = stitch_episodes(stored, upload, window_start=dt.date(2024, 4, 1), source="e.csv")
    assert keys(new) == [
        ("A", "2023-05-01", "2024-06-01", "X1", "U4"),
        ("A", "2024-06-01", "", "", "K2"),
    ]
    [repair] = repairs
    assert repair.message == MSG_CHAIN_REPAIRED.format(next_decom="01/06/2024")
    assert (repair.child, repair.value, repair.is_error) == ("A", "01/05/2023", False)


def test_diff_counts_added_updated_removed():
    stored = episodes(("A", "2023-05-01", "", "", "U4"), ("B", "2023-05-01", "", "", "U4")).assign(
        id=[10, 11]
    )
    new = episodes(
        ("A", "2023-05-01", "2024-01-01", "E13", "U4"), ("C", "2024-01-01", "", "", "K2")
    )
    diff = diff_episodes(stored, new)
    assert (diff.added, diff.updated, diff.removed) == (1, 1, 1)
    assert sorted(diff.delete_ids) == [10, 11]
    assert sorted(diff.insert["child_id"]) == ["A", "C"]


def test_diff_of_identical_histories_is_empty():
    stored = episodes(("A", "2023-05-01", "", "", "U4")).assign(id=[1])
    diff = diff_episodes(stored, episodes(("A", "2023-05-01", "", "", "U4")))
    assert (diff.added, diff.updated, diff.removed, diff.delete_ids) == (0, 0, 0, [])


# --- Optional fields: CARER_ID and WEEKLY_COST ---------------------------------------------------


def with_supply(frame: pd.DataFrame, carer: list[str], cost: list[float]) -> pd.DataFrame:
    return frame.assign(carer_id=carer, weekly_cost=pd.Series(cost, dtype=float))


def test_stitch_upload_without_the_optional_columns_keeps_the_stored_values():
    stored = with_supply(
        episodes(("A", "2024-01-01", "2024-05-01", "X1", "U4"), ("A", "2024-05-01", "", "", "U5")),
        ["FC1", "FC2"], [500.0, 510.0],
    )  # fmt: skip
    upload = with_supply(
        episodes(("A", "2024-05-01", "2024-07-01", "E4A", "U5"), ("B", "2024-06-01", "", "", "U4")),
        ["", ""], [float("nan")] * 2,
    )  # fmt: skip
    new, _ = stitch_episodes(
        stored, upload, window_start=dt.date(2024, 4, 1), absent_fields=("carer_id", "weekly_cost")
    )
    assert new["carer_id"].tolist() == ["FC1", "FC2", ""]
    assert new["weekly_cost"].tolist()[:2] == [500.0, 510.0]
    assert pd.isna(new["weekly_cost"].iloc[2])
    # The episode's own change (closed) is still taken from the upload.
    assert new["rec"].tolist() == ["X1", "E4A", ""]


def test_stitch_upload_with_blank_optional_cells_blanks_the_stored_values():
    stored = with_supply(episodes(("A", "2024-05-01", "", "", "U5")), ["FC2"], [510.0])
    upload = with_supply(episodes(("A", "2024-05-01", "", "", "U5")), [""], [float("nan")])
    new, _ = stitch_episodes(stored, upload, window_start=dt.date(2024, 4, 1))
    assert new["carer_id"].tolist() == [""] and new["weekly_cost"].isna().all()


def test_diff_counts_a_changed_carer_or_cost_as_an_update():
    stored = with_supply(episodes(("A", "2024-05-01", "", "", "U5")), ["FC2"], [510.0])
    stored["id"] = [7]
    for carer, cost in (("FC3", 510.0), ("FC2", 520.0)):
        new = with_supply(episodes(("A", "2024-05-01", "", "", "U5")), [carer], [cost])
        diff = diff_episodes(stored, new)
        assert (diff.added, diff.updated, diff.removed, diff.delete_ids) == (0, 1, 0, [7])
    same = diff_episodes(stored, stored.drop(columns="id"))
    assert (same.updated, same.delete_ids) == (0, [])
