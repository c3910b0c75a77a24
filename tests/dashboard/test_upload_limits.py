"""The limits on one upload on the upload form (docs/uploads.md#limits): each refused before
anything is kept, with one sentence on the form, and the upload history unchanged."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import HttpResponse
from django.test import Client, override_settings
from django.urls import reverse

from placements.models import Episode, LocalAuthority, Upload, UploadFile
from tests.extracts import child, episode, extract_files
from tests.helpers import client_for, page_text

pytestmark = pytest.mark.django_db

MB = 1024 * 1024
GOOD = extract_files([child("A1")], [episode("A1", "01/05/2025")])


def post(client: Client, files: list[tuple[str, bytes]]) -> HttpResponse:
    data = {
        "as_at": "2025-10-31",
        "window_start": "",
        "files": [SimpleUploadedFile(name, content) for name, content in files],
    }
    return client.post(reverse("dashboard-upload-new"), data)


def assert_refused(client: Client, response: HttpResponse, sentence: str) -> None:
    """The form again, with the one sentence on its files, and nothing of the upload kept."""
    assert response.status_code == 200
    assert response.context["form"].errors["files"] == [sentence]
    assert sentence in page_text(response)
    assert not Upload.objects.exists()
    assert not UploadFile.objects.exists()
    assert not Episode.objects.exists()
    history = page_text(client.get(reverse("dashboard-uploads")))
    assert "header.csv" not in history and "Loaded" not in history


def zip_bytes(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return out.getvalue()


@override_settings(UPLOAD_MAX_TOTAL_BYTES=1 * MB)
def test_many_files_over_the_total_are_refused_while_streaming(make_user, la) -> None:
    client = client_for(make_user("data_staff", la))
    files = [*GOOD, *((f"reviews{n}.csv", b"x" * (400 * 1024)) for n in range(4))]
    response = post(client, files)
    # The files past the limit were never stored: the third reviews file crossed it.
    assert response.wsgi_request.upload_over_total is True
    kept = [f.name for f in response.wsgi_request.FILES.getlist("files")]
    assert kept == ["header.csv", "episodes.csv", "reviews0.csv", "reviews1.csv"]
    assert_refused(
        client,
        response,
        "The files of this upload together are larger than the 1 MB limit for one upload: "
        "upload fewer or smaller files at a time.",
    )


def test_a_wide_csv_is_refused_on_the_form(make_user, la) -> None:
    client = client_for(make_user("data_staff", la))
    wide = ",".join(f"C{n}" for n in range(5000)).encode() + b"\r\n" + b"1\r\n" * 10
    response = post(client, [*GOOD, ("wide.csv", wide)])
    assert_refused(
        client, response, 'File "wide.csv" has 5,000 columns, more than the 200 a table may have.'
    )


@override_settings(UPLOAD_MAX_UNZIPPED_BYTES=2 * MB)
def test_a_many_sheet_workbook_is_refused_on_the_form(make_user, la) -> None:
    # Twelve sheets of 200 KB, each too small for the ratio check: 2.4 MB unzipped in all.
    sheet = b"<worksheet><sheetData>" + b" " * (200 * 1024) + b"</sheetData></worksheet>"
    members = {"xl/workbook.xml": b"<workbook/>"}
    members |= {f"xl/worksheets/sheet{n}.xml": sheet for n in range(12)}
    client = client_for(make_user("data_staff", la))
    response = post(client, [("book.xlsx", zip_bytes(members))])
    assert_refused(
        client,
        response,
        'File "book.xlsx" expands to more than 2 MB when unzipped, so it was not opened.',
    )


@override_settings(UPLOAD_MAX_CELLS=20)
def test_too_many_cells_are_refused_on_the_form(make_user, la) -> None:
    client = client_for(make_user("data_staff", la))
    response = post(client, GOOD)
    assert_refused(
        client,
        response,
        "The files of this upload together have more than 20 cells, the limit for one upload, "
        "so none was read: upload fewer tables or years at a time.",
    )


def test_the_form_says_the_limits(make_user, la: LocalAuthority) -> None:
    response = client_for(make_user("data_staff", la)).get(reverse("dashboard-upload-new"))
    assert "Up to 50 MB each and 100 MB in all." in page_text(response)


def test_an_upload_within_the_limits_is_kept_whole(make_user, la) -> None:
    client = client_for(make_user("data_staff", la))
    response = post(client, GOOD)
    assert response.status_code == 302
    kept = {f.name: f.content for f in Upload.objects.get().files.all()}
    assert kept == dict(GOOD)
