"""Tiny hand-written foster carers and placement costs extracts for tests, as councils send them.

Synthetic households and children only.
"""

from __future__ import annotations

from placements import carers, costs
from placements.ssda903.problems import Problem
from placements.ssda903.readers import Layout, RawFile, Table, read_files
from tests.extracts import to_csv

CARERS = list(carers.COLUMNS)
COSTS = list(costs.COLUMNS)
LIMITS = {"max_bytes": 50 * 1024 * 1024, "max_unzipped_bytes": 500 * 1024 * 1024}


def household(carer_id: str, **fields: str) -> dict[str, str]:
    row = {
        "CARER_ID": carer_id, "CARER_TYPE": "MAINSTREAM", "PROVISION": "IN_HOUSE",
        "AGENCY_URN": "", "APPROVAL_DATE": "14/03/2016", "DEREGISTRATION_DATE": "",
        "DEREGISTRATION_REASON": "", "APPROVED_PLACES": "2", "AGE_FROM": "0", "AGE_TO": "18",
        "POSTCODE_SECTOR": "SE15 5",
    }  # fmt: skip
    row.update(fields)
    return row


def agency(carer_id: str, urn: str = "1234567", **fields: str) -> dict[str, str]:
    return household(carer_id, PROVISION="AGENCY", AGENCY_URN=urn, **fields)


def cost(child_id: str, decom: str, weekly_cost: str = "500.00") -> dict[str, str]:
    return {"CHILD": child_id, "DECOM": decom, "WEEKLY_COST": weekly_cost}


def carers_csv(rows: list[dict[str, str]], encoding: str = "utf-8") -> bytes:
    return to_csv(CARERS, rows, encoding=encoding)


def costs_csv(rows: list[dict[str, str]]) -> bytes:
    return to_csv(COSTS, rows)


def read_carers(
    *files: RawFile, others: tuple[Layout, ...] = ()
) -> tuple[list[Table], list[Problem]]:
    return read_files(list(files), **LIMITS, layout=carers.LAYOUT, others=others)


def read_costs(
    *files: RawFile, others: tuple[Layout, ...] = ()
) -> tuple[list[Table], list[Problem]]:
    return read_files(list(files), **LIMITS, layout=costs.LAYOUT, others=others)
