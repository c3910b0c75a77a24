"""The checks against careless uploads (placements/checks.py): an old extract, another
authority's children, homes outside the authority; each warned just past its threshold and not
at it, refused by `import_903` unless confirmed, and printed by `import_903 --dry-run`."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.management import call_command

from placements.checks import MSG_CHILDREN_UNKNOWN, MSG_HOMES_OUTSIDE, MSG_STALE_EXTRACT
from placements.management.commands.import_903 import MSG_COMMAND_WARNINGS
from placements.models import Child, Episode, LocalAuthority, Upload
from tests.extracts import FAR, STORED, child, episode, extract_files

pytestmark = pytest.mark.django_db

WINDOW = ("--as-at", "2024-05-31", "--start", "2024-04-01")


@pytest.fixture
def la() -> LocalAuthority:
    # Southwark's district: tests.extracts' HOME and NEAR postcodes are in it, FAR is not.
    return LocalAuthority.objects.create(code="996", name="Checkshire", districts=["E09000028"])


def run(tmp_path: Path, files: list[tuple[str, bytes]], *args: str) -> tuple[int, str, str]:
    folder = tmp_path / f"files{len(list(tmp_path.iterdir()))}"
    folder.mkdir()
    for name, content in files:
        (folder / name).write_bytes(content)
    stdout, stderr = io.StringIO(), io.StringIO()
    try:
        call_command(
            "import_903", *args, *(str(folder / name) for name, _ in files),
            stdout=stdout, stderr=stderr,
        )  # fmt: skip
        code = 0
    except SystemExit as exit_:
        code = int(exit_.code or 0)
    return code, stdout.getvalue(), stderr.getvalue()


def lines(out: str) -> dict[str, str]:
    return dict(line.split(": ", 1) for line in out.splitlines())


def stored(la: LocalAuthority, tmp_path: Path) -> None:
    code, _, err = run(tmp_path, STORED, "--la", la.code, "--as-at", "2024-05-31",
                       "--full-history")  # fmt: skip
    assert code == 0, err


def one_episode(decom: str) -> list[tuple[str, bytes]]:
    return extract_files([child("A1")], [episode("A1", decom)])


def test_stale_extract_is_refused_a_day_past_the_threshold(la, tmp_path):
    # As at 31 May 2024, with its latest DECOM on 30 March: more than 2 months before.
    before = Episode.objects.count()
    code, out, err = run(tmp_path, one_episode("30/03/2024"), "--la", la.code, *WINDOW)
    assert code == 1
    sentence = MSG_STALE_EXTRACT.format(latest="30 March 2024", months=2, as_at="31 May 2024")
    assert f"WARNING: {sentence}" in err
    assert MSG_COMMAND_WARNINGS in err
    assert Episode.objects.count() == before and not Upload.objects.exists()


def test_fresh_extract_loads_at_the_threshold(la, tmp_path):
    code, out, err = run(tmp_path, one_episode("31/03/2024"), "--la", la.code, *WINDOW)
    assert code == 0, err
    assert "WARNING" not in err
    assert Upload.objects.get().status == Upload.Status.LOADED


def test_stale_extract_loads_with_confirm_warnings(la, tmp_path):
    code, out, err = run(tmp_path, one_episode("01/01/2024"), "--la", la.code,
                         "--confirm-warnings", *WINDOW)  # fmt: skip
    assert code == 0, err
    assert Upload.objects.get().status == Upload.Status.LOADED


def test_dry_run_prints_each_check_as_a_line(la, tmp_path):
    code, out, _ = run(tmp_path, one_episode("30/03/2024"), "--la", la.code, "--dry-run",
                       *WINDOW)  # fmt: skip
    assert code == 0
    printed = lines(out)
    assert printed["latest_episode_date"] == "2024-03-30"
    assert printed["check_latest_episode_date"] == "warning"
    assert printed["children_unknown"] == "1/1"
    assert printed["check_children_unknown"] == "ok"  # no history yet: nothing to compare
    assert printed["home_postcodes_outside"] == "0/1"
    assert printed["check_home_postcodes_outside"] == "ok"
    assert printed["large_change"] == "yes"
    assert list(printed)[:3] == ["episodes_added", "episodes_changed", "episodes_removed"]


def known_and_new(known: int, new: int) -> list[tuple[str, bytes]]:
    ids = ["A1", "B2", "C3", "D4"][:known] + [f"X{n}" for n in range(new)]
    return extract_files([child(i) for i in ids], [episode(i, "01/05/2024") for i in ids])


def test_extract_of_mostly_new_children_is_refused(la, tmp_path):
    stored(la, tmp_path)
    code, _, err = run(tmp_path, known_and_new(1, 3), "--la", la.code, *WINDOW)
    assert code == 1
    sentence = MSG_CHILDREN_UNKNOWN.format(unknown=3, total=4, share=75, la="Checkshire")
    assert f"WARNING: {sentence}" in err
    assert sorted(Child.objects.values_list("child_id", flat=True)) == ["A1", "B2", "C3", "D4"]


def test_extract_of_half_new_children_loads(la, tmp_path):
    stored(la, tmp_path)
    code, out, err = run(tmp_path, known_and_new(2, 2), "--la", la.code, *WINDOW)
    assert code == 0, err
    assert "WARNING" not in err


def homes(far: int, near: int) -> list[tuple[str, bytes]]:
    ids = [f"H{n}" for n in range(far + near)]
    return extract_files(
        [child(i) for i in ids],
        [episode(i, "01/05/2024", HOME_POST=FAR if n < far else "SE15 5AB") for n, i in
         enumerate(ids)],
    )  # fmt: skip


def test_extract_of_homes_mostly_outside_the_authority_is_refused(la, tmp_path):
    code, out, err = run(tmp_path, homes(3, 1), "--la", la.code, *WINDOW)
    assert code == 1
    sentence = MSG_HOMES_OUTSIDE.format(outside=3, total=4, share=75, la="Checkshire")
    assert f"WARNING: {sentence}" in err
    assert not Episode.objects.exists()


def test_extract_of_half_its_homes_outside_loads(la, tmp_path):
    code, out, err = run(tmp_path, homes(2, 2), "--la", la.code, *WINDOW)
    assert code == 0, err
    assert "WARNING" not in err


def test_replacing_a_foreign_extract_leaves_none_of_its_children(la, tmp_path):
    stored(la, tmp_path)
    code, _, err = run(tmp_path, known_and_new(0, 4), "--la", la.code, "--confirm-warnings",
                       *WINDOW)  # fmt: skip
    assert code == 0, err
    assert Child.objects.filter(child_id__startswith="X").count() == 4
    # The authority's own extract again: the foreign children have no episode left.
    code, _, err = run(tmp_path, STORED, "--la", la.code, "--confirm-warnings", *WINDOW)
    assert code == 0, err
    assert sorted(Child.objects.values_list("child_id", flat=True)) == ["A1", "B2", "C3", "D4"]


def test_undoing_a_foreign_extract_leaves_none_of_its_children(la, tmp_path):
    stored(la, tmp_path)
    run(tmp_path, known_and_new(0, 4), "--la", la.code, "--confirm-warnings", *WINDOW)
    call_command("revert_upload", "--la", la.code, stdout=io.StringIO())
    assert sorted(Child.objects.values_list("child_id", flat=True)) == ["A1", "B2", "C3", "D4"]
