"""SSDA903 code lists, with the dates each code was valid from and to.

A code is valid for an episode when it was valid in the collection year (1 April to 31 March)
in which the episode started (docs/ssda903.md#codes-by-collection-year). Codes with no start date are accepted back to the
beginning of any history we may be given.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

Date = dt.date


def collection_year_start(day: Date) -> Date:
    """1 April of the collection year containing `day`."""
    year = day.year if day.month >= 4 else day.year - 1
    return dt.date(year, 4, 1)


def last_month_end(today: Date) -> Date:
    """The last day of the month before `today`: the default as-at date of an extract."""
    return today.replace(day=1) - dt.timedelta(days=1)


@dataclass(frozen=True)
class Validity:
    valid_from: Date | None = None  # first DECOM for which the code may be used
    valid_to: Date | None = None  # last DECOM for which the code may be used


ALWAYS = Validity()

RNE = {"S", "L", "P", "B", "T", "U"}
RNE_NEW_PLACEMENT = {"S", "P", "B"}
RNE_SAME_PLACEMENT = {"L", "T", "U"}

LEGAL_STATUS = {"C1", "C2", "D1", "E1", "J1", "J2", "J3", "L1", "L2", "L3", "V2", "V3", "V4"}
SHORT_BREAK_LEGAL_STATUS = {"V3", "V4"}

CATEGORY_OF_NEED = {f"N{i}" for i in range(1, 9)}

PLACEMENT: dict[str, Validity] = {
    **{code: ALWAYS for code in ("A3", "A4", "A5", "A6")},
    "H5": Validity(valid_to=dt.date(2025, 3, 31)),
    "K1": ALWAYS,
    "K2": ALWAYS,
    "K3": Validity(valid_from=dt.date(2024, 4, 1)),
    "P1": ALWAYS,
    "P2": Validity(valid_to=dt.date(2023, 10, 28)),
    "P3": ALWAYS,
    **{code: ALWAYS for code in ("R1", "R2", "R3", "R5", "S1")},
    **{f"T{i}": ALWAYS for i in range(0, 5)},
    **{f"U{i}": ALWAYS for i in range(1, 7)},
    "Z1": Validity(valid_to=dt.date(2025, 3, 31)),
    **{f"Z1{i}": Validity(valid_from=dt.date(2025, 4, 1)) for i in range(1, 5)},
}
TEMPORARY_PLACEMENTS = {f"T{i}" for i in range(0, 5)}
OTHER_PLACEMENTS = {"Z1", "Z11", "Z12", "Z13", "Z14"}
# Placements for which the 903 expects no provider code.
NO_PROVIDER_PLACEMENTS = TEMPORARY_PLACEMENTS | OTHER_PLACEMENTS
# Placements for which no Ofsted URN is expected (parents, independent living, residential
# employment, NHS and young offender establishments, care homes, temporary, other): the DfE's
# rules 218 and 222. Ofsted does not register these settings as children's social care.
NO_URN_PLACEMENTS = NO_PROVIDER_PLACEMENTS | {"P1", "P2", "P3", "R1", "R2", "R5"}

PLACE_PROVIDER = {"PR0", "PR1", "PR2", "PR3", "PR4", "PR5"}

CONTINUES_IN_CARE = "X1"
REASON_CEASED: dict[str, Validity] = {
    **{
        code: ALWAYS
        for code in (
            "X1", "E11", "E12", "E2", "E3", "E4A", "E4B", "E13", "E41", "E45", "E46",
            "E47", "E48", "E5", "E6", "E7", "E8", "E9", "E14", "E15", "E16", "E17",
        )
    },
    # Codes retired from the return but found in older histories (docs/ssda903.md#retired-codes).
    **{
        code: Validity(valid_to=dt.date(2016, 3, 31))
        for code in ("E1", "E4", "E43", "E44", "E10")
    },
}  # fmt: skip

REASON_PLACE_CHANGE = {
    "CARPL", "CLOSE", "ALLEG", "STAND", "APPRR", "CREQB", "CREQO", "CHILD", "LAREQ",
    "PLACE", "CUSTOD", "OTHER",
}  # fmt: skip

SEX = {"1", "2", "M", "F", "U"}

ETHNICITY = {
    "WBRI", "WIRI", "WOTH", "WIRT", "WROM", "MWBC", "MWBA", "MWAS", "MOTH", "AIND", "APKN",
    "ABAN", "AOTH", "BCRB", "BAFR", "BOTH", "CHNE", "OOTH", "REFU", "NOBT",
}  # fmt: skip

URN_NOT_REGISTERED = "XXXXXXX"
# PL_DISTANCE value meaning "not known".
DISTANCE_NOT_KNOWN = 999.9

# Short plain-English names of the placement types, for lists (the 903 guidance's wording,
# shortened).
PLACEMENT_LABELS = {
    "A3": "Placed for adoption with consent, with current foster carer",
    "A4": "Placed for adoption with consent, not with current foster carer",
    "A5": "Placed for adoption with placement order, with current foster carer",
    "A6": "Placed for adoption with placement order, not with current foster carer",
    "H5": "Semi-independent living accommodation",
    "K1": "Secure children's home",
    "K2": "Children's home",
    "K3": "Supported accommodation (16+)",
    "P1": "Placed with parents",
    "P2": "Independent living",
    "P3": "Residential employment",
    "R1": "Residential care home",
    "R2": "NHS or health trust establishment",
    "R3": "Family centre or mother and baby unit",
    "R5": "Young offender institution",
    "S1": "All residential schools",
    "T0": "Temporary move (other)",
    "T1": "Temporary: in hospital",
    "T2": "Temporary: child on holiday",
    "T3": "Temporary: while carer on holiday",
    "T4": "Temporary: seven days or less",
    "U1": "Foster placement with relative or friend: long term",
    "U2": "Foster placement with relative or friend (FFA or concurrent)",
    "U3": "Foster placement with relative or friend: not long term or FFA",
    "U4": "Foster placement with other carer: long term",
    "U5": "Foster placement with other carer (FFA or concurrent)",
    "U6": "Foster placement with other carer: not long term or FFA",
    "Z1": "Other placement",
    "Z11": "Other placement: unregulated",
    "Z12": "Other placement: unregistered",
    "Z13": "Other placement: awaiting registration",
    "Z14": "Other placement: other",
}
PROVIDER_LABELS = {
    "PR0": "Parent or other person with parental responsibility",
    "PR1": "Own local authority",
    "PR2": "Other local authority",
    "PR3": "Other public provision",
    "PR4": "Private provision",
    "PR5": "Voluntary or third sector",
}
