"""Small Ofsted provider workbooks for tests, in the three layouts the DfE sends (README: "Ofsted
provider lists"): the real sheet names and column headings, our own invented providers.

Each builder takes rows as dicts keyed by heading; headings not given are left blank, and
`headings=` replaces the heading row (to test other layouts or missing columns).
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence

import openpyxl

# Real postcodes from the installed ONS Postcode Directory: two in Southwark, one in Lambeth,
# one in Kent (Maidstone), one in Leeds.
SOUTHWARK = "E09000028"
LAMBETH = "E09000022"
SE15 = "SE15 5AB"  # Southwark, 534080 176520
SE1 = "SE1 7PB"  # Lambeth, 530625 179850
MAIDSTONE = "ME14 1XQ"
LEEDS = "LS1 4DY"

CHILDRENS_HOMES_HEADINGS = [
    "Local Authority", "URN", "Provider Type", "Provider Subtype", "Sector", "Setting Name",
    "Postcode Area", "Registration Date", "Provider Status", "Closed Date", "Provider Code",
    "Provider Placement Code", "Emotional and Behavioural Difficulties", "Mental Disorders",
    "Sensory Impairment", "Present Alcohol Problems", "Present Drug Problems",
    "Learning Difficulty", "Physical Disabilities", "Max Users", "Full Inspection Start Date",
    "Overall Effectiveness", "CYP Safety", "Leadership and Management", "CYP Outcomes",
    "Interim Inspection Start Date", "Interim Inspection Overall Effectiveness",
    "Assurance Visit Start Date", "Setting Address Line 1", "Setting Address Line 2",
    "Setting Address Town", "Setting Address County", "Setting Address Postcode",
    "Setting Telephone Number", "Setting Email Address", "Owner Type", "Owner ID", "Owner Name",
    "Owner Address Line 1", "Owner Address Line 2", "Owner Town", "Owner County",
    "Owner Postcode", "Multi Building CH",
]  # fmt: skip

SOCIAL_CARE_HEADINGS = [
    "URN", "Provision type", "Setting name", "Registration status", "Setting address line 1",
    "Setting address line 2", "Setting town", "Setting county", "Setting postcode",
    "Organisation name", "Local authority", "Region", "Sector", "Placement code",
    "Placement provider code", "Date of last full inspection",
    "Latest overall Effectiveness grade from last full inspection", "Maximum fostering places",
    "Top company (as listed on Companies' House)",
]  # fmt: skip
SOCIAL_CARE_CLOSED_HEADINGS = [
    "URN", "Provision type", "Setting name", "Registration status", "Setting address line 1",
    "Setting address line 2", "Setting town", "Setting county", "Setting postcode",
    "Organisation name", "Local authority", "Region", "Sector", "Deregistration date",
    "Placement code", "Placement provider code", "Date of last full inspection",
    "Latest overall effectiveness grade from last full inspection", "Maximum fostering places",
    "Top company (as listed on Companies' House)",
]  # fmt: skip

COMBINED_HEADINGS = [
    "Local authority", "URN", "Provider type", "Provider subtype", "Sector", "Provider name",
    "Registration date", "Registration status", "Deregistration date", "Placement code",
    "Provider address line 1", "Provider address line 2", "Provider town", "Provider county",
    "Provider postcode", "Provider telephone number", "Provider email address", "Owner type",
    "Owner ID", "Owner name", "Owner address line 1", "Owner address line 2", "Owner town",
    "Owner county", "Owner postcode", "top_company", "Region", "Placement provider code",
    "Date of last full inspection", "Overall effectiveness", "CYP safety",
    "Leadership and management", "CYP outcomes", "Interim inspection start date",
    "Interim inspection overall effectiveness", "Assurance visit start date",
    "Link to Ofsted report", "Number of registered places",
    "Emotional and behavioural difficulties", "Mental disorders", "Sensory impairment",
    "Present alcohol problems", "Present drug problems", "Learning difficulty",
    "Physical disabilities", "Multi building CH", "Conditions", "Linked school URN",
    "Linked school name", "Linked school type", "Linked school latest inspection date",
]  # fmt: skip
SUPPORTED_ACCOMMODATION_HEADINGS = [
    "Provider local authority", "Setting Local Authority", "URN", "Provider type", "Sector",
    "Provider name", "Registration date", "Registration status", "Closed date",
    "Placement code", "Setting status", "Setting status date", "Setting category", "Capacity",
    "Setting address line 1", "Setting address line 2", "Setting address line 3",
    "Setting address town", "Setting address county", "Setting address postcode",
    "Provider telephone number", "Provider email address", "Owner type", "Owner ID",
    "Owner name", "Owner address line 1", "Owner address line 2", "Owner town",
    "Owner county", "Owner postcode", "Conditions",
]  # fmt: skip

Sheet = tuple[str, Sequence[str], Sequence[dict[str, object]]]


def workbook(*sheets: Sheet, title_rows: Sequence[str] = ()) -> bytes:
    """An .xlsx with these sheets: (name, headings, rows). `title_rows` go above the headings."""
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, headings, rows in sheets:
        sheet = book.create_sheet(name)
        for title in title_rows:
            sheet.append([title])
        sheet.append(list(headings))
        for row in rows:
            sheet.append([row.get(heading) for heading in headings])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def childrens_home(urn: object, name: str, **fields: object) -> dict[str, object]:
    row: dict[str, object] = {
        "Local Authority": "Southwark", "URN": urn, "Provider Type": "Children's Home",
        "Provider Subtype": "Children's home", "Sector": "Private", "Setting Name": name,
        "Registration Date": dt.datetime(2019, 4, 1), "Provider Status": "Active",
        "Closed Date": "-", "Provider Code": "PR4", "Provider Placement Code": "K2",
        "Max Users": 4, "Full Inspection Start Date": dt.datetime(2024, 10, 8),
        "Overall Effectiveness": "Good", "Setting Address Postcode": SE15.lower(),
        "Owner Name": "Brightwater Care Ltd",
    }  # fmt: skip
    row.update(fields)
    return row


def childrens_homes_workbook(
    rows: Sequence[dict[str, object]],
    *,
    headings: Sequence[str] = CHILDRENS_HOMES_HEADINGS,
    sheet: str = "Provider information",
    title_rows: Sequence[str] = (),
) -> bytes:
    conditions = ("Registration Conditions", ["Local Authority", "URN", "Conditions"], [])
    return workbook((sheet, headings, rows), conditions, title_rows=title_rows)


def social_care_provider(urn: object, name: str, **fields: object) -> dict[str, object]:
    row: dict[str, object] = {
        "URN": urn, "Provision type": "Independent Fostering Agency", "Setting name": name,
        "Registration status": "Active", "Setting postcode": SE1, "Organisation name": "Kith Ltd",
        "Local authority": "Lambeth", "Region": "London", "Sector": "Private",
        "Placement code": "U4/U5/U6", "Placement provider code": "PR4",
        "Date of last full inspection": dt.datetime(2023, 6, 12),
        "Latest overall Effectiveness grade from last full inspection": "Outstanding",
        "Maximum fostering places": 120, "Top company (as listed on Companies' House)": "Kith Group",
    }  # fmt: skip
    row.update(fields)
    return row


def social_care_workbook(
    current: Sequence[dict[str, object]],
    closed: Sequence[dict[str, object]] = (),
    *,
    closed_year: str = "2024-25",
) -> bytes:
    closed_rows = []
    for row in closed:
        # The closed sheet spells one heading in lower case: the reader must not mind.
        closed_row = dict(row)
        grade = closed_row.pop("Latest overall Effectiveness grade from last full inspection", None)
        closed_row["Latest overall effectiveness grade from last full inspection"] = grade
        closed_rows.append(closed_row)
    return workbook(
        ("Current providers", SOCIAL_CARE_HEADINGS, current),
        (f"Providers closed in {closed_year}", SOCIAL_CARE_CLOSED_HEADINGS, closed_rows),
    )


def combined_provider(urn: object, name: str, **fields: object) -> dict[str, object]:
    row: dict[str, object] = {
        "Local authority": "Kent", "URN": urn, "Provider type": "Children's home",
        "Provider subtype": "Children's home", "Sector": "Voluntary", "Provider name": name,
        "Registration date": dt.datetime(2021, 9, 1), "Registration status": "Registered",
        "Placement code": "K2", "Provider postcode": MAIDSTONE, "Owner name": "Oak Trust",
        "top_company": "Oak Holdings", "Placement provider code": "PR5",
        "Date of last full inspection": dt.datetime(2025, 2, 3),
        "Overall effectiveness": "Requires improvement to be good",
        "Number of registered places": 3,
    }  # fmt: skip
    row.update(fields)
    return row


def supported_accommodation(urn: object, name: str, **fields: object) -> dict[str, object]:
    row: dict[str, object] = {
        "Provider local authority": "Leeds", "Setting Local Authority": "Leeds", "URN": urn,
        "Provider type": "Supported accommodation", "Sector": "Private", "Provider name": name,
        "Registration date": dt.datetime(2024, 4, 28), "Registration status": "Registered",
        "Placement code": "K3", "Setting status": "Active", "Capacity": 6,
        "Setting address postcode": LEEDS, "Owner name": "Step Up Homes",
    }  # fmt: skip
    row.update(fields)
    return row


def combined_workbook(
    providers: Sequence[dict[str, object]],
    supported: Sequence[dict[str, object]] = (),
) -> bytes:
    return workbook(
        ("Providers", COMBINED_HEADINGS, providers),
        ("SA Providers", SUPPORTED_ACCOMMODATION_HEADINGS, supported),
    )
