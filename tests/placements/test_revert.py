"""Undoing the latest upload: the history goes back exactly as it was, recorded and recomputed.

The case: the 2023-24 extract loads three children; a mistaken extract for the same window
then holds only one of them, so the stitch removes the others' episodes in the window and
children looked after at 31 March 2024 fall from 3 to 1. Undoing it brings back the stored
episodes and children exactly, and the figure of 3.
"""

from __future__ import annotations

import io

import pandas as pd
import pytest
from django.core.management import CommandError, call_command

from placements.models import LocalAuthority, Population, Upload
from placements.stored import stored_children_frame, stored_episodes_frame
from sufficiency.models import IndicatorValue
from tests.extracts import child, episode, extract_files
from tests.helpers import client_for, page_words, run_import_903

pytestmark = pytest.mark.django_db

FULL = extract_files(
    [child("A1"), child("B2", SEX="2"), child("C3")],
    [
        episode("A1", "10/05/2023", DEC="01/09/2023", REC="X1"),
        episode("A1", "01/09/2023", RNE="P", PLACE="U5", REASON_PLACE_CHANGE="CARPL"),
        episode("B2", "15/06/2023", PLACE="K2", PLACE_PROVIDER="PR4", URN="SC123456"),
        episode("C3", "20/07/2023"),
    ],
)
SMALLER = extract_files([child("A1")], [episode("A1", "10/05/2023")])


@pytest.fixture
def la(db: None) -> LocalAuthority:
    la = LocalAuthority.objects.create(code="994", name="Undoford", districts=["E09000028"])
    Population.objects.create(la=la, year=2023, count=50_000)
    return la


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    return lambda: django_capture_on_commit_callbacks(execute=True)


def _history(la: LocalAuthority) -> tuple[pd.DataFrame, pd.DataFrame]:
    # Row ids are storage, not history: a replay writes new rows with the same contents.
    drop = ["id", "upload_id"]
    episodes = stored_episodes_frame(la_id=la.pk).drop(columns=drop, errors="ignore")
    children = stored_children_frame(la_id=la.pk).drop(columns=drop, errors="ignore")
    return (
        episodes.sort_values(["child_id", "decom"]).reset_index(drop=True),
        children.sort_values("child_id").reset_index(drop=True),
    )


def _looked_after(la: LocalAuthority) -> int:
    return IndicatorValue.objects.get(
        la=la, indicator="cla_count", period_end="2024-03-31"
    ).numerator


def _load(tmp_path, la, files, committed) -> None:
    with committed():
        run_import_903(tmp_path, la, files, "--as-at", "2024-03-31")


def test_undoing_a_mistaken_upload_puts_the_history_and_figures_back(la, tmp_path, committed):
    _load(tmp_path, la, FULL, committed)
    before = _history(la)
    assert _looked_after(la) == 3
    _load(tmp_path, la, SMALLER, committed)
    assert _looked_after(la) == 1
    assert len(_history(la)[0]) == 1

    out = io.StringIO()
    with committed():
        call_command("revert_upload", "--la", la.code, "--reason", "wrong file", stdout=out)

    mistaken = Upload.objects.order_by("pk").last()
    assert mistaken is not None and mistaken.status == Upload.Status.REVERTED
    assert mistaken.revert_reason == "wrong file" and mistaken.reverted_at is not None
    assert out.getvalue().startswith(f"Undid upload {mistaken.pk} (as at 31/03/2024) for Undoford")
    after = _history(la)
    pd.testing.assert_frame_equal(after[0], before[0])
    pd.testing.assert_frame_equal(after[1], before[1])
    assert _looked_after(la) == 3


def test_undoing_every_upload_empties_the_history_then_refuses(la, tmp_path, committed):
    _load(tmp_path, la, FULL, committed)
    with committed():
        call_command("revert_upload", "--la", la.code, stdout=io.StringIO())
    assert _history(la)[0].empty and _history(la)[1].empty
    assert la.history_from() is None
    with pytest.raises(CommandError) as refused:
        call_command("revert_upload", "--la", la.code, stdout=io.StringIO())
    assert str(refused.value) == "Undoford has no loaded 903 upload to undo."


def test_an_undone_upload_can_be_loaded_again(la, tmp_path, committed):
    _load(tmp_path, la, FULL, committed)
    _load(tmp_path, la, SMALLER, committed)
    with committed():
        call_command("revert_upload", "--la", la.code, stdout=io.StringIO())
    _load(tmp_path, la, SMALLER, committed)
    latest = Upload.objects.order_by("pk").last()
    assert latest is not None and latest.status == Upload.Status.LOADED
    assert _looked_after(la) == 1


def test_data_staff_undo_the_latest_upload_from_its_page(la, tmp_path, committed, make_user):
    _load(tmp_path, la, FULL, committed)
    _load(tmp_path, la, SMALLER, committed)
    first, mistaken = Upload.objects.order_by("pk")
    staff = client_for(make_user("data_staff", la))
    assert "Undo this upload" in page_words(staff.get(f"/uploads/{mistaken.pk}/"))
    assert "Undo this upload" not in page_words(staff.get(f"/uploads/{first.pk}/"))
    assert staff.get(f"/uploads/{first.pk}/undo/").status_code == 404

    asked = staff.post(f"/uploads/{mistaken.pk}/undo/", {"reason": ""})
    assert asked.status_code == 200 and "This field is required" in page_words(asked)
    assert Upload.objects.get(pk=mistaken.pk).status == Upload.Status.LOADED

    with committed():
        done = staff.post(f"/uploads/{mistaken.pk}/undo/", {"reason": "the wrong year"})
    assert done.status_code == 302
    page = page_words(staff.get(f"/uploads/{mistaken.pk}/"))
    assert "Undone: the history is back as it was before it." in page
    assert "(the wrong year)" in page
    assert _looked_after(la) == 3


def test_officers_cannot_undo_uploads(la, tmp_path, committed, make_user):
    _load(tmp_path, la, FULL, committed)
    upload = Upload.objects.get(la=la)
    officer = client_for(make_user("officers", la))
    assert officer.post(f"/uploads/{upload.pk}/undo/", {"reason": "x"}).status_code == 403
    assert Upload.objects.get(pk=upload.pk).status == Upload.Status.LOADED
