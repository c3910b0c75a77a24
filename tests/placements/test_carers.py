"""The foster carers extract: how it is read, what is tidied, warned about and refused."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pandas as pd
import pytest

from placements import carers, costs
from placements.carers import validate_carers
from placements.ssda903 import readers
from placements.ssda903 import validate as v
from placements.ssda903.problems import Problem
from placements.ssda903.readers import SSDA903, RawFile, file_where
from tests.extracts import EPISODES, episode, to_csv
from tests.placements.carer_extracts import (
    CARERS,
    agency,
    carers_csv,
    household,
    read_carers,
    read_costs,
)

AS_AT = dt.date(2025, 10, 31)


def check(
    rows: list[dict[str, str]], *, as_at: dt.date = AS_AT, **kwargs: object
) -> carers.CarersExtract:
    tables, problems = read_carers(RawFile("carers.csv", carers_csv(rows)))
    assert problems == []
    return validate_carers(tables, as_at=as_at, **kwargs)  # type: ignore[arg-type]


def errors(extract: carers.CarersExtract) -> list[Problem]:
    return [p for p in extract.problems if p.is_error]


def warnings(extract: carers.CarersExtract) -> list[Problem]:
    return [p for p in extract.problems if not p.is_error]


def where(problem: Problem) -> tuple:
    return (problem.file, problem.row, problem.child, problem.column, problem.value)


# --- The ordinary case -----------------------------------------------------------------------


def test_carers_clean_extract_gives_typed_households():
    extract = check(
        [
            household("FC1"),
            agency("FC2", CARER_TYPE="SPECIALIST", AGE_FROM="", AGE_TO=""),
            household("FC3", DEREGISTRATION_DATE="30/06/2024", DEREGISTRATION_REASON="Retired"),
        ]
    )
    assert extract.problems == []
    assert not extract.has_errors
    assert extract.deregistered == 1
    first, second, third = extract.households.to_dict("records")
    assert first["carer_id"] == "FC1" and first["provision"] == "IN_HOUSE"
    assert first["approval_date"] == pd.Timestamp(2016, 3, 14)
    assert first["approved_places"] == 2 and first["age_to"] == 18
    assert first["postcode_sector"] == "SE15 5"
    assert second["agency_urn"] == "1234567" and pd.isna(second["age_from"])
    assert third["deregistration_date"] == pd.Timestamp(2024, 6, 30)
    assert third["deregistration_reason"] == "Retired"


def test_carers_codes_are_tidied_whatever_their_case_and_spacing():
    extract = check(
        [
            household(
                " fc1 ", CARER_TYPE="short breaks", PROVISION="in-house", POSTCODE_SECTOR="se155"
            )
        ]  # fmt: skip
    )
    assert extract.problems == []
    row = extract.households.iloc[0]
    assert (row["carer_id"], row["carer_type"], row["provision"], row["postcode_sector"]) == (
        "FC1", "SHORT_BREAKS", "IN_HOUSE", "SE15 5",
    )  # fmt: skip


def test_carers_problems_name_the_household_by_carer_id():
    extract = check([household("FC1"), household("FC2", APPROVAL_DATE="31/02/2020")])
    [problem] = errors(extract)
    assert where(problem) == ("carers.csv", 3, "FC2", "APPROVAL_DATE", "31/02/2020")
    assert problem.message == v.MSG_DATE_NO_SUCH_DAY


# --- Errors: each one refuses the whole extract ------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "column", "message"),
    [
        ({"CARER_ID": ""}, "CARER_ID", carers.MSG_CARER_ID_REQUIRED),
        ({"CARER_ID": "X" * 21}, "CARER_ID", v.MSG_CARER_ID_TOO_LONG),
        ({"APPROVAL_DATE": ""}, "APPROVAL_DATE", v.MSG_DATE_REQUIRED),
        ({"APPROVAL_DATE": "14/3/16"}, "APPROVAL_DATE", v.MSG_DATE_TWO_DIGIT_YEAR),
        ({"DEREGISTRATION_DATE": "soon", "DEREGISTRATION_REASON": "Retired"},
         "DEREGISTRATION_DATE", v.MSG_DATE_UNREADABLE),
        ({"CARER_TYPE": "RESPITE"}, "CARER_TYPE", carers.MSG_CARER_TYPE.format(code="RESPITE")),
        ({"CARER_TYPE": ""}, "CARER_TYPE", carers.MSG_CARER_TYPE.format(code="A blank")),
        ({"PROVISION": "PRIVATE"}, "PROVISION", carers.MSG_PROVISION.format(code="PRIVATE")),
        ({"DEREGISTRATION_DATE": "01/01/2016", "DEREGISTRATION_REASON": "Retired"},
         "DEREGISTRATION_DATE", carers.MSG_DEREGISTERED_BEFORE_APPROVAL),
        ({"DEREGISTRATION_REASON": "Retired"}, "DEREGISTRATION_REASON",
         carers.MSG_REASON_WITHOUT_DATE),
        ({"DEREGISTRATION_DATE": "01/01/2024", "DEREGISTRATION_REASON": "x" * 101},
         "DEREGISTRATION_REASON", carers.MSG_REASON_TOO_LONG),
        ({"AGE_FROM": "12", "AGE_TO": "5"}, "AGE_FROM", carers.MSG_AGE_RANGE),
        ({"AGE_FROM": "19"}, "AGE_FROM", carers.MSG_AGE.format(column="AGE_FROM")),
        ({"AGE_TO": "ten"}, "AGE_TO", carers.MSG_AGE.format(column="AGE_TO")),
        ({"PROVISION": "AGENCY"}, "AGENCY_URN", carers.MSG_AGENCY_WITHOUT_URN),
        ({"AGENCY_URN": "1234567"}, "AGENCY_URN", carers.MSG_IN_HOUSE_WITH_URN),
        ({"PROVISION": "AGENCY", "AGENCY_URN": "123456789"}, "AGENCY_URN",
         carers.MSG_AGENCY_URN_TOO_LONG),
    ],
)  # fmt: skip
def test_carers_error_is_refused_naming_its_column(fields, column, message):
    extract = check([household("FC1"), household("FC2", **fields)])
    assert extract.has_errors
    assert [(p.column, p.message) for p in errors(extract)] == [(column, message)]
    assert errors(extract)[0].row == 3


@pytest.mark.parametrize("places", ["0", "10", "1.5", "two", "", "-1"])
def test_carers_approved_places_must_be_a_whole_number_from_1_to_9(places):
    extract = check([household("FC1", APPROVED_PLACES=places)])
    [problem] = errors(extract)
    assert (problem.column, problem.value, problem.message) == (
        "APPROVED_PLACES", places, carers.MSG_APPROVED_PLACES,
    )  # fmt: skip


@pytest.mark.parametrize("places", ["1", "9", " 3 ", "4.0"])
def test_carers_approved_places_accepts_whole_numbers(places):
    assert check([household("FC1", APPROVED_PLACES=places)]).problems == []


def test_carers_duplicate_carer_id_is_refused_on_every_row():
    extract = check([household("FC1"), household("fc1", APPROVED_PLACES="3"), household("FC2")])
    assert [(p.row, p.message) for p in errors(extract)] == [
        (2, carers.MSG_DUPLICATE_CARER),
        (3, carers.MSG_DUPLICATE_CARER),
    ]


# --- Warnings: the extract loads ---------------------------------------------------------------


def test_carers_deregistration_date_without_reason_is_a_warning():
    extract = check([household("FC1", DEREGISTRATION_DATE="01/01/2024")])
    [problem] = extract.problems
    assert not problem.is_error and problem.message == carers.MSG_DATE_WITHOUT_REASON
    assert extract.deregistered == 1


def test_carers_dates_after_the_as_at_date_are_warnings():
    extract = check(
        [household("FC1", APPROVAL_DATE="01/11/2025"),
         household("FC2", DEREGISTRATION_DATE="30/11/2025", DEREGISTRATION_REASON="Moving")],
    )  # fmt: skip
    assert not extract.has_errors
    assert [(p.column, p.message) for p in warnings(extract)] == [
        ("APPROVAL_DATE", carers.MSG_APPROVED_AFTER_AS_AT),
        ("DEREGISTRATION_DATE", carers.MSG_DEREGISTERED_AFTER_AS_AT),
    ]


@pytest.mark.parametrize("urn", ["123456", "XXXXXXX", "AB12345"])
def test_carers_ill_formed_agency_urn_is_a_warning(urn):
    extract = check([agency("FC1", urn=urn)])
    [problem] = extract.problems
    assert not problem.is_error
    assert (problem.column, problem.value, problem.message) == (
        "AGENCY_URN", urn, carers.MSG_AGENCY_URN_FORMAT,
    )  # fmt: skip
    assert extract.households.iloc[0]["agency_urn"] == urn


def test_carers_agency_urn_missing_from_the_provider_lists_is_a_warning():
    asked: list[list[str]] = []

    def known(urns: list[str]) -> set[str]:
        asked.append(urns)
        return {"1234567"}

    extract = check(
        [agency("FC1"), agency("FC2", urn="7654321"), agency("FC3", urn="7654321")],
        known_agencies=known,
    )
    assert asked == [["1234567", "7654321"]]  # one look-up, of the distinct URNs
    assert [(p.child, p.message) for p in warnings(extract)] == [
        ("FC2", carers.MSG_AGENCY_URN_NOT_FOUND),
        ("FC3", carers.MSG_AGENCY_URN_NOT_FOUND),
    ]


def test_carers_agency_urns_are_not_checked_while_no_provider_list_is_held():
    assert check([agency("FC1")], known_agencies=lambda urns: None).problems == []


def test_carers_postcode_sector_not_in_the_directory_is_a_warning_and_kept():
    extract = check([household("FC1", POSTCODE_SECTOR="ZZ9 9")])
    [problem] = extract.problems
    assert (problem.severity, problem.message) == ("warning", carers.MSG_SECTOR_NOT_FOUND)
    assert extract.households.iloc[0]["postcode_sector"] == "ZZ9 9"


def test_carers_full_postcode_keeps_only_its_sector():
    extract = check([household("FC1", POSTCODE_SECTOR="se15 5ab")])
    [problem] = extract.problems
    assert problem.message == carers.MSG_FULL_POSTCODE.format(sector="SE15 5")
    assert extract.households.iloc[0]["postcode_sector"] == "SE15 5"


def test_carers_value_that_is_no_postcode_sector_is_a_warning_and_not_kept():
    extract = check([household("FC1", POSTCODE_SECTOR="Peckham")])
    [problem] = extract.problems
    assert (problem.severity, problem.message) == ("warning", carers.MSG_SECTOR_FORMAT)
    assert extract.households.iloc[0]["postcode_sector"] == ""


# --- Reading -----------------------------------------------------------------------------------


def test_carers_extract_in_windows_1252_and_with_a_bom_is_read():
    rows = [household("FC1", DEREGISTRATION_DATE="01/01/2024",
                      DEREGISTRATION_REASON="Carer’s health")]  # fmt: skip
    for content in (carers_csv(rows, encoding="cp1252"), b"\xef\xbb\xbf" + carers_csv(rows)):
        tables, problems = read_carers(RawFile("carers.csv", content))
        assert problems == []
        extract = validate_carers(tables, as_at=AS_AT)
        assert extract.households.iloc[0]["deregistration_reason"] == "Carer’s health"


def workbook(sheets: dict[str, list[list[object]]]) -> bytes:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_carers_extract_is_read_from_a_workbook_sheet_recognised_by_its_columns():
    row = household("FC1")
    values: list[object] = [row[c] for c in CARERS]
    values[CARERS.index("APPROVAL_DATE")] = dt.datetime(2016, 3, 14)
    values[CARERS.index("APPROVED_PLACES")] = 2.0  # as Excel stores numbers
    content = workbook({"Notes": [["About this file"]], "Households": [CARERS, values]})
    tables, problems = read_carers(RawFile("carers.xlsx", content))
    assert [t.kind for t in tables] == [carers.TABLE]
    assert [p.message for p in problems] == [carers.SHEET_NOT_A_TABLE.format(
        sheet="Notes", file="carers.xlsx")]  # fmt: skip
    extract = validate_carers(tables, as_at=AS_AT)
    assert extract.problems == []
    assert extract.households.iloc[0]["approved_places"] == 2


def test_carers_extract_missing_columns_is_refused_naming_them():
    columns = [c for c in CARERS if c not in {"AGE_FROM", "AGE_TO"}]
    _, problems = read_carers(RawFile("carers.csv", to_csv(columns, [household("FC1")])))
    assert [p.message for p in problems] == [
        carers.MISSING_COLUMNS.format(where=file_where("carers.csv"), columns="AGE_FROM, AGE_TO")
    ]


def test_carers_extract_with_no_rows_is_refused():
    _, problems = read_carers(RawFile("carers.csv", carers_csv([])))
    assert [p.message for p in problems] == [carers.NO_ROWS.format(where=file_where("carers.csv"))]


def test_carers_upload_of_xml_is_refused():
    _, problems = read_carers(RawFile("carers.xml", b"<EXPSSDA903/>"))
    assert [p.message for p in problems] == [
        readers.XML_NOT_ACCEPTED.format(
            where=file_where("carers.xml"), this="foster carers extract"
        )
    ]


def test_carers_upload_of_a_903_file_says_which_kind_it_is():
    content = to_csv(EPISODES, [episode("A1", "01/04/2024")])
    _, problems = read_carers(RawFile("episodes.csv", content), others=(SSDA903,))
    assert [p.message for p in problems] == [
        readers.WRONG_KIND.format(
            where=file_where("episodes.csv"),
            other="SSDA903 extract",
            this="foster carers extract",
            choice="SSDA903 extract",
        )  # fmt: skip
    ]


def test_903_upload_of_a_carers_file_says_which_kind_it_is():
    raw = RawFile("carers.csv", carers_csv([household("FC1")]))
    _, problems = readers.read_files(
        [raw], max_bytes=2**20, max_unzipped_bytes=2**24, others=(carers.LAYOUT,)
    )
    assert problems[0].message == readers.WRONG_KIND.format(
        where=file_where("carers.csv"), other="foster carers extract",
        this="SSDA903 extract", choice="Foster carers extract",
    )  # fmt: skip


def test_carers_upload_of_a_903_workbook_says_which_kind_it_is():
    content = workbook({"Episodes": [EPISODES, list(episode("A1", "01/04/2024").values())]})
    _, problems = read_carers(RawFile("book.xlsx", content), others=(SSDA903,))
    assert [p.message for p in problems] == [
        readers.WRONG_KIND.format(
            where=file_where("book.xlsx"),
            other="SSDA903 extract",
            this="foster carers extract",
            choice="SSDA903 extract",
        )  # fmt: skip
    ]


# --- Comparing with the stored households ------------------------------------------------------


def test_compare_households_counts_new_changed_and_no_longer_listed():
    stored = check([household("FC1"), household("FC2"), household("FC3")]).households
    new = check(
        [household("FC1"), household("FC2", APPROVED_PLACES="3"), household("FC4")]
    ).households
    assert carers.compare_households(stored, new) == (1, 1, 1)
    assert carers.compare_households(new, new) == (0, 0, 0)


def test_903_episodes_file_short_of_a_column_is_not_taken_for_a_costs_extract():
    columns = [c for c in EPISODES if c != "PL_POST"] + ["WEEKLY_COST"]
    raw = RawFile("episodes.csv", to_csv(columns, [episode("A1", "01/04/2024")]))
    _, problems = readers.read_files(
        [raw], max_bytes=2**20, max_unzipped_bytes=2**24, others=(costs.LAYOUT,)
    )
    assert problems[0].message == readers.MISSING_COLUMNS.format(
        where=file_where("episodes.csv"), kind="Episodes", columns="PL_POST"
    )


def test_costs_upload_of_a_903_episodes_file_says_which_kind_it_is():
    raw = RawFile("episodes.csv", to_csv(EPISODES, [episode("A1", "01/04/2024")]))
    _, problems = read_costs(raw, others=(SSDA903,))
    assert [p.message for p in problems] == [
        readers.WRONG_KIND.format(
            where=file_where("episodes.csv"),
            other="SSDA903 extract",
            this="placement costs extract",
            choice="SSDA903 extract",
        )  # fmt: skip
    ]


@pytest.mark.parametrize("module", [carers, costs], ids=["carers", "costs"])
def test_carers_and_costs_reading_messages_name_their_extract(module):
    def messages(*files: RawFile) -> list[str]:
        _, problems = readers.read_files(
            list(files), max_bytes=2**20, max_unzipped_bytes=2**24, layout=module.LAYOUT
        )
        return [p.message for p in problems]

    good = to_csv(list(module.COLUMNS), [dict.fromkeys(module.COLUMNS, "1")])
    notes = b"NOTE,TEXT\r\na,b\r\n"
    assert messages(RawFile("notes.csv", notes)) == [
        module.NOT_A_TABLE.format(where=file_where("notes.csv"))
    ]
    assert messages(RawFile("book.xlsx", workbook({"Notes": [["NOTE"], ["a"]]}))) == [
        module.WORKBOOK_NO_TABLE.format(where=file_where("book.xlsx"))
    ]
    assert messages(RawFile("a.csv", good), RawFile("b.csv", good)) == [
        module.DUPLICATE_TABLE.format(first="a.csv", second="b.csv")
    ]
    assert messages() == [module.NO_TABLE]
