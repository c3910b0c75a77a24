"""The DfE validator's rules that validate.py checks too (docs/uploads.md#the-dfes-rules).

Each rule fires on a crafted row and not on its neighbour, the row just inside the rule.
"""

import datetime as dt

import pandas as pd
import pytest

from placements.ssda903 import validate as v
from placements.ssda903.problems import Problem
from placements.ssda903.readers import Table
from tests.extracts import EPISODES, FAR, HEADER, HOME, NEAR, UASC, child, episode

AS_AT = dt.date(2025, 10, 31)  # collection year 1 April 2025 to 31 March 2026
EPISODES_WITH_DISTANCE = [*EPISODES, "PL_DISTANCE"]
A1_IS_UASC = [{"CHILD": "A1", "SEX": "1", "DOB": "01/06/2012", "DUC": ""}]


def table(kind: str, columns: list[str], rows: list[dict[str, str]]) -> Table:
    frame = pd.DataFrame(rows, columns=columns).fillna("").astype(str)
    frame["_row"] = range(2, len(rows) + 2)
    return Table(kind=kind, source=f"{kind.lower()}.csv", frame=frame)


def check(
    episodes: list[dict[str, str]],
    children: list[dict[str, str]] | None = None,
    uasc: list[dict[str, str]] | None = None,
) -> v.Extract:
    children = children if children is not None else [child("A1")]
    tables = [
        table("Header", HEADER, children),
        table("Episodes", EPISODES_WITH_DISTANCE, episodes),
    ]
    if uasc is not None:
        tables.append(table("UASC", UASC, uasc))
    return v.validate_extract(tables, as_at=AS_AT, check_postcodes=False)


def rule(extract: v.Extract, number: str) -> list[Problem]:
    return [p for p in extract.problems if p.message.endswith(f"(DfE rule {number}).")]


def where(problems: list[Problem]) -> list[tuple]:
    return [(p.severity, p.row, p.column, p.value) for p in problems]


def moved(child_id: str, decom: str, **fields: str) -> dict[str, str]:
    """An episode with RNE P to another placement (another type and URN)."""
    return episode(child_id, decom, **{"RNE": "P", "PLACE": "U5", "URN": "7654321", **fields})


def with_parents(child_id: str, decom: str, **fields: str) -> dict[str, str]:
    """An episode placed with parents (P1, provider PR0, no URN)."""
    return episode(child_id, decom, **{"PLACE": "P1", "PLACE_PROVIDER": "PR0", "URN": "", **fields})


def ended(child_id: str, decom: str, dec: str, rec: str = "X1", **fields: str) -> dict[str, str]:
    return episode(child_id, decom, DEC=dec, REC=rec, **fields)


# --- 301, 353: dates out of bounds ------------------------------------------------------------


def test_dob_after_the_collection_year_is_refused_rule_301():
    extract = check([episode("A1", "01/04/2025")], [child("A1", DOB="01/04/2026")])
    [problem] = rule(extract, "301")
    assert where([problem]) == [("error", 2, "DOB", "01/04/2026")]
    assert "31/03/2026" in problem.message


def test_dob_on_the_last_day_of_the_collection_year_is_not_rule_301():
    extract = check([episode("A1", "01/04/2025")], [child("A1", DOB="31/03/2026")])
    assert rule(extract, "301") == []


def test_decom_before_the_children_act_is_refused_rule_353():
    extract = check([episode("A1", "13/10/1991")], [child("A1", DOB="01/01/1985")])
    assert where(rule(extract, "353")) == [("error", 2, "DECOM", "13/10/1991")]


def test_decom_on_the_day_the_children_act_began_is_not_rule_353():
    extract = check([episode("A1", "14/10/1991")], [child("A1", DOB="01/01/1985")])
    assert rule(extract, "353") == []


# --- 501, 357, 431, 433: how episodes follow one another ---------------------------------------


def test_episode_starting_before_the_previous_one_ended_is_refused_rule_501():
    extract = check([ended("A1", "01/04/2025", "01/06/2025"), moved("A1", "31/05/2025")])
    assert where(rule(extract, "501")) == [("error", 3, "DECOM", "31/05/2025")]


def test_episode_starting_the_day_the_previous_one_ended_is_not_rule_501():
    extract = check([ended("A1", "01/04/2025", "01/06/2025"), moved("A1", "01/06/2025")])
    assert rule(extract, "501") == []
    assert extract.problems == []


def test_first_episode_in_the_collection_year_without_rne_s_is_refused_rule_357():
    extract = check([episode("A1", "01/04/2025", RNE="P")])
    assert where(rule(extract, "357")) == [("error", 2, "RNE", "P")]


def test_first_episode_from_before_the_collection_year_is_not_rule_357():
    # Carried over from last year: its previous episode is in the stored history.
    extract = check([episode("A1", "31/03/2025", RNE="P")])
    assert rule(extract, "357") == []


def test_rne_s_on_the_day_the_previous_episode_ended_is_refused_rule_431():
    extract = check([ended("A1", "01/04/2025", "01/06/2025", "E13"), moved("A1", "01/06/2025",
                                                                           RNE="S")])  # fmt: skip
    assert where(rule(extract, "431")) == [("error", 3, "RNE", "S")]


def test_rne_s_the_day_after_the_previous_episode_ended_is_not_rule_431():
    extract = check([ended("A1", "01/04/2025", "01/06/2025", "E13"), moved("A1", "02/06/2025",
                                                                           RNE="S")])  # fmt: skip
    assert rule(extract, "431") == []
    assert extract.problems == []


def test_continuation_after_a_gap_is_refused_rule_433():
    extract = check([ended("A1", "01/04/2025", "01/06/2025"), moved("A1", "02/06/2025")])
    [problem] = rule(extract, "433")
    assert where([problem]) == [("error", 3, "RNE", "P")]
    assert problem.message.startswith("RNE P continues")


def test_continuation_on_the_day_the_previous_episode_ended_is_not_rule_433():
    extract = check([ended("A1", "01/04/2025", "01/06/2025"), moved("A1", "01/06/2025")])
    assert rule(extract, "433") == []


def test_continuation_after_an_open_episode_is_left_to_the_chain_repair_not_rule_433():
    extract = check([episode("A1", "01/04/2025"), moved("A1", "02/06/2025")])
    assert rule(extract, "433") == []
    assert not extract.has_errors


def test_rules_on_the_previous_episode_read_the_rows_in_decom_order_rule_433():
    extract = check(
        [
            episode("B2", "01/04/2025"),
            moved("A1", "02/06/2025"),
            ended("A1", "01/04/2025", "01/06/2025"),
        ],
        [child("A1"), child("B2")],
    )
    assert [(p.row, p.child) for p in rule(extract, "433")] == [(3, "A1")]


# --- 434, 435: whether the placement changed ---------------------------------------------------


def test_rne_l_with_a_changed_placement_is_refused_rule_434():
    extract = check([ended("A1", "01/04/2025", "01/06/2025"),
                     episode("A1", "01/06/2025", RNE="L", PL_POST=FAR)])  # fmt: skip
    assert where(rule(extract, "434")) == [("error", 3, "RNE", "L")]


def test_rne_l_with_the_same_placement_is_not_rule_434():
    extract = check([ended("A1", "01/04/2025", "01/06/2025"),
                     episode("A1", "01/06/2025", RNE="L", LS="C1")])  # fmt: skip
    assert rule(extract, "434") == []
    assert extract.problems == []


@pytest.mark.parametrize("rne", ["P", "T"])
def test_change_of_placement_that_changes_nothing_is_refused_rule_435(rne):
    extract = check([ended("A1", "01/04/2025", "01/06/2025"),
                     episode("A1", "01/06/2025", RNE=rne)])  # fmt: skip
    [problem] = rule(extract, "435")
    assert where([problem]) == [("error", 3, "RNE", rne)]
    assert problem.message.startswith(f"RNE is {rne} ")


def test_change_of_placement_to_another_urn_is_not_rule_435():
    extract = check([ended("A1", "01/04/2025", "01/06/2025"),
                     episode("A1", "01/06/2025", RNE="P", URN="7654321")])  # fmt: skip
    assert rule(extract, "435") == []
    assert extract.problems == []


# --- 388: X1 needs a next episode ---------------------------------------------------------------


def test_x1_with_no_episode_starting_on_its_dec_is_refused_rule_388():
    extract = check([ended("A1", "01/04/2025", "01/06/2025")])
    assert where(rule(extract, "388")) == [("error", 2, "REC", "X1")]


def test_x1_with_the_next_episode_starting_on_its_dec_is_not_rule_388():
    extract = check([ended("A1", "01/04/2025", "01/06/2025"), moved("A1", "01/06/2025")])
    assert rule(extract, "388") == []


# --- 550: PR0 is a parent ---------------------------------------------------------------------


def test_pr0_on_a_foster_placement_is_refused_rule_550():
    extract = check([episode("A1", "01/04/2025", PLACE_PROVIDER="PR0")])
    assert where(rule(extract, "550")) == [("error", 2, "PLACE_PROVIDER", "PR0")]


def test_pr0_on_placement_with_parents_is_not_rule_550():
    extract = check([with_parents("A1", "01/04/2025", PL_POST=NEAR)])
    assert rule(extract, "550") == []
    assert extract.problems == []


# --- 392a, 392b, 169, 392d, 406: postcodes and distances ---------------------------------------


def test_no_distance_and_no_postcode_to_work_it_out_is_a_warning_rule_392a():
    extract = check([episode("A1", "01/04/2025", HOME_POST="")])
    assert where(rule(extract, "392a")) == [("warning", 2, "PL_DISTANCE", "")]
    assert not extract.has_errors


def test_a_distance_given_without_a_postcode_is_not_rule_392a():
    extract = check([episode("A1", "01/04/2025", HOME_POST="", PL_DISTANCE="5.2")])
    assert rule(extract, "392a") == []


def test_a_blank_home_postcode_is_a_warning_rule_392b():
    extract = check([episode("A1", "01/04/2025", HOME_POST="")])
    [problem] = rule(extract, "392b")
    assert where([problem]) == [("warning", 2, "HOME_POST", "")]
    assert problem.message.startswith("HOME_POST is blank")


def test_a_blank_home_postcode_of_a_uasc_is_not_rule_392b():
    extract = check(
        [episode("A1", "01/04/2025", HOME_POST="")],
        uasc=A1_IS_UASC,
    )
    assert rule(extract, "392b") == []
    assert rule(extract, "392a") == []


def test_a_blank_placement_postcode_is_a_warning_rule_169():
    extract = check(
        [episode("A1", "01/04/2025", PL_POST="")],
        uasc=A1_IS_UASC,
    )
    assert where(rule(extract, "169")) == [("warning", 2, "PL_POST", "")]


def test_a_blank_placement_postcode_on_a_short_break_is_not_rule_169():
    extract = check([episode("A1", "01/04/2025", LS="V3", PL_POST="")])
    assert rule(extract, "169") == []
    assert rule(extract, "392b") == []


def test_placement_postcode_same_as_home_is_a_warning_rule_392d():
    extract = check([episode("A1", "01/04/2025", PL_POST=HOME)])
    assert where(rule(extract, "392d")) == [("warning", 2, "PL_POST", HOME)]


def test_placement_postcode_same_as_home_when_placed_with_parents_is_not_rule_392d():
    extract = check([with_parents("A1", "01/04/2025", PL_POST=HOME)])
    assert rule(extract, "392d") == []
    assert extract.problems == []


def test_a_distance_given_for_a_uasc_is_a_warning_rule_406():
    extract = check(
        [episode("A1", "01/04/2025", PL_DISTANCE="5.2")],
        uasc=A1_IS_UASC,
    )
    assert where(rule(extract, "406")) == [("warning", 2, "PL_DISTANCE", "5.2")]


@pytest.mark.parametrize("distance", ["", "999.9"])
def test_no_distance_for_a_uasc_is_not_rule_406(distance):
    extract = check(
        [episode("A1", "01/04/2025", PL_DISTANCE=distance)],
        uasc=A1_IS_UASC,
    )
    assert rule(extract, "406") == []
    assert extract.problems == []


def test_a_distance_given_for_a_child_who_is_not_a_uasc_is_not_rule_406():
    extract = check([episode("A1", "01/04/2025", PL_DISTANCE="5.2")])
    assert rule(extract, "406") == []
    assert extract.problems == []
