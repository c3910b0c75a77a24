"""Validation of an upload's tables (docs/uploads.md#errors-and-warnings): what is tidied, warned about and refused."""

import datetime as dt

import pandas as pd
import pytest

from placements.ssda903 import validate as v
from placements.ssda903.readers import Table
from tests.extracts import EPISODES, HEADER, UASC, child, episode

AS_AT = dt.date(2025, 10, 31)


def table(kind: str, columns: list[str], rows: list[dict[str, str]]) -> Table:
    frame = pd.DataFrame(rows, columns=columns).fillna("").astype(str)
    frame["_row"] = range(2, len(rows) + 2)
    return Table(kind=kind, source=f"{kind.lower()}.csv", frame=frame)


def check(children, episodes, uasc=None, as_at=AS_AT, **kwargs) -> v.Extract:
    tables = [table("Header", HEADER, children), table("Episodes", EPISODES, episodes)]
    if uasc is not None:
        tables.append(table("UASC", UASC, uasc))
    return v.validate_extract(tables, as_at=as_at, **kwargs)


def errors(extract: v.Extract) -> list:
    return [p for p in extract.problems if p.is_error]


def warnings(extract: v.Extract) -> list:
    return [p for p in extract.problems if not p.is_error]


def test_validate_clean_extract_has_no_problems():
    extract = check([child("A1")], [episode("A1", "01/04/2024")])
    assert extract.problems == []
    assert extract.episodes.loc[0, "decom"] == pd.Timestamp(2024, 4, 1)
    assert extract.children.loc[0, "child_id"] == "A1"


def test_validate_tidies_case_spaces_and_date_styles_silently():
    extract = check(
        [child(" a1 ", SEX="m", ETHNIC=" wbri")],
        [
            episode("a1", "1/4/2024", DEC="2024-05-31", REC="x1", PLACE=" u4", LS="c2 "),
            episode(
                "A1 ",
                "31/05/2024",
                RNE="p",
                PLACE="U5",
                PL_POST="se1 7pb",
                REASON_PLACE_CHANGE="carpl",
            ),
        ],
    )
    assert extract.problems == []
    first, second = extract.episodes.iloc[0], extract.episodes.iloc[1]
    assert first["child_id"] == "A1" and first["place"] == "U4" and first["rec"] == "X1"
    assert first["dec"] == pd.Timestamp(2024, 5, 31)
    assert second["pl_post"] == "SE1 7PB"
    assert extract.children.iloc[0]["sex"] == "M"


def test_validate_two_digit_year_is_refused_naming_row_and_column():
    extract = check([child("A1")], [episode("A1", "01/04/2024"), episode("A1", "31/3/25")])
    [problem] = errors(extract)
    assert (problem.file, problem.row, problem.child, problem.column, problem.value) == (
        "episodes.csv", 3, "A1", "DECOM", "31/3/25",
    )  # fmt: skip
    assert problem.message == v.MSG_DATE_TWO_DIGIT_YEAR


def test_validate_impossible_date_is_refused_as_no_real_date():
    extract = check([child("A1", DOB="31/02/2012")], [episode("A1", "01/04/2024")])
    [problem] = errors(extract)
    assert problem.column == "DOB" and problem.value == "31/02/2012"
    assert problem.message == v.MSG_DATE_NO_SUCH_DAY
    assert problem.message == "This is not a real date: that month has no such day."


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("31/02/2024", v.MSG_DATE_NO_SUCH_DAY),
        ("29/02/2023", v.MSG_DATE_NO_SUCH_DAY),
        ("31/04/2024", v.MSG_DATE_NO_SUCH_DAY),
        ("00/04/2024", v.MSG_DATE_NO_SUCH_DAY),
        ("2024-02-30", v.MSG_DATE_NO_SUCH_DAY),
        ("04/13/2024", v.MSG_DATE_NO_SUCH_MONTH),
        ("01/01/1066", v.MSG_DATE_OUT_OF_RANGE),
        ("31/3/24", v.MSG_DATE_TWO_DIGIT_YEAR),
        ("next week", v.MSG_DATE_UNREADABLE),
        ("2024/04/01", v.MSG_DATE_UNREADABLE),
    ],
)
def test_validate_says_why_a_date_is_no_date(text, message):
    extract = check([child("A1")], [episode("A1", "01/04/2024"), episode("A1", text, RNE="P")])
    [problem] = errors(extract)
    assert (problem.row, problem.column, problem.value, problem.message) == (
        3, "DECOM", text, message,
    )  # fmt: skip


def test_validate_reads_leap_days_and_iso_dates_silently():
    extract = check([child("A1", DOB="29/02/2012")], [episode("A1", "2024-04-01 00:00")])
    assert extract.problems == []


def test_validate_invalid_code_is_refused():
    extract = check([child("A1")], [episode("A1", "01/04/2024", LS="Q9")])
    [problem] = errors(extract)
    assert problem.column == "LS" and problem.value == "Q9"
    assert problem.message == "Q9 is not a valid LS code."


def test_validate_formula_text_is_an_invalid_value_not_executed():
    extract = check([child("A1")], [episode("A1", "01/04/2024", PLACE="=1+1")])
    [problem] = errors(extract)
    assert problem.column == "PLACE" and problem.value == "=1+1"


@pytest.mark.parametrize(
    ("place", "decom", "ok"),
    [
        ("K3", "31/03/2024", False),  # introduced in 2024-25
        ("K3", "01/04/2024", True),
        ("Z11", "31/03/2025", False),
        ("Z11", "01/04/2025", True),
        ("H5", "31/03/2025", True),
        ("H5", "01/04/2025", False),
        ("P2", "28/10/2023", True),
        ("P2", "29/10/2023", False),
    ],
)
def test_validate_placement_code_valid_for_the_year_the_episode_started(place, decom, ok):
    provider = "" if place.startswith("Z") else "PR4"
    extract = check(
        [child("A1", DOB="01/06/2008")],
        [episode("A1", decom, PLACE=place, PLACE_PROVIDER=provider, URN="")],
    )
    assert (errors(extract) == []) is ok


def test_validate_retired_code_on_an_episode_still_open_is_a_warning():
    extract = check(
        [child("A1", DOB="01/06/2008")],
        [episode("A1", "01/03/2025", PLACE="H5", PLACE_PROVIDER="PR4")],
    )
    assert errors(extract) == []
    assert any("withdrawn after 31/03/2025" in p.message for p in warnings(extract))


def test_validate_retired_code_open_at_an_as_at_before_its_withdrawal_is_no_warning():
    extract = check(
        [child("A1", DOB="01/06/2008")],
        [episode("A1", "01/03/2022", PLACE="H5", PLACE_PROVIDER="PR4")],
        as_at=dt.date(2022, 3, 31),
    )
    assert extract.problems == []


def test_validate_dec_on_or_before_decom_is_refused():
    extract = check([child("A1")], [episode("A1", "01/04/2024", DEC="01/04/2024", REC="E13")])
    [problem] = errors(extract)
    assert problem.message == v.MSG_DEC_NOT_AFTER_DECOM and problem.value == "01/04/2024"


def test_validate_same_decom_twice_is_refused_but_an_exact_copy_is_dropped():
    clash = check(
        [child("A1")], [episode("A1", "01/04/2024"), episode("A1", "01/04/2024", PLACE="U5")]
    )
    assert [p.message for p in errors(clash)] == [v.MSG_DUPLICATE_EPISODE] * 2

    copy = check([child("A1")], [episode("A1", "01/04/2024"), episode("A1", "01/04/2024")])
    assert errors(copy) == []
    assert [p.message for p in warnings(copy)] == [v.MSG_EXACT_DUPLICATE_EPISODE]
    assert len(copy.episodes) == 1


def test_validate_one_child_twice_among_other_header_rows_names_both_rows():
    extract = check(
        [child("A1"), child("B2"), child("A1", SEX="2"), child("C3")],
        [episode("A1", "01/04/2024"), episode("B2", "01/04/2024"), episode("C3", "01/04/2024")],
    )
    assert [(p.file, p.row, p.child, p.column, p.message) for p in extract.problems] == [
        ("header.csv", 2, "A1", "CHILD", v.MSG_DUPLICATE_CHILD),
        ("header.csv", 4, "A1", "CHILD", v.MSG_DUPLICATE_CHILD),
    ]


def test_validate_two_episodes_on_one_decom_among_other_rows_names_both_rows():
    extract = check(
        [child("A1"), child("B2")],
        [
            episode("A1", "01/04/2024"),
            episode("B2", "01/04/2024"),
            episode("B2", "01/06/2024", RNE="P", PLACE="U5"),
            episode("A1", "01/04/2024", PLACE="U5"),
        ],
    )
    assert [(p.row, p.child, p.column, p.message) for p in extract.problems] == [
        (2, "A1", "DECOM", v.MSG_DUPLICATE_EPISODE),
        (5, "A1", "DECOM", v.MSG_DUPLICATE_EPISODE),
    ]


def test_validate_exact_copies_among_other_rows_are_dropped_with_a_warning():
    extract = check(
        [child("A1"), child("B2"), child("A1")],
        [episode("A1", "01/04/2024"), episode("B2", "01/04/2024"), episode("A1", "01/04/2024")],
    )
    assert errors(extract) == []
    assert [(p.file, p.row, p.child, p.message) for p in warnings(extract)] == [
        ("header.csv", 4, "A1", v.MSG_EXACT_DUPLICATE_CHILD),
        ("episodes.csv", 4, "A1", v.MSG_EXACT_DUPLICATE_EPISODE),
    ]
    assert extract.children["child_id"].tolist() == ["A1", "B2"]
    assert len(extract.episodes) == 2


def test_validate_episode_for_child_missing_from_header_is_refused():
    extract = check([child("A1")], [episode("A1", "01/04/2024"), episode("B2", "01/05/2024")])
    [problem] = errors(extract)
    assert (problem.child, problem.row, problem.message) == ("B2", 3, v.MSG_NO_HEADER_ROW)


def test_validate_rec_and_dec_must_come_together():
    extract = check(
        [child("A1"), child("B2")],
        [episode("A1", "01/04/2024", REC="E13"), episode("B2", "01/04/2024", DEC="01/05/2024")],
    )
    assert [p.message for p in errors(extract)] == [v.MSG_REC_WITHOUT_DEC, v.MSG_DEC_WITHOUT_REC]


def test_validate_missing_urn_and_unknown_postcode_are_warnings():
    extract = check([child("A1")], [episode("A1", "01/04/2024", URN="", PL_POST="ZZ99 9ZZ")])
    assert errors(extract) == []
    messages = [p.message for p in warnings(extract)]
    assert v.MSG_URN_MISSING in messages and v.MSG_POSTCODE_NOT_FOUND in messages


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"PLACE": "K2"}, True),
        ({"PLACE": "R1", "PLACE_PROVIDER": "PR4"}, False),
        ({"PLACE": "R2", "PLACE_PROVIDER": "PR3"}, False),
        ({"PLACE": "R5", "PLACE_PROVIDER": "PR3"}, False),
        ({"LS": "V3", "HOME_POST": "", "PL_POST": ""}, False),
    ],
)
def test_validate_urn_is_expected_where_the_dfe_expects_one(changes, expected):
    """No URN on care homes, NHS and young offender settings (DfE rules 218, 222) nor on a short
    break, which records no placement location (rule 214)."""
    extract = check([child("A1")], [episode("A1", "01/04/2024", URN="", **changes)])
    messages = [p.message for p in warnings(extract)]
    assert (v.MSG_URN_MISSING in messages) == expected


def test_validate_sector_postcode_is_accepted():
    extract = check([child("A1")], [episode("A1", "01/04/2024", HOME_POST="se15 5")])
    assert extract.problems == []
    assert extract.episodes.loc[0, "home_post"] == "SE15 5"


def test_validate_uasc_table_marks_children():
    extract = check(
        [child("A1"), child("B2", SEX="2")],
        [episode("A1", "01/04/2024", HOME_POST=""), episode("B2", "01/04/2024")],
        uasc=[{"CHILD": "A1", "SEX": "1", "DOB": "01/06/2012", "DUC": "01/06/2030"}],
    )
    assert extract.problems == []
    by_id = extract.children.set_index("child_id")
    assert bool(by_id.loc["A1", "uasc"]) is True and bool(by_id.loc["B2", "uasc"]) is False
    assert by_id.loc["A1", "uasc_ceased"] == pd.Timestamp(2030, 6, 1)


def test_validate_messages_never_echo_other_cells_of_the_row():
    extract = check(
        [child("A1", UPN="A123456789012")],
        [episode("A1", "01/04/2024", RNE="Q", HOME_POST="SE15 5AB")],
    )
    [problem] = errors(extract)
    text = " ".join([problem.message, problem.value])
    assert "A123456789012" not in text and "SE15" not in text


# --- Optional CARER_ID and WEEKLY_COST; URNs and carers looked up ------------------------------

EPISODES_PLUS = [*EPISODES, "CARER_ID", "WEEKLY_COST"]


def check_plus(episodes, **kwargs) -> v.Extract:
    tables = [table("Header", HEADER, [child("A1")]), table("Episodes", EPISODES_PLUS, episodes)]
    return v.validate_extract(tables, as_at=AS_AT, **kwargs)


def test_validate_carer_id_and_weekly_cost_are_tidied_and_typed():
    extract = check_plus(
        [episode("A1", "01/04/2024", CARER_ID=" fc1 ", WEEKLY_COST="£1,234.50"),
         episode("A1", "01/06/2024", RNE="P", PLACE="U5")]
    )  # fmt: skip
    assert extract.problems == []
    assert extract.absent_fields == ()
    assert extract.episodes["carer_id"].tolist() == ["FC1", ""]
    assert extract.episodes["weekly_cost"].iloc[0] == 1234.5
    assert pd.isna(extract.episodes["weekly_cost"].iloc[1])


def test_validate_episodes_without_the_optional_columns_say_so():
    extract = check([child("A1")], [episode("A1", "01/04/2024")])
    assert extract.problems == []
    assert extract.absent_fields == ("carer_id", "weekly_cost")
    assert extract.episodes.loc[0, "carer_id"] == ""
    assert pd.isna(extract.episodes.loc[0, "weekly_cost"])


@pytest.mark.parametrize(
    ("cost", "message"),
    [("n/a", v.MSG_COST_NOT_A_NUMBER), ("-1", v.MSG_COST_NEGATIVE),
     ("100000.01", v.MSG_COST_TOO_HIGH)],
)  # fmt: skip
def test_validate_weekly_cost_that_is_no_weekly_cost_is_refused(cost, message):
    extract = check_plus([episode("A1", "01/04/2024", WEEKLY_COST=cost)])
    [problem] = errors(extract)
    assert (problem.column, problem.value, problem.message) == ("WEEKLY_COST", cost, message)


def test_validate_carer_id_on_a_placement_without_a_foster_carer_is_a_warning():
    extract = check_plus(
        [episode("A1", "01/04/2024", PLACE="K2", PLACE_PROVIDER="PR4", URN="SC123456",
                 CARER_ID="FC1"),
         episode("A1", "01/06/2024", RNE="P", PLACE="A3", CARER_ID="FC1")]
    )  # fmt: skip
    [problem] = extract.problems
    assert (problem.severity, problem.row, problem.column, problem.value) == (
        "warning", 2, "CARER_ID", "FC1",
    )  # fmt: skip
    assert problem.message == v.MSG_CARER_ID_NOT_FOSTER.format(place="K2")


def test_validate_carer_id_too_long_is_refused():
    extract = check_plus([episode("A1", "01/04/2024", CARER_ID="C" * 21)])
    [problem] = errors(extract)
    assert problem.message == v.MSG_CARER_ID_TOO_LONG


def test_validate_carer_id_not_among_the_stored_households_is_a_warning():
    asked = []

    def known(ids):
        asked.append(ids)
        return {"FC1"}

    extract = check_plus(
        [episode("A1", "01/04/2024", CARER_ID="FC1"),
         episode("A1", "01/06/2024", RNE="P", PLACE="U5", CARER_ID="FC9"),
         episode("A1", "01/08/2024", RNE="P", PLACE="U6", CARER_ID="")],
        known_carers=known,
    )  # fmt: skip
    assert asked == [["FC1", "FC9"]]
    [problem] = extract.problems
    assert (problem.row, problem.value, problem.message) == (3, "FC9", v.MSG_CARER_ID_NOT_FOUND)


def test_validate_carer_ids_are_not_checked_when_no_households_are_stored():
    extract = check_plus(
        [episode("A1", "01/04/2024", CARER_ID="FC9")], known_carers=lambda ids: None
    )
    assert extract.problems == []


def test_validate_urn_not_in_the_provider_lists_is_a_warning():
    asked = []

    def known(urns):
        asked.append(urns)
        return {"SC123456"}

    extract = check(
        [child("A1")],
        [episode("A1", "01/01/2024", DEC="01/02/2024", REC="X1", URN="SC123456"),
         episode("A1", "01/02/2024", RNE="P", DEC="01/03/2024", REC="X1", URN="1234567"),
         episode("A1", "01/03/2024", RNE="P", DEC="01/04/2024", REC="X1", URN="XXXXXXX"),
         episode("A1", "01/04/2024", RNE="P", URN="12345")],
        known_urns=known,
    )  # fmt: skip
    assert asked == [["1234567", "SC123456"]]  # blank, XXXXXXX and ill-formed are not looked up
    assert [(p.row, p.value, p.message) for p in warnings(extract)] == [
        (5, "12345", v.MSG_URN_FORMAT),
        (3, "1234567", v.MSG_URN_NOT_FOUND),
    ]


def test_validate_urns_are_not_checked_while_no_provider_list_is_held():
    extract = check([child("A1")], [episode("A1", "01/04/2024")], known_urns=lambda urns: None)
    assert extract.problems == []


@pytest.mark.parametrize("child_id", ["ABCDEFGHIJK", "<script>", "=cmd|' /C calc'!A0", "A-1", "Ä1"])
def test_validate_child_id_must_be_one_to_ten_letters_or_digits(child_id):
    extract = check([child(child_id)], [episode(child_id, "01/04/2024")])
    messages = [p.message for p in errors(extract)]
    assert messages.count(v.MSG_CHILD_FORMAT) == 2  # the Header row and the episode


def test_validate_free_text_longer_than_stored_is_refused():
    extract = check([child("A1", UPN="A" + "1" * 20)], [episode("A1", "01/04/2024", URN="1" * 20)])
    messages = {(p.column, p.message) for p in errors(extract)}
    assert ("UPN", v.MSG_TOO_LONG.format(column="UPN", limit=13)) in messages
    assert ("URN", v.MSG_TOO_LONG.format(column="URN", limit=8)) in messages


def test_validate_stored_lengths_are_the_columns_own():
    from placements.models import Child, Episode

    models = {
        "child_id": Child,
        "upn": Child,
        "urn": Episode,
        "home_post": Episode,
        "pl_post": Episode,
    }
    for name, limit in v.STORED_LENGTHS.items():
        assert models[name]._meta.get_field(name).max_length == limit, name
