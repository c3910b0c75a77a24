"""Ofsted's lists of registered providers, read into one tidy frame (no database, no settings).

Each year the DfE sends authorities Ofsted's lists with the 903 collection, in one of three
layouts (README: "Ofsted provider lists"):

- the Children's Homes list: sheet "Provider information";
- the Social Care Providers list: sheet "Current providers" and, for each year, a sheet
  "Providers closed in YYYY-YY";
- from 2025, one combined list: sheet "Providers" and sheet "SA Providers" (registered
  supported accommodation).

A workbook is recognised by its sheet names and then checked for the headings we need; header
case and spacing, a title row above the headings and extra columns are all tolerated, because
Ofsted's files change a little every year. Anything else is refused with one sentence that
names the file. Values are kept as Ofsted gives them (type, status, grade wording), tidied only
where a comparison needs it (URN and postcode).
"""

from __future__ import annotations

import datetime as dt
import io
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

import openpyxl
import pandas as pd
from openpyxl.utils.datetime import from_excel

from placements.postcodes import normalise_postcode
from placements.ssda903.readers import (
    MAX_SHEET_COLUMNS,
    OLE_MAGIC,
    ZIP_MAGIC,
    _zip_problem,  # the 903 reader's zip-bomb guard: one guard for every workbook we open
    file_where,
)

CHILDRENS_HOMES = "Children's Homes list"
SOCIAL_CARE_PROVIDERS = "Social Care Providers list"
COMBINED_2025 = "2025 combined list"

# --- Messages (one sentence each, naming the file) -------------------------------------------

NOT_XLSX = (
    "{where} is not an Excel workbook (.xlsx), so it is not an Ofsted provider list we can read."
)
LEGACY_XLS = "{where} is an old-style Excel .xls workbook, which we cannot read: save it as .xlsx."
UNREADABLE = "{where} could not be opened as an Excel workbook."
UNKNOWN_LAYOUT = (
    "{where} is not an Ofsted provider list in a layout we know: we read the Children's Homes "
    'list (sheet "Provider information"), the Social Care Providers list (sheet "Current '
    'providers") and the 2025 combined list (sheets "Providers" and "SA Providers").'
)
MISSING_HEADINGS = (
    '{where} looks like the {kind}, but its sheet "{sheet}" has no column headed {columns}.'
)
NO_PROVIDERS = "{where} has the {kind} headings but no providers with a URN."

# --- The tidy frame --------------------------------------------------------------------------

TEXT_FIELDS = (
    "urn",
    "name",
    "provider_type",
    "provider_subtype",
    "sector",
    "owner_name",
    "top_company",
    "postcode",
    "local_authority",
    "registration_status",
    "placement_codes",
    "provider_code",
    "overall_effectiveness",
)
DATE_FIELDS = ("registration_date", "closed_date", "last_inspection_date")
NUMBER_FIELDS = ("registered_places",)
FIELDS = (*TEXT_FIELDS, "registered_places", *DATE_FIELDS, "source_list")

# How long each text may be when stored (placements.models.Provider); longer is cut, not refused.
MAX_LENGTHS = {
    "urn": 12,
    "name": 200,
    "provider_type": 100,
    "provider_subtype": 100,
    "sector": 60,
    "owner_name": 200,
    "top_company": 200,
    "postcode": 10,
    "local_authority": 100,
    "registration_status": 60,
    "placement_codes": 200,
    "provider_code": 20,
    "overall_effectiveness": 60,
}

# Ofsted writes "-" in a cell that has nothing to say (no closure, no inspection yet).
_NOTHING = {"", "-", "–", "n/a", "N/A"}
# A title or notes row may sit above the headings; they are looked for this far down.
_HEADING_SEARCH_ROWS = 10


@dataclass(frozen=True)
class SheetLayout:
    """One sheet of a layout: its name, and the heading each field is read from."""

    title: str  # a regular expression matched against the whole normalised sheet name
    columns: dict[str, tuple[str, ...]]  # field -> accepted normalised headings
    needed: tuple[str, ...]  # fields whose heading must be there
    required: bool = True  # the layout is only recognised when this sheet is there
    # Each row of a supported accommodation sheet is one setting: a provider's places are the
    # sum of its settings' capacities, and its postcode that of the first setting listed.
    sums_places: bool = False
    # A closed-providers sheet says "Closed" even where its status cell is blank.
    status_when_blank: str = ""

    def matches(self, sheet_name: str) -> bool:
        return re.fullmatch(self.title, normalise_heading(sheet_name)) is not None

    @property
    def display_title(self) -> str:
        return self.title.replace(r"\d{4}-\d{2}", "YYYY-YY")


@dataclass(frozen=True)
class Layout:
    kind: str
    sheets: tuple[SheetLayout, ...]


_NEEDED = ("urn", "name", "provider_type", "registration_status", "postcode", "registered_places")

_CHILDRENS_HOMES_COLUMNS = {
    "urn": ("urn",),
    "name": ("setting name",),
    "provider_type": ("provider type",),
    "provider_subtype": ("provider subtype",),
    "sector": ("sector",),
    "owner_name": ("owner name",),
    "registered_places": ("max users",),
    "postcode": ("setting address postcode",),
    "local_authority": ("local authority",),
    "registration_status": ("provider status",),
    "registration_date": ("registration date",),
    "closed_date": ("closed date",),
    "placement_codes": ("provider placement code",),
    "provider_code": ("provider code",),
    "last_inspection_date": ("full inspection start date",),
    "overall_effectiveness": ("overall effectiveness",),
}

_SOCIAL_CARE_COLUMNS = {
    "urn": ("urn",),
    "name": ("setting name",),
    "provider_type": ("provision type",),
    "sector": ("sector",),
    "owner_name": ("organisation name",),
    "top_company": ("top company",),
    "registered_places": ("maximum fostering places",),
    "postcode": ("setting postcode",),
    "local_authority": ("local authority",),
    "registration_status": ("registration status",),
    "closed_date": ("deregistration date",),
    "placement_codes": ("placement code",),
    "provider_code": ("placement provider code",),
    "last_inspection_date": ("date of last full inspection",),
    "overall_effectiveness": ("latest overall effectiveness grade from last full inspection",),
}

_COMBINED_COLUMNS = {
    "urn": ("urn",),
    "name": ("provider name",),
    "provider_type": ("provider type",),
    "provider_subtype": ("provider subtype",),
    "sector": ("sector",),
    "owner_name": ("owner name",),
    "top_company": ("top company",),
    "registered_places": ("number of registered places",),
    "postcode": ("provider postcode",),
    "local_authority": ("local authority",),
    "registration_status": ("registration status",),
    "registration_date": ("registration date",),
    "closed_date": ("deregistration date",),
    "placement_codes": ("placement code",),
    "provider_code": ("placement provider code",),
    "last_inspection_date": ("date of last full inspection",),
    "overall_effectiveness": ("overall effectiveness",),
}

_SUPPORTED_ACCOMMODATION_COLUMNS = {
    "urn": ("urn",),
    "name": ("provider name",),
    "provider_type": ("provider type",),
    "sector": ("sector",),
    "owner_name": ("owner name",),
    "registered_places": ("capacity",),
    "postcode": ("setting address postcode",),
    # The setting's authority, not the provider's head office's.
    "local_authority": ("setting local authority",),
    "registration_status": ("registration status",),
    "registration_date": ("registration date",),
    "closed_date": ("closed date",),
    "placement_codes": ("placement code",),
}

LAYOUTS = (
    Layout(
        CHILDRENS_HOMES,
        (SheetLayout("provider information", _CHILDRENS_HOMES_COLUMNS, _NEEDED),),
    ),
    Layout(
        SOCIAL_CARE_PROVIDERS,
        (
            SheetLayout("current providers", _SOCIAL_CARE_COLUMNS, _NEEDED),
            SheetLayout(
                r"providers closed in \d{4}-\d{2}",
                _SOCIAL_CARE_COLUMNS,
                ("urn", "name", "provider_type", "postcode"),
                required=False,
                status_when_blank="Closed",
            ),
        ),
    ),
    Layout(
        COMBINED_2025,
        (
            SheetLayout("providers", _COMBINED_COLUMNS, _NEEDED),
            SheetLayout(
                "sa providers",
                _SUPPORTED_ACCOMMODATION_COLUMNS,
                _NEEDED,
                required=False,
                sums_places=True,
            ),
        ),
    ),
)


class RefusedProviderFile(ValueError):
    """The file is not an Ofsted provider list we can read; the message says why, in words."""


@dataclass
class ProviderList:
    """A provider workbook read: one row per URN, in the order the file lists them."""

    kind: str  # CHILDRENS_HOMES, SOCIAL_CARE_PROVIDERS or COMBINED_2025
    frame: pd.DataFrame  # columns FIELDS; None where the file has no value
    carried: frozenset[str]  # fields the file has a column for (only those may be overwritten)
    rows: int  # rows read, before URNs listed twice were merged
    without_urn: int = 0  # rows left out because their URN cell was blank
    sheets: list[str] = field(default_factory=list)


# --- Tidying values --------------------------------------------------------------------------


def normalise_heading(value: object) -> str:
    """'Top company (as listed on Companies' House)' -> 'top company'; 'top_company' too."""
    text = "" if value is None else str(value)
    text = re.sub(r"\([^)]*\)", " ", text).replace("_", " ").replace("\u2019", "'")
    return " ".join(text.casefold().split())


def normalise_urn(value: object) -> str:
    """URNs as Episodes carry them: 'sc 123456' -> 'SC123456', 1234567 or 1234567.0 -> '1234567'."""
    if value is None or isinstance(value, bool):
        return ""
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        if value.is_integer():
            return str(int(value))
    if isinstance(value, int):
        return str(value)
    text = "".join(str(value).split()).upper()
    # A number typed as text that a spreadsheet saved as "1234567.0".
    if re.fullmatch(r"\d+\.0+", text):
        text = text.split(".", 1)[0]
    return "" if text in _NOTHING else text


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime | dt.date):
        return _date(value).isoformat()  # type: ignore[union-attr]
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = " ".join(str(value).split())
    return "" if text in _NOTHING else text


_DATE_FORMATS = ("%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y", "%d.%m.%Y", "%d/%m/%y")
# Excel keeps dates as days since 1899-12-30; a bare number in this range in a date column
# is a date cell that lost its format, anything else is not a date.
_EXCEL_DAYS = (1, 2958465)


def _date(value: object) -> dt.date | None:
    """A date cell as a date; None when blank or not a date (the list is still imported)."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        if not math.isnan(value) and _EXCEL_DAYS[0] <= value <= _EXCEL_DAYS[1]:
            return from_excel(value).date()
        return None
    text = _text(value)
    if not text:
        return None
    text = text.split(" ", 1)[0]  # "01/12/2023 00:00:00"
    for fmt in _DATE_FORMATS:
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def _number(value: object) -> int | None:
    """A count of places; None when blank or not a whole number of places."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if value >= 0 else None
    if isinstance(value, float):
        return int(value) if value.is_integer() and value >= 0 else None
    text = _text(value).replace(",", "")
    if re.fullmatch(r"\d+(\.0+)?", text):
        return int(text.split(".", 1)[0])
    return None


def _value(name: str, cell: object) -> object:
    if name == "urn":
        return normalise_urn(cell)[: MAX_LENGTHS["urn"]]
    if name == "postcode":
        return normalise_postcode(_text(cell))[: MAX_LENGTHS["postcode"]]
    if name in DATE_FIELDS:
        return _date(cell)
    if name in NUMBER_FIELDS:
        return _number(cell)
    return _text(cell)[: MAX_LENGTHS[name]]


# --- Reading ---------------------------------------------------------------------------------


def read_provider_workbook(*, name: str, content: bytes, max_unzipped_bytes: int) -> ProviderList:
    """Recognise and read one provider workbook; raise RefusedProviderFile when it is not one.

    A provider listed twice keeps its first row (the current providers before the closed, the
    providers before the supported accommodation), except that a supported accommodation
    provider's places add up over its settings.
    """
    where = file_where(name)
    if content.startswith(OLE_MAGIC):
        raise RefusedProviderFile(LEGACY_XLS.format(where=where))
    if not content.startswith(ZIP_MAGIC):
        raise RefusedProviderFile(NOT_XLSX.format(where=where))
    refusal = _zip_problem(content, where=where, max_unzipped_bytes=max_unzipped_bytes)
    if refusal is not None:
        raise RefusedProviderFile(refusal)
    try:
        # data_only=False: a formula comes back as its text, never evaluated.
        book = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=False)
    except Exception:  # noqa: BLE001 - openpyxl raises anything from KeyError to TypeError on bad files
        raise RefusedProviderFile(UNREADABLE.format(where=where)) from None
    try:
        return _read_book(book, where=where)
    except RefusedProviderFile:
        raise
    except Exception:  # noqa: BLE001 - a damaged sheet: say so in words, never a traceback
        raise RefusedProviderFile(UNREADABLE.format(where=where)) from None
    finally:
        book.close()


def _read_book(book: openpyxl.Workbook, *, where: str) -> ProviderList:
    layout, matched = _recognise(book)
    if layout is None:
        raise RefusedProviderFile(UNKNOWN_LAYOUT.format(where=where))

    frames: list[pd.DataFrame] = []
    carried: set[str] = {"source_list"}
    rows = without_urn = 0
    for sheet_layout, sheet in matched:
        headings, records = _sheet_rows(sheet)
        positions = _positions(headings, sheet_layout)
        missing = [f for f in sheet_layout.needed if f not in positions]
        if missing:
            columns = " or ".join(f'"{_display_heading(sheet_layout, f)}"' for f in missing)
            raise RefusedProviderFile(
                MISSING_HEADINGS.format(
                    where=where, kind=layout.kind, sheet=sheet.title, columns=columns
                )
            )
        carried.update(positions)
        frame = _sheet_frame(records, positions, sheet_layout)
        rows += len(frame)
        blank = frame["urn"] == ""
        without_urn += int(blank.sum())
        frames.append(frame[~blank])

    frame = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=FIELDS)
    if frame.empty:
        raise RefusedProviderFile(NO_PROVIDERS.format(where=where, kind=layout.kind))
    frame = frame.drop_duplicates("urn", keep="first").reset_index(drop=True)
    frame["source_list"] = layout.kind
    frame = frame.reindex(columns=list(FIELDS))
    return ProviderList(
        kind=layout.kind,
        frame=frame,
        carried=frozenset(carried),
        rows=rows,
        without_urn=without_urn,
        sheets=[str(sheet.title) for _, sheet in matched],
    )


def _recognise(book: openpyxl.Workbook) -> tuple[Layout | None, list[tuple[SheetLayout, object]]]:
    """The layout whose required sheets are all in the book, and its sheets found, in order."""
    for layout in LAYOUTS:
        matched = []
        for sheet_layout in layout.sheets:
            found = [s for s in book.worksheets if sheet_layout.matches(str(s.title))]
            if sheet_layout.required and not found:
                break
            matched.extend((sheet_layout, sheet) for sheet in found)
        else:
            return layout, matched
    return None, []


def _display_heading(sheet_layout: SheetLayout, name: str) -> str:
    """A heading as Ofsted writes it, for messages: 'max users' -> 'Max users'."""
    heading = sheet_layout.columns[name][0]
    return heading[:1].upper() + heading[1:]


def _sheet_rows(sheet: object) -> tuple[list[str], Iterator[tuple]]:
    """The sheet's headings (normalised) and an iterator over the rows below them.

    The headings are the first row, among the first few, that has a cell headed URN; with none,
    the first non-blank row (so that the message can say which headings are missing).
    """
    sheet.reset_dimensions()  # the dimension a writer records can be wrong
    first_filled: tuple[int, list[str]] | None = None
    for number, values in enumerate(
        sheet.iter_rows(max_row=_HEADING_SEARCH_ROWS, max_col=MAX_SHEET_COLUMNS, values_only=True),
        start=1,
    ):
        headings = [normalise_heading(v) for v in values]
        if "urn" in headings:
            return headings, sheet.iter_rows(
                min_row=number + 1, max_col=len(headings), values_only=True
            )
        if first_filled is None and any(headings):
            first_filled = (number, headings)
    return (first_filled[1] if first_filled else []), iter(())


def _positions(headings: list[str], sheet_layout: SheetLayout) -> dict[str, int]:
    """Field -> column index, for the fields whose heading the sheet has (first one wins)."""
    positions: dict[str, int] = {}
    for name, accepted in sheet_layout.columns.items():
        for index, heading in enumerate(headings):
            if heading in accepted:
                positions[name] = index
                break
    return positions


def _sheet_frame(
    records: Iterator[tuple], positions: dict[str, int], sheet_layout: SheetLayout
) -> pd.DataFrame:
    rows = []
    for values in records:
        if not any(v not in (None, "") for v in values):
            continue
        row = {}
        for name, index in positions.items():
            row[name] = _value(name, values[index] if index < len(values) else None)
        rows.append(row)
    frame = pd.DataFrame(rows, columns=list(FIELDS), dtype=object)
    for name in TEXT_FIELDS:
        if name in positions:
            frame[name] = frame[name].fillna("")
    if sheet_layout.status_when_blank:
        blank = frame["registration_status"].isna() | (frame["registration_status"] == "")
        frame.loc[blank, "registration_status"] = sheet_layout.status_when_blank
    if sheet_layout.sums_places and not frame.empty:
        places = (
            frame[frame["urn"] != ""]
            .groupby("urn", sort=False)["registered_places"]
            .agg(lambda values: None if values.isna().all() else int(values.dropna().sum()))
        )
        frame["registered_places"] = frame["urn"].map(places).astype(object)
        frame.loc[frame["urn"] == "", "registered_places"] = None
    return frame.astype(object).where(frame.notna(), None)
