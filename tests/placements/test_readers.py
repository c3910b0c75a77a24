"""Reading an upload's raw files into 903 tables.

Every fixture is built here, in memory, from invented values: no real data is used.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import time
import zipfile
from collections.abc import Sequence

import openpyxl
import pandas as pd
import pytest

from placements.ssda903 import readers
from placements.ssda903.limits import MIB
from placements.ssda903.problems import Problem
from placements.ssda903.readers import (
    BAD_ENCODING,
    BAD_WORKBOOK,
    BAD_ZIP,
    CSV_BAD_ROW,
    CSV_BINARY,
    CSV_UNREADABLE,
    DUPLICATE_COLUMNS,
    DUPLICATE_TABLE,
    EMPTY,
    EXCEL_AS_CSV,
    IGNORED_TABLES,
    LEGACY_XLS,
    MISSING_COLUMNS,
    MISSING_COLUMNS_IGNORED,
    NO_ROWS,
    NO_TABLE,
    NOT_A_DATA_FILE,
    NOT_A_TABLE,
    NOT_XLSX,
    SHEET_NOT_A_TABLE,
    TABLE_COLUMNS,
    TOO_LARGE,
    USED_TABLES,
    WORKBOOK_NO_TABLE,
    XLSB,
    XML_CHILD_WITHOUT_HEADER,
    XML_DOCTYPE,
    XML_MALFORMED,
    XML_NOT_903,
    ZIP_RATIO,
    ZIP_RATIO_LIMIT,
    ZIP_TOO_LARGE,
    RawFile,
    Table,
    file_where,
    format_size,
    read_files,
    sheet_source,
    sheet_where,
)

LIMITS = {"max_bytes": 50 * MIB, "max_unzipped_bytes": 500 * MIB}

HEADER = list(TABLE_COLUMNS["Header"])
EPISODES = list(TABLE_COLUMNS["Episodes"])

HEADER_ROWS = [
    ["1001", "1", "01/02/2010", "WBRI", "A123456789012", "", ""],
    ["1002", "2", "15/06/2012", "MWBC", "", "", ""],
]
EPISODE_ROWS = [
    ["1001", "01/04/2020", "S", "C2", "N1", "U4", "PR4", "01/05/2020", "X1", "CHANGE", "SE15 5AB", "SE15 6AB", "SC123456"],
    ["1001", "01/05/2020", "P", "C2", "N1", "K2", "PR4", "", "", "CHANGE", "SE15 5AB", "ME1 1AA", "SC654321"],
    ["1002", "03/03/2021", "S", "V3", "N1", "U1", "PR1", "", "", "", "SE15 5AB", "SE15 6AB", "XXXXXXX"],
]  # fmt: skip


def csv_bytes(rows: Sequence[Sequence[str]], encoding: str = "utf-8") -> bytes:
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\r\n")
    writer.writerows(rows)
    return text.getvalue().encode(encoding)


def header_file(name: str = "header.csv") -> RawFile:
    return RawFile(name, csv_bytes([HEADER, *HEADER_ROWS]))


def episodes_file(name: str = "episodes.csv") -> RawFile:
    return RawFile(name, csv_bytes([EPISODES, *EPISODE_ROWS]))


def read(*files: RawFile, **limits: int) -> tuple[dict[str, Table], list[Problem]]:
    tables, problems = read_files(list(files), **{**LIMITS, **limits})
    by_kind: dict[str, Table] = {}
    for table in tables:
        if table.kind in USED_TABLES:
            assert table.kind not in by_kind, "read_files returned two tables of one used kind"
        by_kind.setdefault(table.kind, table)
    return by_kind, problems


def messages(problems: list[Problem], severity: str = "error") -> list[str]:
    return [p.message for p in problems if p.severity == severity]


def workbook_bytes(sheets: dict[str, list[list[object]]]) -> bytes:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# --- CSV: the ordinary case ---------------------------------------------------------------------


def test_good_csv_files_give_header_and_episodes_tables() -> None:
    tables, problems = read(header_file(), episodes_file())
    assert problems == []
    assert set(tables) == {"Header", "Episodes"}
    episodes = tables["Episodes"]
    assert episodes.source == "episodes.csv"
    assert list(episodes.frame.columns) == [*EPISODES, "_row"]
    assert episodes.frame[EPISODES].values.tolist() == EPISODE_ROWS
    assert episodes.frame["_row"].tolist() == [2, 3, 4]
    assert episodes.frame["_row"].dtype == "int64"
    assert tables["Header"].frame["CHILD"].tolist() == ["1001", "1002"]


def test_tables_are_recognised_by_columns_not_file_names() -> None:
    tables, problems = read(header_file("episodes.csv"), episodes_file("header.csv"))
    assert problems == []
    assert tables["Header"].source == "episodes.csv"
    assert tables["Episodes"].source == "header.csv"


def test_lower_case_and_padded_headers_are_recognised() -> None:
    header = [f"  {column.lower()} " for column in HEADER]
    tables, problems = read(RawFile("h.csv", csv_bytes([header, *HEADER_ROWS])), episodes_file())
    assert problems == []
    assert list(tables["Header"].frame.columns) == [*HEADER, "_row"]


def test_extra_columns_are_kept() -> None:
    rows = [["LA", *EPISODES, "YEAR", "pl_distance"]]
    rows += [["210", *row, "2021", "12.3"] for row in EPISODE_ROWS]
    tables, problems = read(header_file(), RawFile("e.csv", csv_bytes(rows)))
    assert problems == []
    frame = tables["Episodes"].frame
    assert {"LA", "YEAR", "PL_DISTANCE"} <= set(frame.columns)
    assert frame["PL_DISTANCE"].tolist() == ["12.3"] * 3
    assert frame["LA"].tolist() == ["210"] * 3


def test_values_are_stripped_text_and_never_reinterpreted() -> None:
    rows = [
        HEADER,
        ["  1001 ", "1", "01/02/2010", "NA", '=HYPERLINK("x")', "+44", "0012"],
        ["1002", "2", "2010-02-01", "null", "", "", "N/A"],
    ]
    tables, problems = read(RawFile("h.csv", csv_bytes(rows)), episodes_file())
    assert problems == []
    frame = tables["Header"].frame
    assert frame.loc[0, "CHILD"] == "1001"
    assert frame.loc[0, "ETHNIC"] == "NA"  # "NA" is a value here, not missing
    assert frame.loc[0, "UPN"] == '=HYPERLINK("x")'
    assert frame.loc[0, "MOTHER"] == "+44"
    assert frame.loc[0, "MC_DOB"] == "0012"
    assert frame.loc[1, "DOB"] == "2010-02-01"
    assert frame.loc[1, "ETHNIC"] == "null"
    assert frame.loc[1, "MC_DOB"] == "N/A"
    assert all(isinstance(v, str) for v in frame[HEADER].to_numpy().ravel())


def test_blank_rows_are_dropped_and_row_numbers_are_the_spreadsheets() -> None:
    text = (
        "\r\n"  # a blank first line: the header is on row 2
        + ",".join(EPISODES)
        + "\r\n"
        + ",".join(EPISODE_ROWS[0])
        + "\r\n"
        + ",,,,,,,,,,,,\r\n"  # row 4: blank
        + '"1001",01/05/2020,P,C2,N1,K2,PR4,,,"two\nlines",SE15 5AB,ME1 1AA,SC654321\r\n'
        + ",".join(EPISODE_ROWS[2])
        + "\r\n"
        + ",,,,,,,,,,,,\r\n   \r\n\r\n"  # councils' files end with blank rows
    )
    tables, problems = read(header_file(), RawFile("e.csv", text.encode()))
    assert problems == []
    frame = tables["Episodes"].frame
    assert frame["_row"].tolist() == [3, 5, 6]
    assert frame["REASON_PLACE_CHANGE"].tolist() == ["CHANGE", "two\nlines", ""]


def test_blank_header_cells_are_dropped() -> None:
    rows = [[*HEADER, "", ""], *[[*row, "", ""] for row in HEADER_ROWS]]
    tables, problems = read(RawFile("h.csv", csv_bytes(rows)), episodes_file())
    assert problems == []
    assert list(tables["Header"].frame.columns) == [*HEADER, "_row"]


# --- Encodings ----------------------------------------------------------------------------------


def test_utf8_with_bom_is_read() -> None:
    rows = [[*HEADER, "NOTES"], *[[*row, "café"] for row in HEADER_ROWS]]
    content = b"\xef\xbb\xbf" + csv_bytes(rows, "utf-8")
    tables, problems = read(RawFile("h.csv", content), episodes_file())
    assert problems == []
    frame = tables["Header"].frame
    assert list(frame.columns)[0] == "CHILD"  # not "\ufeffCHILD"
    assert frame["NOTES"].tolist() == ["café", "café"]


def test_windows_1252_is_read() -> None:
    rows = [[*HEADER, "NOTES"], *[[*row, "£5 for Zoé"] for row in HEADER_ROWS]]
    content = csv_bytes(rows, "cp1252")
    with pytest.raises(UnicodeDecodeError):
        content.decode("utf-8")
    tables, problems = read(RawFile("h.csv", content), episodes_file())
    assert problems == []
    assert tables["Header"].frame["NOTES"].tolist() == ["£5 for Zoé", "£5 for Zoé"]


@pytest.mark.parametrize(
    "content",
    [
        csv_bytes([HEADER, *HEADER_ROWS], "utf-16"),
        csv_bytes([HEADER, *HEADER_ROWS]) + b"\x00\x01\x02",
        # 0x81 is neither UTF-8 (a lone continuation byte) nor defined in Windows-1252.
        csv_bytes([HEADER, *HEADER_ROWS]) + b"\x81\r\n",
    ],
    ids=["utf-16", "nul-bytes", "undecodable"],
)
def test_unreadable_encodings_are_refused(content: bytes) -> None:
    tables, problems = read(RawFile("h.csv", content), episodes_file())
    assert messages(problems) == [BAD_ENCODING.format(where=file_where("h.csv"))]
    assert BAD_ENCODING.format(where=file_where("h.csv")) == (
        'File "h.csv" is not in an encoding we can read (save it as CSV UTF-8).'
    )
    assert set(tables) == {"Episodes"}  # the good file still comes back


# --- Content sniffing ---------------------------------------------------------------------------


def test_a_csv_that_is_really_a_workbook_is_refused() -> None:
    content = workbook_bytes({"Header": [HEADER, HEADER_ROWS[0]]})
    tables, problems = read(RawFile("header.csv", content), episodes_file())
    assert messages(problems) == [
        'File "header.csv" is an Excel workbook, not a CSV file: upload it with its .xlsx name '
        "or save it as CSV."
    ]
    assert messages(problems) == [EXCEL_AS_CSV.format(where=file_where("header.csv"))]
    assert set(tables) == {"Episodes"}


def test_a_workbook_that_is_really_a_csv_is_refused() -> None:
    tables, problems = read(header_file("header.xlsx"), episodes_file())
    assert messages(problems) == [
        'File "header.xlsx" is not an Excel workbook (is it a CSV file renamed?).'
    ]
    assert messages(problems) == [NOT_XLSX.format(where=file_where("header.xlsx"))]
    assert set(tables) == {"Episodes"}


@pytest.mark.parametrize("name", ["old.xls", "old.csv", "old.xlsx"])
def test_legacy_xls_is_refused_whatever_its_name(name: str) -> None:
    content = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504
    _, problems = read(RawFile(name, content), header_file(), episodes_file())
    assert messages(problems) == [LEGACY_XLS.format(where=file_where(name))]
    assert ".xlsx" in messages(problems)[0] and "CSV" in messages(problems)[0]


def test_a_workbook_is_recognised_by_content_whatever_its_name() -> None:
    content = workbook_bytes({"Header": [HEADER, *HEADER_ROWS]})
    tables, problems = read(RawFile("header.xls", content), episodes_file())
    assert problems == []
    assert tables["Header"].source == "header.xls, sheet Header"


def test_xml_is_recognised_by_content_whatever_its_name() -> None:
    tables, problems = read(RawFile("return.txt", XML.encode()))
    assert problems == []
    assert set(tables) == {"Header", "Episodes", "UASC"}


# --- Empty, too large, unrecognised ----------------------------------------------------------------


@pytest.mark.parametrize(
    "content",
    [b"", b"\r\n\r\n   \r\n", b",,,\r\n,,,\r\n", b"NOTES,MORE\r\n", b"\xef\xbb\xbf"],
    ids=["zero-bytes", "blank-lines", "blank-rows", "header-only", "bom-only"],
)
def test_empty_files_are_refused(content: bytes) -> None:
    tables, problems = read(RawFile("x.csv", content), header_file(), episodes_file())
    assert messages(problems) == ['File "x.csv" is empty.']
    assert messages(problems) == [EMPTY.format(where=file_where("x.csv"))]
    assert set(tables) == {"Header", "Episodes"}


def test_a_used_table_with_no_rows_is_refused() -> None:
    content = csv_bytes([EPISODES]) + b",,,,,,,,,,,,\r\n\r\n"
    tables, problems = read(header_file(), RawFile("episodes.csv", content))
    assert messages(problems) == ['File "episodes.csv" has the 903 Episodes columns but no rows.']
    assert messages(problems) == [NO_ROWS.format(where=file_where("episodes.csv"), kind="Episodes")]
    assert set(tables) == {"Header"}  # and no second "no Episodes table" error


def test_ignored_and_uasc_tables_may_have_no_rows() -> None:
    reviews = RawFile("reviews.csv", csv_bytes([TABLE_COLUMNS["Reviews"]]))
    uasc = RawFile("uasc.csv", csv_bytes([TABLE_COLUMNS["UASC"]]))
    tables, problems = read(header_file(), episodes_file(), reviews, uasc)
    assert problems == []
    assert tables["UASC"].frame.empty
    assert list(tables["UASC"].frame.columns) == [*TABLE_COLUMNS["UASC"], "_row"]


def test_oversized_files_are_refused_before_parsing(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_parsing(*args: object, **kwargs: object) -> None:
        raise AssertionError("an oversized file was parsed")

    monkeypatch.setattr(readers.pd, "read_csv", no_parsing)
    monkeypatch.setattr(readers.openpyxl, "load_workbook", no_parsing)
    big = b"\x00" * (MIB + 1)  # NUL bytes would be an encoding error if it were looked at
    _, problems = read(
        RawFile("big.csv", big),
        RawFile("big.xlsx", b"PK\x03\x04" + big),
        max_bytes=MIB,
    )
    assert messages(problems) == [
        'File "big.csv" is larger than the 1 MB limit.',
        TOO_LARGE.format(where=file_where("big.xlsx"), limit="1 MB"),
    ]


def test_the_size_limit_is_shown_in_megabytes() -> None:
    assert format_size(50 * MIB) == "50 MB"
    assert format_size(500 * MIB) == "500 MB"
    assert format_size(MIB + MIB // 2) == "1.5 MB"
    assert format_size(20 * 1024) == "20 KB"
    _, problems = read(RawFile("x.csv", b"x" * (50 * MIB + 1)))
    assert messages(problems) == ['File "x.csv" is larger than the 50 MB limit.']


def test_a_file_missing_some_columns_of_a_table_gets_one_sentence() -> None:
    columns = [c for c in EPISODES if c not in ("URN", "PL_POST")]
    rows = [
        columns,
        *[[v for c, v in zip(EPISODES, row, strict=True) if c in columns] for row in EPISODE_ROWS],
    ]
    tables, problems = read(header_file(), RawFile("episodes.csv", csv_bytes(rows)))
    assert messages(problems) == [
        'File "episodes.csv" looks like the 903 Episodes table but is missing the column(s) '
        "PL_POST, URN."
    ]
    assert messages(problems) == [
        MISSING_COLUMNS.format(
            where=file_where("episodes.csv"), kind="Episodes", columns="PL_POST, URN"
        )
    ]
    assert set(tables) == {"Header"}


def test_a_file_that_is_no_903_table_is_refused() -> None:
    notes = RawFile("notes.csv", csv_bytes([["Name", "Comment"], ["x", "y"]]))
    tables, problems = read(header_file(), episodes_file(), notes)
    assert messages(problems) == [
        'File "notes.csv" is not a 903 table: its columns match none of Header, Episodes, '
        "UASC or the other 903 tables."
    ]
    assert messages(problems) == [NOT_A_TABLE.format(where=file_where("notes.csv"))]
    assert set(tables) == {"Header", "Episodes"}


def test_a_child_column_alone_does_not_make_a_table_look_like_one() -> None:
    # CHILD and one Episodes column: far from half of Episodes, so "not a 903 table".
    content = csv_bytes([["CHILD", "DECOM", "NAME"], ["1", "01/01/2020", "x"]])
    _, problems = read(header_file(), episodes_file(), RawFile("x.csv", content))
    assert messages(problems) == [NOT_A_TABLE.format(where=file_where("x.csv"))]


def test_the_other_tables_are_those_the_dfe_validator_knows() -> None:
    assert IGNORED_TABLES == (
        "Reviews", "OC2", "OC3", "AD1", "PlacedAdoption", "PrevPerm", "Missing", "SWEpisodes",
        "DoLo",
    )  # fmt: skip
    assert TABLE_COLUMNS["DoLo"] == ("CHILD", "DOB", "DOLO_START", "DOLO_END")
    assert TABLE_COLUMNS["SWEpisodes"] == (
        "CHILD", "DOB", "SW_ID", "SW_DECOM", "SW_DEC", "SW_REASON",
    )  # fmt: skip
    assert set(USED_TABLES).isdisjoint(IGNORED_TABLES)
    assert set(TABLE_COLUMNS) == {*USED_TABLES, *IGNORED_TABLES}


@pytest.mark.parametrize("kind", IGNORED_TABLES)
@pytest.mark.parametrize("extra", [[], ["LA", "YEAR"]])
def test_ignored_tables_are_accepted(kind: str, extra: list[str]) -> None:
    columns = [*TABLE_COLUMNS[kind], *extra]
    content = csv_bytes([columns, ["1001", *["x"] * (len(columns) - 1)]])
    tables, problems = read(header_file(), episodes_file(), RawFile("other.csv", content))
    assert problems == []
    assert tables[kind].frame["CHILD"].tolist() == ["1001"]
    assert kind not in USED_TABLES


@pytest.mark.parametrize("kind", list(TABLE_COLUMNS))
def test_no_table_is_taken_for_another(kind: str) -> None:
    # Each table's columns, in reverse order, make that table and no other (and no near miss).
    columns = list(reversed(TABLE_COLUMNS[kind]))
    content = csv_bytes([columns, ["x"] * len(columns)])
    found, problems = read_files([RawFile("t.csv", content)], **LIMITS)
    assert [table.kind for table in found] == [kind]
    assert [p.message for p in problems if "t.csv" in p.message] == []


def test_a_dolo_table_is_not_taken_for_a_broken_uasc_table() -> None:
    dolo = RawFile(
        "dolo.csv",
        csv_bytes(
            [["CHILD", "DOB", "DOLO_START", "DOLO_END"], ["1001", "01/02/2010", "01/05/2024", ""]]
        ),
    )
    tables, problems = read(header_file(), episodes_file(), dolo)
    assert problems == []
    assert set(tables) == {"Header", "Episodes", "DoLo"}


def test_a_workbook_sheet_of_an_ignored_table_is_accepted() -> None:
    content = workbook_bytes(
        {
            "Header": [HEADER, *HEADER_ROWS],
            "Episodes": [EPISODES, *EPISODE_ROWS],
            "DoLo": [list(TABLE_COLUMNS["DoLo"]), ["1001", "01/02/2010", "01/05/2024", ""]],
        }
    )
    tables, problems = read(RawFile("extract.xlsx", content))
    assert problems == []
    assert tables["DoLo"].source == "extract.xlsx, sheet DoLo"


def test_an_ignored_table_short_of_a_column_is_ignored_with_a_warning() -> None:
    # SWEpisodes as some systems export it, without DOB.
    columns = ["CHILD", "SW_ID", "SW_DECOM", "SW_DEC", "SW_REASON"]
    sw = RawFile("sw.csv", csv_bytes([columns, ["1001", "SW1", "01/04/2024", "", ""]]))
    tables, problems = read(header_file(), episodes_file(), sw)
    assert messages(problems) == []
    assert messages(problems, "warning") == [
        MISSING_COLUMNS_IGNORED.format(where=file_where("sw.csv"), kind="SWEpisodes", columns="DOB")
    ]
    assert messages(problems, "warning") == [
        'File "sw.csv" looks like the 903 SWEpisodes table but is missing the column(s) DOB; '
        "that table is not used, so the file was ignored."
    ]
    assert set(tables) == {"Header", "Episodes"}


def test_the_table_with_most_columns_wins() -> None:
    # A Header file carrying DUC has every UASC column too.
    rows = [[*HEADER, "DUC"], *[[*row, ""] for row in HEADER_ROWS]]
    tables, problems = read(RawFile("h.csv", csv_bytes(rows)), episodes_file())
    assert problems == []
    assert set(tables) == {"Header", "Episodes"}


def test_duplicate_column_names_are_refused() -> None:
    rows = [[*HEADER, " child"], *[[*row, "1"] for row in HEADER_ROWS]]
    tables, problems = read(RawFile("h.csv", csv_bytes(rows)), episodes_file())
    assert messages(problems) == [
        DUPLICATE_COLUMNS.format(where=file_where("h.csv"), columns="CHILD")
    ]
    assert messages(problems) == ['File "h.csv" has the column(s) CHILD more than once.']
    assert set(tables) == {"Episodes"}


def test_two_files_of_one_table_are_refused() -> None:
    tables, problems = read(header_file(), episodes_file("a.csv"), episodes_file("b.csv"))
    assert messages(problems) == [
        'Files "a.csv" and "b.csv" both hold the 903 Episodes table; upload one of them.'
    ]
    assert messages(problems) == [
        DUPLICATE_TABLE.format(first="a.csv", second="b.csv", kind="Episodes")
    ]
    assert tables["Episodes"].source == "a.csv"  # only the first comes back


def test_two_files_of_an_ignored_table_are_fine() -> None:
    columns = TABLE_COLUMNS["Reviews"]
    reviews = [RawFile(f"r{i}.csv", csv_bytes([columns, ["1", "x", "y", "z"]])) for i in (1, 2)]
    tables, problems = read_files([header_file(), episodes_file(), *reviews], **LIMITS)
    assert problems == []
    assert [table.source for table in tables if table.kind == "Reviews"] == ["r1.csv", "r2.csv"]


# --- Malformed CSV --------------------------------------------------------------------------------


def test_a_row_with_too_many_fields_is_named() -> None:
    text = "\r\n".join(
        [",".join(EPISODES), ",".join(EPISODE_ROWS[0]), ",".join(EPISODE_ROWS[1]) + ",SECRET99"]
    )
    tables, problems = read(header_file(), RawFile("e.csv", ("\r\n" + text).encode()))
    assert messages(problems) == [
        'File "e.csv" could not be read as CSV: row 4 has the wrong number of columns.'
    ]
    assert messages(problems) == [CSV_BAD_ROW.format(where=file_where("e.csv"), row=4)]
    assert problems[0].row == 4
    assert set(tables) == {"Header"}


def test_an_unterminated_quote_is_refused_without_quoting_the_data() -> None:
    text = ",".join(EPISODES) + '\r\n"SECRET99,01/04/2020\r\n'
    _, problems = read(header_file(), RawFile("e.csv", text.encode()))
    assert messages(problems) == [CSV_UNREADABLE.format(where=file_where("e.csv"))]


# --- Required tables ------------------------------------------------------------------------------


def test_missing_required_tables_are_named() -> None:
    _, problems = read(header_file())
    assert messages(problems) == ["The upload has no 903 Episodes table."]
    _, problems = read(episodes_file())
    assert messages(problems) == [NO_TABLE.format(kind="Header")]
    _, problems = read()
    assert messages(problems) == [
        "The upload has no 903 Header table.",
        "The upload has no 903 Episodes table.",
    ]


def test_a_missing_table_is_not_reported_when_an_unreadable_file_explains_it() -> None:
    _, problems = read(header_file(), RawFile("e.csv", b"\x00\x00"))
    assert messages(problems) == [BAD_ENCODING.format(where=file_where("e.csv"))]


def test_a_near_miss_explains_only_its_own_table() -> None:
    content = csv_bytes([HEADER[:5], HEADER_ROWS[0][:5]])
    _, problems = read(RawFile("h.csv", content))
    assert messages(problems) == [
        MISSING_COLUMNS.format(where=file_where("h.csv"), kind="Header", columns="MOTHER, MC_DOB"),
        NO_TABLE.format(kind="Episodes"),
    ]


# --- Excel ----------------------------------------------------------------------------------------


def excel_upload() -> bytes:
    book = openpyxl.Workbook()
    header = book.active
    header.title = "Header"
    header.append(HEADER)
    header.append([1001.0, 1, dt.datetime(2010, 2, 1), "WBRI", "A123456789012", None, None])
    episodes = book.create_sheet("Episodes")
    episodes.append([*EPISODES, "PL_DISTANCE"])
    episodes.append(
        [1001, dt.datetime(2020, 4, 1), "S", "C2", "N1", "U4", "PR4", dt.date(2020, 5, 1), "X1",
         None, " SE15 5AB ", "SE15 6AB", "=1+1", 12.5]
    )  # fmt: skip
    episodes.append([])  # an empty formatted row: row 3
    episodes.append([None, "  "])
    episodes.append(
        [1001, dt.datetime(2020, 5, 1), "P", "C2", "N1", "K2", "PR4", None, None, "CHANGE",
         "SE15 5AB", "ME1 1AA", "SC654321", 999.9]
    )  # fmt: skip
    for row in range(6, 9):
        episodes.cell(row=row, column=1).number_format = "0.00"  # formatted, but empty
    notes = book.create_sheet("Notes")
    notes["B3"] = "Extracted for the dashboard"
    book.create_sheet("Blank")
    out = io.BytesIO()
    book.save(out)
    # openpyxl writes 1001.0 as "1001"; other writers keep the float, so put one back.
    return rewrite_member(
        out.getvalue(), "xl/worksheets/sheet1.xml", b"<v>1001</v>", b"<v>1001.0</v>"
    )


def rewrite_member(content: bytes, member: str, old: bytes, new: bytes) -> bytes:
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(content)) as source,
        zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as target,
    ):
        for info in source.infolist():
            data = source.read(info)
            if info.filename == member:
                assert old in data
                data = data.replace(old, new)
            target.writestr(info.filename, data)
    return out.getvalue()


def test_excel_sheets_are_read_as_tables() -> None:
    content = excel_upload()
    book = openpyxl.load_workbook(io.BytesIO(content), read_only=True)
    assert next(book["Header"].iter_rows(min_row=2, values_only=True))[0] == 1001.0
    assert isinstance(next(book["Header"].iter_rows(min_row=2, values_only=True))[0], float)
    book.close()
    tables, problems = read(RawFile("extract.xlsx", content))
    assert set(tables) == {"Header", "Episodes"}
    header = tables["Header"]
    assert header.source == "extract.xlsx, sheet Header"
    assert header.frame[HEADER].values.tolist() == [
        ["1001", "1", "01/02/2010", "WBRI", "A123456789012", "", ""]
    ]
    episodes = tables["Episodes"]
    assert episodes.source == sheet_source("extract.xlsx", "Episodes")
    frame = episodes.frame
    assert frame["_row"].tolist() == [2, 5]
    assert frame["CHILD"].tolist() == ["1001", "1001"]
    assert frame["DECOM"].tolist() == ["01/04/2020", "01/05/2020"]
    assert frame["DEC"].tolist() == ["01/05/2020", ""]
    assert frame["HOME_POST"].tolist() == ["SE15 5AB", "SE15 5AB"]
    assert frame["URN"].tolist() == ["=1+1", "SC654321"]  # a formula stays text, unevaluated
    assert frame["PL_DISTANCE"].tolist() == ["12.5", "999.9"]
    assert all(isinstance(v, str) for v in frame.drop(columns="_row").to_numpy().ravel())
    # The notes sheet is only a warning; the empty sheet says nothing.
    assert problems == [
        Problem.warning(
            'Sheet "Notes" in "extract.xlsx" is not a 903 table and was ignored.',
            file="extract.xlsx, sheet Notes",
        )
    ]
    assert problems[0].message == SHEET_NOT_A_TABLE.format(sheet="Notes", file="extract.xlsx")


def test_excel_cells_become_text() -> None:
    assert readers._cell_text(123456.0) == "123456"
    assert readers._cell_text(1.5) == "1.5"
    assert readers._cell_text(7) == "7"
    assert readers._cell_text(None) == ""
    assert readers._cell_text(dt.datetime(2020, 4, 1, 13, 30)) == "01/04/2020"
    assert readers._cell_text(dt.date(1999, 12, 31)) == "31/12/1999"
    assert readers._cell_text("=SUM(A1:A2)") == "=SUM(A1:A2)"


def test_a_workbook_with_no_903_sheet_is_refused() -> None:
    content = workbook_bytes({"Notes": [["Name", "Comment"], ["x", "y"]], "Blank": []})
    tables, problems = read(RawFile("book.xlsx", content), header_file(), episodes_file())
    assert messages(problems) == ['File "book.xlsx" has no sheet that is a 903 table.']
    assert messages(problems) == [WORKBOOK_NO_TABLE.format(where=file_where("book.xlsx"))]
    assert messages(problems, "warning") == []
    assert set(tables) == {"Header", "Episodes"}


def test_a_workbook_with_only_empty_sheets_is_empty() -> None:
    content = workbook_bytes({"Sheet1": [], "Sheet2": [[None, None]]})
    _, problems = read(RawFile("book.xlsx", content), header_file(), episodes_file())
    assert messages(problems) == [EMPTY.format(where=file_where("book.xlsx"))]


def test_excel_sheet_problems_name_the_sheet() -> None:
    content = workbook_bytes(
        {
            "Header": [HEADER[:5], ["1001", "1", "01/02/2010", "WBRI", ""]],
            "Episodes": [EPISODES],
        }
    )
    _, problems = read(RawFile("book.xlsx", content))
    assert messages(problems) == [
        'Sheet "Header" in "book.xlsx" looks like the 903 Header table but is missing the '
        "column(s) MOTHER, MC_DOB.",
        NO_ROWS.format(where=sheet_where("Episodes", "book.xlsx"), kind="Episodes"),
    ]
    assert [p.file for p in problems] == ["book.xlsx, sheet Header", "book.xlsx, sheet Episodes"]


def test_excel_and_csv_holding_one_table_are_refused() -> None:
    content = workbook_bytes({"Episodes": [EPISODES, EPISODE_ROWS[0]]})
    tables, problems = read(header_file(), RawFile("book.xlsx", content), episodes_file())
    assert messages(problems) == [
        DUPLICATE_TABLE.format(
            first="book.xlsx, sheet Episodes", second="episodes.csv", kind="Episodes"
        )
    ]
    assert tables["Episodes"].source == "book.xlsx, sheet Episodes"


def zip_bytes(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return out.getvalue()


@pytest.fixture(scope="module")
def zeros_zip() -> bytes:
    """A workbook-shaped zip whose sheet is 60 MB of zeros: about 60 KB compressed."""
    return zip_bytes(
        {"[Content_Types].xml": b"<Types/>", "xl/worksheets/sheet1.xml": bytes(60 * MIB)}
    )


def test_a_zip_bomb_over_the_unzipped_limit_is_not_opened(
    zeros_zip: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    def never(*args: object, **kwargs: object) -> None:
        raise AssertionError("the zip bomb was opened")

    monkeypatch.setattr(readers.openpyxl, "load_workbook", never)
    tables, problems = read(
        RawFile("bomb.xlsx", zeros_zip), header_file(), episodes_file(), max_unzipped_bytes=10 * MIB
    )
    assert messages(problems) == [
        'File "bomb.xlsx" expands to more than 10 MB when unzipped, so it was not opened.'
    ]
    assert messages(problems) == [
        ZIP_TOO_LARGE.format(where=file_where("bomb.xlsx"), limit="10 MB")
    ]
    assert set(tables) == {"Header", "Episodes"}


def test_a_highly_compressed_member_is_not_opened(
    zeros_zip: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    def never(*args: object, **kwargs: object) -> None:
        raise AssertionError("the zip bomb was opened")

    monkeypatch.setattr(readers.openpyxl, "load_workbook", never)
    _, problems = read(RawFile("bomb.xlsx", zeros_zip), header_file(), episodes_file())
    assert messages(problems) == [
        ZIP_RATIO.format(where=file_where("bomb.xlsx"), ratio=ZIP_RATIO_LIMIT)
    ]


def test_a_damaged_workbook_is_refused() -> None:
    good = workbook_bytes({"Header": [HEADER, HEADER_ROWS[0]]})
    _, problems = read(RawFile("bad.xlsx", good[: len(good) // 2]), header_file(), episodes_file())
    assert messages(problems) == [BAD_ZIP.format(where=file_where("bad.xlsx"))]


def test_a_zip_that_is_not_a_workbook_is_told_it_is_a_zip_archive() -> None:
    content = zip_bytes({"notes.txt": b"hello"})
    _, problems = read(RawFile("book.xlsx", content), header_file(), episodes_file())
    assert messages(problems) == ['File "book.xlsx" is a zip archive, not an Excel workbook.']


def test_a_workbook_that_openpyxl_cannot_open_is_refused() -> None:
    content = zip_bytes({"xl/workbook.xml": b"<not a workbook"})
    _, problems = read(RawFile("book.xlsx", content), header_file(), episodes_file())
    assert messages(problems) == [BAD_WORKBOOK.format(where=file_where("book.xlsx"))]


# --- Files that are none of the forms we read -----------------------------------------------------

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n" + b"1 0 obj\n<< /Type /Catalog >>\nendobj\n" * 200


@pytest.mark.parametrize(
    ("name", "content", "what", "expected"),
    [
        ("episodes.csv", PDF, "a PDF", "a CSV table"),
        ("episodes.csv", PNG, "a PNG image", "a CSV table"),
        ("scan.csv", b"\xff\xd8\xff\xe0\x00\x10JFIF", "a JPEG image", "a CSV table"),
        ("episodes.csv", b"\x1f\x8b\x08\x00" + b"\x00" * 20, "a gzip archive", "a CSV table"),
        ("episodes.xlsx", PDF, "a PDF", "an Excel workbook"),
        ("return.xml", PDF, "a PDF", "a 903 XML file"),
        ("episodes", PDF, "a PDF", "a CSV table, an Excel workbook or a 903 XML file"),
        (
            "page.csv",
            b"\n<!DOCTYPE html>\n<html><body>CHILD</body></html>",
            "a web page (HTML)",
            "a CSV table",
        ),
    ],
)
def test_a_file_of_another_sort_is_told_what_it_is(
    name: str, content: bytes, what: str, expected: str
) -> None:
    _, problems = read(RawFile(name, content), header_file(), episodes_file())
    assert messages(problems) == [f'File "{name}" is {what}, not {expected}.']
    assert messages(problems) == [
        NOT_A_DATA_FILE.format(where=file_where(name), what=what, expected=expected)
    ]


@pytest.mark.parametrize(
    ("members", "what"),
    [
        ({"notes.txt": b"hello"}, "a zip archive"),
        ({"word/document.xml": b"<w/>", "[Content_Types].xml": b"<t/>"}, "a Word document"),
        ({"ppt/presentation.xml": b"<p/>"}, "a PowerPoint presentation"),
        (
            {"mimetype": b"application/vnd.oasis.opendocument.spreadsheet", "content.xml": b"<c/>"},
            "an OpenDocument file",
        ),
    ],
)
def test_a_zip_archive_renamed_csv_is_told_what_it_holds(members: dict, what: str) -> None:
    _, problems = read(RawFile("episodes.csv", zip_bytes(members)), header_file())
    assert messages(problems) == [f'File "episodes.csv" is {what}, not a CSV table.']


def test_an_excel_binary_workbook_is_refused_as_one() -> None:
    content = zip_bytes({"xl/workbook.bin": b"\x00\x01"})
    _, problems = read(RawFile("book.xlsb.xlsx", content), header_file(), episodes_file())
    assert messages(problems) == [XLSB.format(where=file_where("book.xlsb.xlsx"))]


def test_binary_data_without_a_signature_is_not_read_as_rows() -> None:
    # Bytes that decode as Windows-1252 (no NUL, none undefined) but are no text.
    noise = bytes(b for b in range(1, 256) if b not in (0x81, 0x8D, 0x8F, 0x90, 0x9D)) * 40
    _, problems = read(RawFile("episodes.csv", noise), header_file())
    assert messages(problems) == [CSV_BINARY.format(where=file_where("episodes.csv"))]
    assert messages(problems) == [
        'File "episodes.csv" is not a CSV table: it holds binary data, not text.'
    ]
    assert "wrong number of columns" not in " ".join(messages(problems))


def test_a_pdf_is_never_told_about_its_rows() -> None:
    _, problems = read(RawFile("episodes.csv", PDF), header_file())
    assert all(p.row is None for p in problems)
    assert "row" not in " ".join(messages(problems))


# --- XML ------------------------------------------------------------------------------------------

XML = """<?xml version="1.0" encoding="UTF-8"?>
<EXPSSDA903>
  <CHILD>
    <HEADER>
      <CHILDID>1001</CHILDID>
      <UPN>A123456789012</UPN>
      <SEX>1</SEX>
      <DOB>01/02/2010</DOB>
      <ETHNIC>WBRI</ETHNIC>
      <UASC>0</UASC>
      <!-- a comment the parser drops -->
      <AREVIEW>
        <REVIEW>01/06/2020</REVIEW>
        <REVIEW_CODE>PN1</REVIEW_CODE>
      </AREVIEW>
      <MOTHER>0</MOTHER>
    </HEADER>
    <EPISODE>
      <DECOM>01/04/2020</DECOM>
      <RNE>S</RNE>
      <LS>C2</LS>
      <CIN>N1</CIN>
      <PL>U4</PL>
      <PL_POST>SE15 6AB</PL_POST>
      <HOME_POST> SE15 5AB </HOME_POST>
      <URN>SC123456</URN>
      <PLACE_PROVIDER>PR4</PLACE_PROVIDER>
      <DEC>01/05/2020</DEC>
      <REC>X1</REC>
      <REASON_PLACE_CHANGE>CHANGE</REASON_PLACE_CHANGE>
    </EPISODE>
    <EPISODE>
      <DECOM>01/05/2020</DECOM>
      <RNE>P</RNE>
      <LS>C2</LS>
      <CIN>N1</CIN>
      <PL>K2</PL>
      <DEC></DEC>
      <REC/>
    </EPISODE>
    <SW_EPISODE>
      <SW_ID>SW1</SW_ID>
    </SW_EPISODE>
  </CHILD>
  <CHILD>
    <HEADER>
      <CHILDID>1002</CHILDID>
      <UPN></UPN>
      <SEX>M</SEX>
      <DOB>15/06/2007</DOB>
      <ETHNIC>OOTH</ETHNIC>
      <UASC>1</UASC>
      <DUC>15/06/2007</DUC>
      <MOTHER>1</MOTHER>
      <MC_DOB>01/01/2024</MC_DOB>
    </HEADER>
    <EPISODE>
      <DECOM>03/03/2021</DECOM>
      <RNE>S</RNE>
      <LS>C2</LS>
      <CIN>N4</CIN>
      <PL>K3</PL>
      <DEC/>
      <REC/>
    </EPISODE>
  </CHILD>
</EXPSSDA903>
"""


def lines_of(text: str, tag: str) -> list[int]:
    return [number for number, line in enumerate(text.splitlines(), start=1) if line.strip() == tag]


def test_xml_return_gives_three_tables() -> None:
    tables, problems = read(RawFile("return.xml", XML.encode()))
    assert problems == []
    assert {table.source for table in tables.values()} == {"return.xml"}
    headers, episodes = lines_of(XML, "<HEADER>"), lines_of(XML, "<EPISODE>")
    assert len(headers) == 2 and len(episodes) == 3

    header = tables["Header"].frame
    assert list(header.columns) == [*HEADER, "_row"]
    assert header.to_dict("records") == [
        {"CHILD": "1001", "SEX": "1", "DOB": "01/02/2010", "ETHNIC": "WBRI",
         "UPN": "A123456789012", "MOTHER": "0", "MC_DOB": "", "_row": headers[0]},
        {"CHILD": "1002", "SEX": "M", "DOB": "15/06/2007", "ETHNIC": "OOTH", "UPN": "",
         "MOTHER": "1", "MC_DOB": "01/01/2024", "_row": headers[1]},
    ]  # fmt: skip

    frame = tables["Episodes"].frame
    assert list(frame.columns) == [*EPISODES, "_row"]
    assert frame["_row"].tolist() == episodes
    assert frame["CHILD"].tolist() == ["1001", "1001", "1002"]
    assert frame["PLACE"].tolist() == ["U4", "K2", "K3"]
    assert frame.loc[0].drop("_row").tolist() == [
        "1001", "01/04/2020", "S", "C2", "N1", "U4", "PR4", "01/05/2020", "X1", "CHANGE",
        "SE15 5AB", "SE15 6AB", "SC123456",
    ]  # fmt: skip
    assert frame.loc[1, ["DEC", "REC", "URN", "PL_POST", "PLACE_PROVIDER"]].tolist() == [""] * 5

    uasc = tables["UASC"].frame
    assert uasc.to_dict("records") == [
        {"CHILD": "1002", "SEX": "M", "DOB": "15/06/2007", "DUC": "15/06/2007", "_row": headers[1]}
    ]


def test_xml_without_uasc_children_gives_an_empty_uasc_table() -> None:
    text = XML.replace("<UASC>1</UASC>", "<UASC>0</UASC>")
    tables, problems = read(RawFile("return.xml", text.encode()))
    assert problems == []
    assert tables["UASC"].frame.empty


def test_xml_with_a_doctype_is_refused() -> None:
    bomb = (
        '<?xml version="1.0"?>\n'
        '<!DOCTYPE EXPSSDA903 [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>\n'
        "<EXPSSDA903><CHILD><HEADER><CHILDID>&b;</CHILDID></HEADER></CHILD></EXPSSDA903>\n"
    )
    tables, problems = read(RawFile("return.xml", bomb.encode()))
    assert messages(problems) == [XML_DOCTYPE.format(where=file_where("return.xml"))]
    assert tables == {}


def test_xml_with_an_external_entity_is_refused() -> None:
    text = (
        '<?xml version="1.0"?>\n<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>\n'
        "<EXPSSDA903><CHILD><HEADER><CHILDID>&e;</CHILDID></HEADER></CHILD></EXPSSDA903>\n"
    )
    _, problems = read(RawFile("return.xml", text.encode("utf-16")))
    assert messages(problems) == [XML_DOCTYPE.format(where=file_where("return.xml"))]


def test_malformed_xml_names_the_line() -> None:
    text = XML.replace("</EPISODE>", "</EPISOD>", 1)
    line = lines_of(text, "</EPISOD>")[0]
    _, problems = read(RawFile("return.xml", text.encode()))
    assert messages(problems) == [f'File "return.xml" is not well-formed XML (line {line}).']
    assert messages(problems) == [XML_MALFORMED.format(where=file_where("return.xml"), line=line)]


def test_xml_child_without_header_is_refused_but_its_episodes_are_read() -> None:
    # Cut the second child's HEADER out.
    second = XML.index("<HEADER>", XML.index("</HEADER>"))
    end = XML.index("</HEADER>", second) + len("</HEADER>\n")
    text = XML[: XML.rindex("\n", 0, second) + 1] + XML[end:]
    assert text.count("<HEADER>") == 1 and text.count("<CHILD>") == 2
    line = lines_of(text, "<CHILD>")[1]
    tables, problems = read(RawFile("return.xml", text.encode()))
    assert messages(problems) == [XML_CHILD_WITHOUT_HEADER.format(where=file_where("return.xml"))]
    assert problems[0].row == line
    assert tables["Header"].frame["CHILD"].tolist() == ["1001"]
    assert tables["Episodes"].frame["CHILD"].tolist() == ["1001", "1001", ""]


def test_xml_that_is_not_a_903_return_is_refused() -> None:
    _, problems = read(RawFile("other.xml", b"<?xml version='1.0'?>\n<CINRETURN/>\n"))
    assert messages(problems) == [XML_NOT_903.format(where=file_where("other.xml"))]


def test_xml_and_csv_holding_one_table_are_refused() -> None:
    tables, problems = read(RawFile("return.xml", XML.encode()), episodes_file())
    assert messages(problems) == [
        DUPLICATE_TABLE.format(first="return.xml", second="episodes.csv", kind="Episodes")
    ]
    assert tables["Episodes"].source == "return.xml"


# --- Privacy and speed ----------------------------------------------------------------------------


def test_messages_never_carry_row_contents() -> None:
    secret = "SECRET99"
    bad_row = ",".join(EPISODES) + "\r\n" + ",".join([secret] * 14) + "\r\n"
    files = [
        RawFile("a.csv", bad_row.encode()),
        RawFile("b.csv", (",".join(EPISODES) + f'\r\n"{secret}\r\n').encode()),
        RawFile("c.xml", f"<EXPSSDA903><CHILD>{secret}</CHLD></EXPSSDA903>".encode()),
        RawFile("d.csv", csv_bytes([["CHILD", "DOB", "X"], [secret, secret, secret]])),
        RawFile("e.csv", csv_bytes([["CHILD", secret], [secret, secret]])),
        RawFile("f.xml", f"<{secret}/>".encode()),
    ]
    _, problems = read(*files)
    assert len(problems) > len(files) - 1
    for problem in problems:
        assert secret not in problem.message
        assert secret not in problem.as_line()


def test_a_large_episodes_csv_reads_quickly() -> None:
    rows = [EPISODES]
    rows += [
        [f"{100000 + i}", "01/04/2020", "S", "C2", "N1", "U4", "PR4", "01/05/2020", "X1",
         "CHANGE", "SE15 5AB", "SE15 6AB", "SC123456"]
        for i in range(70_000)
    ]  # fmt: skip
    content = csv_bytes(rows)
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        tables, problems = read(header_file(), RawFile("episodes.csv", content))
        best = min(best, time.perf_counter() - start)
    assert problems == []
    assert len(tables["Episodes"].frame) == 70_000
    assert tables["Episodes"].frame["_row"].iloc[-1] == 70_001
    assert best < 0.5, f"reading 70,000 episodes took {best:.2f} s"


def test_frames_are_plain_pandas() -> None:
    tables, _ = read(header_file(), episodes_file())
    assert isinstance(tables["Episodes"].frame, pd.DataFrame)


def test_xml_row_numbers_stay_right_past_line_65535() -> None:
    # libxml2 stores lines in 16 bits; past 65,535 lxml reports the next node's line instead.
    child = XML[XML.index("  <CHILD>") : XML.index("  </CHILD>") + len("  </CHILD>\n")]
    text = XML.replace(child, child * 2000)
    assert text.count("\n") > 70_000
    tables, problems = read(RawFile("return.xml", text.encode()))
    assert problems == []
    assert tables["Episodes"].frame["_row"].tolist() == lines_of(text, "<EPISODE>")
    assert tables["Header"].frame["_row"].tolist() == lines_of(text, "<HEADER>")
    assert tables["Episodes"].frame["_row"].iloc[-1] > 65_535


# --- Optional Episodes columns (CARER_ID, WEEKLY_COST) -----------------------------------------


def test_csv_episodes_keep_their_optional_columns() -> None:
    rows = [[*EPISODES, "CARER_ID", "WEEKLY_COST"], [*EPISODE_ROWS[0], "FC1", "512.40"]]
    tables, problems = read(header_file(), RawFile("episodes.csv", csv_bytes(rows)))
    assert problems == []
    frame = tables["Episodes"].frame
    assert frame.loc[0, ["CARER_ID", "WEEKLY_COST"]].tolist() == ["FC1", "512.40"]


def test_xml_episodes_carry_carer_id_and_weekly_cost_when_given() -> None:
    text = XML.replace(
        "<PL>U4</PL>",
        "<PL>U4</PL>\n      <CARER_ID>FC1</CARER_ID><WEEKLY_COST>512.40</WEEKLY_COST>",
    )
    tables, problems = read(RawFile("return.xml", text.encode()))
    assert problems == []
    frame = tables["Episodes"].frame
    assert list(frame.columns) == [*EPISODES, "CARER_ID", "WEEKLY_COST", "_row"]
    assert frame["CARER_ID"].tolist() == ["FC1", "", ""]
    assert frame["WEEKLY_COST"].tolist() == ["512.40", "", ""]
    # The row numbers are still the episodes' lines.
    assert frame["_row"].tolist() == lines_of(text, "<EPISODE>")


def test_xml_episodes_without_the_optional_elements_have_no_such_columns() -> None:
    tables, _ = read(RawFile("return.xml", XML.encode()))
    assert "CARER_ID" not in tables["Episodes"].frame.columns
