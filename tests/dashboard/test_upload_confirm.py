"""A 903 upload from the form waits, checked, with its preview until data staff load it or
cancel it (docs/uploads.md#previewing-an-upload)."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.http import HttpResponse
from django.test import Client
from django.urls import reverse

from placements.checks import MSG_CHECKS_NOT_CONFIRMED, MSG_CHILDREN_UNKNOWN
from placements.models import Episode, LocalAuthority, Upload
from placements.ssda903.readers import RawFile
from placements.uploads import MSG_HISTORY_CHANGED, import_extract
from sufficiency.services import recompute_indicators
from tests.extracts import CORRECTED, STORED, child, episode, extract_files
from tests.helpers import client_for, page_text, press_load_it, spaced_page_text

pytestmark = pytest.mark.django_db

STORED_ROWS = [
    ("A1", dt.date(2024, 1, 10), "U4"),
    ("B2", dt.date(2024, 4, 1), "U4"),
    ("C3", dt.date(2024, 4, 15), "U4"),
    ("D4", dt.date(2024, 5, 1), "U4"),
]


@pytest.fixture
def stored_la(la: LocalAuthority) -> LocalAuthority:
    """An authority whose history is STORED (loaded as a full history as at 31 May 2024),
    with every indicator worked out."""
    upload = import_extract(
        la=la, user=None, as_at=dt.date(2024, 5, 31), window_start=None,
        files=[RawFile(name, content) for name, content in STORED],
    )  # fmt: skip
    assert upload.status == Upload.Status.LOADED, upload.failure
    recompute_indicators(la_id=la.pk, trigger="command")
    return la


def history(la: LocalAuthority) -> list[tuple[str, dt.date, str]]:
    return list(
        Episode.objects.filter(la=la)
        .order_by("child__child_id", "decom")
        .values_list("child__child_id", "decom", "place")
    )


def upload_through_form(
    client: Client, capture: Any, files: list[tuple[str, bytes]], as_at: str = "2024-05-31"
) -> HttpResponse:
    with capture(execute=True):
        response = client.post(
            reverse("dashboard-upload-new"),
            {
                "as_at": as_at,
                "window_start": "2024-04-01",
                "files": [SimpleUploadedFile(name, content) for name, content in files],
            },
        )
    assert response.status_code == 302, response.content.decode()
    return client.get(response["Location"])


def test_upload_that_removes_episodes_is_previewed_then_loads_with_a_reason(
    make_user, stored_la, django_capture_on_commit_callbacks
):
    client = client_for(make_user("data_staff", stored_la))
    page = upload_through_form(client, django_capture_on_commit_callbacks, CORRECTED)

    words = spaced_page_text(page)
    assert "Awaiting confirmation" in words
    assert "Episodes added 1 Episodes changed 1 Episodes removed 2" in words
    # At 31 May 2024: A, B, C and D looked after; once loaded A, B and E. At 31 March, A alone,
    # who has been in a children's home since January once loaded.
    assert "Children looked after 4 → 3 1 → 1" in words
    assert "Children in children's homes 0 → 1 0 → 1" in words
    assert (
        "Month ends already reported that would change: 31 January 2024, 29 February 2024, "
        "31 March 2024, 30 April 2024, 31 May 2024." in words
    )
    assert (
        "This is a large change: it removes 2 of the 3 stored episodes in its window; it "
        "changes figures at month ends before the latest. Loading it needs a reason." in words
    )
    assert "Load it" in words and "Cancel" in words
    assert history(stored_la) == STORED_ROWS

    refused = press_load_it(client, page, django_capture_on_commit_callbacks)
    assert refused.status_code == 200
    assert "This is a large change (it removes 2 of the 3 stored episodes" in page_text(refused)
    assert Upload.objects.latest("id").status == Upload.Status.AWAITING
    assert history(stored_la) == STORED_ROWS

    loaded = press_load_it(
        client, refused, django_capture_on_commit_callbacks, reason="Duplicates deleted in Mosaic"
    )
    upload = Upload.objects.latest("id")
    assert upload.status == Upload.Status.LOADED
    assert upload.change_reason == "Duplicates deleted in Mosaic"
    assert history(stored_la) == [
        ("A1", dt.date(2024, 1, 10), "K2"),
        ("B2", dt.date(2024, 4, 1), "U4"),
        ("E5", dt.date(2024, 5, 10), "U4"),
    ]
    words = page_text(loaded)
    assert "Loaded 3 children and 3 episodes (1 added, 1 updated, 2 removed)" in words
    assert "Reason given: Duplicates deleted in Mosaic" in words


def test_cancelled_upload_changes_nothing_and_can_be_uploaded_again(
    make_user, stored_la, django_capture_on_commit_callbacks
):
    client = client_for(make_user("data_staff", stored_la))
    page = upload_through_form(client, django_capture_on_commit_callbacks, CORRECTED)
    upload = Upload.objects.latest("id")

    response = client.post(reverse("dashboard-upload-cancel", args=[upload.pk]))

    upload.refresh_from_db()
    assert upload.status == Upload.Status.CANCELLED
    assert history(stored_la) == STORED_ROWS
    shown = page_text(client.get(response["Location"]))
    assert "Cancelled: nothing of this upload was loaded" in shown
    assert "Load it" not in shown
    again = upload_through_form(client, django_capture_on_commit_callbacks, CORRECTED)
    assert "Awaiting confirmation" in page_text(again)
    assert page.status_code == 200


def test_small_upload_loads_without_a_reason(
    make_user, stored_la, django_capture_on_commit_callbacks
):
    # June's extract: the same four children, and F from 10 June; no month reported changes.
    june = extract_files(
        [child("A1"), child("B2"), child("C3"), child("D4"), child("F6")],
        [
            episode("A1", "10/01/2024"),
            episode("B2", "01/04/2024"),
            episode("C3", "15/04/2024"),
            episode("D4", "01/05/2024"),
            episode("F6", "10/06/2024"),
        ],
    )
    client = client_for(make_user("data_staff", stored_la))
    page = upload_through_form(client, django_capture_on_commit_callbacks, june, "2024-06-30")
    words = spaced_page_text(page)
    assert "Episodes added 1 Episodes changed 0 Episodes removed 0" in words
    assert "Children looked after Not available → 5 1 → 1" in words
    assert "No month end already reported would change." in words
    assert "large change" not in words

    press_load_it(client, page, django_capture_on_commit_callbacks)

    assert Upload.objects.latest("id").status == Upload.Status.LOADED
    assert len(history(stored_la)) == 5


def test_preview_is_worked_out_again_when_the_history_changed_since(
    make_user, stored_la, django_capture_on_commit_callbacks
):
    client = client_for(make_user("data_staff", stored_la))
    adds_e = extract_files(
        [child("A1"), child("B2"), child("C3"), child("D4"), child("E5")],
        [*(episode(c, d.strftime("%d/%m/%Y")) for c, d, _ in STORED_ROWS),
         episode("E5", "10/05/2024")],
    )  # fmt: skip
    page = upload_through_form(client, django_capture_on_commit_callbacks, adds_e)
    assert "Episodes added 1" in spaced_page_text(page)
    # Meanwhile the command loads E's episode.
    import_extract(
        la=stored_la, user=None, as_at=dt.date(2024, 5, 31), window_start=dt.date(2024, 4, 1),
        files=[RawFile(name, content + b"\r\n") for name, content in adds_e],
    )  # fmt: skip
    before = history(stored_la)

    again = press_load_it(client, page, django_capture_on_commit_callbacks)

    assert MSG_HISTORY_CHANGED in page_text(again)
    assert "Episodes added 0" in spaced_page_text(again)
    assert Upload.objects.get(pk=Upload.objects.order_by("id")[1].pk).status == (
        Upload.Status.AWAITING
    )
    assert history(stored_la) == before


def test_officers_cannot_load_or_cancel(make_user, stored_la, django_capture_on_commit_callbacks):
    staff = client_for(make_user("data_staff", stored_la))
    upload_through_form(staff, django_capture_on_commit_callbacks, CORRECTED)
    upload = Upload.objects.latest("id")
    officer = client_for(make_user("officers", stored_la))

    page = officer.get(reverse("dashboard-upload-detail", args=[upload.pk]))
    assert "Episodes removed 2" in spaced_page_text(page) and "Load it" not in page_text(page)
    token = upload.__class__.objects.get(pk=upload.pk).preview["history_token"]
    for name, data in (("dashboard-upload-confirm", {"history_token": token, "reason": "x"}),
                       ("dashboard-upload-cancel", {})):  # fmt: skip
        assert officer.post(reverse(name, args=[upload.pk]), data).status_code == 403
    assert Upload.objects.get(pk=upload.pk).status == Upload.Status.AWAITING
    assert history(stored_la) == STORED_ROWS


def test_preview_is_worked_out_by_the_task_once_checked(
    make_user, stored_la, django_capture_on_commit_callbacks
):
    client = client_for(make_user("data_staff", stored_la))
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("dashboard-upload-new"),
            {
                "as_at": "2024-05-31",
                "window_start": "2024-04-01",
                "files": [SimpleUploadedFile(name, content) for name, content in CORRECTED],
            },
        )
    # Before anyone opens the page: kept by the task that followed the checks.
    upload = Upload.objects.latest("id")
    assert upload.status == Upload.Status.AWAITING
    assert upload.preview is not None and upload.preview["episodes_removed"] == 2

    out = io.StringIO()
    call_command("preview_upload", str(upload.pk), stdout=out)
    assert out.getvalue().splitlines()[:5] == [
        "episodes_added: 1",
        "episodes_changed: 1",
        "episodes_removed: 2",
        "cla_count_before: 4",
        "cla_count_after: 3",
    ]


def test_internal_error_while_loading_a_confirmed_upload_fails_it_and_changes_nothing(
    make_user, stored_la, django_capture_on_commit_callbacks, monkeypatch
):
    client = client_for(make_user("data_staff", stored_la))
    page = upload_through_form(client, django_capture_on_commit_callbacks, CORRECTED)

    def broken(**kwargs: object) -> None:
        raise KeyError("a row's contents")

    monkeypatch.setattr("placements.uploads.write_history", broken)
    shown = press_load_it(client, page, django_capture_on_commit_callbacks, reason="Corrected")

    assert Upload.objects.latest("id").status == Upload.Status.FAILED
    assert "Processing stopped unexpectedly" in page_text(shown) and "(KeyError)" in page_text(
        shown
    )
    assert "internal error" not in page_text(shown)
    assert "a row's contents" not in page_text(shown)
    assert history(stored_la) == STORED_ROWS


def test_another_authoritys_extract_loads_only_once_its_warning_is_ticked(
    make_user, stored_la, django_capture_on_commit_callbacks
):
    foreign = extract_files(
        [child(i) for i in ("X1", "X2", "X3")],
        [episode(i, "01/05/2024") for i in ("X1", "X2", "X3")],
    )
    client = client_for(make_user("data_staff", stored_la))
    page = upload_through_form(client, django_capture_on_commit_callbacks, foreign)
    sentence = MSG_CHILDREN_UNKNOWN.format(unknown=3, total=3, share=100, la=stored_la.name)
    assert sentence in page_text(page)
    assert "I have checked the warnings above" in page_text(page)

    refused = press_load_it(client, page, django_capture_on_commit_callbacks, reason="Ours")
    assert MSG_CHECKS_NOT_CONFIRMED in page_text(refused)
    assert Upload.objects.latest("id").status == Upload.Status.AWAITING
    assert history(stored_la) == STORED_ROWS

    no_reason = press_load_it(client, refused, django_capture_on_commit_callbacks, checked=True)
    assert "it has warnings to check" in page_text(no_reason)
    assert history(stored_la) == STORED_ROWS

    press_load_it(
        client, no_reason, django_capture_on_commit_callbacks, reason="Merged authority",
        checked=True,
    )  # fmt: skip
    assert Upload.objects.latest("id").status == Upload.Status.LOADED


def test_fresh_extract_of_known_children_shows_no_warning(
    make_user, stored_la, django_capture_on_commit_callbacks
):
    client = client_for(make_user("data_staff", stored_la))
    page = upload_through_form(client, django_capture_on_commit_callbacks, CORRECTED)
    assert "Check before loading" not in page_text(page)
    assert "I have checked the warnings above" not in page_text(page)
