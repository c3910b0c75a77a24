"""Turn the raw files of one upload into 903 tables (docs/ssda903.md#file-forms).

A council uploads CSV files, an Excel workbook or the 903 XML return. Each file (or sheet) is
recognised by its columns, never its name, and comes back as a `Table` whose frame holds every
value as stripped text: dates, codes and case are left alone because validation happens later
and must be able to point at the value exactly as the user typed it.

The other extracts an upload can be (foster carers, placement costs) are read by the same
machinery: each kind of upload is a `Layout` naming its tables, and a file that fits another
layout's table is reported as the wrong kind of upload rather than as an unknown file.

Nothing here raises for bad input: every failure is a `Problem` in words a data officer can act
on. The files hold records about children, so messages name only the file, sheet, row and
column; the single offending value, where there is one, goes in `Problem.value`.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import openpyxl
import pandas as pd
from lxml import etree

from placements.ssda903.limits import (
    UTF8_BOM,
    ZIP_MAGIC,
    ZIP_RATIO,
    ZIP_RATIO_LIMIT,
    ZIP_RATIO_MIN_BYTES,
    ZIP_TOO_LARGE,
    UploadLimits,
    file_where,
    format_size,
    upload_refusal,
)
from placements.ssda903.problems import Problem

if TYPE_CHECKING:
    from openpyxl.worksheet._read_only import ReadOnlyWorksheet

# --- Tables ----------------------------------------------------------------------------------

# The other tables of a full 903 extract, as the DfE's validator knows them: recognised by
# their columns so that a full extract is accepted (and none of them taken for a table we read,
# or for a broken one), then ignored.
OTHER_TABLE_COLUMNS: dict[str, tuple[str, ...]] = {
    "Reviews": ("CHILD", "DOB", "REVIEW", "REVIEW_CODE"),
    "OC2": (
        "CHILD",
        "DOB",
        "SDQ_SCORE",
        "SDQ_REASON",
        "CONVICTED",
        "HEALTH_CHECK",
        "IMMUNISATIONS",
        "TEETH_CHECK",
        "HEALTH_ASSESSMENT",
        "SUBSTANCE_MISUSE",
        "INTERVENTION_RECEIVED",
        "INTERVENTION_OFFERED",
    ),
    "OC3": ("CHILD", "DOB", "IN_TOUCH", "ACTIV", "ACCOM"),
    "AD1": (
        "CHILD",
        "DOB",
        "DATE_INT",
        "DATE_MATCH",
        "FOSTER_CARE",
        "NB_ADOPTR",
        "SEX_ADOPTR",
        "LS_ADOPTR",
    ),
    "PlacedAdoption": (
        "CHILD",
        "DOB",
        "DATE_PLACED",
        "DATE_PLACED_CEASED",
        "REASON_PLACED_CEASED",
    ),
    "PrevPerm": ("CHILD", "DOB", "PREV_PERM", "LA_PERM", "DATE_PERM"),
    "Missing": ("CHILD", "DOB", "MISSING", "MIS_START", "MIS_END"),
    "SWEpisodes": ("CHILD", "DOB", "SW_ID", "SW_DECOM", "SW_DEC", "SW_REASON"),
    "DoLo": ("CHILD", "DOB", "DOLO_START", "DOLO_END"),
}
TABLE_COLUMNS: dict[str, tuple[str, ...]] = {
    "Header": ("CHILD", "SEX", "DOB", "ETHNIC", "UPN", "MOTHER", "MC_DOB"),
    "Episodes": (
        "CHILD",
        "DECOM",
        "RNE",
        "LS",
        "CIN",
        "PLACE",
        "PLACE_PROVIDER",
        "DEC",
        "REC",
        "REASON_PLACE_CHANGE",
        "HOME_POST",
        "PL_POST",
        "URN",
    ),
    "UASC": ("CHILD", "SEX", "DOB", "DUC"),
    **OTHER_TABLE_COLUMNS,
}
USED_TABLES = ("Header", "Episodes", "UASC")
IGNORED_TABLES = tuple(OTHER_TABLE_COLUMNS)
REQUIRED_TABLES = ("Header", "Episodes")
# A used table with a header but no rows is an error, except UASC: a council with no
# unaccompanied children exports the UASC file with its header only (and the XML return
# simply has no child with UASC 1), which is a true statement, not a broken file.
EMPTY_ALLOWED = frozenset(TABLE_COLUMNS) - {"Header", "Episodes"}

ROW = "_row"
# Optional Episodes columns a council may add (issue 5); the XML return may carry them too.
EPISODE_OPTIONAL_COLUMNS = ("CARER_ID", "WEEKLY_COST")


@dataclass(frozen=True)
class RawFile:
    name: str  # file name as uploaded
    content: bytes


@dataclass
class Table:
    kind: str  # a key of TABLE_COLUMNS
    source: str  # what a user calls it: "episodes.csv", "extract.xlsx, sheet Episodes"
    frame: pd.DataFrame  # upper-cased columns, str values, int column _row


# --- Messages --------------------------------------------------------------------------------
# `where` is 'File "x.csv"' or 'Sheet "Episodes" in "book.xlsx"', so one template serves both.

TOO_LARGE = "{where} is larger than the {limit} limit."
EMPTY = "{where} is empty."
NO_ROWS = "{where} has the 903 {kind} columns but no rows."
BAD_ENCODING = "{where} is not in an encoding we can read (save it as CSV UTF-8)."
EXCEL_AS_CSV = (
    "{where} is an Excel workbook, not a CSV file: upload it with its .xlsx name or save it as CSV."
)
NOT_XLSX = "{where} is not an Excel workbook (is it a CSV file renamed?)."
LEGACY_XLS = (
    "{where} is an old-style Excel .xls workbook, which we cannot read: "
    "save it as .xlsx or as CSV UTF-8."
)
XLSB = (
    "{where} is an Excel binary workbook (.xlsb), which we cannot read: "
    "save it as .xlsx or as CSV UTF-8."
)
# A file that is none of the forms we read, named from its first bytes ("a PDF", "a PNG image")
# against what its name promised ("a CSV table").
NOT_A_DATA_FILE = "{where} is {what}, not {expected}."
CSV_BINARY = "{where} is not a CSV table: it holds binary data, not text."
BAD_ZIP = "{where} is a damaged Excel workbook and could not be opened."
BAD_WORKBOOK = "{where} could not be opened as an Excel workbook."
BAD_SHEET = "{where} could not be read."
SHEET_NOT_A_TABLE = 'Sheet "{sheet}" in "{file}" is not a 903 table and was ignored.'
WORKBOOK_NO_TABLE = "{where} has no sheet that is a 903 table."
CSV_BAD_ROW = "{where} could not be read as CSV: row {row} has the wrong number of columns."
CSV_UNREADABLE = "{where} could not be read as CSV."
DUPLICATE_COLUMNS = "{where} has the column(s) {columns} more than once."
MISSING_COLUMNS = "{where} looks like the 903 {kind} table but is missing the column(s) {columns}."
MISSING_COLUMNS_IGNORED = (
    "{where} looks like the 903 {kind} table but is missing the column(s) {columns}; "
    "that table is not used, so the file was ignored."
)
NOT_A_TABLE = (
    "{where} is not a 903 table: its columns match none of Header, Episodes, UASC "
    "or the other 903 tables."
)
XML_MALFORMED = "{where} is not well-formed XML (line {line})."
XML_DOCTYPE = (
    "{where} contains a DOCTYPE declaration, which the 903 XML return never has, "
    "so it was not read."
)
XML_NOT_903 = "{where} is XML but not a 903 return: its root element is not EXPSSDA903."
XML_CHILD_WITHOUT_HEADER = "{where} has a CHILD element with no HEADER."
DUPLICATE_TABLE = (
    'Files "{first}" and "{second}" both hold the 903 {kind} table; upload one of them.'
)
NO_TABLE = "The upload has no 903 {kind} table."
WRONG_KIND = (
    '{where} looks like the {other}, not the {this}: choose "{choice}" as what you are uploading.'
)
XML_NOT_ACCEPTED = "{where} is an XML file; the {this} is read from CSV files or Excel workbooks."


@dataclass(frozen=True)
class Layout:
    """One kind of upload: its tables (each recognised by its columns) and its messages.

    The message templates are formatted with any of `where`, `kind`, `columns`, `first`,
    `second`, `sheet` and `file`, so each layout can word them its own way.
    """

    title: str  # "SSDA903 extract", "foster carers extract": how messages name the upload
    choice: str  # the option on the upload form that means this layout
    tables: dict[str, tuple[str, ...]]
    used: tuple[str, ...]  # tables validation reads; two files of one of them is an error
    required: tuple[str, ...]
    empty_allowed: frozenset[str]  # tables that may have a header and no rows
    key_column: str  # a file without it never resembles one of the tables
    xml: bool
    no_rows: str
    missing_columns: str
    not_a_table: str
    sheet_not_a_table: str
    workbook_no_table: str
    duplicate_table: str
    no_table: str


def single_table_layout(
    *,
    title: str,
    choice: str,
    table: str,
    columns: tuple[str, ...],
    key_column: str,
) -> Layout:
    """A layout of one table, not in XML, that may not be empty (the carers and costs
    extracts), its messages worded from its title."""
    return Layout(
        title=title,
        choice=choice,
        tables={table: columns},
        used=(table,),
        required=(table,),
        empty_allowed=frozenset(),
        key_column=key_column,
        xml=False,
        no_rows=f"{{where}} has the {title}'s columns but no rows.",
        missing_columns=f"{{where}} looks like the {title} but is missing the column(s) {{columns}}.",
        not_a_table=(
            f"{{where}} is not a {title}: it does not have the columns {', '.join(columns)}."
        ),
        sheet_not_a_table=f'Sheet "{{sheet}}" in "{{file}}" is not a {title} and was ignored.',
        workbook_no_table=f"{{where}} has no sheet that is a {title}.",
        duplicate_table=f'Files "{{first}}" and "{{second}}" both hold a {title}; upload one of them.',
        no_table=f"The upload has no {title}.",
    )


def sheet_where(sheet: str, file: str) -> str:
    return f'Sheet "{sheet}" in "{file}"'


def sheet_source(file: str, sheet: str) -> str:
    return f"{file}, sheet {sheet}"


SSDA903 = Layout(
    title="SSDA903 extract",
    choice="SSDA903 extract",
    tables=TABLE_COLUMNS,
    used=USED_TABLES,
    required=REQUIRED_TABLES,
    empty_allowed=EMPTY_ALLOWED,
    key_column="CHILD",
    xml=True,
    no_rows=NO_ROWS,
    missing_columns=MISSING_COLUMNS,
    not_a_table=NOT_A_TABLE,
    sheet_not_a_table=SHEET_NOT_A_TABLE,
    workbook_no_table=WORKBOOK_NO_TABLE,
    duplicate_table=DUPLICATE_TABLE,
    no_table=NO_TABLE,
)


# --- Limits and magic bytes ------------------------------------------------------------------

# Header cells beyond this column are not looked at: some workbooks claim formatting up to
# column XFD, and padding every row to 16,384 cells would be a denial of service.
MAX_SHEET_COLUMNS = 1000

OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # legacy .xls (and other Office 97-2003 files)
EXCEL_EXTENSIONS = (".xlsx", ".xlsm")
TEXT_EXTENSIONS = (".csv", ".txt")
# What a file's first bytes say it is when it is none of the forms we read: without this, a PDF
# renamed .csv would be told that some row "has the wrong number of columns".
FILE_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"%PDF-", "a PDF"),
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"II*\x00", "a TIFF image"),
    (b"MM\x00*", "a TIFF image"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"Rar!\x1a\x07", "a RAR archive"),
    (b"PK\x05\x06", "an empty zip archive"),
    (b"{\\rtf", "a Rich Text (RTF) document"),
)
HTML_STARTS = (b"<!doctype html", b"<html")
# A zip archive is an Excel workbook when it holds this member; these others say what else it is.
WORKBOOK_MEMBER = "xl/workbook.xml"
XLSB_MEMBER = "xl/workbook.bin"
ZIP_MEMBER_KINDS: tuple[tuple[str, str], ...] = (
    ("word/document.xml", "a Word document"),
    ("ppt/presentation.xml", "a PowerPoint presentation"),
    ("content.xml", "an OpenDocument file"),
)
# Checked before parsing as well as after: a DOCTYPE is how entity-expansion bombs arrive.
DOCTYPE_MARKERS = (
    b"<!DOCTYPE",
    "<!DOCTYPE".encode("utf-16-le"),
    "<!DOCTYPE".encode("utf-16-be"),
)

# Leading lines holding nothing but separators and spaces: pandas cannot take its header
# from below them, so they are cut off and counted back into the row numbers.
_LEADING_BLANK_LINES = re.compile(r"(?:[ \t,]*(?:\r\n|\n|\r))*")
_LINE_BREAK = re.compile(r"\r\n|\n|\r")
_PANDAS_BAD_LINE = re.compile(r"Expected \d+ fields in line (\d+), saw \d+")


# --- Reading ---------------------------------------------------------------------------------

ANY_TABLE = "*"  # an unreadable file might have been any table


@dataclass
class _Found:
    """What reading one file gave: tables, problems, and which missing tables its errors explain."""

    tables: list[Table] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    explains: set[str] = field(default_factory=set)
    # Other layouts that sheets of a workbook fit, said only if no sheet fits this layout.
    wrong_kinds: list[Layout] = field(default_factory=list)

    def error(self, message: str, source: str, explains: str = ANY_TABLE, **where: object) -> None:
        self.problems.append(Problem.error(message, file=source, **where))
        self.explains.add(explains)

    def extend(self, other: _Found) -> None:
        self.tables.extend(other.tables)
        self.problems.extend(other.problems)
        self.explains |= other.explains
        self.wrong_kinds.extend(other.wrong_kinds)


@dataclass(frozen=True)
class _Reading:
    """What one upload is read as: its layout, the others to recognise, and the size limits."""

    layout: Layout
    others: tuple[Layout, ...]
    max_bytes: int
    max_unzipped_bytes: int


def read_files(
    files: list[RawFile],
    *,
    max_bytes: int,
    max_unzipped_bytes: int,
    layout: Layout = SSDA903,
    others: Sequence[Layout] = (),
    limits: UploadLimits | None = None,
) -> tuple[list[Table], list[Problem]]:
    """Read every file of an upload; return the layout's tables found and the problems met.

    Of two tables of one used kind only the first is returned (with an error), so that callers
    indexing tables by kind see the same table the messages name first. A file that is a table
    of one of the `others` layouts is an error saying which kind of upload it belongs to.
    With `limits`, an upload over one of them is one error and no file is parsed.
    """
    if limits is not None:
        refusal = upload_refusal([(f.name, io.BytesIO(f.content)) for f in files], limits)
        if refusal is not None:
            return [], [Problem.error(refusal)]
    reading = _Reading(layout, tuple(others), max_bytes, max_unzipped_bytes)
    found = _Found()
    for raw in files:
        found.extend(_read_one(raw, reading))

    tables: list[Table] = []
    first_of_kind: dict[str, Table] = {}
    problems = list(found.problems)
    for table in found.tables:
        first = first_of_kind.get(table.kind)
        if first is not None and table.kind in layout.used:
            problems.append(
                Problem.error(
                    layout.duplicate_table.format(
                        first=first.source, second=table.source, kind=table.kind
                    ),
                    file=table.source,
                )
            )
            continue
        first_of_kind.setdefault(table.kind, table)
        tables.append(table)

    # Say a required table is missing only when no error already gives a reason for it.
    if ANY_TABLE not in found.explains:
        for kind in layout.required:
            if kind not in first_of_kind and kind not in found.explains:
                problems.append(Problem.error(layout.no_table.format(kind=kind)))
    return tables, problems


def _read_one(raw: RawFile, reading: _Reading) -> _Found:
    max_bytes = reading.max_bytes
    found = _Found()
    where = file_where(raw.name)
    content = raw.content
    name = raw.name.lower().strip()
    # Size first, before anything looks inside the file.
    if len(content) > max_bytes:
        found.error(TOO_LARGE.format(where=where, limit=format_size(max_bytes)), raw.name)
        return found
    if not content:
        found.error(EMPTY.format(where=where), raw.name)
        return found
    # Sniff the content: extensions are what users (or their systems) claim, not what it is.
    if content.startswith(OLE_MAGIC):
        found.error(LEGACY_XLS.format(where=where), raw.name)
        return found
    what = _other_file_kind(content)
    if what is not None:
        expected = _expected_form(name, reading.layout)
        found.error(NOT_A_DATA_FILE.format(where=where, what=what, expected=expected), raw.name)
        return found
    if name.endswith(EXCEL_EXTENSIONS) and not content.startswith(ZIP_MAGIC):
        found.error(NOT_XLSX.format(where=where), raw.name)
        return found
    if content.startswith(ZIP_MAGIC):
        members = _zip_members(content)
        if members is not None:
            # A zip bomb is named as one, whatever else the archive claims to be.
            refusal = _zip_problem(
                content, where=where, max_unzipped_bytes=reading.max_unzipped_bytes
            )
            if refusal is None and XLSB_MEMBER in members:
                refusal = XLSB.format(where=where)
            elif refusal is None and WORKBOOK_MEMBER not in members:
                what = next((w for m, w in ZIP_MEMBER_KINDS if m in members), "a zip archive")
                expected = _expected_form(name, reading.layout)
                refusal = NOT_A_DATA_FILE.format(where=where, what=what, expected=expected)
            if refusal is not None:
                found.error(refusal, raw.name)
                return found
        if name.endswith(TEXT_EXTENSIONS):
            found.error(EXCEL_AS_CSV.format(where=where), raw.name)
            return found
        return _read_workbook(raw, reading)
    if name.endswith(".xml") or content.removeprefix(UTF8_BOM).lstrip().startswith(b"<"):
        if not reading.layout.xml:
            found.error(XML_NOT_ACCEPTED.format(where=where, this=reading.layout.title), raw.name)
            return found
        return _read_xml(raw, reading)
    return _read_csv(raw, reading)


def _other_file_kind(content: bytes) -> str | None:
    """What the file is, in words, when its first bytes show it is no CSV, workbook or XML."""
    for signature, what in FILE_SIGNATURES:
        if content.startswith(signature):
            return what
    start = content[:64].removeprefix(UTF8_BOM).lstrip().lower()
    if start.startswith(HTML_STARTS):
        return "a web page (HTML)"
    return None


def _zip_members(content: bytes) -> set[str] | None:
    """The names in a zip archive's directory (nothing is unzipped); None when it is damaged,
    which the workbook reader then says."""
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            return set(archive.namelist())
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError):
        return None


def _expected_form(name: str, layout: Layout) -> str:
    """What the file's name promised, for saying what it is instead."""
    if name.endswith(TEXT_EXTENSIONS):
        return "a CSV table"
    if name.endswith(EXCEL_EXTENSIONS):
        return "an Excel workbook"
    if name.endswith(".xml"):
        return "a 903 XML file"
    if layout.xml:
        return "a CSV table, an Excel workbook or a 903 XML file"
    return "a CSV table or an Excel workbook"


def _classify(
    frame: pd.DataFrame,
    *,
    where: str,
    source: str,
    found: _Found,
    reading: _Reading,
    sheet_ok: bool = False,
) -> Table | None:
    """Recognise the table by its columns; report why not when it is not one.

    `frame` has normalised column names and no blank rows. With `sheet_ok` (a workbook sheet)
    an unrecognised table is left for the caller to warn about, and None is returned silently.
    """
    layout = reading.layout
    columns = [c for c in frame.columns if c != ROW]
    present = set(columns)
    kind = _table_kind(present, layout)
    if kind is not None:
        if frame.empty and kind not in layout.empty_allowed:
            found.error(layout.no_rows.format(where=where, kind=kind), source, explains=kind)
            return None
        return Table(kind=kind, source=source, frame=frame)
    near = _nearest_table(present, layout)
    other = _other_layout(present, reading.others)
    # A file that is a table of another kind of upload is the wrong kind, unless it is closer
    # still to one of ours: an Episodes file short of a column but with WEEKLY_COST is a broken
    # Episodes file, not a placement costs extract.
    if other is not None and (near is None or _shared(present, layout, near) <= other[1]):
        if sheet_ok:
            found.wrong_kinds.append(other[0])
        else:
            found.error(_wrong_kind(where, layout, other[0]), source)
        return None
    if frame.empty:
        if not sheet_ok:
            found.error(EMPTY.format(where=where), source)
        return None
    if near is not None:
        missing = [c for c in layout.tables[near] if c not in present]
        if near not in layout.used:
            # A table we never read is no reason to refuse the upload, however it is laid out.
            found.problems.append(
                Problem.warning(
                    MISSING_COLUMNS_IGNORED.format(
                        where=where, kind=near, columns=", ".join(missing)
                    ),
                    file=source,
                )
            )
            return None
        found.error(
            layout.missing_columns.format(where=where, kind=near, columns=", ".join(missing)),
            source,
            explains=near,
        )
        return None
    if not sheet_ok:
        found.error(layout.not_a_table.format(where=where), source)
    return None


def _other_layout(present: set[str], others: tuple[Layout, ...]) -> tuple[Layout, int] | None:
    """The first other layout with a table whose columns are all present, and its width."""
    for other in others:
        kind = _table_kind(present, other)
        if kind is not None:
            return other, len(other.tables[kind])
    return None


def _shared(present: set[str], layout: Layout, kind: str) -> int:
    return len(present.intersection(layout.tables[kind]))


def _wrong_kind(where: str, layout: Layout, other: Layout) -> str:
    return WRONG_KIND.format(where=where, other=other.title, this=layout.title, choice=other.choice)


def _table_kind(present: set[str], layout: Layout) -> str | None:
    """The table whose columns are all present; of several, the one with most columns."""
    tables = layout.tables
    kinds = [kind for kind, required in tables.items() if present.issuperset(required)]
    if not kinds:
        return None
    # max() keeps the first of equals, and the layouts list the used tables first.
    return max(kinds, key=lambda kind: len(tables[kind]))


def _nearest_table(present: set[str], layout: Layout) -> str | None:
    """The table a file clearly resembles: the key column and at least half its columns."""
    if layout.key_column not in present:
        return None
    best: str | None = None
    best_key: tuple[int, float] = (0, 0.0)
    for kind, required in layout.tables.items():
        shared = len(present.intersection(required))
        if shared * 2 < len(required):
            continue
        key = (shared, shared / len(required))
        if key > best_key:
            best, best_key = kind, key
    return best


# str.strip over a whole object array at C speed: pandas' .str.strip costs seven times more,
# which matters for a 70,000-row episodes file.
_strip_all = np.frompyfunc(str.strip, 1, 1)


def _tidy(
    values: np.ndarray,
    numbers: np.ndarray,
    header: Sequence[str],
    *,
    where: str,
    source: str,
    found: _Found,
) -> pd.DataFrame | None:
    """A table's frame from its cells, or None (with an error) when its header is unusable.

    `values` is a 2-D object array of str, one row per record, one column per header cell;
    `numbers` gives each record's row number as the user sees it. Names are stripped and
    upper-cased, values stripped, unnamed columns and blank rows dropped.
    """
    names = [str(name).strip().upper() for name in header]
    # A column with no name cannot be a 903 column: spreadsheets grow such columns from stray
    # formatting or trailing separators, and what is under them is not ours to read.
    named = [i for i, name in enumerate(names) if name]
    names = [names[i] for i in named]
    doubled = [name for name, count in Counter(names).items() if count > 1]
    if doubled:
        columns = ", ".join(doubled)
        found.error(DUPLICATE_COLUMNS.format(where=where, columns=columns), source)
        return None
    values = values[:, named]
    if values.size:
        values = _strip_all(values)
        keep = (values != "").any(axis=1)
        values, numbers = values[keep], numbers[keep]
    frame = pd.DataFrame(values, columns=names, dtype=object)
    frame[ROW] = np.asarray(numbers, dtype="int64")
    return frame


# --- CSV -------------------------------------------------------------------------------------


def _decode(content: bytes) -> str | None:
    # NUL never occurs in a text CSV but fills UTF-16 text and binary files, which the
    # single-byte code page would otherwise "decode" into nonsense.
    if b"\x00" in content:
        return None
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return content.decode(encoding, errors="strict")
        except UnicodeDecodeError:
            continue
    return None


# Control characters other than tab and line breaks never occur in a text table; in a binary
# file read as Windows-1252 they are about one character in eight.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
BINARY_SAMPLE_CHARS = 8192


def _looks_binary(text: str) -> bool:
    sample = text[:BINARY_SAMPLE_CHARS]
    return len(_CONTROL.findall(sample)) > max(8, len(sample) // 100)


def _read_csv(raw: RawFile, reading: _Reading) -> _Found:
    found = _Found()
    where = file_where(raw.name)
    text = _decode(raw.content)
    if text is None:
        found.error(BAD_ENCODING.format(where=where), raw.name)
        return found
    if _looks_binary(text):
        found.error(CSV_BINARY.format(where=where), raw.name)
        return found
    leading = _LEADING_BLANK_LINES.match(text)
    skipped = len(_LINE_BREAK.findall(leading.group())) if leading else 0
    text = text[leading.end() :] if leading else text
    if not text.strip(" \t\r\n,"):
        found.error(EMPTY.format(where=where), raw.name)
        return found
    try:
        # header=None: the header is taken by hand so that duplicate names are seen (pandas
        # would rename them) and so that every record keeps its position, which with
        # skip_blank_lines=False is the row number a spreadsheet shows.
        records = pd.read_csv(
            io.StringIO(text),
            header=None,
            dtype=str,
            keep_default_na=False,
            na_filter=False,
            skip_blank_lines=False,
            engine="c",
        )
    except pd.errors.EmptyDataError:
        found.error(EMPTY.format(where=where), raw.name)
        return found
    except pd.errors.ParserError as error:
        # Only the row number is taken from pandas' text: its messages can quote the data.
        match = _PANDAS_BAD_LINE.search(str(error))
        if match:
            row = int(match.group(1)) + skipped
            found.error(CSV_BAD_ROW.format(where=where, row=row), raw.name, row=row)
        else:
            found.error(CSV_UNREADABLE.format(where=where), raw.name)
        return found
    except (ValueError, MemoryError, OverflowError):
        found.error(CSV_UNREADABLE.format(where=where), raw.name)
        return found
    cells = records.to_numpy(dtype=object)
    header = [str(name) for name in cells[0]]
    # Record 0 is the header, on spreadsheet row 1 (after any blank lines cut off above).
    numbers = np.arange(2, len(cells) + 1, dtype="int64") + skipped
    frame = _tidy(cells[1:], numbers, header, where=where, source=raw.name, found=found)
    if frame is not None:
        table = _classify(frame, where=where, source=raw.name, found=found, reading=reading)
        if table is not None:
            found.tables.append(table)
    return found


# --- Excel -----------------------------------------------------------------------------------


def _zip_problem(content: bytes, *, where: str, max_unzipped_bytes: int) -> str | None:
    """Why the workbook must not be opened, or None.

    The sizes come from the zip's directory; zipfile never inflates a member past its recorded
    size, so a lying directory cannot make openpyxl read more than was checked here.
    """
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError):
        return BAD_ZIP.format(where=where)
    total = sum(member.file_size for member in members)
    if total > max_unzipped_bytes:
        return ZIP_TOO_LARGE.format(where=where, limit=format_size(max_unzipped_bytes))
    for member in members:
        ratio = member.file_size / max(member.compress_size, 1)
        if member.file_size > ZIP_RATIO_MIN_BYTES and ratio > ZIP_RATIO_LIMIT:
            return ZIP_RATIO.format(where=where, ratio=ZIP_RATIO_LIMIT)
    return None


def _cell_text(value: object) -> str:
    """A cell as the text the user sees, without evaluating or reinterpreting anything."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, dt.datetime | dt.date):
        return f"{value.day:02d}/{value.month:02d}/{value.year:04d}"
    if isinstance(value, float):
        # IDs and codes typed into Excel come back as floats: 123456.0 means "123456".
        return str(int(value)) if value.is_integer() else str(value)
    # Array formulas come back as objects holding the formula text.
    text = getattr(value, "text", None)
    if isinstance(text, str):
        return text
    return str(value)


def _read_workbook(raw: RawFile, reading: _Reading) -> _Found:
    found = _Found()
    where = file_where(raw.name)
    layout = reading.layout
    refusal = _zip_problem(raw.content, where=where, max_unzipped_bytes=reading.max_unzipped_bytes)
    if refusal is not None:
        found.error(refusal, raw.name)
        return found
    # openpyxl's sheet parsing uses the standard library's expat (2.4+ refuses entity
    # expansion bombs and never fetches external entities), and lxml for the rest with
    # entities off, so the workbook's XML parts cannot reach the file system or network.
    try:
        # data_only=False: formula cells come back as their text ("=1+1"), never evaluated
        # and never the value cached by whoever saved the file.
        book = openpyxl.load_workbook(io.BytesIO(raw.content), read_only=True, data_only=False)
    except Exception:  # noqa: BLE001 - openpyxl raises anything from KeyError to TypeError on bad files
        found.error(BAD_WORKBOOK.format(where=where), raw.name)
        return found

    sheet_found = _Found()
    not_tables: list[str] = []
    non_empty = 0
    try:
        for sheet in book.worksheets:
            title = str(sheet.title)
            where_sheet = sheet_where(title, raw.name)
            source = sheet_source(raw.name, title)
            known_problems = len(sheet_found.problems)
            try:
                cells = _sheet_cells(sheet)
            except Exception:  # noqa: BLE001 - a damaged sheet must not hide the others
                sheet_found.error(BAD_SHEET.format(where=where_sheet), source)
                non_empty += 1
                continue
            if cells is None:
                continue  # an empty sheet says nothing, so nothing is said about it
            non_empty += 1
            values, numbers, header = cells
            frame = _tidy(
                values, numbers, header, where=where_sheet, source=source, found=sheet_found
            )
            if frame is None:
                continue
            table = _classify(
                frame,
                where=where_sheet,
                source=source,
                found=sheet_found,
                reading=reading,
                sheet_ok=True,
            )
            if table is not None:
                sheet_found.tables.append(table)
            elif len(sheet_found.problems) == known_problems:
                not_tables.append(title)
    finally:
        book.close()

    if non_empty == 0:
        found.error(EMPTY.format(where=where), raw.name)
        return found
    if not sheet_found.tables and not sheet_found.problems:
        # Nothing in the book is ours: one error says it better than a warning per sheet.
        if sheet_found.wrong_kinds:
            found.error(_wrong_kind(where, layout, sheet_found.wrong_kinds[0]), raw.name)
        else:
            found.error(layout.workbook_no_table.format(where=where), raw.name)
        return found
    sheet_found.wrong_kinds.clear()
    found.extend(sheet_found)
    for title in not_tables:
        found.problems.append(
            Problem.warning(
                layout.sheet_not_a_table.format(sheet=title, file=raw.name),
                file=sheet_source(raw.name, title),
            )
        )
    return found


def _sheet_cells(sheet: ReadOnlyWorksheet) -> tuple[np.ndarray, np.ndarray, list[str]] | None:
    """The cells under the sheet's first non-blank row, their sheet row numbers, and that row
    as the header; None for a sheet with nothing in it."""
    # The dimension a writer records can be wrong (too small, or the whole grid): ignore it.
    sheet.reset_dimensions()
    header_row = 0
    header: list[str] = []
    # types-openpyxl gives ReadOnlyWorksheet Worksheet's own iter_rows, whose `self` it rejects.
    first_rows = sheet.iter_rows(max_col=MAX_SHEET_COLUMNS, values_only=True)  # type: ignore[misc]
    for number, values in enumerate(first_rows, start=1):
        texts = [_cell_text(value).strip() for value in values]
        if any(texts):
            header_row, header = number, texts
            break
    if not header_row:
        return None
    width = max(i for i, text in enumerate(header) if text) + 1
    header = header[:width]
    records: list[list[str]] = []
    numbers: list[int] = []
    # Bounded by the header's width, so cells far to the right cost nothing.
    rows = sheet.iter_rows(min_row=header_row + 1, max_col=width, values_only=True)  # type: ignore[misc]
    for number, values in enumerate(rows, start=header_row + 1):
        texts = [_cell_text(value) for value in values]
        texts += [""] * (width - len(texts))
        records.append(texts)
        numbers.append(number)
    cells = np.empty((len(records), width), dtype=object)
    for i, texts in enumerate(records):
        cells[i, :] = texts
    return cells, np.asarray(numbers, dtype="int64"), header


# --- XML -------------------------------------------------------------------------------------

XML_HEADER_COLUMNS = {column: column for column in TABLE_COLUMNS["Header"]} | {"CHILD": "CHILDID"}
XML_EPISODE_COLUMNS = {column: column for column in TABLE_COLUMNS["Episodes"]} | {"PLACE": "PL"}
XML_UASC_COLUMNS = ("CHILD", "SEX", "DOB", "DUC")


def _xml_parser() -> etree.XMLParser:
    # No entity expansion, no DTD, no network, no unbounded trees: an upload is hostile input.
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )


def _local(element: etree._Element) -> str:
    """The element's name without any namespace some systems add ("{uri}CHILD")."""
    # Plain string work: etree.QName costs ten times more, across a million elements.
    tag = element.tag
    return tag.rpartition("}")[2] if isinstance(tag, str) else ""


def _children(element: etree._Element) -> Iterable[etree._Element]:
    # Passing the Element factory makes lxml skip anything that is not an element.
    return element.iterchildren(etree.Element)


def _fields(element: etree._Element) -> dict[str, str]:
    """Each direct child's stripped text by name; the first wins if a name repeats."""
    values: dict[str, str] = {}
    for child in element.iterchildren(etree.Element):
        # A parsed element's tag is a str; types-lxml allows whatever code may have set.
        tag: str = child.tag  # type: ignore[assignment]
        name = tag.rpartition("}")[2]
        if name not in values:
            values[name] = (child.text or "").strip()
    return values


# libxml2 keeps an element's line in 16 bits. From line 65,535 on, lxml's sourceline is the
# line of the element's first child node instead, and for a text node that is the line where
# the text ends: "<EPISODE>\n  <DECOM>" on line 70,000 is reported as 70,001.
_LIBXML_LAST_EXACT_LINE = 65534


def _line(element: etree._Element, depth: int = 0) -> int:
    """The line of the element's start tag (where its '>' is), even past line 65,534."""
    line = element.sourceline or 0
    if line <= _LIBXML_LAST_EXACT_LINE or depth > 50:
        return line
    if element.text is not None:
        return line - element.text.count("\n")
    if len(element):
        # No text before the first child: that child starts on the line this tag ends.
        return _line(element[0], depth + 1)
    if element.tail is not None:
        return line - element.tail.count("\n")
    return line


def _read_xml(raw: RawFile, reading: _Reading) -> _Found:
    found = _Found()
    where = file_where(raw.name)
    if any(marker in raw.content for marker in DOCTYPE_MARKERS):
        found.error(XML_DOCTYPE.format(where=where), raw.name)
        return found
    try:
        root = etree.fromstring(raw.content, parser=_xml_parser())  # the hardened parser above
    except etree.XMLSyntaxError as error:
        line = error.lineno or 1
        found.error(XML_MALFORMED.format(where=where, line=line), raw.name, row=line)
        return found
    except (ValueError, etree.LxmlError):
        found.error(XML_MALFORMED.format(where=where, line=1), raw.name, row=1)
        return found
    if root.getroottree().docinfo.doctype:
        found.error(XML_DOCTYPE.format(where=where), raw.name)
        return found
    if _local(root) != "EXPSSDA903":
        found.error(XML_NOT_903.format(where=where), raw.name)
        return found

    headers: list[dict[str, str | int]] = []
    episodes: list[dict[str, str | int]] = []
    uasc: list[dict[str, str | int]] = []
    optional: set[str] = set()
    for child in _children(root):
        if _local(child) != "CHILD":
            continue
        parts = list(_children(child))
        header = next((p for p in parts if _local(p) == "HEADER"), None)
        if header is None:
            found.error(
                XML_CHILD_WITHOUT_HEADER.format(where=where),
                raw.name,
                explains="Header",
                row=_line(child),
            )
            child_id = ""
        else:
            values = _fields(header)
            child_id = values.get("CHILDID", "")
            row: dict[str, str | int] = {
                column: values.get(tag, "") for column, tag in XML_HEADER_COLUMNS.items()
            }
            header_line = _line(header)
            headers.append(row | {ROW: header_line})
            if values.get("UASC", "") == "1":
                uasc.append(
                    {column: row.get(column, values.get(column, "")) for column in XML_UASC_COLUMNS}
                    | {ROW: header_line}
                )
        for part in parts:
            if _local(part) != "EPISODE":
                continue
            values = _fields(part)
            episode: dict[str, str | int] = {
                column: values.get(tag, "") for column, tag in XML_EPISODE_COLUMNS.items()
            }
            episode["CHILD"] = child_id
            for column in EPISODE_OPTIONAL_COLUMNS:
                if column in values:
                    episode[column] = values[column]
                    optional.add(column)
            episodes.append(episode | {ROW: _line(part)})

    for kind, rows in (("Header", headers), ("Episodes", episodes), ("UASC", uasc)):
        extra = [c for c in EPISODE_OPTIONAL_COLUMNS if c in optional] if kind == "Episodes" else []
        columns = [*TABLE_COLUMNS[kind], *extra, ROW]
        frame = pd.DataFrame(rows, columns=columns)
        if extra:
            # Episodes without the element hold a blank, as a blank CSV cell would.
            frame[extra] = frame[extra].fillna("")
        frame[ROW] = frame[ROW].astype("int64")
        table = _classify(frame, where=where, source=raw.name, found=found, reading=reading)
        if table is not None:
            found.tables.append(table)
    return found
