"""The limits on one upload (docs/uploads.md#limits): refused before any file is parsed, in one
sentence, by the service, the import commands and the processing of a kept upload; and files
kept a chunk at a time, exactly."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import os
import time
import zipfile
from pathlib import Path

import openpyxl
import pytest
from django.core.management import call_command

from placements.models import Child, Episode, LocalAuthority, Upload, UploadFile
from placements.ssda903 import limits
from placements.ssda903.readers import RawFile
from placements.uploads import (
    IncomingFile,
    UploadOverLimit,
    import_extract,
    process_upload,
    submit_upload,
)
from tests.extracts import EPISODES, HEADER, child, episode, extract_files

pytestmark = pytest.mark.django_db

MIB = 1024 * 1024
AS_AT = dt.date(2025, 10, 31)
GOOD = extract_files([child("A1")], [episode("A1", "01/05/2025")])


def raw(files: list[tuple[str, bytes]]) -> list[RawFile]:
    return [RawFile(name, content) for name, content in files]


def submit(la: LocalAuthority, files: list[tuple[str, bytes]]) -> Upload:
    return submit_upload(
        la=la, user=None, as_at=AS_AT, window_start=None, files=raw(files), enqueue=False
    )


def refusal(la: LocalAuthority, files: list[tuple[str, bytes]]) -> str:
    with pytest.raises(UploadOverLimit) as refused:
        submit(la, files)
    return str(refused.value)


def nothing_kept() -> bool:
    return not (
        Upload.objects.exists()
        or UploadFile.objects.exists()
        or Episode.objects.exists()
        or Child.objects.exists()
    )


def workbook(sheets: dict[str, list[list[str]]]) -> bytes:
    book = openpyxl.Workbook(write_only=True)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def zip_bytes(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return out.getvalue()


def never_opened(monkeypatch: pytest.MonkeyPatch) -> None:
    def never(*args: object, **kwargs: object) -> None:
        raise AssertionError("a workbook over the limits was opened")

    monkeypatch.setattr("placements.ssda903.readers.openpyxl.load_workbook", never)


# --- The probes of the issue, at full size ------------------------------------------------------


def test_many_sheet_workbook_is_refused_at_once(la, monkeypatch) -> None:
    # 45 sheets of 9.5 MB each, each under the old ratio check's size: 428 MB unzipped, which
    # took 318 s of a worker before being rejected.
    never_opened(monkeypatch)
    sheet = b"<worksheet><sheetData>" + b" " * int(9.5 * MIB) + b"</sheetData></worksheet>"
    members = {"xl/workbook.xml": b"<workbook/>"}
    members |= {f"xl/worksheets/sheet{n}.xml": sheet for n in range(45)}
    bomb = zip_bytes(members)
    started = time.perf_counter()
    message = refusal(la, [*GOOD, ("book.xlsx", bomb)])
    assert time.perf_counter() - started < 10
    assert (
        message
        == 'File "book.xlsx" expands to more than 200 MB when unzipped, so it was not opened.'
    )
    assert nothing_kept()


def test_wide_csv_is_refused_from_its_first_line(la) -> None:
    # 45 MB of 50,000 columns, which took 1.3 GB to parse.
    line = ",".join(f"C{n}" for n in range(50_000)).encode() + b"\r\n"
    wide = line * (45 * MIB // len(line))
    started = time.perf_counter()
    message = refusal(la, [*GOOD, ("wide.csv", wide)])
    assert time.perf_counter() - started < 5
    assert message == 'File "wide.csv" has 50,000 columns, more than the 200 a table may have.'
    assert nothing_kept()


# --- Each limit, made small -------------------------------------------------------------------


def test_files_together_over_the_total_are_refused(la, settings) -> None:
    settings.UPLOAD_MAX_TOTAL_BYTES = MIB
    files = [*GOOD, *((f"reviews{n}.csv", b"x" * (300 * 1024)) for n in range(4))]
    assert refusal(la, files) == (
        "The files of this upload together are larger than the 1 MB limit for one upload: "
        "upload fewer or smaller files at a time."
    )
    assert nothing_kept()


def test_workbooks_together_over_the_unzipped_budget_are_refused(la, settings) -> None:
    # Each workbook is under the budget; the two together are not.
    settings.UPLOAD_MAX_UNZIPPED_BYTES = 3 * MIB
    sheet = {"xl/workbook.xml": b"<workbook/>", "xl/worksheets/sheet1.xml": os.urandom(2 * MIB)}
    files = [("a.xlsx", zip_bytes(sheet)), ("b.xlsx", zip_bytes(sheet))]
    assert refusal(la, files) == (
        "The workbooks of this upload together expand to more than 3 MB when unzipped, the "
        "limit for one upload, so none was opened."
    )
    assert nothing_kept()


def test_every_zip_member_has_its_ratio_checked(la) -> None:
    # Under the old 10 MB floor: 2 MB of zeros compresses a thousand times over.
    members = {"xl/workbook.xml": b"<workbook/>", "xl/worksheets/sheet1.xml": bytes(2 * MIB)}
    assert refusal(la, [("book.xlsx", zip_bytes(members))]) == (
        'File "book.xlsx" is compressed more than 200 times over, as zip bombs are, so it was '
        "not opened."
    )


def test_cells_across_files_and_sheets_are_counted_together(la, settings) -> None:
    # 2 x 60 cells in a workbook's sheets and 2 x 4 x 10 in CSV files: 200 in all.
    settings.UPLOAD_MAX_CELLS = 199
    rows = [["CHILD", "NOTE"], *([str(n), "x"] for n in range(29))]
    files = [
        ("book.xlsx", workbook({"One": rows, "Two": rows})),
        ("a.csv", b"A,B,C,D\r\n" + b"1,2,3,4\r\n" * 9),
        ("b.csv", b"A,B,C,D\r\n" + b"1,2,3,4\r\n" * 9),
    ]
    message = refusal(la, files)
    assert message == (
        "The files of this upload together have more than 199 cells, the limit for one upload, "
        "so none was read: upload fewer tables or years at a time."
    )
    settings.UPLOAD_MAX_CELLS = 200
    assert (
        limits.upload_refusal(
            [(name, io.BytesIO(content)) for name, content in files],
            limits.UploadLimits(10 * MIB, 10 * MIB, 200, 200),
        )
        is None
    )


def test_a_wide_sheet_is_refused_from_its_header_row(la, settings) -> None:
    settings.UPLOAD_MAX_COLUMNS = 30
    header = [*HEADER, *(f"EXTRA{n}" for n in range(24))]
    book = workbook({"Header": [[], header, ["A1"]]})
    assert refusal(la, [("book.xlsx", book)]) == (
        'File "book.xlsx" has a sheet with 31 columns, more than the 30 a table may have.'
    )


def test_a_table_as_wide_as_the_limit_is_loaded(la, settings) -> None:
    settings.UPLOAD_MAX_COLUMNS = len(EPISODES)
    upload = import_extract(la=la, user=None, as_at=AS_AT, window_start=None, files=raw(GOOD))
    assert upload.status == Upload.Status.LOADED


# --- Where the limits are met -----------------------------------------------------------------


def test_a_kept_upload_over_the_limits_is_rejected_not_failed(la, settings) -> None:
    # Kept before the limits were lowered: its processing refuses it in the same sentence,
    # as an error of the upload, and changes nothing.
    upload = submit(la, GOOD)
    settings.UPLOAD_MAX_CELLS = 10
    upload = process_upload(upload_id=upload.pk)
    assert upload.status == Upload.Status.REJECTED
    assert [p.message for p in upload.problems.all()] == [limits.TOO_MANY_CELLS.format(limit="10")]
    assert not Episode.objects.exists()


def test_import_command_refuses_files_over_the_total_in_one_line(la, tmp_path, settings):
    settings.UPLOAD_MAX_TOTAL_BYTES = 1024
    paths = []
    for name, content in [*GOOD, ("more.csv", b"x" * 2048)]:
        (tmp_path / name).write_bytes(content)
        paths.append(str(tmp_path / name))
    code, err = run("import_903", "--la", la.code, "--as-at", "2025-10-31", *paths)
    assert code == 1
    assert err.strip().splitlines() == [
        "ERROR: The files of this upload together are larger than the 1 KB limit for one "
        "upload: upload fewer or smaller files at a time."
    ]
    assert nothing_kept()


@pytest.mark.parametrize("command", ["import_903", "import_carers", "import_costs"])
def test_import_commands_refuse_a_wide_table_in_one_line(la, tmp_path, command) -> None:
    path = tmp_path / "wide.csv"
    path.write_bytes(",".join(f"C{n}" for n in range(201)).encode() + b"\r\n1\r\n")
    code, err = run(command, "--la", la.code, "--as-at", "2025-10-31", str(path))
    assert code == 1
    assert err.strip().splitlines() == [
        'ERROR: File "wide.csv" has 201 columns, more than the 200 a table may have.'
    ]
    assert nothing_kept()


def test_dry_run_refuses_too_many_cells_in_one_line(la, tmp_path, settings) -> None:
    settings.UPLOAD_MAX_CELLS = 10
    paths = []
    for name, content in GOOD:
        (tmp_path / name).write_bytes(content)
        paths.append(str(tmp_path / name))
    code, err = run("import_903", "--la", la.code, "--as-at", "2025-10-31", "--dry-run", *paths)
    assert code == 1
    assert err.strip() == "ERROR: " + limits.TOO_MANY_CELLS.format(limit="10")


def run(*args: str) -> tuple[int, str]:
    stdout, stderr = io.StringIO(), io.StringIO()
    try:
        call_command(*args, stdout=stdout, stderr=stderr)
    except SystemExit as exit_:
        return int(exit_.code or 0), stderr.getvalue()
    return 0, stderr.getvalue()


# --- Kept a chunk at a time ---------------------------------------------------------------------


def test_a_file_of_many_chunks_is_kept_exactly(la, tmp_path: Path) -> None:
    # Random bytes do not compress: 3.5 MB is kept in several chunks of about a megabyte.
    content = os.urandom(3 * MIB + MIB // 2)
    path = tmp_path / "notes.csv"
    path.write_bytes(content)
    with path.open("rb") as stream:
        upload = submit_upload(
            la=la, user=None, as_at=AS_AT, window_start=None, enqueue=False,
            files=[IncomingFile(name="notes.csv", stream=stream)],
        )  # fmt: skip
    kept = upload.files.get()
    sizes = [len(data) for data in kept.chunks.values_list("data", flat=True)]
    assert len(sizes) >= 3
    assert max(sizes) < 2 * MIB
    assert kept.size == len(content)
    assert kept.sha256 == hashlib.sha256(content).hexdigest()
    assert kept.content == content
