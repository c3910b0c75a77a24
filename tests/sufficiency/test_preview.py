"""Previewing a 903 upload: what it would add, change and remove, and the figures before and
after, worked out without writing (sufficiency/preview.py), and `import_903 --dry-run`."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest
from django.core.management import call_command

from placements.models import Child, Episode, LocalAuthority, Upload, UploadFile, UploadProblem
from placements.ssda903.readers import RawFile
from placements.uploads import validate_903_files
from sufficiency.models import Computation, IndicatorValue
from sufficiency.preview import large_change_reasons, preview_extract
from sufficiency.revisions import issue_report
from sufficiency.services import recompute_indicators
from tests.extracts import CORRECTED, STORED, child, episode, extract_files

pytestmark = pytest.mark.django_db

MAY = dt.date(2024, 5, 31)
APRIL = dt.date(2024, 4, 30)
MARCH = dt.date(2024, 3, 31)


@pytest.fixture
def la() -> LocalAuthority:
    return LocalAuthority.objects.create(code="997", name="Previewshire", districts=["E09000028"])


def write(tmp_path: Path, files: list[tuple[str, bytes]], folder: str) -> list[str]:
    out = tmp_path / folder
    out.mkdir()
    for name, content in files:
        (out / name).write_bytes(content)
    return [str(out / name) for name, _ in files]


def run(*args: str) -> tuple[int, str, str]:
    stdout, stderr = io.StringIO(), io.StringIO()
    try:
        call_command("import_903", *args, stdout=stdout, stderr=stderr)
        code = 0
    except SystemExit as exit_:
        code = int(exit_.code or 0)
    return code, stdout.getvalue(), stderr.getvalue()


def load_stored(la: LocalAuthority, tmp_path: Path) -> None:
    code, _, err = run("--la", la.code, "--as-at", "2024-05-31", "--full-history",
                       *write(tmp_path, STORED, "stored"))  # fmt: skip
    assert code == 0, err
    recompute_indicators(la_id=la.pk, trigger="command")


def database(la: LocalAuthority) -> dict[str, object]:
    """Everything an upload could change, as rows."""
    return {
        "uploads": list(Upload.objects.values_list("id", "status", "applied_seq")),
        "files": UploadFile.objects.count(),
        "problems": UploadProblem.objects.count(),
        "children": list(Child.objects.filter(la=la).values_list("child_id", "sex", "dob")),
        "episodes": list(Episode.objects.filter(la=la).order_by("id").values_list(
            "id", "child__child_id", "decom", "place", "dec", "distance")),
        "values": list(IndicatorValue.objects.order_by("id").values_list(
            "id", "indicator", "period_end", "value")),
        "computations": Computation.objects.count(),
    }  # fmt: skip


def test_preview_of_an_upload_that_removes_episodes_counts_them(la, tmp_path):
    load_stored(la, tmp_path)
    files = [RawFile(name, content) for name, content in CORRECTED]
    extract, _ = validate_903_files(files, la_id=la.pk, as_at=MAY)
    preview = preview_extract(la=la, extract=extract, as_at=MAY, window_start=dt.date(2024, 4, 1))

    assert (preview.episodes_added, preview.episodes_changed, preview.episodes_removed) == (1, 1, 2)
    # B, C and D started in the window; two of the three go.
    assert preview.episodes_in_window == 3 and preview.removes_many
    assert (preview.latest_month, preview.latest_march) == (MAY, MARCH)
    looked_after = preview.figure("cla_count", MAY)
    assert (looked_after.before, looked_after.after) == (4, 3)  # A B C D; then A B E
    in_march = preview.figure("cla_count", MARCH)
    assert (in_march.before, in_march.after) == (1, 1)  # A alone
    homes = preview.figure("residential_count", MARCH)
    assert (homes.before, homes.after) == (0, 1)  # A, now in a children's home since January
    # A's children's home changes every month end from January; C and D's going, April and May.
    assert preview.months_changed == [
        dt.date(2024, 1, 31), dt.date(2024, 2, 29), MARCH, APRIL, MAY,
    ]  # fmt: skip
    assert preview.changes_earlier_months and preview.is_large


def test_dry_run_prints_the_preview_and_keeps_nothing(la, tmp_path):
    load_stored(la, tmp_path)
    before = database(la)

    code, out, err = run("--la", la.code, "--as-at", "2024-05-31", "--dry-run",
                         *write(tmp_path, CORRECTED, "corrected"))  # fmt: skip

    assert code == 0, err
    lines = out.splitlines()
    assert lines[:5] == [
        "episodes_added: 1",
        "episodes_changed: 1",
        "episodes_removed: 2",
        "cla_count_before: 4",
        "cla_count_after: 3",
    ]
    assert "residential_count_before: 0" in lines and "residential_count_after: 1" in lines
    assert "residential_count_31_march_after: 1" in lines
    assert "months_changed: 2024-01-31,2024-02-29,2024-03-31,2024-04-30,2024-05-31" in lines
    assert "large_change: yes" in lines
    assert database(la) == before


def test_dry_run_of_an_extract_with_errors_exits_1_with_them(la, tmp_path):
    load_stored(la, tmp_path)
    before = database(la)
    bad = extract_files([child("A1")], [episode("A1", "1/6/24")])

    code, out, err = run("--la", la.code, "--as-at", "2024-05-31", "--dry-run",
                         *write(tmp_path, bad, "bad"))  # fmt: skip

    assert code == 1
    assert "ERROR: episodes.csv, row 2, CHILD A1, DECOM, value '1/6/24'" in err
    assert "episodes_added" not in out
    assert database(la) == before


def test_dry_run_on_an_empty_history_previews_the_first_upload(la, tmp_path):
    code, out, err = run("--la", la.code, "--as-at", "2024-05-31", "--full-history",
                         "--dry-run", *write(tmp_path, STORED, "first"))  # fmt: skip
    assert code == 0, err
    assert out.splitlines()[:5] == [
        "episodes_added: 4",
        "episodes_changed: 0",
        "episodes_removed: 0",
        "cla_count_before: none",
        "cla_count_after: 4",
    ]
    assert "months_changed: none" in out.splitlines()
    assert Upload.objects.count() == 0 and Episode.objects.count() == 0


def test_dry_run_lists_warnings_apart_from_the_preview_lines(la, tmp_path):
    load_stored(la, tmp_path)
    # E's open episode is followed by a later one: the chain repair closes it (a warning).
    files = extract_files(
        [child("A1"), child("B2"), child("E5")],
        [
            episode("A1", "10/01/2024"),
            episode("B2", "01/04/2024"),
            episode("E5", "10/05/2024"),
            episode("E5", "20/05/2024", PLACE="U5", REASON_PLACE_CHANGE="CARPL"),
        ],
    )

    code, out, err = run("--la", la.code, "--as-at", "2024-05-31", "--dry-run",
                         *write(tmp_path, files, "repaired"))  # fmt: skip

    assert code == 0, err
    assert "WARNING: Episodes, row -, CHILD E5, DEC, value '10/05/2024'" in err
    assert all(": " in line and not line.startswith("WARNING") for line in out.splitlines())
    assert out.splitlines()[:3] == [
        "episodes_added: 2",
        "episodes_changed: 0",
        "episodes_removed: 2",
    ]


def test_a_change_to_a_month_the_committee_has_had_says_so(la, tmp_path):
    load_stored(la, tmp_path)
    issue_report(la=la, period_end=MARCH, user=None, how="marked", figures={})
    files = [RawFile(name, content) for name, content in CORRECTED]
    extract, _ = validate_903_files(files, la_id=la.pk, as_at=MAY)
    preview = preview_extract(la=la, extract=extract, as_at=MAY, window_start=dt.date(2024, 4, 1))

    assert preview.issued_months_changed == [MARCH]
    reasons = large_change_reasons(preview)
    assert "it changes figures the committee has already had, for 31 March 2024" in reasons
    code, out, _ = run("--la", la.code, "--as-at", "2024-05-31", "--dry-run",
                       *write(tmp_path, CORRECTED, "corrected"))  # fmt: skip
    assert code == 0 and "issued_months_changed: 2024-03-31" in out.splitlines()
