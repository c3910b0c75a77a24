"""The upload pages through the test client: who may see and do what, and what they are told."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.http import HttpResponse
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.timezone import localtime

from dashboard import forms
from dashboard.wording import long_date
from placements.models import Child, Episode, LocalAuthority, Upload, UploadFile, UploadProblem
from tests.conftest import UserFactory
from tests.extracts import child, episode, extract_files
from tests.helpers import (
    UploadFactory,
    client_for,
    page_text,
    page_words,
    press_load_it,
    spaced_page_text,
)

pytestmark = pytest.mark.django_db

MB = 1024 * 1024


def upload_file(upload: Upload, name: str = "episodes.csv", content: bytes = b"CHILD\r\n") -> None:
    UploadFile.keep(upload=upload, name=name, stream=io.BytesIO(content), sha256="ab" * 32)


def url(name: str, upload: Upload | None = None) -> str:
    return reverse(name, args=[upload.pk] if upload else [])


def csv_file(name: str = "episodes.csv", size: int = 20) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"x" * size, content_type="text/csv")


def form_data(**overrides: object) -> dict[str, object]:
    data: dict[str, object] = {"as_at": "2025-10-31", "window_start": "", "files": [csv_file()]}
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def post_extract(client: Client, capture: Any, raw: list[tuple[str, bytes]]) -> HttpResponse:
    """Upload these files through the form, process them as the task would, and return the
    upload's page. `capture` is pytest-django's django_capture_on_commit_callbacks."""
    files = [SimpleUploadedFile(name, content) for name, content in raw]
    with capture(execute=True):
        response = client.post(url("dashboard-upload-new"), form_data(files=files))
    return client.get(response["Location"])


UPLOAD_PAGES = [
    "dashboard-upload-detail",
    "dashboard-upload-status",
    "dashboard-upload-problems-csv",
]


# --- Who may see what ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    ["dashboard-index", "dashboard-uploads", "dashboard-upload-new", *UPLOAD_PAGES],
)
def test_pages_anonymous_is_sent_to_sign_in(la: LocalAuthority, name: str) -> None:
    upload = UploadFactory(la=la) if name in UPLOAD_PAGES else None
    response = Client().get(url(name, upload))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_login_page_renders_without_signing_in(db: None) -> None:
    response = Client().get(reverse("login"))
    assert response.status_code == 200
    assert b"Sign in" in response.content


@pytest.mark.parametrize("role", ["data_staff", "admin"])
def test_upload_form_opens_for_data_staff_and_admin(make_user, la, role: str) -> None:
    response = client_for(make_user(role, la)).get(url("dashboard-upload-new"))
    assert response.status_code == 200
    assert b'type="file"' in response.content
    assert b'type="date"' in response.content


def test_upload_form_opens_for_superuser_without_a_group(make_user, la) -> None:
    user = make_user(None, la, is_superuser=True)
    assert client_for(user).get(url("dashboard-upload-new")).status_code == 200


@pytest.mark.parametrize("role", ["officers", "committee", None])
def test_upload_form_is_forbidden_to_other_roles(make_user, la, role: str | None) -> None:
    client = client_for(make_user(role, la))
    assert client.get(url("dashboard-upload-new")).status_code == 403
    assert client.post(url("dashboard-upload-new"), form_data()).status_code == 403
    assert not Upload.objects.exists()


@pytest.mark.parametrize("role", ["officers", "data_staff", "admin"])
def test_history_and_detail_open_for_officers_and_data_staff(make_user, la, role: str) -> None:
    upload = UploadFactory(la=la, status=Upload.Status.LOADED)
    client = client_for(make_user(role, la))
    for name in ["dashboard-uploads", *UPLOAD_PAGES]:
        assert client.get(url(name, upload if name in UPLOAD_PAGES else None)).status_code == 200


@pytest.mark.parametrize("name", ["dashboard-uploads", "dashboard-upload-new", *UPLOAD_PAGES])
def test_uploads_pages_are_forbidden_to_committee(make_user, la, name: str) -> None:
    upload = UploadFactory(la=la) if name in UPLOAD_PAGES else None
    response = client_for(make_user("committee", la)).get(url(name, upload))
    assert response.status_code == 403


def test_home_page_opens_for_committee_without_upload_links(make_user, la) -> None:
    response = client_for(make_user("committee", la)).get(url("dashboard-index"))
    assert response.status_code == 200
    assert la.name.encode() in response.content
    assert f'href="{reverse("dashboard-uploads")}' not in response.text  # nor in the nav


@pytest.mark.parametrize("name", UPLOAD_PAGES)
def test_upload_of_another_authority_is_not_found(make_user, la, other_la, name: str) -> None:
    upload = UploadFactory(la=other_la)
    response = client_for(make_user("data_staff", la)).get(url(name, upload))
    assert response.status_code == 404


def test_history_filtered_to_another_authority_is_not_found(make_user, la, other_la) -> None:
    client = client_for(make_user("officers", la))
    assert client.get(url("dashboard-uploads"), {"la": other_la.pk}).status_code == 404


def test_history_shows_only_the_users_authorities(make_user, la, other_la) -> None:
    UploadFactory(la=la, window_start=None)
    UploadFactory(la=other_la)
    response = client_for(make_user("officers", la)).get(url("dashboard-uploads"))
    assert la.name in response.text
    assert other_la.name not in response.text
    assert "full history to 31 October 2025" in response.text


def test_upload_form_does_not_offer_another_authority(make_user, la, other_la) -> None:
    response = client_for(make_user("data_staff", la)).get(url("dashboard-upload-new"))
    assert la.name in response.text  # shown as text: the only choice
    assert other_la.name not in response.text
    assert 'name="la"' not in response.text


def test_upload_form_refuses_another_authority(make_user, la, other_la) -> None:
    mine = LocalAuthority.objects.create(code="999", name="Second Shire")
    client = client_for(make_user("data_staff", la, mine))
    page = client.get(url("dashboard-upload-new")).text
    assert 'name="la"' in page and other_la.name not in page
    response = client.post(url("dashboard-upload-new"), form_data(la=other_la.pk))
    assert response.status_code == 200
    assert "la" in response.context["form"].errors
    assert not Upload.objects.exists()


# --- History ---------------------------------------------------------------------------------


def test_history_offers_upload_button_to_data_staff_only(make_user, la) -> None:
    button = "Upload an extract"
    assert button in client_for(make_user("data_staff", la)).get(url("dashboard-uploads")).text
    assert button not in client_for(make_user("officers", la)).get(url("dashboard-uploads")).text


def test_history_describes_each_upload(make_user, la) -> None:
    UploadFactory(
        la=la,
        status=Upload.Status.REJECTED,
        children_count=1234,
        rows_count=2345,
        errors_count=3,
        uploaded_by=UserFactory(first_name="Priya", last_name="Shah"),
    )
    text = client_for(make_user("officers", la)).get(url("dashboard-uploads")).text
    assert "1 April 2025 to 31 October 2025" in text
    assert "Rejected" in text
    assert "Priya Shah" in text
    assert "1,234" in text and "2,345" in text


def test_history_with_several_authorities_filters_by_la(make_user, la) -> None:
    second = LocalAuthority.objects.create(code="998", name="Second Shire")
    UploadFactory(la=la)
    UploadFactory(la=second)
    client = client_for(make_user("officers", la, second))
    both = client.get(url("dashboard-uploads")).text
    assert la.name in both and "Second Shire" in both
    only_second = client.get(url("dashboard-uploads"), {"la": second.pk}).text
    assert f'<h2 id="la-{la.pk}"' not in only_second
    assert f'<h2 id="la-{second.pk}"' in only_second


def test_history_queries_do_not_grow_with_uploads(make_user, la) -> None:
    client = client_for(make_user("officers", la))
    UploadFactory(la=la)
    client.get(url("dashboard-uploads"))  # warm the session
    with CaptureQueriesContext(connection) as one:
        client.get(url("dashboard-uploads"))
    UploadFactory.create_batch(5, la=la)
    with CaptureQueriesContext(connection) as six:
        client.get(url("dashboard-uploads"))
    assert len(six) == len(one)


# --- The form --------------------------------------------------------------------------------


def test_form_with_window_start_and_full_history_is_refused(make_user, la) -> None:
    response = client_for(make_user("data_staff", la)).post(
        url("dashboard-upload-new"), form_data(window_start="2025-04-01", full_history="on")
    )
    assert response.status_code == 200
    assert response.context["form"].errors["window_start"] == [forms.WINDOW_AND_FULL_HISTORY]
    assert "There is a problem" in response.text
    assert not Upload.objects.exists()


def test_form_without_files_is_refused(make_user, la) -> None:
    response = client_for(make_user("data_staff", la)).post(
        url("dashboard-upload-new"), form_data(files=None)
    )
    assert response.context["form"].errors["files"] == [forms.NO_FILES]
    assert not Upload.objects.exists()


def test_form_without_as_at_is_refused(make_user, la) -> None:
    response = client_for(make_user("data_staff", la)).post(
        url("dashboard-upload-new"), form_data(as_at="")
    )
    assert response.context["form"].errors["as_at"] == [forms.AS_AT_MISSING]


def test_form_with_an_as_at_date_after_today_is_refused(make_user, la) -> None:
    today = timezone.localdate()
    tomorrow = today + dt.timedelta(days=1)
    response = client_for(make_user("data_staff", la)).post(
        url("dashboard-upload-new"), form_data(as_at=tomorrow.isoformat())
    )
    assert response.status_code == 200
    message = forms.AS_AT_AFTER_TODAY.format(today=long_date(today))
    assert response.context["form"].errors["as_at"] == [message]
    assert "There is a problem" in response.text
    assert "The as-at date cannot be after today" in page_text(response)
    assert not Upload.objects.exists()


def test_form_offers_no_as_at_date_after_today(make_user, la) -> None:
    response = client_for(make_user("data_staff", la)).get(url("dashboard-upload-new"))
    assert f'max="{timezone.localdate().isoformat()}"' in response.text


def test_form_takes_an_as_at_date_of_today(make_user, la) -> None:
    today = timezone.localdate()
    response = client_for(make_user("data_staff", la)).post(
        url("dashboard-upload-new"), form_data(as_at=today.isoformat())
    )
    assert response.status_code == 302
    assert Upload.objects.get().as_at == today


def test_form_shows_the_services_refusal_on_the_as_at_field(make_user, la, monkeypatch) -> None:
    # The day changes between the form's check and the service's: the service still refuses.
    from placements import uploads

    today = timezone.localdate()
    monkeypatch.setattr(uploads, "as_at_refusal", lambda as_at: "Refused for a test.")
    response = client_for(make_user("data_staff", la)).post(
        url("dashboard-upload-new"), form_data(as_at=today.isoformat())
    )
    assert response.status_code == 200
    assert response.context["form"].errors["as_at"] == ["Refused for a test."]
    assert not Upload.objects.exists()


def test_form_with_a_file_of_another_type_is_refused(make_user, la) -> None:
    response = client_for(make_user("data_staff", la)).post(
        url("dashboard-upload-new"), form_data(files=[csv_file("notes.docx")])
    )
    assert response.context["form"].errors["files"] == [
        forms.WRONG_FILE_TYPE.format(name="notes.docx")
    ]


@override_settings(UPLOAD_MAX_BYTES=1 * MB)
def test_form_with_an_oversize_file_names_it_and_the_limit(make_user, la) -> None:
    files = [csv_file("header.csv"), csv_file("big.csv", size=MB + 1)]
    response = client_for(make_user("data_staff", la)).post(
        url("dashboard-upload-new"), form_data(files=files)
    )
    assert response.status_code == 200
    assert response.context["form"].errors["files"] == [
        'File "big.csv" is larger than the 1 MB limit.'
    ]
    assert not Upload.objects.exists()


@override_settings(UPLOAD_MAX_BYTES=1 * MB)
def test_oversize_file_is_dropped_while_streaming(make_user, la) -> None:
    response = client_for(make_user("data_staff", la)).post(
        url("dashboard-upload-new"), form_data(files=[csv_file("big.csv", size=3 * MB)])
    )
    request = response.wsgi_request
    assert request.oversize_uploads == ["big.csv"]
    assert "files" not in request.FILES
    # Only the oversize message: not also "choose at least one file".
    assert response.context["form"].errors["files"] == [
        'File "big.csv" is larger than the 1 MB limit.'
    ]


def test_megabytes_reads_like_the_setting() -> None:
    assert forms.megabytes(50 * MB) == "50"
    assert forms.megabytes(MB + MB // 2) == "1.5"


# --- Submitting (these call placements.uploads.submit_upload) --------------------------------


def test_upload_by_data_staff_is_stored_and_shown(make_user, la) -> None:
    client = client_for(make_user("data_staff", la))
    response = client.post(url("dashboard-upload-new"), form_data())
    upload = Upload.objects.get()
    assert response.status_code == 302
    assert response["Location"] == url("dashboard-upload-detail", upload)
    assert upload.la == la
    assert upload.as_at == dt.date(2025, 10, 31)
    # A blank window start means 1 April of the collection year.
    assert upload.window_start == dt.date(2025, 4, 1)
    assert list(upload.files.values_list("name", "size")) == [("episodes.csv", 20)]


def test_upload_of_full_history_has_no_window_start(make_user, la) -> None:
    client = client_for(make_user("admin", la))
    client.post(url("dashboard-upload-new"), form_data(full_history="on"))
    assert Upload.objects.get().window_start is None


def test_upload_to_a_chosen_authority(make_user, la) -> None:
    second = LocalAuthority.objects.create(code="997", name="Second Shire")
    client = client_for(make_user("data_staff", la, second))
    client.post(url("dashboard-upload-new"), form_data(la=second.pk))
    assert Upload.objects.get().la == second


def test_upload_of_the_same_files_again_is_a_duplicate(make_user, la) -> None:
    client = client_for(make_user("data_staff", la))
    client.post(url("dashboard-upload-new"), form_data())
    Upload.objects.update(status=Upload.Status.LOADED)
    response = client.post(url("dashboard-upload-new"), form_data(), follow=True)
    first, again = Upload.objects.order_by("pk")
    assert again.status == Upload.Status.DUPLICATE
    assert (
        f"These files were already uploaded on {localtime(first.created_at):%-d %B %Y} "
        f"(upload #{first.pk}); nothing was loaded again."
    ) in page_words(response)


@pytest.mark.parametrize("status", ["queued", "processing", "failed", "awaiting"])
def test_the_same_files_again_are_no_duplicate_of_an_upload_that_has_not_loaded(
    make_user, la, status
) -> None:
    # An upload stranded by a dead worker, or still in the queue, may never load: sending the
    # files again must not be refused as "already uploaded".
    client = client_for(make_user("data_staff", la))
    client.post(url("dashboard-upload-new"), form_data())
    Upload.objects.update(status=status)
    response = client.post(url("dashboard-upload-new"), form_data(), follow=True)
    first, again = Upload.objects.order_by("pk")
    assert again.status == Upload.Status.QUEUED
    assert "already uploaded" not in page_words(response)


def test_upload_of_a_correct_extract_loads_and_says_so(
    make_user, la, django_capture_on_commit_callbacks
) -> None:
    raw = extract_files([child("A1")], [episode("A1", "01/09/2025")])
    files = [SimpleUploadedFile(name, content) for name, content in raw]
    client = client_for(make_user("data_staff", la))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url("dashboard-upload-new"), form_data(files=files))
    checked = client.get(response["Location"])
    assert "Awaiting confirmation" in page_text(checked)
    page = press_load_it(client, checked, django_capture_on_commit_callbacks).text
    upload = Upload.objects.get()
    assert upload.status == Upload.Status.LOADED, upload.failure
    assert "Loaded 1 child and 1 episode" in page


def test_upload_with_duplicated_rows_among_others_lists_each_row(
    make_user, la, django_capture_on_commit_callbacks
) -> None:
    raw = extract_files(
        [child("A1"), child("B2"), child("A1", SEX="2")],
        [
            episode("A1", "01/05/2025"),
            episode("B2", "01/05/2025"),
            episode("B2", "01/05/2025", PLACE="U5"),
        ],
    )
    client = client_for(make_user("data_staff", la))
    page = post_extract(client, django_capture_on_commit_callbacks, raw)
    assert Upload.objects.get().status == Upload.Status.REJECTED
    words = spaced_page_text(page)
    assert "internal error" not in words
    assert "Rejected: 4 errors." in words
    for file, row, child_id, column, message in [
        ("header.csv", 2, "A1", "CHILD", "This CHILD appears twice in the Header table"),
        ("header.csv", 4, "A1", "CHILD", "This CHILD appears twice in the Header table"),
        ("episodes.csv", 3, "B2", "DECOM", "This child has two different episodes"),
        ("episodes.csv", 4, "B2", "DECOM", "This child has two different episodes"),
    ]:
        assert f"Error {file} {row} {child_id} {column}" in words
        assert message in words
    assert not Episode.objects.exists() and not Child.objects.exists()


def test_upload_with_other_903_tables_loads_and_names_them_ignored(
    make_user, la, django_capture_on_commit_callbacks
) -> None:
    raw = extract_files([child("A1")], [episode("A1", "01/09/2025")])
    raw.append(("dolo.csv", b"CHILD,DOB,DOLO_START,DOLO_END\r\nA1,01/06/2012,01/06/2025,\r\n"))
    client = client_for(make_user("data_staff", la))
    checked = post_extract(client, django_capture_on_commit_callbacks, raw)
    page = press_load_it(client, checked, django_capture_on_commit_callbacks)
    assert Upload.objects.get().status == Upload.Status.LOADED
    words = spaced_page_text(page)
    assert "Loaded 1 child and 1 episode" in words
    assert (
        "Other 903 tables recognised and ignored (no figure uses them): DoLo in dolo.csv." in words
    )
    assert "DoLo (ignored)" in words


def test_detail_says_when_no_table_was_recognised_in_a_file(make_user, la) -> None:
    upload = UploadFactory(la=la, status=Upload.Status.REJECTED, errors_count=1)
    upload_file(upload, name="notes.csv")
    words = spaced_page_text(
        client_for(make_user("officers", la)).get(url("dashboard-upload-detail", upload))
    )
    assert "notes.csv" in words and "No 903 table recognised" in words
    assert "None" not in words


@pytest.mark.parametrize(
    ("status", "text"),
    [
        (Upload.Status.PROCESSING, "Not read yet"),
        (Upload.Status.DUPLICATE, "Not read again: already uploaded"),
        (Upload.Status.FAILED, "Not known: processing stopped"),
    ],
)
def test_detail_says_why_a_files_tables_are_not_known(make_user, la, status, text) -> None:
    upload = UploadFactory(la=la, status=status)
    upload_file(upload)
    words = spaced_page_text(
        client_for(make_user("officers", la)).get(url("dashboard-upload-detail", upload))
    )
    assert text in words and "None" not in words


def test_rejected_upload_does_not_say_its_warnings_were_loaded(
    make_user, la, django_capture_on_commit_callbacks
) -> None:
    raw = extract_files(
        [child("A1", DOB="01/06/2008"), child("B2")],
        [
            # H5 was withdrawn after 31 March 2025; this episode began before and is still open.
            episode("A1", "01/03/2025", PLACE="H5", PLACE_PROVIDER="PR4"),
            episode("B2", "01/05/2025", LS="Q9"),
        ],
    )
    client = client_for(make_user("data_staff", la))
    page = post_extract(client, django_capture_on_commit_callbacks, raw)
    assert Upload.objects.get().status == Upload.Status.REJECTED
    words = page_text(page)
    assert "Rejected: 1 error." in words
    assert (
        "H5 was withdrawn after 31/03/2025, but this episode began before then and was still "
        "open after it: a warning, not an error."
    ) in words
    assert "loaded as it is" not in words
    assert (
        "Nothing of this upload was loaded: its warnings say what will happen to those rows "
        "once the errors are put right."
    ) in words


def test_problems_are_listed_by_file_then_row_on_the_page_and_in_the_csv(
    make_user, la, django_capture_on_commit_callbacks
) -> None:
    raw = extract_files(
        [child("A1"), child("B2", DOB="31/02/2012")],
        [
            episode("A1", "01/05/2025", LS="Q9"),
            episode("B2", "1/5/25"),
            episode("A1", "01/06/2025", LS="Q8", RNE="P", PLACE="U5"),
        ],
    )
    client = client_for(make_user("data_staff", la))
    page = post_extract(client, django_capture_on_commit_callbacks, raw)
    upload = Upload.objects.get()
    words = spaced_page_text(page)
    places = [
        "header.csv 3 B2 DOB",
        "episodes.csv 2 A1 LS",
        "episodes.csv 3 B2 DECOM",
        "episodes.csv 4 A1 LS",
    ]
    positions = [words.index(f"Error {place}") for place in places]
    assert positions == sorted(positions)
    download = client.get(url("dashboard-upload-problems-csv", upload)).content.decode()
    rows = list(csv.reader(io.StringIO(download)))[1:]
    assert [" ".join(row[1:5]) for row in rows if row[0] == "error"] == places


def test_loaded_upload_has_no_note_about_rejected_warnings(make_user, la) -> None:
    upload = UploadFactory(la=la, status=Upload.Status.LOADED, warnings_count=1)
    UploadProblem.objects.create(upload=upload, severity="warning", message="Odd.")
    words = page_text(
        client_for(make_user("officers", la)).get(url("dashboard-upload-detail", upload))
    )
    assert "Odd." in words and "Nothing of this upload was loaded" not in words


# --- Detail ----------------------------------------------------------------------------------


def test_detail_while_processing_shows_progress_that_polls(make_user, la) -> None:
    upload = UploadFactory(
        la=la, status=Upload.Status.PROCESSING, stage=Upload.Stage.VALIDATING, progress=45
    )
    text = client_for(make_user("officers", la)).get(url("dashboard-upload-detail", upload)).text
    assert "Checking rows" in text
    assert '<progress id="upload-progress-bar" max="100" value="45">45%</progress>' in text
    assert 'aria-live="polite"' in text
    assert url("dashboard-upload-status", upload) in text
    assert "js/upload_status.js" in text
    assert '<noscript><meta http-equiv="refresh"' in text
    assert "Download problems as CSV" not in text


def test_detail_of_a_loaded_upload_says_what_was_loaded(make_user, la) -> None:
    upload = UploadFactory(
        la=la,
        status=Upload.Status.LOADED,
        children_count=1234,
        rows_count=2345,
        rows_added=120,
        rows_updated=30,
        rows_removed=4,
        warnings_count=5,
    )
    upload_file(upload)
    UploadProblem.objects.create(
        upload=upload, severity="warning", file="episodes.csv", row=7, message="Odd."
    )
    text = client_for(make_user("officers", la)).get(url("dashboard-upload-detail", upload)).text
    assert (
        "Loaded 1,234 children and 2,345 episodes (120 added, 30 updated, 4 removed) "
        "with 5 warnings." in text
    )
    assert "1 April 2025 to 31 October 2025" in text
    assert "episodes.csv" in text and "ab" * 32 in text
    assert "Download problems as CSV" in text
    assert "<progress" not in text and "noscript" not in text


def test_detail_of_a_rejected_upload_lists_errors_first(make_user, la) -> None:
    upload = UploadFactory(la=la, status=Upload.Status.REJECTED, errors_count=1, warnings_count=1)
    UploadProblem.objects.create(upload=upload, severity="warning", message="A warning.")
    UploadProblem.objects.create(
        upload=upload,
        severity="error",
        file="episodes.csv",
        row=3,
        child_id="A1",
        column="DECOM",
        value="1/6/24",
        message="DECOM is not a date.",
    )
    text = client_for(make_user("officers", la)).get(url("dashboard-upload-detail", upload)).text
    assert "Rejected: 1 error. Nothing was changed; the stored history is as it was." in text
    assert text.index("DECOM is not a date.") < text.index("A warning.")
    assert "1/6/24" in text
    assert '<th scope="col"' in text and "<caption>" in text


def test_detail_of_a_failed_upload_shows_why(make_user, la) -> None:
    upload = UploadFactory(la=la, status=Upload.Status.FAILED, failure="The files were empty.")
    text = client_for(make_user("officers", la)).get(url("dashboard-upload-detail", upload)).text
    assert "The files were empty." in text
    assert "Failed" in text


def test_detail_of_a_duplicate_names_the_original(make_user, la) -> None:
    original = UploadFactory(la=la, status=Upload.Status.LOADED)
    Upload.objects.filter(pk=original.pk).update(
        created_at=dt.datetime(2026, 11, 23, 14, 5, tzinfo=dt.UTC)
    )
    duplicate = UploadFactory(la=la, status=Upload.Status.DUPLICATE, duplicate_of=original)
    response = client_for(make_user("officers", la)).get(url("dashboard-upload-detail", duplicate))
    assert "Already loaded" in page_words(response)
    assert (
        f"These files were already uploaded on 23 November 2026 (upload #{original.pk}); "
        "nothing was loaded again."
    ) in page_words(response)
    assert url("dashboard-upload-detail", original) in response.text


def test_detail_paginates_many_problems(make_user, la) -> None:
    upload = UploadFactory(la=la, status=Upload.Status.REJECTED, errors_count=250)
    UploadProblem.objects.bulk_create(
        UploadProblem(upload=upload, severity="error", row=n, message=f"Problem {n}.")
        for n in range(250)
    )
    client = client_for(make_user("officers", la))
    first = client.get(url("dashboard-upload-detail", upload)).text
    assert "Problem 99." in first and "Problem 100." not in first
    assert "page 1 of 3" in first
    last = client.get(url("dashboard-upload-detail", upload), {"page": 3}).text
    assert "Problem 249." in last and "Problem 0." not in last


# --- Status JSON and problems CSV ------------------------------------------------------------


def test_status_json_reports_stage_and_progress(make_user, la) -> None:
    upload = UploadFactory(
        la=la, status=Upload.Status.PROCESSING, stage=Upload.Stage.STITCHING, progress=60
    )
    response = client_for(make_user("officers", la)).get(url("dashboard-upload-status", upload))
    assert response.json() == {
        "status": "processing",
        "status_label": "Processing",
        "stage": "stitching",
        "stage_label": "Stitching onto the stored history",
        "progress": 60,
        "finished": False,
    }
    assert response["Cache-Control"] == "no-store"


def test_status_json_of_a_finished_upload_says_finished(make_user, la) -> None:
    upload = UploadFactory(la=la, status=Upload.Status.LOADED, stage="done", progress=100)
    data = client_for(make_user("officers", la)).get(url("dashboard-upload-status", upload)).json()
    assert data["finished"] is True
    assert data["status_label"] == "Loaded"


def test_problems_csv_neutralises_formulas(make_user, la) -> None:
    upload = UploadFactory(la=la, status=Upload.Status.REJECTED)
    UploadProblem.objects.create(upload=upload, severity="warning", message="Later.")
    UploadProblem.objects.create(
        upload=upload,
        severity="error",
        file="episodes.csv",
        row=4,
        child_id="A1",
        column="PL_POST",
        value="=1+1",
        message="PL_POST is not a postcode.",
    )
    response = client_for(make_user("officers", la)).get(
        url("dashboard-upload-problems-csv", upload)
    )
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert (
        response["Content-Disposition"] == f'attachment; filename="upload-{upload.pk}-problems.csv"'
    )
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows == [
        ["severity", "file", "row", "child", "column", "value", "message"],
        ["error", "episodes.csv", "4", "A1", "PL_POST", "'=1+1", "PL_POST is not a postcode."],
        ["warning", "", "", "", "", "", "Later."],
    ]


# --- Home ------------------------------------------------------------------------------------


def test_uploads_page_says_what_is_stored_for_each_authority(make_user, la, other_la) -> None:
    child = Child.objects.create(
        la=la, child_id="A1", sex="1", dob=dt.date(2012, 6, 1), ethnic="WBRI"
    )
    for month in (5, 7):
        Episode.objects.create(
            la=la, child=child, decom=dt.date(2025, month, 1), rne="S", ls="C2", cin="N1",
            place="U4",
        )  # fmt: skip
    UploadFactory(la=la, status=Upload.Status.LOADED, applied_seq=1, as_at=dt.date(2025, 3, 31))
    UploadFactory(la=la, status=Upload.Status.REJECTED, as_at=dt.date(2025, 9, 30))
    response = client_for(make_user("officers", la)).get(url("dashboard-uploads"))
    text = " ".join(response.text.split())
    assert la.name in text and other_la.name not in text
    assert (
        "Stored now: 1 child and 2 episodes, from the latest loaded extract as at 31 March 2025."
        in text
    )


# --- Admin -----------------------------------------------------------------------------------


def test_admin_upload_page_is_read_only_and_never_shows_raw_content(make_user, la) -> None:
    upload = UploadFactory(la=la)
    upload_file(upload, content=b"CHILD\r\nSECRET-ROW\r\n")
    client = client_for(make_user(None, la, is_superuser=True, is_staff=True))
    response = client.get(reverse("admin:placements_upload_change", args=[upload.pk]))
    assert response.status_code == 200
    assert "episodes.csv" in response.text
    assert "SECRET-ROW" not in response.text
    assert client.get(reverse("admin:placements_upload_add")).status_code == 403


def test_role_groups_exist_after_migrating(db: None) -> None:
    from django.contrib.auth.models import Group

    from dashboard.access import ROLES

    assert set(Group.objects.filter(name__in=ROLES).values_list("name", flat=True)) == set(ROLES)


def test_home_queries_do_not_grow_with_authorities(make_user, la) -> None:
    user = make_user("officers", la)
    client = client_for(user)
    client.get(url("dashboard-index"))  # warm the session
    # Both views worked out afresh: the new authorities change the page cache's key.
    cache.clear()
    with CaptureQueriesContext(connection) as one:
        client.get(url("dashboard-index"))
    for n in range(4):
        LocalAuthority.objects.create(code=f"90{n}", name=f"Extra {n}").users.add(user)
    cache.clear()
    with CaptureQueriesContext(connection) as five:
        client.get(url("dashboard-index"))
    assert len(five) == len(one)
