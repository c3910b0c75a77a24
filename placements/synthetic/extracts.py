"""The synthetic authority as the files a council would send: the 903 extract of each
collection year and `full_history/` (header.csv, episodes.csv, uasc.csv), and beside them the
supply side's carers.csv, costs.csv and Ofsted provider workbook (providers.xlsx)."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd

from placements.ssda903 import codes
from placements.ssda903.readers import TABLE_COLUMNS
from placements.synthetic.history import EPISODE_COLUMNS, CollectionYear, SyntheticHistory
from placements.synthetic.supply import SyntheticSupply

HEADER_COLUMNS = list(TABLE_COLUMNS["Header"])
UASC_COLUMNS = list(TABLE_COLUMNS["UASC"])
FULL_HISTORY_FOLDER = "full_history"

# SEX is 1/2 in returns up to 2023-24 and M/F from 2024-25 (docs/ssda903.md#sex-and-ethnicity).
SEX_AS_LETTERS_FROM = dt.date(2024, 4, 1)


@dataclass(frozen=True)
class WrittenExtract:
    folder: Path
    children: int
    episodes: int


def _dates(values: pd.Series) -> pd.Series:
    return values.dt.strftime("%d/%m/%Y").fillna("")


def year_extract(
    history: SyntheticHistory,
    year: CollectionYear,
    *,
    extra_episode_columns: pd.DataFrame | None = None,
) -> dict[str, pd.DataFrame]:
    """The header, episodes and UASC tables a council would send for `year`, as text.

    Every episode open at any time from 1 April to the year end is there, including those
    that began earlier (with their original DECOM) and those ending on 1 April itself: the
    stored history only learns that an episode closed from a file that holds it. Episodes
    still open at the year end are shown open. `extra_episode_columns` (text, on the index of
    `history.episodes`, such as CARER_ID and WEEKLY_COST) are appended to the episodes.
    """
    return _extract(
        history, pd.Timestamp(year.start), pd.Timestamp(year.end), year.start, extra_episode_columns
    )


def full_history_extract(
    history: SyntheticHistory, *, extra_episode_columns: pd.DataFrame | None = None
) -> dict[str, pd.DataFrame]:
    """Every episode up to the as-at date, with SEX coded as in the as-at year."""
    return _extract(
        history, None, pd.Timestamp(history.as_at), history.as_at, extra_episode_columns
    )


def _extract(
    history: SyntheticHistory,
    start: pd.Timestamp | None,
    end: pd.Timestamp,
    coded_in: dt.date,
    extra_episode_columns: pd.DataFrame | None = None,
) -> dict[str, pd.DataFrame]:
    episodes = history.episodes
    keep = episodes["DECOM"] <= end
    if start is not None:
        keep &= episodes["DEC"].isna() | (episodes["DEC"] >= start)
    episodes = episodes[keep].copy()
    columns = list(EPISODE_COLUMNS)
    if extra_episode_columns is not None:
        extra = extra_episode_columns.reindex(episodes.index).fillna("")
        episodes[list(extra.columns)] = extra
        columns += list(extra.columns)
    # A short break records no placement location: no postcodes, no URN (the DfE's rules 214,
    # 398 and 420). The history keeps them: the carers extract pools short-break carers by them.
    short_break = episodes["LS"].isin(codes.SHORT_BREAK_LEGAL_STATUS)
    episodes.loc[short_break, ["HOME_POST", "PL_POST", "URN"]] = ""
    open_at_end = episodes["DEC"].isna() | (episodes["DEC"] > end)
    episodes.loc[open_at_end, "DEC"] = pd.NaT
    episodes.loc[open_at_end, "REC"] = ""
    # Why the placement ended is recorded when it ends, not before.
    episodes.loc[open_at_end, "REASON_PLACE_CHANGE"] = ""
    episodes["DECOM"] = _dates(episodes["DECOM"])
    episodes["DEC"] = _dates(episodes["DEC"])

    children = history.children[history.children["CHILD"].isin(episodes["CHILD"])].copy()
    if coded_in >= SEX_AS_LETTERS_FROM:
        children["SEX"] = children["SEX"].map({1: "M", 2: "F"})
    else:
        children["SEX"] = children["SEX"].astype(str)
    # A child who becomes a mother later in the history is not yet one in earlier years.
    not_yet = children["MC_DOB"].notna() & (children["MC_DOB"] > end)
    children.loc[not_yet, "MOTHER"] = "0"
    children.loc[not_yet, "MC_DOB"] = pd.NaT
    children["UPN"] = _upn_or_reason_unknown(children, coded_in)
    children["DOB"] = _dates(children["DOB"])
    children["MC_DOB"] = _dates(children["MC_DOB"])
    children["DUC"] = _dates(children["DUC"])
    return {
        "header": children[HEADER_COLUMNS].reset_index(drop=True),
        "episodes": episodes[columns].reset_index(drop=True),
        "uasc": children.loc[children["UASC"], UASC_COLUMNS].reset_index(drop=True),
    }


def _upn_or_reason_unknown(children: pd.DataFrame, coded_in: dt.date) -> pd.Series:
    """The UPN, or for a child without one the code that says why (the DfE's rule 442): UN1
    not yet of school age (under four on 31 August before the collection year, its rule 209),
    otherwise UN5, none ever issued."""
    year_start = coded_in.year if coded_in.month >= 4 else coded_in.year - 1
    school_from = pd.Timestamp(year_start - 1 - 4, 8, 31)
    unknown = children["UPN"] == ""
    young = children["DOB"] > school_from
    reason = np.where(young, "UN1", "UN5")
    return children["UPN"].where(~unknown, pd.Series(reason, index=children.index))


def _write(tables: dict[str, pd.DataFrame], folder: Path) -> WrittenExtract:
    folder.mkdir(parents=True, exist_ok=True)
    for name, table in tables.items():
        table.to_csv(folder / f"{name}.csv", index=False, encoding="utf-8", lineterminator="\r\n")
    return WrittenExtract(
        folder=folder, children=len(tables["header"]), episodes=len(tables["episodes"])
    )


def write_extracts(
    history: SyntheticHistory,
    out_dir: Path,
    *,
    extra_episode_columns: pd.DataFrame | None = None,
) -> list[WrittenExtract]:
    """One folder per collection year (`2021-22/`) and `full_history/`, each with
    header.csv, episodes.csv and uasc.csv; `extra_episode_columns` as in `year_extract`."""
    extra = extra_episode_columns
    written = [
        _write(year_extract(history, year, extra_episode_columns=extra), out_dir / year.label)
        for year in history.years
    ]
    written.append(
        _write(
            full_history_extract(history, extra_episode_columns=extra),
            out_dir / FULL_HISTORY_FOLDER,
        )
    )
    return written


# --- The supply side's files ------------------------------------------------------------

CARERS_FILE = "carers.csv"
COSTS_FILE = "costs.csv"
PROVIDERS_FILE = "providers.xlsx"

COST_COLUMNS = ["CHILD", "DECOM", "WEEKLY_COST"]
EPISODE_SUPPLY_COLUMNS = ["CARER_ID", "WEEKLY_COST"]

PROVIDERS_SHEET = "Providers"
SA_PROVIDERS_SHEET = "SA Providers"


def episode_columns(supply: SyntheticSupply) -> pd.DataFrame:
    """CARER_ID and WEEKLY_COST as text on the index of the history's episodes, for
    `write_extracts(..., extra_episode_columns=...)`."""
    costs = supply.episode_costs
    return pd.DataFrame(
        {
            "CARER_ID": supply.episode_carers,
            "WEEKLY_COST": [_money(value) for value in costs],
        },
        index=costs.index,
    )


def costs_extract(supply: SyntheticSupply) -> pd.DataFrame:
    """The placement costs extract (COST_COLUMNS, text): every episode with a cost."""
    episodes = supply.history.episodes
    known = supply.episode_costs.notna()
    return pd.DataFrame(
        {
            "CHILD": episodes.loc[known, "CHILD"],
            "DECOM": episodes.loc[known, "DECOM"].dt.strftime("%d/%m/%Y"),
            "WEEKLY_COST": [_money(value) for value in supply.episode_costs[known]],
        },
        columns=COST_COLUMNS,
    ).reset_index(drop=True)


def _money(value: float) -> str:
    return "" if value is None or math.isnan(value) else f"{value:.2f}"


@dataclass(frozen=True)
class WrittenSupplyFile:
    path: Path
    rows: int
    description: str  # "112 households (86 in-house)": what the command prints


def write_supply(supply: SyntheticSupply, out_dir: Path) -> list[WrittenSupplyFile]:
    """carers.csv, costs.csv and providers.xlsx in `out_dir`, as at the history's as-at date."""
    out_dir.mkdir(parents=True, exist_ok=True)
    carers = supply.carers
    costs = costs_extract(supply)
    for frame, name in ((carers, CARERS_FILE), (costs, COSTS_FILE)):
        frame.to_csv(out_dir / name, index=False, encoding="utf-8", lineterminator="\r\n")
    write_provider_workbook(supply, out_dir / PROVIDERS_FILE)
    in_house = int((carers["PROVISION"] == "IN_HOUSE").sum())
    episodes = len(supply.history.episodes)
    sa_urns = supply.sa_providers["URN"].nunique()
    return [
        WrittenSupplyFile(
            out_dir / CARERS_FILE, len(carers), f"{len(carers)} households ({in_house} in-house)"
        ),
        WrittenSupplyFile(
            out_dir / COSTS_FILE, len(costs), f"{len(costs)} costs for {episodes} episodes"
        ),
        WrittenSupplyFile(
            out_dir / PROVIDERS_FILE,
            len(supply.providers) + sa_urns,
            f"{len(supply.providers)} providers and {sa_urns} supported accommodation providers",
        ),
    ]


def write_provider_workbook(supply: SyntheticSupply, path: Path) -> None:
    book = openpyxl.Workbook()
    sheets = (
        (book.active, PROVIDERS_SHEET, supply.providers),
        (book.create_sheet(), SA_PROVIDERS_SHEET, supply.sa_providers),
    )
    for sheet, title, frame in sheets:
        sheet.title = title
        sheet.append(list(frame.columns))
        for row in frame.itertuples(index=False):
            sheet.append([_cell(value) for value in row])
    book.properties.creator = "Sufficiency synthetic data"
    book.properties.created = dt.datetime(2025, 1, 1)
    book.save(path)


def _cell(value: object) -> object:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return dt.datetime(value.year, value.month, value.day)
    return value
