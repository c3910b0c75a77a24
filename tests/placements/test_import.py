"""Loading extracts end to end through the operator's commands, against the real database."""

import datetime as dt
import io
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone

from placements.models import (
    CarerHousehold,
    Child,
    Episode,
    LocalAuthority,
    PlacementCost,
    Population,
    Upload,
    UploadFile,
)
from placements.ssda903 import validate as v
from placements.ssda903.readers import RawFile
from placements.uploads import MSG_AS_AT_AFTER_TODAY, UploadRefused, import_extract, submit_upload
from tests.extracts import EPISODES, HEADER, child, episode, extract_files, to_csv, to_xml

pytestmark = pytest.mark.django_db


@pytest.fixture
def la() -> LocalAuthority:
    return LocalAuthority.objects.create(code="998", name="Testshire", districts=["E09000028"])


def write(tmp_path: Path, files: list[tuple[str, bytes]], folder: str = "x") -> list[str]:
    out = tmp_path / folder
    out.mkdir(exist_ok=True)
    paths = []
    for name, content in files:
        (out / name).write_bytes(content)
        paths.append(str(out / name))
    return paths


def run_import(*args: str, command: str = "import_903") -> tuple[int, str, str]:
    stdout, stderr = io.StringIO(), io.StringIO()
    try:
        call_command(command, *args, stdout=stdout, stderr=stderr)
        code = 0
    except SystemExit as exit_:
        code = int(exit_.code or 0)
    return code, stdout.getvalue(), stderr.getvalue()


def stored(la: LocalAuthority) -> list[tuple]:
    return [
        (e.child.child_id, e.decom.isoformat(), e.dec.isoformat() if e.dec else "", e.rec, e.place)
        for e in Episode.objects.filter(la=la)
        .select_related("child")
        .order_by("child__child_id", "decom")
    ]


YEAR_ONE = extract_files(
    [child("A1"), child("B2", SEX="2")],
    [
        episode("A1", "10/01/2024", DEC="01/03/2024", REC="X1"),
        episode("A1", "01/03/2024", RNE="P", PLACE="U5", REASON_PLACE_CHANGE="CARPL"),
        episode("B2", "15/02/2024", PLACE="K2", PLACE_PROVIDER="PR4", URN="SC123456"),
    ],
)


def test_add_la_creates_and_updates_an_authority():
    out = io.StringIO()
    call_command("add_la", "210", "Southwark", "--districts", "E09000028",
                 "--population", "2023:61000", "--population", "2024:60500", stdout=out)  # fmt: skip
    la = LocalAuthority.objects.get(code="210")
    assert la.districts == ["E09000028"]
    assert dict(Population.objects.filter(la=la).values_list("year", "count")) == {
        2023: 61000,
        2024: 60500,
    }
    call_command("add_la", "210", "London Borough of Southwark", "--districts", "E09000028",
                 "--population", "2024:60400", "2025:60100", stdout=out)  # fmt: skip
    assert LocalAuthority.objects.get(code="210").name == "London Borough of Southwark"
    assert dict(Population.objects.filter(la=la).values_list("year", "count")) == {
        2023: 61000, 2024: 60400, 2025: 60100,
    }  # fmt: skip


def test_import_loads_a_correct_extract(la, tmp_path):
    code, out, err = run_import("--la", "998", "--as-at", "2024-03-31", *write(tmp_path, YEAR_ONE))
    assert code == 0, err
    assert "Loaded upload" in out and "2 children, 3 episodes" in out
    assert stored(la) == [
        ("A1", "2024-01-10", "2024-03-01", "X1", "U4"),
        ("A1", "2024-03-01", "", "", "U5"),
        ("B2", "2024-02-15", "", "", "K2"),
    ]
    assert Child.objects.get(la=la, child_id="B2").sex == "2"


def test_import_later_year_to_date_upload_stitches_onto_history(la, tmp_path):
    run_import("--la", "998", "--as-at", "2024-03-31", *write(tmp_path, YEAR_ONE, "y1"))
    year_two = extract_files(
        [child("A1"), child("C3")],
        [
            # open on 1 April, repeated with its original DECOM, now closed
            episode(
                "A1",
                "01/03/2024",
                RNE="P",
                PLACE="U5",
                REASON_PLACE_CHANGE="CARPL",
                DEC="01/06/2024",
                REC="E4A",
            ),  # fmt: skip
            episode("C3", "20/05/2024"),
        ],
    )
    code, out, err = run_import(
        "--la", "998", "--as-at", "2024-06-30", *write(tmp_path, year_two, "y2")
    )
    assert code == 0, err
    # B2's open episode started before the window (1 April 2024) and is kept as stored.
    assert stored(la) == [
        ("A1", "2024-01-10", "2024-03-01", "X1", "U4"),
        ("A1", "2024-03-01", "2024-06-01", "E4A", "U5"),
        ("B2", "2024-02-15", "", "", "K2"),
        ("C3", "2024-05-20", "", "", "U4"),
    ]
    upload = Upload.objects.get(pk=Upload.objects.latest("id").pk)
    assert (upload.rows_added, upload.rows_updated, upload.rows_removed) == (1, 1, 0)
    assert upload.window_start == dt.date(2024, 4, 1)


def test_import_with_a_bad_date_is_rejected_and_changes_nothing(la, tmp_path):
    run_import("--la", "998", "--as-at", "2024-03-31", *write(tmp_path, YEAR_ONE, "y1"))
    before = stored(la)
    bad = extract_files([child("A1")], [episode("A1", "01/05/2024"), episode("A1", "1/6/24")])
    code, out, err = run_import(
        "--la", "998", "--as-at", "2024-06-30", *write(tmp_path, bad, "bad")
    )
    assert code == 1
    assert "ERROR: episodes.csv, row 3, CHILD A1, DECOM, value '1/6/24'" in err
    assert "Nothing was changed" in err
    assert stored(la) == before
    assert Upload.objects.latest("id").status == Upload.Status.REJECTED


def test_import_with_a_bad_code_is_rejected(la, tmp_path):
    bad = extract_files([child("A1")], [episode("A1", "01/05/2024", PLACE="X9")])
    code, _, err = run_import("--la", "998", "--as-at", "2024-06-30", *write(tmp_path, bad))
    assert code == 1
    assert "row 2, CHILD A1, PLACE, value 'X9': X9 is not a valid PLACE code." in err
    assert Episode.objects.count() == 0


# One child twice in Header, and two episodes of another on one DECOM, among ordinary rows.
DUPLICATED_CHILDREN = [child("A1"), child("B2"), child("C3"), child("A1", SEX="2")]
DUPLICATED_EPISODES = [
    episode("A1", "01/04/2024"),
    episode("B2", "01/04/2024"),
    episode("C3", "01/04/2024"),
    episode("B2", "01/04/2024", PLACE="U5"),
]


def test_import_csv_with_duplicated_rows_among_others_names_each_row(la, tmp_path):
    run_import("--la", "998", "--as-at", "2024-03-31", *write(tmp_path, YEAR_ONE, "y1"))
    before = stored(la)
    files = extract_files(DUPLICATED_CHILDREN, DUPLICATED_EPISODES)
    code, _, err = run_import(
        "--la", "998", "--as-at", "2024-06-30", *write(tmp_path, files, "dup")
    )
    assert code == 1
    assert "internal error" not in err
    assert err.splitlines()[:4] == [
        "ERROR: header.csv, row 2, CHILD A1, CHILD, value 'A1': "
        "This CHILD appears twice in the Header table with different details.",
        "ERROR: header.csv, row 5, CHILD A1, CHILD, value 'A1': "
        "This CHILD appears twice in the Header table with different details.",
        "ERROR: episodes.csv, row 3, CHILD B2, DECOM, value '01/04/2024': "
        "This child has two different episodes starting on the same DECOM.",
        "ERROR: episodes.csv, row 5, CHILD B2, DECOM, value '01/04/2024': "
        "This child has two different episodes starting on the same DECOM.",
    ]
    assert stored(la) == before
    assert Upload.objects.latest("id").status == Upload.Status.REJECTED


def test_import_xml_with_duplicated_rows_among_others_names_each_line(la, tmp_path):
    path = tmp_path / "return.xml"
    path.write_bytes(to_xml(DUPLICATED_CHILDREN, DUPLICATED_EPISODES))
    code, _, err = run_import("--la", "998", "--as-at", "2024-06-30", str(path))
    assert code == 1
    assert "internal error" not in err
    # Lines: A1's HEADER on 4, B2's on 8 with its two EPISODEs on 9 and 10, A1 again on 17.
    # In line order, as the file is one.
    assert err.splitlines()[:4] == [
        "ERROR: return.xml, line 4, CHILD A1, CHILD, value 'A1': "
        "This CHILD appears twice in the Header table with different details.",
        "ERROR: return.xml, line 9, CHILD B2, DECOM, value '01/04/2024': "
        "This child has two different episodes starting on the same DECOM.",
        "ERROR: return.xml, line 10, CHILD B2, DECOM, value '01/04/2024': "
        "This child has two different episodes starting on the same DECOM.",
        "ERROR: return.xml, line 17, CHILD A1, CHILD, value 'A1': "
        "This CHILD appears twice in the Header table with different details.",
    ]
    assert Episode.objects.count() == 0 and Child.objects.count() == 0


def after_today_refusal(days: int = 1) -> tuple[dt.date, str]:
    """A date `days` after today and the refusal an upload as at it gets."""
    today = timezone.localdate()
    later = today + dt.timedelta(days=days)
    return later, MSG_AS_AT_AFTER_TODAY.format(
        as_at=f"{later.day} {later:%B %Y}", today=f"{today.day} {today:%B %Y}"
    )


@pytest.mark.parametrize("command", ["import_903", "import_carers", "import_costs"])
def test_import_refuses_an_as_at_date_after_today(la, tmp_path, command):
    run_import("--la", "998", "--as-at", "2024-03-31", *write(tmp_path, YEAR_ONE, "y1"))
    before = (stored(la), Upload.objects.count(), UploadFile.objects.count())
    tomorrow, refusal = after_today_refusal()
    code, out, err = run_import(
        "--la", "998", "--as-at", tomorrow.isoformat(), *write(tmp_path, YEAR_ONE, "later"),
        command=command,
    )  # fmt: skip
    assert code == 1
    assert err.splitlines() == [f"ERROR: {refusal}"]
    assert "is after today" in refusal and out == ""
    assert (stored(la), Upload.objects.count(), UploadFile.objects.count()) == before
    assert not CarerHousehold.objects.exists() and not PlacementCost.objects.exists()


def test_import_takes_an_as_at_date_of_today(la, tmp_path):
    today = timezone.localdate().isoformat()
    code, out, err = run_import(
        "--la", "998", "--confirm-warnings", "--as-at", today, *write(tmp_path, YEAR_ONE)
    )
    assert code == 0, err
    assert Upload.objects.get().as_at == timezone.localdate()


@pytest.mark.parametrize("service", [submit_upload, import_extract])
@pytest.mark.parametrize("kind", list(Upload.Kind))
def test_services_refuse_an_as_at_date_after_today_keeping_nothing(la, service, kind):
    later, refusal = after_today_refusal(days=40)
    files = [RawFile(name, content) for name, content in YEAR_ONE]
    with pytest.raises(UploadRefused) as refused:
        service(la=la, user=None, as_at=later, window_start=None, files=files, kind=kind)
    assert str(refused.value) == refusal
    assert not Upload.objects.exists() and not UploadFile.objects.exists()


def test_import_lists_problems_by_file_then_row(la, tmp_path):
    files = extract_files(
        [child("A1"), child("B2", DOB="31/02/2012"), child("C3", SEX="Q")],
        [
            episode("A1", "01/04/2024", LS="Q9"),
            episode("B2", "1/5/24"),
            episode("C3", "01/04/2024", LS="Q8", PL_POST="ZZ99 9ZZ"),
        ],
    )
    code, out, err = run_import("--la", "998", "--as-at", "2024-06-30", *write(tmp_path, files))
    assert code == 1
    places = [line.split(": ", 2)[1].rsplit(", value", 1)[0] for line in err.splitlines()[:-1]]
    assert places == [
        "header.csv, row 3, CHILD B2, DOB",
        "header.csv, row 4, CHILD C3, SEX",
        "episodes.csv, row 2, CHILD A1, LS",
        "episodes.csv, row 3, CHILD B2, DECOM",
        "episodes.csv, row 4, CHILD C3, LS",
    ]
    # A rejected upload's warnings are not said to have been loaded.
    assert "Postcode not found" in out
    assert out.splitlines()[-1] == (
        "Nothing of this upload was loaded: its warnings say what will happen to those rows "
        "once the errors are put right."
    )


def test_import_of_an_identical_file_set_is_recognised(la, tmp_path):
    paths = write(tmp_path, YEAR_ONE)
    run_import("--la", "998", "--as-at", "2024-03-31", *paths)
    code, out, _ = run_import("--la", "998", "--as-at", "2024-03-31", *reversed(paths))
    assert code == 0
    assert "already uploaded" in out
    assert Upload.objects.filter(status=Upload.Status.LOADED).count() == 1
    assert Upload.objects.filter(status=Upload.Status.DUPLICATE).count() == 1


def test_import_refuses_a_file_over_the_size_limit_before_reading_it(la, tmp_path, settings):
    settings.UPLOAD_MAX_BYTES = 100
    code, _, err = run_import("--la", "998", "--as-at", "2024-03-31", *write(tmp_path, YEAR_ONE))
    assert code == 1
    assert "is larger than the" in err
    assert Upload.objects.count() == 0


def test_import_repairs_an_open_chain_with_a_warning(la, tmp_path):
    files = extract_files(
        [child("A1")],
        [episode("A1", "10/01/2024"), episode("A1", "01/03/2024", RNE="P", PLACE="U5")],
    )
    code, out, _ = run_import("--la", "998", "--as-at", "2024-03-31", *write(tmp_path, files))
    assert code == 0
    assert "closed on 01/03/2024 with REC X1" in out
    assert stored(la)[0] == ("A1", "2024-01-10", "2024-03-01", "X1", "U4")


def test_export_matches_what_was_uploaded(la, tmp_path):
    children = [child("A1", UPN="A123456789012"), child("B2", SEX="2", MOTHER="1")]
    episodes = [
        episode("A1", "10/01/2024", DEC="01/03/2024", REC="X1"),
        episode("A1", "01/03/2024", RNE="P", PLACE="U5", REASON_PLACE_CHANGE="CARPL"),
        episode("B2", "15/02/2024", PLACE="K2", PLACE_PROVIDER="PR4", URN="SC123456"),
    ]
    run_import("--la", "998", "--as-at", "2024-03-31", "--full-history",
               *write(tmp_path, extract_files(children, episodes)))  # fmt: skip
    call_command("export_903", "--la", "998", "--out", str(tmp_path / "out"), stdout=io.StringIO())
    assert (tmp_path / "out" / "header.csv").read_bytes() == to_csv(HEADER, children)
    assert (tmp_path / "out" / "episodes.csv").read_bytes() == to_csv(EPISODES, episodes)


def test_rebuild_history_reproduces_the_stored_episodes(la, tmp_path):
    run_import("--la", "998", "--as-at", "2024-03-31", *write(tmp_path, YEAR_ONE, "y1"))
    year_two = extract_files(
        [child("A1")],
        [
            episode(
                "A1",
                "01/03/2024",
                RNE="P",
                PLACE="U5",
                REASON_PLACE_CHANGE="CARPL",
                DEC="01/06/2024",
                REC="E4A",
            )
        ],  # fmt: skip
    )
    run_import("--la", "998", "--as-at", "2024-06-30", *write(tmp_path, year_two, "y2"))
    before = stored(la)
    out = io.StringIO()
    call_command("rebuild_history", "--la", "998", "--check", stdout=out)
    assert "identical to the replay" in out.getvalue()

    Episode.objects.filter(la=la, child__child_id="B2").delete()  # storage damaged
    with pytest.raises(SystemExit) as exit_:
        call_command("rebuild_history", "--la", "998", "--check", stdout=io.StringIO())
    assert exit_.value.code == 1
    call_command("rebuild_history", "--la", "998", stdout=io.StringIO())
    assert stored(la) == before


def one_child_workbook() -> Any:
    """A workbook of a Header and an Episodes sheet: one child, one open episode."""
    import openpyxl

    book = openpyxl.Workbook()
    header = book.active
    header.title = "Header"
    header.append(HEADER)
    header.append(["A1", 1, dt.datetime(2012, 6, 1), "WBRI", "", "", None])
    sheet = book.create_sheet("Episodes")
    sheet.append(EPISODES)
    sheet.append(["A1", dt.datetime(2024, 4, 1), "S", "C2", "N1", "U4", "PR1", None, None, None,
                  "SE15 5AB", "SE1 7PB", 1234567])  # fmt: skip
    return book


def test_import_accepts_the_same_tables_as_sheets_of_one_workbook(la, tmp_path):
    book = one_child_workbook()
    book.create_sheet("Notes").append(["Anything the analyst wrote"])
    path = tmp_path / "extract.xlsx"
    book.save(path)
    code, out, err = run_import(
        "--la", "998", "--confirm-warnings", "--as-at", "2024-06-30", str(path)
    )
    assert code == 0, err
    assert 'Sheet "Notes" in "extract.xlsx" is not a 903 table' in out
    assert stored(la) == [("A1", "2024-04-01", "", "", "U4")]
    assert Episode.objects.get(la=la).urn == "1234567"


def test_import_accepts_the_903_xml_return(la, tmp_path):
    xml = """<?xml version="1.0" encoding="UTF-8"?>
<EXPSSDA903>
  <CHILD>
    <HEADER><CHILDID>A1</CHILDID><UPN></UPN><SEX>2</SEX><DOB>01/06/2012</DOB>
      <ETHNIC>WBRI</ETHNIC><UASC>0</UASC></HEADER>
    <EPISODE><DECOM>01/04/2024</DECOM><RNE>S</RNE><LS>C2</LS><CIN>N1</CIN><PL>U4</PL>
      <PL_POST>SE1 7PB</PL_POST><HOME_POST>SE15 5AB</HOME_POST><URN>1234567</URN>
      <PLACE_PROVIDER>PR1</PLACE_PROVIDER><DEC>01/05/2024</DEC><REC>X1</REC>
      <REASON_PLACE_CHANGE></REASON_PLACE_CHANGE></EPISODE>
    <EPISODE><DECOM>01/05/2024</DECOM><RNE>P</RNE><LS>C2</LS><CIN>N1</CIN><PL>K2</PL>
      <PL_POST>SE1 7PB</PL_POST><HOME_POST>SE15 5AB</HOME_POST><URN>SC123456</URN>
      <PLACE_PROVIDER>PR4</PLACE_PROVIDER><DEC></DEC><REC></REC>
      <REASON_PLACE_CHANGE>CARPL</REASON_PLACE_CHANGE></EPISODE>
  </CHILD>
</EXPSSDA903>
"""
    path = tmp_path / "return.xml"
    path.write_text(xml, encoding="utf-8")
    code, _, err = run_import("--la", "998", "--as-at", "2024-06-30", str(path))
    assert code == 0, err
    assert stored(la) == [
        ("A1", "2024-04-01", "2024-05-01", "X1", "U4"),
        ("A1", "2024-05-01", "", "", "K2"),
    ]


def test_import_accepts_and_ignores_the_other_903_tables_saying_so(la, tmp_path):
    files = [
        *YEAR_ONE,
        ("dolo.csv", to_csv(["CHILD", "DOB", "DOLO_START", "DOLO_END"], [])),
        ("reviews.csv", b"CHILD,DOB,REVIEW,REVIEW_CODE\r\nA1,01/06/2012,01/02/2024,PN1\r\n"),
    ]
    code, out, err = run_import("--la", "998", "--as-at", "2024-03-31", *write(tmp_path, files))
    assert code == 0, err
    assert (
        "Other 903 tables recognised and ignored (no figure uses them): "
        "DoLo in dolo.csv, Reviews in reviews.csv."
    ) in out.splitlines()
    assert len(stored(la)) == 3
    upload = Upload.objects.get()
    assert list(upload.files.order_by("id").values_list("name", "tables")) == [
        ("header.csv", "Header"),
        ("episodes.csv", "Episodes"),
        ("dolo.csv", "DoLo"),
        ("reviews.csv", "Reviews"),
    ]


def test_import_reads_a_windows_1252_csv(la, tmp_path):
    children = [child("A1")]
    header = to_csv([*HEADER, "NOTE"], [{**children[0], "NOTE": "Café £"}], encoding="cp1252")
    files = [
        ("header.csv", header),
        ("episodes.csv", to_csv(EPISODES, [episode("A1", "01/04/2024")])),
    ]
    code, _, err = run_import(
        "--la", "998", "--confirm-warnings", "--as-at", "2024-06-30", *write(tmp_path, files)
    )
    assert code == 0, err


def test_import_refuses_a_csv_that_is_really_a_workbook(la, tmp_path):
    import openpyxl

    path = tmp_path / "episodes.csv"
    openpyxl.Workbook().save(path)
    header = tmp_path / "header.csv"
    header.write_bytes(to_csv(HEADER, [child("A1")]))
    code, _, err = run_import(
        "--la", "998", "--confirm-warnings", "--as-at", "2024-06-30", str(header), str(path)
    )
    assert code == 1
    assert 'File "episodes.csv" is an Excel workbook, not a CSV file' in err
    assert Episode.objects.count() == 0


@pytest.mark.parametrize("command", ["import_903", "import_carers", "import_costs"])
def test_import_of_a_pdf_renamed_csv_says_it_is_a_pdf(la, tmp_path, command):
    files = [("header.csv", YEAR_ONE[0][1]), ("episodes.csv", b"%PDF-1.4\n" + b"x,y\n1,2,3\n" * 50)]
    code, _, err = run_import(
        "--la", "998", "--as-at", "2024-06-30", *write(tmp_path, files), command=command
    )
    assert code == 1
    assert (
        "ERROR: episodes.csv, row -, CHILD -, -, value '': "
        'File "episodes.csv" is a PDF, not a CSV table.' in err
    )
    assert "wrong number of columns" not in err
    assert Episode.objects.count() == 0


def test_import_stores_each_episodes_distance_once(la, tmp_path):
    children = [child("A1"), child("B2"), child("C3"), child("D4"), child("E5")]
    rows = [
        episode("A1", "01/04/2024", PL_POST="SE1 7PB"),  # Lambeth: 3.0 miles, outside
        episode("B2", "01/04/2024", PL_POST="ME14 1XQ"),  # Maidstone: 28.9 miles, outside
        episode("C3", "01/04/2024", PL_POST="SE15 5AA"),  # next door: 0.0 miles, inside
        episode("D4", "01/04/2024", HOME_POST=""),  # a UASC with no home postcode: unknown
        episode("E5", "01/04/2024", PL_POST="ZZ99 9ZZ"),  # not in the directory: unknown
    ]
    run_import("--la", "998", "--confirm-warnings", "--as-at", "2024-06-30",
               *write(tmp_path, extract_files(children, rows)))  # fmt: skip
    got = {
        e.child.child_id: (None if e.distance is None else float(e.distance), e.outside_la)
        for e in Episode.objects.filter(la=la).select_related("child")
    }
    assert got == {
        "A1": (3.0, True),
        "B2": (28.9, True),
        "C3": (0.0, False),
        "D4": (None, True),
        "E5": (None, None),
    }


def test_import_distance_from_the_extract_wins_and_999_9_means_unknown(la, tmp_path):
    header = to_csv(HEADER, [child("A1"), child("B2")])
    episodes = to_csv(
        [*EPISODES, "PL_DISTANCE"],
        [
            {**episode("A1", "01/04/2024"), "PL_DISTANCE": "21.4"},
            {**episode("B2", "01/04/2024"), "PL_DISTANCE": "999.9"},
        ],
    )
    files = [("header.csv", header), ("episodes.csv", episodes)]
    code, _, err = run_import(
        "--la", "998", "--confirm-warnings", "--as-at", "2024-06-30", *write(tmp_path, files)
    )
    assert code == 0, err
    got = dict(Episode.objects.filter(la=la).values_list("child__child_id", "distance"))
    assert float(got["A1"]) == 21.4 and got["B2"] is None


def test_import_child_id_too_long_for_the_database_is_refused_not_an_error(la, tmp_path):
    """On Postgres an 11-character CHILD once stopped the upload with a database error."""
    long_id = "A1234567890"
    files = extract_files(
        [child(long_id), child("B2")], [episode(long_id, "01/05/2024"), episode("B2", "01/05/2024")]
    )
    code, _, err = run_import("--la", "998", "--as-at", "2024-06-30", *write(tmp_path, files))
    assert code == 1
    assert "internal error" not in err
    assert err.count(v.MSG_CHILD_FORMAT) == 2
    assert Episode.objects.count() == 0 and Child.objects.count() == 0
    assert Upload.objects.latest("id").status == Upload.Status.REJECTED


def test_import_mother_not_a_code_loads_with_a_warning_and_is_kept_blank(la, tmp_path):
    """On Postgres a MOTHER of "00" was only warned about, then stopped the upload with a
    database error, because the column holds one character."""
    files = extract_files(
        [child("A1", SEX="2", MOTHER="00"), child("B2", SEX="2", MOTHER="1")],
        [episode("A1", "01/05/2024"), episode("B2", "01/05/2024")],
    )
    code, out, err = run_import("--la", "998", "--as-at", "2024-06-30", *write(tmp_path, files))
    assert code == 0, err
    assert "internal error" not in err
    assert v.MSG_MOTHER_CODE in out
    assert Upload.objects.latest("id").status == Upload.Status.LOADED
    mothers = dict(Child.objects.filter(la=la).values_list("child_id", "mother"))
    assert mothers == {"A1": "", "B2": "1"}


def test_import_workbook_of_many_ignored_sheets_loads_not_an_error(la, tmp_path):
    """25 sheets of one ignored table once overflowed the stored list of tables per file."""
    book = one_child_workbook()
    for number in range(25):
        missing = book.create_sheet(f"Missing {number}")
        missing.append(["CHILD", "DOB", "MISSING", "MIS_START", "MIS_END"])
        missing.append(["A1", dt.datetime(2012, 6, 1), "M", dt.datetime(2024, 5, 1), None])
    path = tmp_path / "extract.xlsx"
    book.save(path)
    code, out, err = run_import(
        "--la", "998", "--confirm-warnings", "--as-at", "2024-06-30", str(path)
    )
    assert code == 0, err
    assert "internal error" not in err
    assert stored(la) == [("A1", "2024-04-01", "", "", "U4")]
    assert Upload.objects.get().files.get().tables == "Header, Episodes, Missing"


def test_every_table_kind_named_once_fits_the_stored_list_of_tables():
    from placements.models import UploadFile
    from placements.uploads import LAYOUTS

    kinds = {kind for layout in LAYOUTS.values() for kind in layout.tables}
    limit = UploadFile._meta.get_field("tables").max_length
    assert len(", ".join(kinds)) <= limit
