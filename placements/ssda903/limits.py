"""The limits on one upload as a whole (docs/uploads.md#limits), checked before any file is
parsed: the bytes of all its files together, what its workbooks expand to when unzipped, how
compressed each zip member is, the cells of all its files and sheets, and the columns of each
table.

Every check reads the files as streams, a chunk at a time: the web worker runs them on the
uploaded temporary files before keeping anything, and the readers again on stored files before
parsing them, so neither holds more than a chunk (and a CSV file's first line) in memory. The
cells are counted, not parsed: in a workbook the `<c>` elements of its XML parts, in a CSV file
its lines times the fields of its first line, in an XML file half its tags. Each count is at
least the work parsing would do, so a file under the limits cannot cost more than they allow.

A check that cannot make sense of a file (a damaged zip, a CSV file it cannot split) leaves it
to the readers, which say what is wrong with it in their own words.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import IO
from xml.parsers import expat

MIB = 1024 * 1024
CHUNK = MIB
# A member this large and this tightly compressed is a zip bomb, whatever the total says: real
# worksheets compress about 10 to 20 times. Every member is checked; under a megabyte a ratio
# says little (and cannot cost much).
ZIP_RATIO_LIMIT = 200
ZIP_RATIO_MIN_BYTES = MIB
# A CSV file's header is looked for in its first megabyte: a first line longer than that is
# no 903 table's, and is not read further.
CSV_HEAD_BYTES = MIB

TOTAL_TOO_LARGE = (
    "The files of this upload together are larger than the {limit} limit for one upload: "
    "upload fewer or smaller files at a time."
)
ZIP_TOO_LARGE = "{where} expands to more than {limit} when unzipped, so it was not opened."
ZIPS_TOO_LARGE = (
    "The workbooks of this upload together expand to more than {limit} when unzipped, the "
    "limit for one upload, so none was opened."
)
ZIP_RATIO = (
    "{where} is compressed more than {ratio} times over, as zip bombs are, so it was not opened."
)
TOO_MANY_CELLS = (
    "The files of this upload together have more than {limit} cells, the limit for one "
    "upload, so none was read: upload fewer tables or years at a time."
)
TOO_MANY_COLUMNS = "{where} has {count} columns, more than the {limit} a table may have."
SHEET_TOO_MANY_COLUMNS = (
    "{where} has a sheet with {count} columns, more than the {limit} a table may have."
)

ZIP_MAGIC = b"PK\x03\x04"
UTF8_BOM = b"\xef\xbb\xbf"
# A cell of a worksheet, with or without a namespace prefix (<c r="A1">, <x:c>, <c/>).
_CELL = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?c[\s/>]")
_CELL_MAX = 64  # bytes a cell's start can span: what is carried from one chunk to the next
_LEADING_BLANK_LINES = re.compile(r"(?:[ \t,]*(?:\r\n|\n|\r))*")
_LINE_BREAK = re.compile(r"\r\n|\n|\r")
_COLUMN_REF = re.compile(r"([A-Za-z]{1,3})\d*")


@dataclass(frozen=True)
class UploadLimits:
    """settings.UPLOAD_MAX_TOTAL_BYTES, UPLOAD_MAX_UNZIPPED_BYTES, UPLOAD_MAX_CELLS and
    UPLOAD_MAX_COLUMNS, passed in: this module reads no settings."""

    max_total_bytes: int
    max_unzipped_bytes: int
    max_cells: int
    max_columns: int


def format_size(size: int) -> str:
    """A byte count as users read it: '50 MB', '1.5 MB', '20 KB'."""
    for unit, scale in (("MB", MIB), ("KB", 1024)):
        if size >= scale:
            value = round(size / scale, 1)
            text = str(int(value)) if value.is_integer() else str(value)
            return f"{text} {unit}"
    return f"{size} bytes"


def file_where(name: str) -> str:
    return f'File "{name}"'


class _Refused(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def upload_refusal(files: Sequence[tuple[str, IO[bytes]]], limits: UploadLimits) -> str | None:
    """Why an upload of these (name, seekable binary stream) files is over a limit, in one
    sentence, or None. Each stream is left at its start."""
    try:
        _check(files, limits)
    except _Refused as refused:
        return refused.message
    finally:
        for _, stream in files:
            stream.seek(0)
    return None


@dataclass
class _Plan:
    """What the cheap first pass found out about one file, for the counting pass."""

    name: str
    stream: IO[bytes]
    form: str  # "zip", "csv", "xml" or "" (left to the readers)
    fields: int = 0  # a CSV file's fields per line


def _check(files: Sequence[tuple[str, IO[bytes]]], limits: UploadLimits) -> None:
    # First what costs next to nothing (sizes, zip directories, CSV first lines), so that an
    # upload over a limit is told so before any file is read through.
    total = sum(_size(stream) for _, stream in files)
    if total > limits.max_total_bytes:
        raise _Refused(TOTAL_TOO_LARGE.format(limit=format_size(limits.max_total_bytes)))
    plans: list[_Plan] = []
    unzipped = 0
    for name, stream in files:
        stream.seek(0)
        head = stream.read(64)
        plan = _Plan(name, stream, _form(name, head))
        if plan.form == "zip":
            members = _zip_members(stream)
            if members is None:
                plan.form = ""
            else:
                size = sum(member.file_size for member in members)
                unzipped += size
                if unzipped > limits.max_unzipped_bytes:
                    limit = format_size(limits.max_unzipped_bytes)
                    if size > limits.max_unzipped_bytes:
                        raise _Refused(ZIP_TOO_LARGE.format(where=file_where(name), limit=limit))
                    raise _Refused(ZIPS_TOO_LARGE.format(limit=limit))
                for member in members:
                    ratio = member.file_size / max(member.compress_size, 1)
                    if member.file_size > ZIP_RATIO_MIN_BYTES and ratio > ZIP_RATIO_LIMIT:
                        raise _Refused(
                            ZIP_RATIO.format(where=file_where(name), ratio=ZIP_RATIO_LIMIT)
                        )
        elif plan.form == "csv":
            plan.fields = _csv_fields(plan, limits)
        plans.append(plan)
    # Then the cells, counted file by file until the upload has too many.
    cells = 0
    for plan in plans:
        for count in _cells(plan, limits):
            cells += count
            if cells > limits.max_cells:
                raise _Refused(TOO_MANY_CELLS.format(limit=f"{limits.max_cells:,}"))


def _size(stream: IO[bytes]) -> int:
    stream.seek(0, io.SEEK_END)
    size = stream.tell()
    stream.seek(0)
    return size


def _form(name: str, head: bytes) -> str:
    """How the readers will read the file, as far as its limits go."""
    if head.startswith(ZIP_MAGIC):
        return "zip"
    lowered = name.lower().strip()
    if lowered.endswith(".xml") or head.removeprefix(UTF8_BOM).lstrip().startswith(b"<"):
        return "xml"
    if b"\x00" in head:
        return ""  # not text: the readers say so without parsing it
    return "csv"


def _zip_members(stream: IO[bytes]) -> list[zipfile.ZipInfo] | None:
    stream.seek(0)
    try:
        with zipfile.ZipFile(stream) as archive:
            return archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError):
        return None


def _chunks(stream: IO[bytes]) -> Iterator[bytes]:
    while chunk := stream.read(CHUNK):
        yield chunk


def _cells(plan: _Plan, limits: UploadLimits) -> Iterator[int]:
    """The file's cells, a chunk's worth at a time (the caller stops when there are too many)."""
    plan.stream.seek(0)
    if plan.form == "csv":
        newlines = returns = 0
        last = b""
        for chunk in _chunks(plan.stream):
            newlines += chunk.count(b"\n")
            returns += chunk.count(b"\r")
            last = chunk[-1:]
            # Lines so far times the fields of each: reported as they add up.
            yield 0
            if max(newlines, returns) * plan.fields > limits.max_cells:
                break
        lines = max(newlines, returns) + (last not in (b"\n", b"\r", b""))
        yield lines * plan.fields
    elif plan.form == "xml":
        for chunk in _chunks(plan.stream):
            yield chunk.count(b"<") // 2
    elif plan.form == "zip":
        yield from _workbook_cells(plan, limits)


def _workbook_cells(plan: _Plan, limits: UploadLimits) -> Iterator[int]:
    """Every member's cells, inflated a chunk at a time; a worksheet's header row is measured
    on the way, and one wider than the limit refused."""
    try:
        with zipfile.ZipFile(plan.stream) as archive:
            for member in archive.infolist():
                if member.is_dir():
                    continue
                header = _HeaderWidth() if member.filename.startswith("xl/worksheets/") else None
                carried = b""
                with archive.open(member) as data:
                    for chunk in _chunks(data):
                        if header is not None and header.feed(chunk) is not None:
                            width = header.width or 0
                            if width > limits.max_columns:
                                raise _Refused(
                                    SHEET_TOO_MANY_COLUMNS.format(
                                        where=file_where(plan.name),
                                        count=f"{width:,}",
                                        limit=limits.max_columns,
                                    )
                                )
                            header = None
                        text = carried + chunk
                        cut = max(len(text) - _CELL_MAX, 0)
                        start = text.rfind(b"<", cut)
                        if start == -1:
                            start = len(text)
                        yield len(_CELL.findall(text, 0, start))
                        carried = text[start:]
                yield len(_CELL.findall(carried))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError):
        return  # damaged: the workbook reader says so, without opening more than was counted


class _HeaderDone(Exception):
    pass


class _HeaderWidth:
    """Feeds a worksheet's XML to expat until its first row with a value: that row's width,
    the last column holding a value (a sheet with no such row has none)."""

    def __init__(self) -> None:
        self.width: int | None = None
        self.done = False
        self._row_width = 0
        self._position = 0
        self._column = 0
        self._in_value = False
        parser = expat.ParserCreate(namespace_separator=" ")
        parser.StartElementHandler = self._start
        parser.EndElementHandler = self._end
        parser.CharacterDataHandler = self._text
        parser.StartDoctypeDeclHandler = self._refuse
        parser.EntityDeclHandler = self._refuse
        self._parser = parser

    def feed(self, chunk: bytes) -> int | None:
        """The width once known (0 for none), else None (feed more)."""
        if self.done:
            return self.width or 0
        try:
            self._parser.Parse(chunk, False)
        except _HeaderDone:
            self.done = True
        except expat.ExpatError:
            self.done, self.width = True, None  # not XML we read: openpyxl says so
        return (self.width or 0) if self.done else None

    @staticmethod
    def _refuse(*args: object) -> None:
        # A DOCTYPE or an entity has no place in a worksheet; openpyxl's own parsing refuses it.
        raise _HeaderDone

    def _start(self, name: str, attributes: dict[str, str]) -> None:
        local = name.rpartition(" ")[2]
        if local == "row":
            self._row_width = self._position = 0
        elif local == "c":
            reference = _COLUMN_REF.fullmatch(attributes.get("r", ""))
            self._position = _column_number(reference.group(1)) if reference else self._position + 1
            self._column = self._position
        elif local in ("v", "t", "f"):
            self._in_value = True

    def _end(self, name: str) -> None:
        local = name.rpartition(" ")[2]
        if local in ("v", "t", "f"):
            self._in_value = False
        elif local == "row" and self._row_width:
            self.width = self._row_width
            raise _HeaderDone
        elif local == "sheetData":
            raise _HeaderDone

    def _text(self, data: str) -> None:
        if self._in_value and data.strip():
            self._row_width = max(self._row_width, self._column)


def _column_number(letters: str) -> int:
    number = 0
    for letter in letters.upper():
        number = number * 26 + ord(letter) - 64
    return number


def _csv_fields(plan: _Plan, limits: UploadLimits) -> int:
    """The fields of a CSV file's first non-blank line; a line with more named columns than the
    limit is refused."""
    plan.stream.seek(0)
    head = plan.stream.read(CSV_HEAD_BYTES)
    # Only separators and quotes are looked at: any decoding will do.
    text = head.decode("utf-8", errors="replace").removeprefix("\ufeff")
    leading = _LEADING_BLANK_LINES.match(text)
    text = text[leading.end() :] if leading else text
    try:
        record = next(csv.reader(io.StringIO(text)), [])
    except csv.Error:
        # A field longer than the csv module takes: the separators of the line, as they are.
        record = _LINE_BREAK.split(text, maxsplit=1)[0].split(",")
    named = [i for i, value in enumerate(record) if value.strip()]
    width = named[-1] + 1 if named else 0
    if width > limits.max_columns:
        raise _Refused(
            TOO_MANY_COLUMNS.format(
                where=file_where(plan.name), count=f"{width:,}", limit=limits.max_columns
            )
        )
    return len(record)
