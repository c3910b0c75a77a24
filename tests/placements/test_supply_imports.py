"""Loading the foster carers and placement costs extracts, and the 903 Episodes' optional
CARER_ID and WEEKLY_COST columns, end to end through the commands and services."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import call_command

from placements.history import rebuild_history
from placements.models import (
    CarerHousehold,
    Episode,
    LocalAuthority,
    PlacementCost,
    Provider,
    Upload,
)
from placements.ssda903 import validate as v
from placements.ssda903.readers import RawFile
from placements.uploads import import_extract, upload_fingerprint
from tests.extracts import EPISODES, HEADER, child, episode, to_csv
from tests.placements.carer_extracts import agency, carers_csv, cost, costs_csv, household

pytestmark = pytest.mark.django_db

SAMPLES = Path(__file__).resolve().parents[2] / "fixtures" / "samples"
EPISODES_PLUS = [*EPISODES, "CARER_ID", "WEEKLY_COST"]


@pytest.fixture
def la() -> LocalAuthority:
    return LocalAuthority.objects.create(code="998", name="Testshire", districts=["E09000028"])


def run(command: str, *args: str) -> tuple[int, str, str]:
    stdout, stderr = io.StringIO(), io.StringIO()
    try:
        call_command(command, *args, stdout=stdout, stderr=stderr)
        code = 0
    except SystemExit as exit_:
        code = int(exit_.code or 0)
    return code, stdout.getvalue(), stderr.getvalue()


def write(tmp_path: Path, name: str, content: bytes) -> str:
    path = tmp_path / name
    path.write_bytes(content)
    return str(path)


def households(la: LocalAuthority) -> dict[str, tuple]:
    return {
        h.carer_id: (h.carer_type, h.provision, h.approved_places, h.deregistration_date)
        for h in CarerHousehold.objects.filter(la=la)
    }


def stored_costs(la: LocalAuthority) -> dict[tuple[str, str], Decimal]:
    return {
        (c.child_id, c.decom.isoformat()): c.weekly_cost
        for c in PlacementCost.objects.filter(la=la)
    }


def supply(la: LocalAuthority) -> list[tuple]:
    return [
        (e.child.child_id, e.decom.isoformat(), e.carer_id, e.weekly_cost)
        for e in Episode.objects.filter(la=la).select_related("child").order_by("child__child_id",
                                                                                  "decom")
    ]  # fmt: skip


def load_903(la: LocalAuthority, episodes: list[dict[str, str]], *, columns=EPISODES_PLUS,
             as_at: dt.date = dt.date(2024, 6, 30), full: bool = True) -> Upload:  # fmt: skip
    children = sorted({e["CHILD"] for e in episodes})
    files = [
        RawFile("header.csv", to_csv(HEADER, [child(c) for c in children])),
        RawFile("episodes.csv", to_csv(columns, episodes)),
    ]
    return import_extract(
        la=la, user=None, as_at=as_at, files=files,
        window_start=None if full else dt.date(2024, 4, 1),
    )  # fmt: skip


# --- Foster carers -----------------------------------------------------------------------------


def test_import_carers_loads_the_sample_extract(la):
    code, out, err = run(
        "import_carers", "--la", "998", "--as-at", "2025-06-30", str(SAMPLES / "foster_carers.csv")
    )
    assert code == 0, err
    assert "9 carer household(s), 2 deregistered (9 new, 0 changed, 0 no longer listed)" in out
    assert len(households(la)) == 9
    upload = Upload.objects.get()
    assert (upload.kind, upload.status, upload.window_start) == ("carers", "loaded", None)
    assert upload.files.get().tables == "Foster carers"
    assert CarerHousehold.objects.filter(source_upload=upload).count() == 9


def test_import_carers_prints_warnings_and_loads(la, tmp_path):
    path = write(tmp_path, "c.csv", carers_csv([household("FC1", POSTCODE_SECTOR="ZZ9 9")]))
    code, out, _ = run("import_carers", "--la", "998", "--as-at", "2025-06-30", path)
    assert code == 0
    assert "WARNING: c.csv, row 2, CHILD FC1, POSTCODE_SECTOR, value 'ZZ9 9'" in out
    assert "1 warning(s)" in out


def test_import_carers_replaces_the_stored_households(la, tmp_path):
    first = write(tmp_path, "a.csv", carers_csv([household("FC1"), household("FC2")]))
    run("import_carers", "--la", "998", "--as-at", "2025-06-30", first)
    second = write(tmp_path, "b.csv", carers_csv([
        household("FC2", APPROVED_PLACES="3"), agency("FC3"),
    ]))  # fmt: skip
    code, out, _ = run("import_carers", "--la", "998", "--as-at", "2025-07-31", second)
    assert code == 0
    assert "(1 new, 1 changed, 1 no longer listed)" in out
    assert households(la) == {
        "FC2": ("MAINSTREAM", "IN_HOUSE", 3, None),
        "FC3": ("MAINSTREAM", "AGENCY", 2, None),
    }


def test_import_carers_with_an_error_changes_nothing(la, tmp_path):
    good = write(tmp_path, "a.csv", carers_csv([household("FC1"), household("FC2")]))
    run("import_carers", "--la", "998", "--as-at", "2025-06-30", good)
    before = households(la)
    bad = write(tmp_path, "b.csv", carers_csv([household("FC3"), household("FC4", PROVISION="X")]))
    code, out, err = run("import_carers", "--la", "998", "--as-at", "2025-07-31", bad)
    assert code == 1
    assert "ERROR: b.csv, row 3, CHILD FC4, PROVISION, value 'X': X is not a PROVISION" in err
    assert "Nothing was changed; the stored carer households are as they were." in err
    assert households(la) == before
    assert Upload.objects.latest("id").status == Upload.Status.REJECTED


def test_import_carers_of_a_903_file_is_refused_saying_what_it_is(la, tmp_path):
    path = write(tmp_path, "episodes.csv", to_csv(EPISODES, [episode("A1", "01/04/2024")]))
    code, _, err = run("import_carers", "--la", "998", "--as-at", "2025-06-30", path)
    assert code == 1
    assert 'choose "SSDA903 extract" as what you are uploading' in err


def test_import_carers_again_is_a_duplicate_but_not_as_another_kind(la, tmp_path):
    path = write(tmp_path, "a.csv", costs_csv([cost("A1", "10/01/2024")]))
    run("import_carers", "--la", "998", "--as-at", "2025-06-30", path)  # rejected: not carers
    code, out, _ = run("import_costs", "--la", "998", "--as-at", "2025-06-30", path)
    assert code == 0, out
    assert Upload.objects.filter(status=Upload.Status.DUPLICATE).count() == 0
    code, out, _ = run("import_costs", "--la", "998", "--as-at", "2025-06-30", path)
    assert "already uploaded" in out and "same as-at date" in out
    assert Upload.objects.latest("id").status == Upload.Status.DUPLICATE


def test_fingerprint_names_the_kind_but_keeps_903_prints_as_they_were():
    args = {"checksums": ["ab"], "as_at": dt.date(2025, 6, 30), "window_start": None}
    prints = {kind: upload_fingerprint(**args, kind=kind) for kind in Upload.Kind.values}
    assert len(set(prints.values())) == 3
    assert prints["ssda903"] == upload_fingerprint(**args)


def test_loaded_carers_queue_the_indicators_recompute(
    la, settings, django_capture_on_commit_callbacks
):
    settings.AFTER_UPLOAD_LOADED_TASK = "tests.placements.test_supply_imports.RECORDER"
    RECORDER.calls.clear()
    with django_capture_on_commit_callbacks(execute=True):
        upload = import_extract(
            la=la, user=None, as_at=dt.date(2025, 6, 30), window_start=None,
            files=[RawFile("c.csv", carers_csv([household("FC1")]))], kind=Upload.Kind.CARERS,
        )  # fmt: skip
    assert upload.status == Upload.Status.LOADED
    assert RECORDER.calls == [(la.pk, upload.pk)]


class _Recorder:
    def __init__(self) -> None:
        self.calls: list[tuple] = []

    def delay(self, *args: object) -> None:
        self.calls.append(args)


RECORDER = _Recorder()


# --- Placement costs ---------------------------------------------------------------------------


def test_import_costs_loads_and_keeps_costs_whose_episode_is_not_stored(la, tmp_path):
    load_903(la, [episode("A1", "10/01/2024", CARER_ID="FC1")])
    path = write(tmp_path, "costs.csv", costs_csv([
        cost("A1", "10/01/2024", "512.40"), cost("C3", "20/05/2024", "1250.75"),
    ]))  # fmt: skip
    code, out, err = run("import_costs", "--la", "998", "--as-at", "2024-06-30", path)
    assert code == 0, err
    assert "WARNING: costs.csv, row 3, CHILD C3, DECOM, value '20/05/2024'" in out
    assert "2 placement cost(s) for 2 children (2 new, 0 changed), 1 warning(s)." in out
    assert stored_costs(la) == {
        ("A1", "2024-01-10"): Decimal("512.40"), ("C3", "2024-05-20"): Decimal("1250.75"),
    }  # fmt: skip
    assert Upload.objects.get(kind="costs").files.get().tables == "Placement costs"


def test_import_costs_later_extract_wins_and_unlisted_costs_stay(la, tmp_path):
    first = write(tmp_path, "a.csv", costs_csv([cost("A1", "10/01/2024", "500"),
                                                 cost("B2", "15/02/2024", "900")]))  # fmt: skip
    run("import_costs", "--la", "998", "--as-at", "2024-06-30", first)
    second = write(tmp_path, "b.csv", costs_csv([cost("A1", "10/01/2024", "550"),
                                                  cost("C3", "20/05/2024", "100")]))  # fmt: skip
    code, out, _ = run("import_costs", "--la", "998", "--as-at", "2024-07-31", second)
    assert code == 0
    assert "(1 new, 1 changed)" in out
    assert stored_costs(la) == {
        ("A1", "2024-01-10"): Decimal("550.00"),
        ("B2", "2024-02-15"): Decimal("900.00"),
        ("C3", "2024-05-20"): Decimal("100.00"),
    }
    later = Upload.objects.latest("id")
    assert PlacementCost.objects.get(la=la, child_id="A1").source_upload == later


def test_import_costs_with_an_error_changes_nothing(la, tmp_path):
    run("import_costs", "--la", "998", "--as-at", "2024-06-30",
        write(tmp_path, "a.csv", costs_csv([cost("A1", "10/01/2024", "500")])))  # fmt: skip
    bad = write(tmp_path, "b.csv", costs_csv([cost("A1", "10/01/2024", "600"),
                                               cost("B2", "15/02/2024", "-5")]))  # fmt: skip
    code, _, err = run("import_costs", "--la", "998", "--as-at", "2024-07-31", bad)
    assert code == 1
    assert f"ERROR: b.csv, row 3, CHILD B2, WEEKLY_COST, value '-5': {v.MSG_COST_NEGATIVE}" in err
    assert "Nothing was changed; the stored placement costs are as they were." in err
    assert stored_costs(la) == {("A1", "2024-01-10"): Decimal("500.00")}


# --- The 903 Episodes' CARER_ID and WEEKLY_COST ------------------------------------------------


def test_903_episodes_store_carer_id_and_weekly_cost(la):
    upload = load_903(la, [
        episode("A1", "10/01/2024", DEC="01/03/2024", REC="X1", CARER_ID="fc1",
                WEEKLY_COST="512.40"),
        episode("A1", "01/03/2024", RNE="P", PLACE="U5", CARER_ID="FC2"),
    ])  # fmt: skip
    assert upload.status == Upload.Status.LOADED, upload.failure
    assert supply(la) == [
        ("A1", "2024-01-10", "FC1", Decimal("512.40")),
        ("A1", "2024-03-01", "FC2", None),
    ]


def test_903_extract_without_the_columns_keeps_the_stored_values(la):
    with_columns = [episode("A1", "10/05/2024", CARER_ID="FC1", WEEKLY_COST="500")]
    load_903(la, with_columns, full=False)
    upload = load_903(la, [episode("A1", "10/05/2024", PL_POST="SE15 5AB"),
                           episode("B2", "01/06/2024")], columns=EPISODES, full=False,
                      as_at=dt.date(2024, 7, 31))  # fmt: skip
    assert upload.status == Upload.Status.LOADED
    assert supply(la) == [("A1", "2024-05-10", "FC1", Decimal("500.00")),
                          ("B2", "2024-06-01", "", None)]  # fmt: skip
    # A blank cell, unlike a missing column, does blank the stored value.
    load_903(la, [episode("A1", "10/05/2024", CARER_ID="", WEEKLY_COST="")], full=False,
             as_at=dt.date(2024, 8, 31))  # fmt: skip
    assert supply(la)[0] == ("A1", "2024-05-10", "", None)
    report = rebuild_history(la=la, check_only=True)
    assert report.identical


def test_903_carer_id_not_among_the_stored_households_is_a_warning(la):
    import_extract(
        la=la, user=None, as_at=dt.date(2024, 6, 30), window_start=None,
        files=[RawFile("c.csv", carers_csv([household("FC1")]))], kind=Upload.Kind.CARERS,
    )  # fmt: skip
    upload = load_903(la, [episode("A1", "10/01/2024", DEC="01/03/2024", REC="X1",
                                   CARER_ID="FC1"),
                           episode("A1", "01/03/2024", RNE="P", PLACE="U5", CARER_ID="FC9")])  # fmt: skip
    assert upload.status == Upload.Status.LOADED
    problems = list(upload.problems.values_list("row", "value", "message"))
    assert problems == [(3, "FC9", v.MSG_CARER_ID_NOT_FOUND)]


def test_903_unknown_urn_is_a_warning_only_once_providers_are_held(la):
    episodes = [episode("A1", "10/01/2024", URN="SC123456")]
    first = load_903(la, episodes, columns=EPISODES)
    assert not first.problems.filter(message=v.MSG_URN_NOT_FOUND).exists()
    Provider.objects.create(urn="SC654321", name="Somewhere Else")
    second = load_903(la, episodes, columns=EPISODES, as_at=dt.date(2024, 7, 31))
    assert list(second.problems.values_list("value", "message")) == [
        ("SC123456", v.MSG_URN_NOT_FOUND)
    ]
    Provider.objects.create(urn="SC123456", name="The Home")
    third = load_903(la, episodes, columns=EPISODES, as_at=dt.date(2024, 8, 31))
    assert not third.problems.exists()


def test_export_903_round_trip_keeps_carer_id_and_weekly_cost(la, tmp_path):
    load_903(la, [
        episode("A1", "10/01/2024", DEC="01/03/2024", REC="X1", CARER_ID="FC1",
                WEEKLY_COST="512.4"),
        episode("A1", "01/03/2024", RNE="P", PLACE="U5", CARER_ID="FC2"),
        episode("B2", "15/02/2024", PLACE="K2", PLACE_PROVIDER="PR4", URN="SC123456",
                WEEKLY_COST="4850"),
    ])  # fmt: skip
    out = tmp_path / "export"
    assert run("export_903", "--la", "998", "--out", str(out))[0] == 0
    text = (out / "episodes.csv").read_text(encoding="utf-8")
    assert text.splitlines()[0].endswith(",CARER_ID,WEEKLY_COST")
    assert ",FC1,512.40" in text
    other = LocalAuthority.objects.create(code="997", name="Other", districts=["E09000028"])
    code, _, err = run("import_903", "--la", "997", "--confirm-warnings", "--as-at", "2024-06-30", "--full-history",
                       *(str(p) for p in sorted(out.glob("*.csv"))))  # fmt: skip
    assert code == 0, err
    assert supply(other) == supply(la)


def test_export_903_without_supply_columns_has_none(la, tmp_path):
    load_903(la, [episode("A1", "10/01/2024")], columns=EPISODES)
    run("export_903", "--la", "998", "--out", str(tmp_path))
    header = (tmp_path / "episodes.csv").read_text(encoding="utf-8").splitlines()[0]
    assert header == ",".join(EPISODES)


def test_rebuild_replays_only_903_uploads(la, tmp_path):
    load_903(la, [episode("A1", "10/01/2024", CARER_ID="FC1")])
    run("import_carers", "--la", "998", "--as-at", "2024-06-30",
        str(SAMPLES / "foster_carers.csv"))  # fmt: skip
    run("import_costs", "--la", "998", "--as-at", "2024-06-30",
        write(tmp_path, "c.csv", costs_csv([cost("A1", "10/01/2024")])))  # fmt: skip
    code, out, _ = run("rebuild_history", "--la", "998", "--check")
    assert code == 0
    assert "Replayed 1 upload(s)" in out and "identical" in out
    assert list(Upload.objects.filter(la=la).applied().values_list("kind", "applied_seq")) == [
        ("ssda903", 1), ("carers", 2), ("costs", 3),
    ]  # fmt: skip


def test_samples_load_in_order_without_errors(la):
    for command, files in (
        ("import_carers", [SAMPLES / "foster_carers.csv"]),
        ("import_903", sorted((SAMPLES / "ssda903").glob("*.csv"))),
        ("import_costs", [SAMPLES / "placement_costs.csv"]),
    ):
        code, _, err = run(command, "--la", "998", "--as-at", "2024-06-30", *map(str, files))
        assert code == 0, (command, err)
    assert Episode.objects.filter(la=la).exclude(carer_id="").count() == 3
    assert PlacementCost.objects.filter(la=la).count() == 4
