"""The foster carers extract: every foster carer household the service has had (README,
"Foster carers extract"), read like the 903 tables and checked here. Pure pandas, no ORM.

Errors reject the whole extract, so the stored households stay as they were; warnings load.
Problems name the household by its CARER_ID (in the problem's CHILD place), never by anything
else in the row.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pandas as pd

from placements import postcodes
from placements.models import CarerHousehold
from placements.ssda903.problems import Problem
from placements.ssda903.readers import Table, single_table_layout
from placements.ssda903.validate import (
    CARER_ID_MAX_CHARS,
    MSG_CARER_ID_TOO_LONG,
    KnownValues,
    Where,
    matches,
    parse_dates,
    per_unique,
    tidy_code,
    tidy_id,
)

TABLE = "Foster carers"
COLUMNS = (
    "CARER_ID", "CARER_TYPE", "PROVISION", "AGENCY_URN", "APPROVAL_DATE", "DEREGISTRATION_DATE",
    "DEREGISTRATION_REASON", "APPROVED_PLACES", "AGE_FROM", "AGE_TO", "POSTCODE_SECTOR",
)  # fmt: skip
FIELDS = [column.lower() for column in COLUMNS]
CARER_TYPES = tuple(CarerHousehold.CarerType.values)
PROVISIONS = tuple(CarerHousehold.Provision.values)
REASON_MAX_CHARS = CarerHousehold._meta.get_field("deregistration_reason").max_length or 100
AGENCY_URN_MAX_CHARS = CarerHousehold._meta.get_field("agency_urn").max_length or 8
MAX_PLACES = 9
MAX_AGE = 18

# --- Reading ---------------------------------------------------------------------------------

# An extract lists every household ever approved, so an empty one is a broken export,
# not a service without carers: loading it would delete every stored household.
LAYOUT = single_table_layout(
    title="foster carers extract",
    choice="Foster carers extract",
    table=TABLE,
    columns=COLUMNS,
    key_column="CARER_ID",
)
NO_ROWS = LAYOUT.no_rows
MISSING_COLUMNS = LAYOUT.missing_columns
NOT_A_TABLE = LAYOUT.not_a_table
SHEET_NOT_A_TABLE = LAYOUT.sheet_not_a_table
WORKBOOK_NO_TABLE = LAYOUT.workbook_no_table
DUPLICATE_TABLE = LAYOUT.duplicate_table
NO_TABLE = LAYOUT.no_table

# --- Checking --------------------------------------------------------------------------------

MSG_CARER_ID_REQUIRED = "The CARER_ID is missing."
MSG_DUPLICATE_CARER = "This CARER_ID appears more than once; each household is listed once."
MSG_CARER_TYPE = "{code} is not a CARER_TYPE: use one of " + ", ".join(CARER_TYPES) + "."
MSG_PROVISION = "{code} is not a PROVISION: use IN_HOUSE or AGENCY."
MSG_AGENCY_WITHOUT_URN = "An AGENCY household needs the agency's Ofsted URN in AGENCY_URN."
MSG_IN_HOUSE_WITH_URN = "An IN_HOUSE household has no AGENCY_URN: is it an AGENCY household?"
MSG_AGENCY_URN_TOO_LONG = "AGENCY_URN is too long to be an Ofsted URN (7 digits)."
MSG_AGENCY_URN_FORMAT = "AGENCY_URN does not look like an Ofsted URN (7 digits)."
MSG_AGENCY_URN_NOT_FOUND = "AGENCY_URN not found in the Ofsted provider lists."
MSG_DEREGISTERED_BEFORE_APPROVAL = "DEREGISTRATION_DATE is before APPROVAL_DATE."
MSG_REASON_WITHOUT_DATE = (
    "DEREGISTRATION_REASON is given but DEREGISTRATION_DATE is blank: "
    "when was the household deregistered?"
)
MSG_DATE_WITHOUT_REASON = (
    "DEREGISTRATION_DATE is given without a DEREGISTRATION_REASON; the household counts as "
    "deregistered."
)
MSG_REASON_TOO_LONG = f"DEREGISTRATION_REASON is longer than {REASON_MAX_CHARS} characters."
MSG_APPROVED_PLACES = f"APPROVED_PLACES must be a whole number from 1 to {MAX_PLACES}."
MSG_AGE = f"{{column}} must be blank or a whole number from 0 to {MAX_AGE}."
MSG_AGE_RANGE = "AGE_FROM is above AGE_TO."
MSG_APPROVED_AFTER_AS_AT = "APPROVAL_DATE is after the upload's as-at date."
MSG_DEREGISTERED_AFTER_AS_AT = "DEREGISTRATION_DATE is after the upload's as-at date."
MSG_FULL_POSTCODE = "A full postcode, not a sector: only its sector ({sector}) is kept."
MSG_SECTOR_FORMAT = "This is not a postcode sector such as SE15 5; it was not kept."
MSG_SECTOR_NOT_FOUND = "Postcode sector not recognised in the ONS Postcode Directory."

_AGENCY_URN = r"^(?:\d{7}|SC\d{6})$"
_SECTOR_SHAPE = r"^[A-Z]{1,2}\d[A-Z\d]? \d$"
_FULL_SHAPE = r"^[A-Z]{1,2}\d[A-Z\d]? \d[A-Z]{2}$"


@dataclass
class CarersExtract:
    """A foster carers extract, tidied and typed: one row per household, FIELDS as columns."""

    households: pd.DataFrame
    problems: list[Problem] = field(default_factory=list)

    @property
    def has_errors(self) -> bool:
        return any(p.is_error for p in self.problems)

    @property
    def deregistered(self) -> int:
        return int(self.households["deregistration_date"].notna().sum())


def empty_households() -> pd.DataFrame:
    frame = pd.DataFrame({name: pd.Series(dtype=object) for name in FIELDS})
    for name in ("approval_date", "deregistration_date"):
        frame[name] = pd.Series(dtype="datetime64[ns]")
    for name in ("approved_places", "age_from", "age_to"):
        frame[name] = pd.Series(dtype="Int64")
    return frame


def validate_carers(
    tables: list[Table],
    *,
    as_at: dt.date,
    check_postcodes: bool = True,
    known_agencies: KnownValues | None = None,
) -> CarersExtract:
    """Tidy and check a foster carers extract.

    `known_agencies` looks up agencies' URNs in the Ofsted provider lists (a URN not there is
    a warning); without it they are not looked up.
    """
    table = next((t for t in tables if t.kind == TABLE), None)
    if table is None:
        return CarersExtract(empty_households())  # the reader has said why
    problems: list[Problem] = []
    raw = table.frame
    frame = pd.DataFrame({"_row": raw["_row"].to_numpy(), "child_id": tidy_id(raw["CARER_ID"])})
    where = Where(table.source, frame)
    carer = frame["child_id"]
    where.flag(carer == "", "CARER_ID", carer, MSG_CARER_ID_REQUIRED, problems)
    too_long = carer.str.len() > CARER_ID_MAX_CHARS
    where.flag(too_long, "CARER_ID", carer, MSG_CARER_ID_TOO_LONG, problems)
    clash = (carer != "") & carer.duplicated(keep=False)
    where.flag(clash, "CARER_ID", carer, MSG_DUPLICATE_CARER, problems)
    frame["carer_id"] = carer

    frame["carer_type"] = _choice(raw["CARER_TYPE"], "CARER_TYPE", CARER_TYPES, MSG_CARER_TYPE,
                                  where, problems)  # fmt: skip
    frame["provision"] = _choice(raw["PROVISION"], "PROVISION", PROVISIONS, MSG_PROVISION,
                                 where, problems)  # fmt: skip
    frame["agency_urn"] = _agency_urn(raw, frame, where, problems, known_agencies)
    _dates(raw, frame, as_at, where, problems)
    frame["approved_places"] = _whole_numbers(
        raw["APPROVED_PLACES"], "APPROVED_PLACES", 1, MAX_PLACES, MSG_APPROVED_PLACES,
        where, problems, required=True,
    )  # fmt: skip
    for column in ("AGE_FROM", "AGE_TO"):
        frame[column.lower()] = _whole_numbers(
            raw[column], column, 0, MAX_AGE, MSG_AGE.format(column=column), where, problems,
            required=False,
        )  # fmt: skip
    reversed_ages = (frame["age_from"] > frame["age_to"]).fillna(False).astype(bool)
    where.flag(reversed_ages, "AGE_FROM", raw["AGE_FROM"], MSG_AGE_RANGE, problems)
    frame["postcode_sector"] = _sectors(raw["POSTCODE_SECTOR"], where, problems, check_postcodes)

    households = frame[FIELDS].sort_values("carer_id").reset_index(drop=True)
    return CarersExtract(households, problems)


def compare_households(stored: pd.DataFrame, new: pd.DataFrame) -> tuple[int, int, int]:
    """How a new extract differs from the stored households: (added, changed, removed)."""
    merged = new.merge(stored, on="carer_id", how="outer", suffixes=("", "_old"), indicator=True)
    both = merged["_merge"] == "both"
    changed = pd.Series(False, index=merged.index)
    for name in FIELDS:
        if name == "carer_id":
            continue
        old, now = merged[f"{name}_old"], merged[name]
        same = (old == now).fillna(False).astype(bool) | (old.isna() & now.isna())
        changed |= both & ~same
    added = int((merged["_merge"] == "left_only").sum())
    removed = int((merged["_merge"] == "right_only").sum())
    return added, int(changed.sum()), removed


# --- Helpers ---------------------------------------------------------------------------------


def _tidy_choice(values: pd.Series) -> pd.Series:
    # "Short breaks", "short-breaks" and "SHORT_BREAKS" all mean the same code.
    return values.str.strip().str.upper().str.replace(r"[\s\-]+", "_", regex=True)


def _choice(
    values: pd.Series,
    column: str,
    allowed: tuple[str, ...],
    message: str,
    where: Where,
    problems: list[Problem],
) -> pd.Series:
    tidied = per_unique(values, _tidy_choice)
    for index in tidied.index[~tidied.isin(set(allowed)).to_numpy()]:
        problems.append(
            Problem.error(
                message.format(code=tidied[index] or "A blank"),
                value=values[index],
                **where.at(index, column),
            )
        )
    return tidied


def _agency_urn(
    raw: pd.DataFrame,
    frame: pd.DataFrame,
    where: Where,
    problems: list[Problem],
    known_agencies: KnownValues | None,
) -> pd.Series:
    urn = tidy_code(raw["AGENCY_URN"])
    given = urn != ""
    agency = frame["provision"] == CarerHousehold.Provision.AGENCY
    in_house = frame["provision"] == CarerHousehold.Provision.IN_HOUSE
    where.flag(agency & ~given, "AGENCY_URN", urn, MSG_AGENCY_WITHOUT_URN, problems)
    where.flag(in_house & given, "AGENCY_URN", urn, MSG_IN_HOUSE_WITH_URN, problems)
    too_long = urn.str.len() > AGENCY_URN_MAX_CHARS
    where.flag(too_long, "AGENCY_URN", urn, MSG_AGENCY_URN_TOO_LONG, problems)
    ill_formed = given & ~too_long & ~matches(urn, _AGENCY_URN)
    where.flag(ill_formed, "AGENCY_URN", urn, MSG_AGENCY_URN_FORMAT, problems, warning=True)
    well_formed = given & ~too_long & ~ill_formed
    if known_agencies is not None and well_formed.any():
        found = known_agencies(sorted(set(urn[well_formed])))
        if found is not None:
            unknown = well_formed & ~urn.isin(set(found))
            where.flag(unknown, "AGENCY_URN", urn, MSG_AGENCY_URN_NOT_FOUND, problems,
                       warning=True)  # fmt: skip
    return urn


def _dates(
    raw: pd.DataFrame, frame: pd.DataFrame, as_at: dt.date, where: Where, problems: list[Problem]
) -> None:
    approved = parse_dates(raw["APPROVAL_DATE"], "APPROVAL_DATE", where, problems, required=True)
    ended = parse_dates(
        raw["DEREGISTRATION_DATE"], "DEREGISTRATION_DATE", where, problems, required=False
    )
    reason = raw["DEREGISTRATION_REASON"].astype(str).str.strip()
    limit = pd.Timestamp(as_at)
    where.flag(ended < approved, "DEREGISTRATION_DATE", raw["DEREGISTRATION_DATE"],
               MSG_DEREGISTERED_BEFORE_APPROVAL, problems)  # fmt: skip
    date_blank = raw["DEREGISTRATION_DATE"].astype(str).str.strip() == ""
    # A reason says the household was deregistered: without its date the history is wrong.
    # A date without a reason still says when, so it loads with a warning.
    where.flag((reason != "") & date_blank, "DEREGISTRATION_REASON", reason,
               MSG_REASON_WITHOUT_DATE, problems)  # fmt: skip
    where.flag(ended.notna() & (reason == ""), "DEREGISTRATION_REASON", reason,
               MSG_DATE_WITHOUT_REASON, problems, warning=True)  # fmt: skip
    where.flag(reason.str.len() > REASON_MAX_CHARS, "DEREGISTRATION_REASON", reason,
               MSG_REASON_TOO_LONG, problems)  # fmt: skip
    where.flag(approved > limit, "APPROVAL_DATE", raw["APPROVAL_DATE"],
               MSG_APPROVED_AFTER_AS_AT, problems, warning=True)  # fmt: skip
    where.flag(ended > limit, "DEREGISTRATION_DATE", raw["DEREGISTRATION_DATE"],
               MSG_DEREGISTERED_AFTER_AS_AT, problems, warning=True)  # fmt: skip
    frame["approval_date"] = approved
    frame["deregistration_date"] = ended
    frame["deregistration_reason"] = reason


def _whole_numbers(
    values: pd.Series,
    column: str,
    low: int,
    high: int,
    message: str,
    where: Where,
    problems: list[Problem],
    *,
    required: bool,
) -> pd.Series:
    text = values.astype(str).str.strip()
    numbers = pd.to_numeric(text, errors="coerce")
    good = numbers.notna() & (numbers % 1 == 0) & (numbers >= low) & (numbers <= high)
    bad = ~good if required else (text != "") & ~good
    where.flag(bad, column, text, message, problems)
    return numbers.where(good).astype("Int64")


def _sectors(
    values: pd.Series, where: Where, problems: list[Problem], check_postcodes: bool
) -> pd.Series:
    tidied = per_unique(values, postcodes.normalise_postcodes)
    given = tidied != ""
    full = given & matches(tidied, _FULL_SHAPE)
    # Only the sector is kept of a full postcode: it is all the indicators need, and less
    # identifying of where a family lives.
    sector = tidied.where(~full, tidied.str[:-2])
    for index in tidied.index[full.to_numpy()]:
        problems.append(
            Problem.warning(
                MSG_FULL_POSTCODE.format(sector=sector[index]),
                value=tidied[index],
                **where.at(index, "POSTCODE_SECTOR"),
            )
        )
    shaped = given & matches(sector, _SECTOR_SHAPE)
    where.flag(given & ~shaped, "POSTCODE_SECTOR", tidied, MSG_SECTOR_FORMAT, problems,
               warning=True)  # fmt: skip
    sector = sector.where(shaped, "")
    if check_postcodes and shaped.any():
        distinct = pd.Series(sorted(set(sector[shaped])), dtype=object)
        found = postcodes.lookup(distinct)["found"].to_numpy(dtype=bool)
        missing = set(distinct[~found])
        where.flag(shaped & sector.isin(missing), "POSTCODE_SECTOR", sector,
                   MSG_SECTOR_NOT_FOUND, problems, warning=True)  # fmt: skip
    return sector.astype(object)


def households_records(households: pd.DataFrame) -> list[dict[str, object]]:
    """The households as field values for CarerHousehold rows (dates as dates, blanks as None)."""
    clean = households.astype(object).where(households.notna(), None)
    records = clean.to_dict("records")
    for record in records:
        for name in ("approval_date", "deregistration_date"):
            value = record[name]
            record[name] = value.date() if isinstance(value, pd.Timestamp) else None
        for name in ("approved_places", "age_from", "age_to"):
            value = record[name]
            record[name] = None if value is None else int(value)
    return records
