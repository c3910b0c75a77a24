"""The placement costs extract: how it is read, what is tidied, warned about and refused."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from placements import costs
from placements.costs import validate_costs
from placements.ssda903 import validate as v
from placements.ssda903.problems import Problem
from placements.ssda903.readers import RawFile, file_where
from tests.extracts import to_csv
from tests.placements.carer_extracts import cost, costs_csv, read_costs

AS_AT = dt.date(2025, 10, 31)


def check(rows: list[dict[str, str]], **kwargs: object) -> costs.CostsExtract:
    tables, problems = read_costs(RawFile("costs.csv", costs_csv(rows)))
    assert problems == []
    return validate_costs(tables, as_at=AS_AT, **kwargs)  # type: ignore[arg-type]


def errors(extract: costs.CostsExtract) -> list[Problem]:
    return [p for p in extract.problems if p.is_error]


def keys(*pairs: tuple[str, str]) -> pd.DataFrame:
    return pd.DataFrame(
        {"child_id": [c for c, _ in pairs], "decom": [pd.Timestamp(d) for _, d in pairs]}
    )


def test_costs_clean_extract_gives_typed_costs():
    extract = check([cost("B2", "15/02/2024", "4850"), cost(" a1 ", "10/01/2024", "512.4")])
    assert extract.problems == []
    assert extract.costs.to_dict("records") == [
        {"child_id": "A1", "decom": pd.Timestamp(2024, 1, 10), "weekly_cost": 512.40},
        {"child_id": "B2", "decom": pd.Timestamp(2024, 2, 15), "weekly_cost": 4850.0},
    ]


@pytest.mark.parametrize(
    ("text", "amount"),
    [("£1,234.56", 1234.56), ("1234.567", 1234.57), ("0", 0.0), (" 99 ", 99.0)],
)
def test_costs_amounts_as_finance_systems_write_them_are_read(text, amount):
    extract = check([cost("A1", "10/01/2024", text)])
    assert extract.problems == []
    assert extract.costs.iloc[0]["weekly_cost"] == amount


@pytest.mark.parametrize(
    ("fields", "column", "message"),
    [
        ({"CHILD": ""}, "CHILD", v.MSG_CHILD_REQUIRED),
        ({"CHILD": "X" * 11}, "CHILD", costs.MSG_CHILD_TOO_LONG),
        ({"DECOM": ""}, "DECOM", v.MSG_DATE_REQUIRED),
        ({"DECOM": "2024/01/10"}, "DECOM", v.MSG_DATE_UNREADABLE),
        ({"WEEKLY_COST": ""}, "WEEKLY_COST", costs.MSG_COST_REQUIRED),
        ({"WEEKLY_COST": "about 500"}, "WEEKLY_COST", v.MSG_COST_NOT_A_NUMBER),
        ({"WEEKLY_COST": "inf"}, "WEEKLY_COST", v.MSG_COST_NOT_A_NUMBER),
        ({"WEEKLY_COST": "-12.50"}, "WEEKLY_COST", v.MSG_COST_NEGATIVE),
        ({"WEEKLY_COST": "250000"}, "WEEKLY_COST", v.MSG_COST_TOO_HIGH),
    ],
)
def test_costs_error_is_refused_naming_its_column(fields, column, message):
    row = cost("A1", "10/01/2024") | fields
    extract = check([cost("B2", "15/02/2024"), row])
    assert extract.has_errors
    assert [(p.row, p.column, p.message) for p in errors(extract)] == [(3, column, message)]


def test_costs_over_the_limit_message_names_the_limit():
    assert "£100,000 a week" in v.MSG_COST_TOO_HIGH


def test_costs_two_different_costs_for_one_episode_are_refused():
    extract = check([cost("A1", "10/01/2024", "500"), cost("A1", "10/01/2024", "550")])
    assert [(p.row, p.message) for p in errors(extract)] == [
        (2, costs.MSG_DUPLICATE_COST),
        (3, costs.MSG_DUPLICATE_COST),
    ]


def test_costs_exact_copy_of_a_row_is_dropped_with_a_warning():
    extract = check([cost("A1", "10/01/2024", "500"), cost("A1", "10/01/2024", "500.00")])
    [problem] = extract.problems
    assert (problem.severity, problem.row, problem.message) == (
        "warning", 3, costs.MSG_EXACT_DUPLICATE_COST,
    )  # fmt: skip
    assert len(extract.costs) == 1


def test_costs_without_a_stored_episode_are_kept_with_a_warning():
    extract = check(
        [cost("A1", "10/01/2024"), cost("A1", "01/03/2024"), cost("C3", "20/05/2024")],
        episode_keys=keys(("A1", "2024-01-10"), ("A1", "2024-03-01")),
    )
    [problem] = extract.problems
    assert (problem.severity, problem.child, problem.column, problem.value) == (
        "warning", "C3", "DECOM", "20/05/2024",
    )  # fmt: skip
    assert problem.message == costs.MSG_NO_EPISODE
    assert len(extract.costs) == 3


def test_costs_decom_after_the_as_at_date_is_a_warning():
    extract = check([cost("A1", "01/11/2025")])
    [problem] = extract.problems
    assert (problem.severity, problem.message) == ("warning", v.MSG_DECOM_AFTER_AS_AT)


def test_costs_extract_without_weekly_cost_is_refused_naming_the_column():
    _, problems = read_costs(RawFile("c.csv", to_csv(["CHILD", "DECOM"], [cost("A1", "1/1/2024")])))
    assert [p.message for p in problems] == [
        costs.MISSING_COLUMNS.format(where=file_where("c.csv"), columns="WEEKLY_COST")
    ]


def test_compare_costs_counts_new_and_changed():
    stored = check([cost("A1", "10/01/2024", "500"), cost("B2", "15/02/2024", "900")]).costs
    new = check(
        [cost("A1", "10/01/2024", "500.00"), cost("B2", "15/02/2024", "950"),
         cost("C3", "20/05/2024")]
    ).costs  # fmt: skip
    assert costs.compare_costs(stored, new) == (1, 1)
