"""An upload's warnings on its page: each kind once with its count, opening onto its rows;
errors row by row; the problems download unchanged."""

from __future__ import annotations

import csv
import io
import re

import pytest
from django.urls import reverse

from dashboard.pages.uploads import WARNING_ROWS_SHOWN, warning_kinds
from placements.models import Upload, UploadProblem
from placements.ssda903 import validate as v
from placements.ssda903.stitch import MSG_CHAIN_REPAIRED
from tests.helpers import UploadFactory, client_for, page_text, spaced_page_text

pytestmark = pytest.mark.django_db


def add(upload: Upload, severity: str, message: str, *, row: int, **where: str) -> None:
    UploadProblem.objects.create(
        upload=upload, severity=severity, message=message, row=row,
        file=where.get("file", "episodes.csv"), child_id=where.get("child", f"C{row}"),
        column=where.get("column", ""), value=where.get("value", ""),
    )  # fmt: skip


def detail(client, upload: Upload, **params: object):
    return client.get(reverse("dashboard-upload-detail", args=[upload.pk]), params)


@pytest.fixture
def loaded(la) -> Upload:
    """A loaded upload with warnings of four kinds, found in this order."""
    upload = UploadFactory(la=la, status=Upload.Status.LOADED, warnings_count=8)
    provider = v.MSG_PROVIDER_MISSING
    add(upload, "warning", v.MSG_POSTCODE_NOT_FOUND, row=2, column="PL_POST", value="ZZ1 1ZZ")
    add(upload, "warning", provider.format(place="U4"), row=3, column="PLACE_PROVIDER")
    add(upload, "warning", v.MSG_POSTCODE_NOT_FOUND, row=4, column="PL_POST", value="ZZ2 2ZZ")
    add(upload, "warning", provider.format(place="K2"), row=5, column="PLACE_PROVIDER")
    add(upload, "warning", v.MSG_POSTCODE_NOT_FOUND, row=6, column="HOME_POST", value="ZZ3 3ZZ")
    add(upload, "warning", provider.format(place="U4"), row=7, column="PLACE_PROVIDER")
    add(upload, "warning", v.MSG_POSTCODE_NOT_FOUND, row=8, column="PL_POST", value="ZZ4 4ZZ")
    add(upload, "warning", v.MSG_MOTHER_CODE, row=2, file="header.csv", column="MOTHER")
    return upload


def test_each_kind_of_warning_is_shown_once_with_its_count(make_user, la, loaded) -> None:
    response = detail(client_for(make_user("officers", la)), loaded)
    words = page_text(response)
    assert response.text.count("<details") == 4
    assert response.text.count("<summary>") == 4
    summaries = [
        " ".join(re.sub(r"<[^>]+>", " ", text).split())
        for text in re.findall(r"<summary>(.*?)</summary>", response.text, re.DOTALL)
    ]
    assert summaries == [
        f"{v.MSG_POSTCODE_NOT_FOUND} 3 rows, column PL_POST",
        "PLACE_PROVIDER is blank; it is needed for placement type U4 or K2. "
        "3 rows, column PLACE_PROVIDER",
        f"{v.MSG_POSTCODE_NOT_FOUND} 1 row, column HOME_POST",
        f"{v.MSG_MOTHER_CODE} 1 row, column MOTHER",
    ]
    assert "No errors were found." in words
    assert "Download problems as CSV" in words


def test_a_kind_opens_onto_its_rows_in_file_and_row_order(make_user, la, loaded) -> None:
    [postcodes, providers, *_] = warning_kinds(loaded)
    assert [(p.row, p.value) for p in postcodes.rows] == [
        (2, "ZZ1 1ZZ"), (4, "ZZ2 2ZZ"), (8, "ZZ4 4ZZ"),
    ]  # fmt: skip
    assert [p.message for p in providers.rows] == [
        v.MSG_PROVIDER_MISSING.format(place=place) for place in ("U4", "K2", "U4")
    ]
    words = spaced_page_text(detail(client_for(make_user("officers", la)), loaded))
    assert "episodes.csv 5 C5 PLACE_PROVIDER " + v.MSG_PROVIDER_MISSING.format(place="K2") in words


def test_warning_kinds_take_two_queries_however_many_kinds(
    la, loaded, django_assert_num_queries
) -> None:
    for row in range(10, 40):
        add(loaded, "warning", MSG_CHAIN_REPAIRED.format(next_decom=f"{row}/01/2024"), row=row)
        add(loaded, "warning", f"A message of its own, number {row}.", row=row)
    with django_assert_num_queries(2):
        kinds = warning_kinds(loaded)
    assert len(kinds) == 4 + 1 + 30


def test_a_kind_with_many_values_shows_an_ellipsis_for_them(make_user, la) -> None:
    upload = UploadFactory(la=la, status=Upload.Status.LOADED, warnings_count=5)
    for day in range(1, 6):
        add(upload, "warning", MSG_CHAIN_REPAIRED.format(next_decom=f"0{day}/03/2024"), row=day,
            file="Episodes", column="DEC")  # fmt: skip
    [kind] = warning_kinds(upload)
    assert kind.count == 5 and len(kind.rows) == 5
    assert kind.message == (
        "This episode was open but the child has a later episode starting …; "
        "it was closed on … with REC X1."
    )
    words = page_text(detail(client_for(make_user("officers", la)), upload))
    assert MSG_CHAIN_REPAIRED.format(next_decom="04/03/2024") in words


def test_a_large_kind_shows_its_first_rows_and_says_how_many_more(make_user, la) -> None:
    upload = UploadFactory(la=la, status=Upload.Status.LOADED, warnings_count=150)
    UploadProblem.objects.bulk_create(
        UploadProblem(
            upload=upload,
            severity="warning",
            file="episodes.csv",
            row=row,
            column="URN",
            message=v.MSG_URN_MISSING,
        )  # fmt: skip
        for row in range(2, 152)
    )
    client = client_for(make_user("officers", la))
    response = detail(client, upload)
    words = page_text(response)
    assert f"{v.MSG_URN_MISSING} 150 rows, column URN" in words
    assert response.text.count('<tr class="problem-warning">') == WARNING_ROWS_SHOWN
    assert "And 50 more rows with this warning: the problems CSV has them all." in words
    # The download still has every row, one each, in the order they were found.
    download = client.get(reverse("dashboard-upload-problems-csv", args=[upload.pk]))
    rows = list(csv.reader(io.StringIO(download.content.decode("utf-8-sig"))))
    assert rows[0] == ["severity", "file", "row", "child", "column", "value", "message"]
    assert [int(row[2]) for row in rows[1:]] == list(range(2, 152))


def test_errors_are_still_listed_row_by_row_before_the_warnings(make_user, la) -> None:
    upload = UploadFactory(la=la, status=Upload.Status.REJECTED, errors_count=3, warnings_count=2)
    for row in (2, 3, 4):
        add(upload, "error", v.MSG_DATE_UNREADABLE, row=row, column="DECOM", value=f"x{row}")
    for row in (2, 3):
        add(upload, "warning", v.MSG_URN_MISSING, row=row, column="URN")
    response = detail(client_for(make_user("officers", la)), upload)
    words = spaced_page_text(response)
    for row in (2, 3, 4):
        assert f"Error episodes.csv {row} C{row} DECOM x{row} {v.MSG_DATE_UNREADABLE}" in words
    assert words.index("Errors, by file and row") < words.index(f"{v.MSG_URN_MISSING} 2 rows")
    assert response.text.count("<details") == 1
    assert "Nothing of this upload was loaded" in words


def test_the_warnings_need_no_javascript(make_user, la, loaded) -> None:
    response = detail(client_for(make_user("officers", la)), loaded)
    assert "<script" not in response.text.split("</footer>")[0].split("<main", 1)[1]
    assert "upload_status.js" not in response.text


def test_a_carers_uploads_warning_rows_are_headed_carer_id(make_user, la) -> None:
    upload = UploadFactory(
        la=la, kind=Upload.Kind.CARERS, window_start=None, status=Upload.Status.LOADED,
        warnings_count=1,
    )  # fmt: skip
    add(upload, "warning", "AGENCY_URN not found in the Ofsted provider lists.", row=2,
        file="carers.csv", child="FC1", column="AGENCY_URN")  # fmt: skip
    text = detail(client_for(make_user("officers", la)), upload).text
    assert '<th scope="col">CARER_ID</th>' in text


def test_an_upload_without_warnings_says_so(make_user, la) -> None:
    upload = UploadFactory(la=la, status=Upload.Status.LOADED)
    words = page_text(detail(client_for(make_user("officers", la)), upload))
    assert "No warnings were found." in words and "No errors were found." in words
    assert "Download problems as CSV" not in words
