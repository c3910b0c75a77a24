"""The placement costs extract: the weekly cost of episodes' placements, keyed by CHILD and
DECOM (README, "Placement costs extract"), read like the 903 tables and checked here.
Pure pandas, no ORM.

A cost whose episode is not stored yet is kept (with a warning): the costs often come from a
finance system on another day than the 903 extract that will hold the episode.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pandas as pd

from placements.models import Child
from placements.ssda903.problems import Problem
from placements.ssda903.readers import Table, single_table_layout
from placements.ssda903.validate import (
    MSG_CHILD_REQUIRED,
    MSG_DECOM_AFTER_AS_AT,
    Where,
    exact_copies,
    parse_costs,
    parse_dates,
    tidy_id,
)

TABLE = "Placement costs"
COLUMNS = ("CHILD", "DECOM", "WEEKLY_COST")
FIELDS = ["child_id", "decom", "weekly_cost"]
CHILD_MAX_CHARS = Child._meta.get_field("child_id").max_length or 10

# --- Reading ---------------------------------------------------------------------------------

LAYOUT = single_table_layout(
    title="placement costs extract",
    choice="Placement costs extract",
    table=TABLE,
    columns=COLUMNS,
    key_column="CHILD",
)
NO_ROWS = LAYOUT.no_rows
MISSING_COLUMNS = LAYOUT.missing_columns
NOT_A_TABLE = LAYOUT.not_a_table
SHEET_NOT_A_TABLE = LAYOUT.sheet_not_a_table
WORKBOOK_NO_TABLE = LAYOUT.workbook_no_table
DUPLICATE_TABLE = LAYOUT.duplicate_table
NO_TABLE = LAYOUT.no_table

# --- Checking --------------------------------------------------------------------------------

MSG_CHILD_TOO_LONG = f"The CHILD id is longer than {CHILD_MAX_CHARS} characters."
MSG_COST_REQUIRED = "WEEKLY_COST is blank: give the placement's weekly cost in pounds."
MSG_DUPLICATE_COST = "This child has two different costs for the same DECOM."
MSG_EXACT_DUPLICATE_COST = "An exact copy of an earlier row; the copy was dropped."
MSG_NO_EPISODE = (
    "No stored episode of this child starts on this DECOM; the cost is accepted all the same, "
    "for when a 903 extract holds the episode."
)


@dataclass
class CostsExtract:
    """A placement costs extract, tidied and typed: one row per CHILD and DECOM, FIELDS."""

    costs: pd.DataFrame
    problems: list[Problem] = field(default_factory=list)

    @property
    def has_errors(self) -> bool:
        return any(p.is_error for p in self.problems)


def empty_costs() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "child_id": pd.Series(dtype=object),
            "decom": pd.Series(dtype="datetime64[ns]"),
            "weekly_cost": pd.Series(dtype=float),
        }
    )


def validate_costs(
    tables: list[Table], *, as_at: dt.date, episode_keys: pd.DataFrame | None = None
) -> CostsExtract:
    """Tidy and check a placement costs extract.

    `episode_keys` (child_id, decom) are the authority's stored episodes: a cost for none of
    them is a warning. Without it, costs are not matched with episodes.
    """
    table = next((t for t in tables if t.kind == TABLE), None)
    if table is None:
        return CostsExtract(empty_costs())  # the reader has said why
    problems: list[Problem] = []
    raw = table.frame
    frame = pd.DataFrame({"_row": raw["_row"].to_numpy(), "child_id": tidy_id(raw["CHILD"])})
    where = Where(table.source, frame)
    child = frame["child_id"]
    where.flag(child == "", "CHILD", raw["CHILD"], MSG_CHILD_REQUIRED, problems)
    where.flag(child.str.len() > CHILD_MAX_CHARS, "CHILD", child, MSG_CHILD_TOO_LONG, problems)
    frame["decom"] = parse_dates(raw["DECOM"], "DECOM", where, problems, required=True)
    where.flag(frame["decom"] > pd.Timestamp(as_at), "DECOM", raw["DECOM"],
               MSG_DECOM_AFTER_AS_AT, problems, warning=True)  # fmt: skip
    cost_text = raw["WEEKLY_COST"].astype(str).str.strip()
    where.flag(cost_text == "", "WEEKLY_COST", cost_text, MSG_COST_REQUIRED, problems)
    frame["weekly_cost"] = parse_costs(raw["WEEKLY_COST"], "WEEKLY_COST", where, problems)

    # As in the 903 Episodes: an exact copy is dropped, two different costs are an error.
    frame = frame[(child != "") & frame["decom"].notna()]
    exact = exact_copies(frame, key=["child_id", "decom"], compare=FIELDS)
    where.flag(exact, "DECOM", raw["DECOM"], MSG_EXACT_DUPLICATE_COST, problems, warning=True)
    frame = frame[~exact]
    clash = frame.duplicated(subset=["child_id", "decom"], keep=False)
    where.flag(clash, "DECOM", raw["DECOM"], MSG_DUPLICATE_COST, problems)

    if episode_keys is not None:
        stored = pd.MultiIndex.from_frame(episode_keys[["child_id", "decom"]])
        found = pd.MultiIndex.from_frame(frame[["child_id", "decom"]]).isin(stored)
        missing = pd.Series(~found, index=frame.index)
        where.flag(missing, "DECOM", raw["DECOM"], MSG_NO_EPISODE, problems, warning=True)

    costs = frame[FIELDS].sort_values(["child_id", "decom"]).reset_index(drop=True)
    return CostsExtract(costs, problems)


def compare_costs(stored: pd.DataFrame, new: pd.DataFrame) -> tuple[int, int]:
    """How many of the new costs are not stored yet, and how many change a stored cost."""
    merged = new.merge(stored, on=["child_id", "decom"], how="left", suffixes=("", "_old"))
    known = merged["weekly_cost_old"].notna()
    changed = known & (merged["weekly_cost_old"].round(2) != merged["weekly_cost"].round(2))
    return int((~known).sum()), int(changed.sum())
