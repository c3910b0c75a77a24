"""The supply side of a synthetic history: foster carer households, weekly placement costs and
an Ofsted provider workbook, consistent with the synthetic children's episodes.

Nothing here is real but the postcodes and the names of local authorities and regions. Every
choice is drawn from one `numpy.random.Generator` seeded from a child of the history's seed
sequence, never from the history's own stream: asking for the supply side changes no byte of
the 903 extracts, and the same history always gets the same supply side.

Foster carers (README, "Foster carers extract"). In the synthetic 903 a foster placement's
PL_POST stands for where its carers live, so a household's POSTCODE_SECTOR is that of the
first placement it took, and it takes only children placed nearby (`_pool_area`: the same
agency URN, the same postcode district for kinship and short breaks, the same postcode area
for in-house carers, since the 903 has far fewer foster postcodes than households).
Placements are taken in the order they start; each goes to a nearby household that is
approved on its DECOM, still taking children and has a free place (the one the child was with
before, else one already looking after a child), else to a household approved for it a little
earlier. So every household is approved before its first child arrives and deregisters only
after its last child leaves, in-house households end up approved for the most children they
ever had at once, and the spare places (households waiting for a first child, places left
when a child moves on, short-break carers between stays) leave the in-house service about 70
to 80% full (mainstream carers a little fuller), with about one mainstream household per two
in-house foster placements (U4-U6 with PR1). Kinship carers are approved per child (a few
take two or three, as siblings would be), so they are nearly as many as mainstream ones.

- In-house fostering (U4-U6 with PR1): MAINSTREAM households (a few PARENT_AND_CHILD, approved
  for children of 12 and over), approved a few weeks before their first child and serving
  about ten years, or less when left without a child for months (`_POOLS`). A household whose child it adopted or took on a special guardianship order
  (A3/A5, or E45) deregisters soon after ("Adopted/SGO").
- Kinship (U1-U3): CONNECTED households, approved on or just before the placement (temporary
  approval of a connected person) and deregistered soon after the child leaves.
- Short breaks (V3/V4 in U6 with PR1): SHORT_BREAKS households, each child back with the same
  carers each stay.
- Agency fostering (U4-U6 with PR4/PR5): AGENCY households carrying the agency's URN; the
  authority knows them only through its own children, so some never show a deregistration.

Costs (README, "Placement costs extract"): one weekly cost per placement, the same on each of
its episodes, drawn within the national-like range of its group (`COST_RANGES`, at 2025-26
prices) and raised by `PRICE_RISE` a year for placements that started in later collection
years (lowered for earlier ones). Fostering allowances rise with the child's age; a provider's
placements cost about the provider's own rate; a few children's homes charge `HIGH_COST_HOMES`.
About `MISSING_COST_SHARE` of placements have no cost, so coverage is visibly partial.

Providers: the 2025 combined list (sheets "Providers" and "SA Providers", Ofsted's headers)
with every URN the episodes use, typed, named and placed as its placements are, plus some
children's homes near the authority that it does not use.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd

from placements import postcodes
from placements.ssda903 import codes
from placements.synthetic import SyntheticHistory, surroundings

CARERS_FILE = "carers.csv"
COSTS_FILE = "costs.csv"
PROVIDERS_FILE = "providers.xlsx"

CARER_COLUMNS = [
    "CARER_ID", "CARER_TYPE", "PROVISION", "AGENCY_URN", "APPROVAL_DATE", "DEREGISTRATION_DATE",
    "DEREGISTRATION_REASON", "APPROVED_PLACES", "AGE_FROM", "AGE_TO", "POSTCODE_SECTOR",
]  # fmt: skip
COST_COLUMNS = ["CHILD", "DECOM", "WEEKLY_COST"]
EPISODE_SUPPLY_COLUMNS = ["CARER_ID", "WEEKLY_COST"]

PROVIDERS_SHEET = "Providers"
SA_PROVIDERS_SHEET = "SA Providers"
# Ofsted's headers of the 2025 combined list, in its order (README: "Ofsted provider lists").
PROVIDER_HEADERS = [
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
SA_PROVIDER_HEADERS = [
    "Provider local authority", "Setting Local Authority", "URN", "Provider type", "Sector",
    "Provider name", "Registration date", "Registration status", "Closed date", "Placement code",
    "Setting status", "Setting status date", "Setting category", "Capacity",
    "Setting address line 1", "Setting address line 2", "Setting address line 3",
    "Setting address town", "Setting address county", "Setting address postcode",
    "Provider telephone number", "Provider email address", "Owner type", "Owner ID",
    "Owner name", "Owner address line 1", "Owner address line 2", "Owner town", "Owner county",
    "Owner postcode", "Conditions",
]  # fmt: skip

SECTOR_BY_PROVIDER = {
    "PR1": "Local Authority",
    "PR2": "Local Authority",
    "PR4": "Private",
    "PR5": "Voluntary",
}
GRADES = ("Outstanding", "Good", "Requires improvement to be good", "Inadequate")
# Latest full inspection grades, about as Ofsted reports them for children's homes and
# fostering agencies.
_GRADE_SHARES = (0.20, 0.63, 0.14, 0.03)
REGISTERED = "Registered"
SA_ACTIVE = "Active"
CLOSED = "Closed"

# Weekly cost ranges (pounds, 2025-26 prices) per placement group; see `cost_group`.
COST_RANGES: dict[str, tuple[float, float]] = {
    "kinship_fostering": (250, 400),
    "in_house_fostering": (450, 650),
    "agency_fostering": (900, 1300),
    "childrens_home": (5000, 9000),
    "secure_home": (8000, 14000),
    "supported_16_plus": (1000, 2500),
    "other_residential": (2500, 6000),
    "placed_for_adoption": (100, 300),
    "placed_with_parents": (50, 150),
    "health_or_custody": (100, 400),
    "other": (200, 800),
}
HIGH_COST_HOMES = (12000.0, 16000.0)
_HIGH_COST_HOME_SHARE = 0.07
PRICE_YEAR = 2025  # COST_RANGES are for placements starting in the 2025-26 collection year
PRICE_RISE = 0.04
MISSING_COST_SHARE = 0.03

# The supply side's own stream: a child of the history's seed sequence (module docstring).
_SUPPLY_STREAM = 5
_OPEN = 10**9  # the end day of a placement still open at the as-at date
_EPOCH = dt.date(1970, 1, 1)
_YEAR = 365.25
_FOSTER = frozenset(f"U{i}" for i in range(1, 7))
_KINSHIP = frozenset({"U1", "U2", "U3"})
_WITH_CARERS = frozenset({"A3", "A5"})  # placed for adoption with the current foster carers
# A placement ending like this ended with the carers adopting the child or taking an SGO.
_KEPT_BY_CARERS = frozenset({"E11", "E12", "E45", "E47", "E48"})


# --- Placements --------------------------------------------------------------------------------


def placement_numbers(episodes: pd.DataFrame) -> pd.Series:
    """The placement each episode belongs to (docs/periods-and-placements.md#placements), numbered from 0 in row order.

    `episodes` sorted by CHILD and DECOM. A placement starts with RNE S, P or B; a temporary
    placement (T0-T4) and the episode returning from it continue the placement before them.
    """
    temporary = episodes["PLACE"].isin(codes.TEMPORARY_PLACEMENTS)
    same_child = episodes["CHILD"].eq(episodes["CHILD"].shift())
    after_temporary = temporary.shift(fill_value=False) & same_child
    new = episodes["RNE"].isin(["S", "P", "B"]) & ~temporary & ~after_temporary
    return new.cumsum() - 1


def _days(values: pd.Series) -> np.ndarray:
    return values.to_numpy().astype("datetime64[D]").astype(np.int64)


def _placements(history: SyntheticHistory) -> tuple[pd.Series, pd.DataFrame]:
    """Placement number per episode, and one row per placement with what supply needs."""
    episodes = history.episodes
    number = placement_numbers(episodes)
    decom = _days(episodes["DECOM"])
    dec = episodes["DEC"].to_numpy().astype("datetime64[D]")
    end = np.where(np.isnat(dec), _OPEN, dec.astype(np.int64))
    frame = pd.DataFrame(
        {
            "number": number.to_numpy(),
            "start": decom,
            "end": end,
            "with_carers": episodes["PLACE"].isin(_WITH_CARERS).to_numpy(),
        }
    )
    grouped = frame.groupby("number", sort=True)
    first = episodes.groupby(number.to_numpy(), sort=True).head(1).reset_index(drop=True)
    last = episodes.groupby(number.to_numpy(), sort=True).tail(1).reset_index(drop=True)
    children = history.children.set_index("CHILD")
    dob = _days(first["CHILD"].map(children["DOB"]))
    placements = pd.DataFrame(
        {
            "CHILD": first["CHILD"].to_numpy(),
            "PLACE": first["PLACE"].to_numpy(),
            "PLACE_PROVIDER": first["PLACE_PROVIDER"].to_numpy(),
            "URN": first["URN"].to_numpy(),
            "LS": first["LS"].to_numpy(),
            "start": grouped["start"].min().to_numpy(),
            "end": grouped["end"].max().to_numpy(),
            "age": (grouped["start"].min().to_numpy() - dob) / _YEAR,
            "girl": first["CHILD"].map(children["SEX"]).eq(2).to_numpy(),
            "kept_by_carers": grouped["with_carers"].any().to_numpy()
            | last["REC"].isin(_KEPT_BY_CARERS).to_numpy(),
        }
    )
    return number, placements


def foster_pool(place: str, provider: str, legal_status: str) -> str:
    """Which kind of household a placement's carers are: "kinship", "short_breaks",
    "in_house" or "agency"; "" for a placement that is not with foster carers."""
    if place in _KINSHIP:
        return "kinship"
    if place not in _FOSTER:
        return ""
    if provider == "PR1":
        return "short_breaks" if legal_status in codes.SHORT_BREAK_LEGAL_STATUS else "in_house"
    if provider in ("PR4", "PR5"):
        return "agency"
    return ""


# --- Foster carer households -------------------------------------------------------------------


@dataclass(frozen=True)
class _PoolSpec:
    provision: str
    carer_type: str
    lead: tuple[int, float]  # approved this many days before its first child: min + exponential
    idle: tuple[int, int]  # days it stays approved with no child before it deregisters
    service_years: float | None  # median years taking children; None: while its child stays
    places: tuple[float, float, float]  # chances of room for 1, 2 and 3 children
    # In-house households end up approved for as many children as they ever had at once, plus
    # a spare place with this chance (their service matched the approval to them); None: the
    # room drawn is the approval (agency households, whose other places other councils use).
    spare: float | None
    reuse: float  # chance a free place in an approved household is taken, not a new household
    reasons: tuple[tuple[str, float], ...]  # deregistration reasons, other than "Adopted/SGO"


_ADOPTED_OR_SGO = "Adopted/SGO"
_POOLS: dict[str, _PoolSpec] = {
    "in_house": _PoolSpec(
        "IN_HOUSE", "MAINSTREAM", (7, 45), (30, 180), 10.0, (0.05, 0.25, 0.70), 0.05, 1.0,
        (("Retired", 0.34), ("Change in circumstances", 0.30), ("Transferred to agency", 0.16),
         ("Moved out of area", 0.12), ("Standards concerns", 0.08)),
    ),
    "kinship": _PoolSpec(
        "IN_HOUSE", "CONNECTED", (0, 10), (7, 60), None, (0.30, 0.45, 0.25), 0.0, 0.9,
        (("Change in circumstances", 0.92), ("Standards concerns", 0.08)),
    ),
    "short_breaks": _PoolSpec(
        "IN_HOUSE", "SHORT_BREAKS", (30, 200), (400, 900), 8.0, (0.45, 0.55, 0.0), None, 1.0,
        (("Retired", 0.45), ("Change in circumstances", 0.40), ("Moved out of area", 0.15)),
    ),
    "agency": _PoolSpec(
        "AGENCY", "MAINSTREAM", (60, 900), (90, 540), 8.0, (0.30, 0.45, 0.25), None, 0.5,
        (("Retired", 0.30), ("Change in circumstances", 0.40), ("Moved out of area", 0.20),
         ("Standards concerns", 0.10)),
    ),
}  # fmt: skip
# Age ranges a mainstream household is approved for, and how often (one containing the age of
# the child it is approved for is chosen).
_AGE_RANGES = (((0, 18), 0.55), ((0, 11), 0.12), ((0, 5), 0.05), ((5, 18), 0.10), ((11, 18), 0.18))
_PARENT_AND_CHILD_CHANCE = 0.25  # of new households for a girl of 14 or over
_SPECIALIST_CHANCE = 0.12  # of new agency households for a child of 11 or over
_AGENCY_DEREGISTRATION_KNOWN = 0.9
# New in-house households approved in the last months and waiting for a first child, per
# in-house household looking after a child at the as-at date.
_AWAITING_FIRST_CHILD = 0.04


@dataclass
class _Household:
    pool: str
    urn: str
    carer_type: str
    approval: int
    closes: int  # from this day it takes a new child only while it has one (plans to stop)
    room: int  # children it can take at once
    age_from: int | None
    age_to: int | None
    order: int
    idle_limit: int
    starts: list[int] = field(default_factory=list)
    ends: list[int] = field(default_factory=list)
    children: set[str] = field(default_factory=set)
    last_end: int = -_OPEN
    kept_last_child: bool = False

    def takes(self, day: int, age: float) -> bool:
        busy = any(end > day for end in self.ends)
        if day < self.approval or (day >= self.closes and not busy):
            return False  # carers near the end of their service take no child once empty
        if not busy and self.ends and self.last_end + self.idle_limit < day:
            return False  # no child for too long: it has given up fostering
        if self.age_from is not None and self.age_to is not None:
            if not self.age_from <= int(age) <= self.age_to:
                return False
        return sum(end > day for end in self.ends) < self.room

    def most_at_once(self) -> int:
        """The most children it ever had at the same time."""
        return max(
            (
                sum(s <= start < e for s, e in zip(self.starts, self.ends, strict=True))
                for start in self.starts
            ),
            default=0,
        )


class _Carers:
    """Households created as placements need them (module docstring)."""

    def __init__(self, rng: np.random.Generator, as_at_day: int) -> None:
        self.rng = rng
        self.as_at_day = as_at_day
        self.by_area: dict[tuple[str, str], list[_Household]] = {}
        self.households: list[_Household] = []

    def place(
        self,
        pool: str,
        urn: str,
        *,
        area: str,
        child: str,
        start: int,
        end: int,
        age: float,
        girl: bool,
        kept_by_carers: bool,
    ) -> int:
        """The household (its `order`) that takes this placement."""
        spec = _POOLS[pool]
        households = self.by_area.setdefault((pool, area), [])
        candidates = [h for h in households if h.takes(start, age)]
        chosen = None
        if candidates and self.rng.random() < spec.reuse:
            # Back to carers the child knows; else to the carers looking after most children
            # who still have room (those at the placement's own URN first); else to a
            # household waiting for a child, which gives up after a while without one.
            returning = [h for h in candidates if child in h.children]
            placed = {id(h): sum(end > start for end in h.ends) for h in candidates}
            most = max(placed.values())
            busy = [h for h in candidates if most and placed[id(h)] == most]
            for pick in (returning, [h for h in busy if h.urn == urn], busy, candidates):
                if pick:
                    chosen = pick[int(self.rng.random() * len(pick))]
                    break
        if chosen is None:
            chosen = self.new(pool, urn, start, end, age=age, girl=girl)
            households.append(chosen)
        chosen.starts.append(start)
        chosen.ends.append(end)
        chosen.children.add(child)
        if end >= chosen.last_end:
            chosen.last_end = end
            chosen.kept_last_child = kept_by_carers
        if kept_by_carers and end < _OPEN:
            # The carers adopted the child or took an SGO: they foster no more.
            chosen.closes = min(chosen.closes, end)
        return chosen.order

    def new(
        self, pool: str, urn: str, start: int, end: int, *, age: float, girl: bool
    ) -> _Household:
        rng = self.rng
        spec = _POOLS[pool]
        low, mean = spec.lead
        approval = start - low - int(rng.exponential(mean)) if mean else start - low
        if spec.service_years is None:
            # A connected person is approved for this child, and for no other after it leaves.
            closes = end + int(rng.integers(7, 61)) if end < _OPEN else _OPEN
        else:
            years = rng.lognormal(math.log(spec.service_years), 0.6)
            closes = max(approval + int(years * _YEAR), start + 30)
        room = 1 + int(rng.choice(3, p=spec.places))
        carer_type = spec.carer_type
        age_from: int | None = None
        age_to: int | None = None
        if pool in ("in_house", "agency"):
            chance = _PARENT_AND_CHILD_CHANCE if girl and age >= 14 else 0.0
            if pool == "in_house" and age >= 12:
                # Parent-and-child carers take older children between mothers and babies.
                chance = max(chance, 0.08)
            if rng.random() < chance:
                carer_type = "PARENT_AND_CHILD"
                age_from, age_to = 12, 18
            elif pool == "agency" and age >= 11 and rng.random() < _SPECIALIST_CHANCE:
                carer_type = "SPECIALIST"
                age_from, age_to = 8, 18
            else:
                fitting = [(r, w) for r, w in _AGE_RANGES if r[0] <= int(age) <= r[1]]
                weights = np.array([w for _, w in fitting])
                chosen = int(rng.choice(len(fitting), p=weights / weights.sum()))
                age_from, age_to = fitting[chosen][0]
        elif pool == "short_breaks":
            age_from, age_to = 4, 18
        household = _Household(
            pool=pool,
            urn=urn,
            carer_type=carer_type,
            approval=approval,
            closes=closes,
            room=room,
            age_from=age_from,
            age_to=age_to,
            order=len(self.households),
            idle_limit=int(rng.integers(spec.idle[0], spec.idle[1] + 1)),
        )
        self.households.append(household)
        return household

    def awaiting_first_child(self, urns: list[str], area_of: dict[str, str]) -> None:
        """New in-house households approved in the last months, with no child yet."""
        busy = sum(1 for h in self.households if h.pool == "in_house" and h.last_end >= _OPEN)
        count = int(self.rng.poisson(_AWAITING_FIRST_CHILD * max(busy, 10)))
        for _ in range(count if urns else 0):
            urn = urns[int(self.rng.random() * len(urns))]
            start = self.as_at_day + 1
            age = self.rng.random() * 17
            household = self.new("in_house", urn, start, _OPEN, age=age, girl=False)
            household.approval = self.as_at_day - int(self.rng.integers(7, 270))
            household.closes = _OPEN
            self.by_area.setdefault(("in_house", area_of.get(urn, urn)), []).append(household)

    def approved_places(self, household: _Household) -> int:
        spare = _POOLS[household.pool].spare
        if spare is None:
            return household.room
        extra = int(self.rng.random() < spare)
        return max(1, min(3, household.most_at_once() + extra))

    def deregistration(self, household: _Household) -> tuple[int | None, str]:
        """When and why the household left, or (None, "") while it is approved."""
        rng = self.rng
        spec = _POOLS[household.pool]
        if household.last_end >= _OPEN:
            return None, ""
        if household.kept_last_child and household.last_end > -_OPEN:
            day, reason = household.last_end + int(rng.integers(0, 46)), _ADOPTED_OR_SGO
        else:
            left = household.last_end + int(rng.integers(1, 61))
            closes = household.closes
            if household.ends:
                closes = min(closes, household.last_end + household.idle_limit)
            day = max(closes, left)
            labels = [label for label, _ in spec.reasons]
            weights = np.array([weight for _, weight in spec.reasons])
            reason = labels[int(rng.choice(len(labels), p=weights / weights.sum()))]
        if day > self.as_at_day or day >= _OPEN:
            return None, ""
        if spec.provision == "AGENCY" and rng.random() >= _AGENCY_DEREGISTRATION_KNOWN:
            # The authority hears of an agency household's deregistration only sometimes.
            return None, ""
        return day, reason


def _carers(
    rng: np.random.Generator, history: SyntheticHistory, placements: pd.DataFrame
) -> tuple[pd.DataFrame, np.ndarray]:
    """The carers extract (CARER_COLUMNS, text) and the CARER_ID of each placement ("")."""
    as_at_day = (history.as_at - _EPOCH).days
    pools = np.array(
        [
            foster_pool(place, provider, status)
            for place, provider, status in zip(
                placements["PLACE"], placements["PLACE_PROVIDER"], placements["LS"], strict=True
            )
        ],
        dtype=object,
    )
    carers = _Carers(rng, as_at_day)
    household_of = np.full(len(placements), -1)
    fostered = np.flatnonzero(pools != "")
    # In the order placements start: a household is filled before the next one is approved.
    fostered = fostered[np.argsort(placements["start"].to_numpy()[fostered], kind="stable")]
    columns = {
        name: placements[name].to_numpy()
        for name in ("CHILD", "URN", "start", "end", "age", "girl", "kept_by_carers")
    }
    sector_of = _sectors(history)
    district_of = {urn: sector.split(" ")[0] for urn, sector in sector_of.items()}
    area_of = {urn: district.rstrip("0123456789") for urn, district in district_of.items()}
    for index in fostered:
        pool, urn = str(pools[index]), str(columns["URN"][index])
        household_of[index] = carers.place(
            pool,
            urn,
            area=_pool_area(pool, urn, district_of, area_of),
            child=str(columns["CHILD"][index]),
            start=int(columns["start"][index]),
            end=int(columns["end"][index]),
            age=float(columns["age"][index]),
            girl=bool(columns["girl"][index]),
            kept_by_carers=bool(columns["kept_by_carers"][index]),
        )
    in_house_urns = sorted(set(columns["URN"][fostered][pools[fostered] == "in_house"]))
    carers.awaiting_first_child(in_house_urns, area_of)

    households = carers.households
    ids: dict[int, str] = {}
    for provision, prefix in (("IN_HOUSE", "FC"), ("AGENCY", "AF")):
        mine = [h for h in households if _POOLS[h.pool].provision == provision]
        mine.sort(key=lambda h: (h.approval, h.order))
        for number, household in enumerate(mine, start=1):
            ids[household.order] = f"{prefix}{number:05d}"
    rows = []
    for household in sorted(households, key=lambda h: ids[h.order]):
        provision = _POOLS[household.pool].provision
        leaves, reason = carers.deregistration(household)
        places = carers.approved_places(household)
        rows.append(
            {
                "CARER_ID": ids[household.order],
                "CARER_TYPE": household.carer_type,
                "PROVISION": provision,
                "AGENCY_URN": household.urn if provision == "AGENCY" else "",
                "APPROVAL_DATE": _text_date(household.approval),
                "DEREGISTRATION_DATE": "" if leaves is None else _text_date(leaves),
                "DEREGISTRATION_REASON": reason,
                "APPROVED_PLACES": str(places),
                "AGE_FROM": "" if household.age_from is None else str(household.age_from),
                "AGE_TO": "" if household.age_to is None else str(household.age_to),
                "POSTCODE_SECTOR": sector_of.get(household.urn, ""),
            }
        )
    carer_of_placement = np.array(
        ["" if order < 0 else ids[int(order)] for order in household_of], dtype=object
    )
    return pd.DataFrame(rows, columns=CARER_COLUMNS), carer_of_placement


def _pool_area(pool: str, urn: str, district_of: dict[str, str], area_of: dict[str, str]) -> str:
    """Which households may take a placement at `urn` (module docstring, "Foster carers").

    The synthetic 903 has few distinct foster postcodes (a few dozen in-house URNs for
    hundreds of children), so households of one URN alone would mostly stand half empty:
    in-house carers take children placed anywhere in their postcode area (SE), kinship and
    short-break carers in their postcode district (SE15), agency carers only at their agency's
    URN.
    """
    if pool == "in_house":
        return area_of.get(urn, urn)
    if pool in ("kinship", "short_breaks"):
        return district_of.get(urn, urn)
    return urn


def _sectors(history: SyntheticHistory) -> dict[str, str]:
    """Postcode sector of each registered provider's true postcode ("SE15 5AB" -> "SE15 5")."""
    providers = history.providers
    registered = providers[providers["URN"] != codes.URN_NOT_REGISTERED]
    return {
        str(urn): str(postcode)[:-2]
        for urn, postcode in zip(registered["URN"], registered["POSTCODE"], strict=True)
        if postcode
    }


def _text_date(day: int) -> str:
    return (_EPOCH + dt.timedelta(days=int(day))).strftime("%d/%m/%Y")


# --- Costs -------------------------------------------------------------------------------------

_COST_GROUP_BY_PLACE = {
    "K2": "childrens_home",
    "K1": "secure_home",
    "H5": "supported_16_plus",
    "K3": "supported_16_plus",
    "P2": "supported_16_plus",
    "R1": "other_residential",
    "S1": "other_residential",
    "R3": "other_residential",
    "A3": "placed_for_adoption",
    "A4": "placed_for_adoption",
    "A5": "placed_for_adoption",
    "A6": "placed_for_adoption",
    "P1": "placed_with_parents",
    "R2": "health_or_custody",
    "R5": "health_or_custody",
    "P3": "health_or_custody",
}
# Groups whose cost is the provider's own rate, give or take.
_PROVIDER_RATED = frozenset(
    {"agency_fostering", "childrens_home", "secure_home", "supported_16_plus", "other_residential"}
)


def cost_group(place: str, provider: str) -> str:
    """The `COST_RANGES` group of a placement, from its first episode's PLACE and provider."""
    if place in _KINSHIP:
        return "kinship_fostering"
    if place in _FOSTER:
        return "agency_fostering" if provider in ("PR4", "PR5") else "in_house_fostering"
    return _COST_GROUP_BY_PLACE.get(place, "other")


def price_index(collection_year_start: int) -> float:
    """Prices of the collection year starting in April `collection_year_start`, as a multiple
    of `PRICE_YEAR`'s."""
    return float((1 + PRICE_RISE) ** (collection_year_start - PRICE_YEAR))


def collection_year_starts(days: np.ndarray) -> np.ndarray:
    """The year of the 1 April starting the collection year of each day (days since 1970)."""
    dates = pd.DatetimeIndex(np.asarray(days, dtype="datetime64[D]"))
    return np.where(dates.month >= 4, dates.year, dates.year - 1)


def _costs(rng: np.random.Generator, placements: pd.DataFrame) -> np.ndarray:
    """Weekly cost of each placement in pounds, NaN for the few with no cost recorded."""
    size = len(placements)
    groups = np.array(
        [
            cost_group(place, provider)
            for place, provider in zip(
                placements["PLACE"], placements["PLACE_PROVIDER"], strict=True
            )
        ],
        dtype=object,
    )
    low = np.array([COST_RANGES[group][0] for group in groups], dtype=float)
    high = np.array([COST_RANGES[group][1] for group in groups], dtype=float)
    position = rng.random(size)
    # Fostering allowances rise with the child's age.
    fostering = np.isin(groups, ["kinship_fostering", "in_house_fostering"])
    by_age = 0.65 * np.clip(placements["age"].to_numpy() / 18, 0, 1) + 0.35 * rng.random(size)
    position = np.where(fostering, by_age, position)
    # A provider's placements cost about its own rate; a few children's homes charge far more.
    urns = placements["URN"].to_numpy(dtype=object)
    rated = np.isin(groups, list(_PROVIDER_RATED)) & ~np.isin(urns, ["", codes.URN_NOT_REGISTERED])
    names = sorted(set(urns[rated]))
    base = dict(zip(names, rng.uniform(0.1, 0.9, len(names)), strict=True))
    homes = sorted(set(urns[rated & (groups == "childrens_home")]))
    count = max(1, round(_HIGH_COST_HOME_SHARE * len(homes))) if homes else 0
    dear = set(rng.choice(homes, size=count, replace=False)) if count else set()
    wobble = rng.normal(0, 0.06, size)
    for index in np.flatnonzero(rated):
        urn = urns[index]
        position[index] = min(max(base[urn] + wobble[index], 0.0), 1.0)
        if groups[index] == "childrens_home" and urn in dear:
            low[index], high[index] = HIGH_COST_HOMES
    years = collection_year_starts(placements["start"].to_numpy())
    index = np.array([price_index(int(year)) for year in years])
    cost = np.round((low + position * (high - low)) * index, 2)
    missing = rng.random(size) < MISSING_COST_SHARE
    return np.where(missing, np.nan, cost)


# --- The whole supply side ---------------------------------------------------------------------


@dataclass(frozen=True)
class SyntheticSupply:
    """The supply side of one synthetic history (module docstring).

    `carers`: the carers extract, CARER_COLUMNS as text. `episode_carers` and `episode_costs`:
    the CARER_ID ("" when none) and weekly cost (NaN when not recorded) of each row of
    `history.episodes`, on its index. `providers` / `sa_providers`: the rows of the provider
    workbook's two sheets, under Ofsted's headers (dates as `datetime.date`, blanks None).
    """

    history: SyntheticHistory
    carers: pd.DataFrame
    episode_carers: pd.Series
    episode_costs: pd.Series
    providers: pd.DataFrame
    sa_providers: pd.DataFrame


def generate_supply(history: SyntheticHistory, *, la_name: str | None = None) -> SyntheticSupply:
    """Foster carers, costs and providers for `history`; deterministic for the same history.

    `la_name` is the authority's name as the provider list shows it for settings in its own
    districts (default: the real name of its first district's authority).
    """
    seeds = np.random.SeedSequence(history.seed, spawn_key=(_SUPPLY_STREAM,))
    rng = np.random.default_rng(seeds)
    number, placements = _placements(history)
    carers, carer_of_placement = _carers(rng, history, placements)
    cost_of_placement = _costs(rng, placements)

    episodes = history.episodes
    foster_episode = episodes["PLACE"].isin(_FOSTER).to_numpy()
    episode_carers = pd.Series(
        np.where(foster_episode, carer_of_placement[number.to_numpy()], ""),
        index=episodes.index,
        dtype=object,
    )
    episode_costs = pd.Series(cost_of_placement[number.to_numpy()], index=episodes.index)
    providers, sa_providers = _provider_sheets(rng, history, la_name)
    return SyntheticSupply(
        history=history,
        carers=carers,
        episode_carers=episode_carers,
        episode_costs=episode_costs,
        providers=providers,
        sa_providers=sa_providers,
    )


def episode_columns(supply: SyntheticSupply) -> pd.DataFrame:
    """CARER_ID and WEEKLY_COST as text on the index of the history's episodes, for
    `synthetic.write_extracts(..., extra_episode_columns=...)`."""
    costs = supply.episode_costs
    return pd.DataFrame(
        {
            "CARER_ID": supply.episode_carers,
            "WEEKLY_COST": [_money(value) for value in costs],
        },
        index=costs.index,
    )


def costs_extract(supply: SyntheticSupply) -> pd.DataFrame:
    """The placement costs extract (COST_COLUMNS, text): every episode with a cost."""
    episodes = supply.history.episodes
    known = supply.episode_costs.notna()
    return pd.DataFrame(
        {
            "CHILD": episodes.loc[known, "CHILD"],
            "DECOM": episodes.loc[known, "DECOM"].dt.strftime("%d/%m/%Y"),
            "WEEKLY_COST": [_money(value) for value in supply.episode_costs[known]],
        },
        columns=COST_COLUMNS,
    ).reset_index(drop=True)


def _money(value: float) -> str:
    return "" if value is None or math.isnan(value) else f"{value:.2f}"


@dataclass(frozen=True)
class WrittenSupplyFile:
    path: Path
    rows: int
    description: str  # "112 households (86 in-house)": what the command prints


def write_supply(supply: SyntheticSupply, out_dir: Path) -> list[WrittenSupplyFile]:
    """carers.csv, costs.csv and providers.xlsx in `out_dir`, as at the history's as-at date."""
    out_dir.mkdir(parents=True, exist_ok=True)
    carers = supply.carers
    costs = costs_extract(supply)
    for frame, name in ((carers, CARERS_FILE), (costs, COSTS_FILE)):
        frame.to_csv(out_dir / name, index=False, encoding="utf-8", lineterminator="\r\n")
    write_provider_workbook(supply, out_dir / PROVIDERS_FILE)
    in_house = int((carers["PROVISION"] == "IN_HOUSE").sum())
    episodes = len(supply.history.episodes)
    sa_urns = supply.sa_providers["URN"].nunique()
    return [
        WrittenSupplyFile(
            out_dir / CARERS_FILE, len(carers), f"{len(carers)} households ({in_house} in-house)"
        ),
        WrittenSupplyFile(
            out_dir / COSTS_FILE, len(costs), f"{len(costs)} costs for {episodes} episodes"
        ),
        WrittenSupplyFile(
            out_dir / PROVIDERS_FILE,
            len(supply.providers) + sa_urns,
            f"{len(supply.providers)} providers and {sa_urns} supported accommodation providers",
        ),
    ]


def write_provider_workbook(supply: SyntheticSupply, path: Path) -> None:
    book = openpyxl.Workbook()
    sheets = (
        (book.active, PROVIDERS_SHEET, supply.providers),
        (book.create_sheet(), SA_PROVIDERS_SHEET, supply.sa_providers),
    )
    for sheet, title, frame in sheets:
        sheet.title = title
        sheet.append(list(frame.columns))
        for row in frame.itertuples(index=False):
            sheet.append([_cell(value) for value in row])
    book.properties.creator = "Sufficiency synthetic data"
    book.properties.created = dt.datetime(2025, 1, 1)
    book.save(path)


def _cell(value: object) -> object:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return dt.datetime(value.year, value.month, value.day)
    return value


# --- Providers ---------------------------------------------------------------------------------

# Upper-tier authorities of England with their region (ONS codes and names, Open Government
# Licence), so that a provider's "Local authority" and "Region" are those of its real postcode.
_AUTHORITIES_TEXT = """
E06000001|Hartlepool|North East
E06000002|Middlesbrough|North East
E06000003|Redcar and Cleveland|North East
E06000004|Stockton-on-Tees|North East
E06000005|Darlington|North East
E06000006|Halton|North West
E06000007|Warrington|North West
E06000008|Blackburn with Darwen|North West
E06000009|Blackpool|North West
E06000010|Kingston upon Hull, City of|Yorkshire and The Humber
E06000011|East Riding of Yorkshire|Yorkshire and The Humber
E06000012|North East Lincolnshire|Yorkshire and The Humber
E06000013|North Lincolnshire|Yorkshire and The Humber
E06000014|York|Yorkshire and The Humber
E06000015|Derby|East Midlands
E06000016|Leicester|East Midlands
E06000017|Rutland|East Midlands
E06000018|Nottingham|East Midlands
E06000019|Herefordshire, County of|West Midlands
E06000020|Telford and Wrekin|West Midlands
E06000021|Stoke-on-Trent|West Midlands
E06000022|Bath and North East Somerset|South West
E06000023|Bristol, City of|South West
E06000024|North Somerset|South West
E06000025|South Gloucestershire|South West
E06000026|Plymouth|South West
E06000027|Torbay|South West
E06000030|Swindon|South West
E06000031|Peterborough|East of England
E06000032|Luton|East of England
E06000033|Southend-on-Sea|East of England
E06000034|Thurrock|East of England
E06000035|Medway|South East
E06000036|Bracknell Forest|South East
E06000037|West Berkshire|South East
E06000038|Reading|South East
E06000039|Slough|South East
E06000040|Windsor and Maidenhead|South East
E06000041|Wokingham|South East
E06000042|Milton Keynes|South East
E06000043|Brighton and Hove|South East
E06000044|Portsmouth|South East
E06000045|Southampton|South East
E06000046|Isle of Wight|South East
E06000047|County Durham|North East
E06000049|Cheshire East|North West
E06000050|Cheshire West and Chester|North West
E06000051|Shropshire|West Midlands
E06000052|Cornwall|South West
E06000053|Isles of Scilly|South West
E06000054|Wiltshire|South West
E06000055|Bedford|East of England
E06000056|Central Bedfordshire|East of England
E06000057|Northumberland|North East
E06000058|Bournemouth, Christchurch and Poole|South West
E06000059|Dorset|South West
E06000060|Buckinghamshire|South East
E06000061|North Northamptonshire|East Midlands
E06000062|West Northamptonshire|East Midlands
E06000063|Cumberland|North West
E06000064|Westmorland and Furness|North West
E06000065|North Yorkshire|Yorkshire and The Humber
E06000066|Somerset|South West
E08000001|Bolton|North West
E08000002|Bury|North West
E08000003|Manchester|North West
E08000004|Oldham|North West
E08000005|Rochdale|North West
E08000006|Salford|North West
E08000007|Stockport|North West
E08000008|Tameside|North West
E08000009|Trafford|North West
E08000010|Wigan|North West
E08000011|Knowsley|North West
E08000012|Liverpool|North West
E08000013|St. Helens|North West
E08000014|Sefton|North West
E08000015|Wirral|North West
E08000017|Doncaster|Yorkshire and The Humber
E08000018|Rotherham|Yorkshire and The Humber
E08000021|Newcastle upon Tyne|North East
E08000022|North Tyneside|North East
E08000023|South Tyneside|North East
E08000024|Sunderland|North East
E08000025|Birmingham|West Midlands
E08000026|Coventry|West Midlands
E08000027|Dudley|West Midlands
E08000028|Sandwell|West Midlands
E08000029|Solihull|West Midlands
E08000030|Walsall|West Midlands
E08000031|Wolverhampton|West Midlands
E08000032|Bradford|Yorkshire and The Humber
E08000033|Calderdale|Yorkshire and The Humber
E08000034|Kirklees|Yorkshire and The Humber
E08000035|Leeds|Yorkshire and The Humber
E08000036|Wakefield|Yorkshire and The Humber
E08000037|Gateshead|North East
E08000038|Barnsley|Yorkshire and The Humber
E08000039|Sheffield|Yorkshire and The Humber
E09000001|City of London|London
E09000002|Barking and Dagenham|London
E09000003|Barnet|London
E09000004|Bexley|London
E09000005|Brent|London
E09000006|Bromley|London
E09000007|Camden|London
E09000008|Croydon|London
E09000009|Ealing|London
E09000010|Enfield|London
E09000011|Greenwich|London
E09000012|Hackney|London
E09000013|Hammersmith and Fulham|London
E09000014|Haringey|London
E09000015|Harrow|London
E09000016|Havering|London
E09000017|Hillingdon|London
E09000018|Hounslow|London
E09000019|Islington|London
E09000020|Kensington and Chelsea|London
E09000021|Kingston upon Thames|London
E09000022|Lambeth|London
E09000023|Lewisham|London
E09000024|Merton|London
E09000025|Newham|London
E09000026|Redbridge|London
E09000027|Richmond upon Thames|London
E09000028|Southwark|London
E09000029|Sutton|London
E09000030|Tower Hamlets|London
E09000031|Waltham Forest|London
E09000032|Wandsworth|London
E09000033|Westminster|London
E10000003|Cambridgeshire|East of England
E10000007|Derbyshire|East Midlands
E10000008|Devon|South West
E10000011|East Sussex|South East
E10000012|Essex|East of England
E10000013|Gloucestershire|South West
E10000014|Hampshire|South East
E10000015|Hertfordshire|East of England
E10000016|Kent|South East
E10000017|Lancashire|North West
E10000018|Leicestershire|East Midlands
E10000019|Lincolnshire|East Midlands
E10000020|Norfolk|East of England
E10000024|Nottinghamshire|East Midlands
E10000025|Oxfordshire|South East
E10000028|Staffordshire|West Midlands
E10000029|Suffolk|East of England
E10000030|Surrey|South East
E10000031|Warwickshire|West Midlands
E10000032|West Sussex|South East
E10000034|Worcestershire|West Midlands"""
_AUTHORITIES: dict[str, tuple[str, str]] = {
    code: (name, region)
    for code, name, region in (line.split("|") for line in _AUTHORITIES_TEXT.split("\n") if line)
}
# Shire districts (E07) belong to their county: ranges of district codes per county code.
_COUNTY_DISTRICTS = {
    "E10000003": ((8, 12),), "E10000007": ((32, 39),), "E10000008": ((40, 47),),
    "E10000011": ((61, 65),), "E10000012": ((66, 77),), "E10000013": ((78, 83),),
    "E10000014": ((84, 94),), "E10000015": ((95, 103), (240, 243)), "E10000016": ((105, 116),),
    "E10000017": ((117, 128),), "E10000018": ((129, 135),), "E10000019": ((136, 142),),
    "E10000020": ((143, 149),), "E10000024": ((170, 176),), "E10000025": ((177, 181),),
    "E10000028": ((192, 199),), "E10000029": ((200, 203), (244, 245)),
    "E10000030": ((207, 217),), "E10000031": ((218, 222),), "E10000032": ((223, 229),),
    "E10000034": ((234, 239),),
}  # fmt: skip
_COUNTY_OF_DISTRICT = {
    f"E07{number:06d}": county
    for county, spans in _COUNTY_DISTRICTS.items()
    for first, last in spans
    for number in range(first, last + 1)
}


def authority_of_district(district: str) -> tuple[str, str, str]:
    """(local authority name, county name or "", region) of an ONS district; blanks if unknown."""
    county = _COUNTY_OF_DISTRICT.get(district)
    if county is not None:
        name, region = _AUTHORITIES[county]
        return name, name, region
    name, region = _AUTHORITIES.get(district, ("", ""))
    return name, "", region


_NAME_STARTS = (
    "Alder", "Ash", "Beech", "Bramble", "Briar", "Brook", "Cedar", "Clover", "Elm", "Fern",
    "Fox", "Glen", "Hart", "Hawthorn", "Hazel", "Heath", "Heron", "Holly", "Ivy", "Kings",
    "Lark", "Lime", "Maple", "Meadow", "Mill", "Oak", "Orchard", "Pine", "Rose", "Rowan",
    "Silver", "Swan", "Thorn", "Willow", "Wren", "Yew",
)  # fmt: skip
_NAME_ENDS = (
    "bank", "brook", "combe", "croft", "dale", "field", "gate", "hurst", "lea", "leigh",
    "mead", "ridge", "side", "stead", "wood",
)  # fmt: skip
_HOME_WORDS = ("House", "Lodge", "Cottage", "View", "Court", "Grange", "Place")
_IFA_WORDS = ("Fostering", "Foster Care", "Family Placements")
_SA_WORDS = ("Supported Living", "Housing Project", "Young People's Service")
_PRIVATE_OWNER_WORDS = ("Care Ltd", "Children's Services Ltd", "Healthcare Ltd", "Family Care Ltd")
_VOLUNTARY_OWNER_WORDS = ("Children's Trust", "Family Charity", "Young People's Trust")
_STREETS = ("Road", "Street", "Lane", "Avenue", "Close", "Gardens", "Way")
_SETTING_CATEGORIES = (
    ("Shared accommodation", 0.45), ("Single occupancy", 0.35), ("Supported lodgings", 0.12),
    ("Group living", 0.08),
)  # fmt: skip
_NEEDS = (
    ("Emotional and behavioural difficulties", 0.85), ("Mental disorders", 0.40),
    ("Sensory impairment", 0.10), ("Present alcohol problems", 0.15),
    ("Present drug problems", 0.15), ("Learning difficulty", 0.35),
    ("Physical disabilities", 0.10),
)  # fmt: skip
_CLOSED_SHARE = 0.12  # of providers the authority stopped using six months or more ago
_EXTRA_HOMES_PER_HOME_USED = 0.5


class _Words:
    """Invented names, each word pair used once."""

    def __init__(self, rng: np.random.Generator) -> None:
        pairs = [start + end for start in _NAME_STARTS for end in _NAME_ENDS]
        self.pairs = [pairs[i] for i in rng.permutation(len(pairs))]
        self.rng = rng
        self.used = 0

    def word(self) -> str:
        pair = self.pairs[self.used % len(self.pairs)]
        self.used += 1
        return pair

    def choice(self, options: tuple[str, ...]) -> str:
        return options[int(self.rng.random() * len(options))]

    def street(self) -> str:
        return f"{int(self.rng.integers(1, 200))} {self.word()} {self.choice(_STREETS)}"

    def phone(self) -> str:
        # Ofcom keeps 01632 960000-960999 for drama: no real line has these numbers.
        return f"01632 960{int(self.rng.integers(0, 1000)):03d}"


@dataclass(frozen=True)
class _Kind:
    provider_type: str
    subtype: str
    inspected: bool
    places: tuple[int, int] | None  # registered places drawn in this range; None: blank


def _kind(category: str, places: set[str], provider: str) -> _Kind:
    if category in ("la", "kin", "sb_foster"):
        subtype = {"la": "Mainstream", "kin": "Family and friends", "sb_foster": "Short breaks"}
        return _Kind("Local authority fostering service", subtype[category], False, None)
    if category == "ifa":
        return _Kind("Independent fostering agency", "Independent fostering agency", True, None)
    if category == "adopt":
        if provider == "PR1":
            return _Kind("Local authority adoption agency", "Adoption agency", False, None)
        return _Kind("Voluntary adoption agency", "Adoption agency", True, None)
    if category == "secure":
        return _Kind("Secure children's home", "Secure children's home", True, (6, 24))
    if category == "res_other":
        if "S1" in places:
            return _Kind("Residential special school", "Residential special school", True, (20, 80))
        if "R3" in places:
            return _Kind("Residential family centre", "Residential family centre", True, (4, 12))
        return _Kind("Children's home", "Residential care home", True, (3, 8))
    if category == "sb_home":
        return _Kind("Children's home", "Short breaks only", True, (2, 6))
    if category == "supported":
        return _Kind("Supported accommodation", "Supported accommodation", False, (2, 12))
    return _Kind("Children's home", "Children's home", True, (2, 6))


def _provider_sheets(
    rng: np.random.Generator, history: SyntheticHistory, la_name: str | None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The rows of the "Providers" and "SA Providers" sheets (module docstring)."""
    as_at = history.as_at
    as_at_day = (as_at - _EPOCH).days
    episodes = history.episodes
    used = episodes[~episodes["URN"].isin(["", codes.URN_NOT_REGISTERED])]
    ends = used["DEC"].to_numpy().astype("datetime64[D]")
    usage = pd.DataFrame(
        {
            "URN": used["URN"].to_numpy(),
            "PLACE": used["PLACE"].to_numpy(),
            "PLACE_PROVIDER": used["PLACE_PROVIDER"].to_numpy(),
            "start": _days(used["DECOM"]),
            "end": np.where(np.isnat(ends), _OPEN, ends.astype(np.int64)),
        }
    )
    by_urn = usage.groupby("URN", sort=True).agg(
        places=("PLACE", lambda values: sorted(set(values))),
        provider=("PLACE_PROVIDER", "first"),
        first=("start", "min"),
        last=("end", "max"),
    )
    known = history.providers.drop_duplicates("URN").set_index("URN")
    by_urn = by_urn.join(known[["CATEGORY", "POSTCODE"]], how="left")

    own = set(history.districts)
    located = postcodes.lookup(by_urn["POSTCODE"].fillna("").reset_index(drop=True))
    districts = located["district"].to_numpy(dtype=object)
    own_name = la_name or (authority_of_district(history.districts[0])[0] if own else "")
    words = _Words(rng)
    addresses = _Addresses(rng, history)
    owners = _Owners(rng, words, own_name, addresses)

    rows: list[dict[str, object]] = []
    sa_rows: list[dict[str, object]] = []
    for position, (urn, usage_row) in enumerate(by_urn.iterrows()):
        category = str(usage_row["CATEGORY"]) if isinstance(usage_row["CATEGORY"], str) else ""
        provider = str(usage_row["provider"])
        places = set(usage_row["places"])
        postcode = str(usage_row["POSTCODE"]) if isinstance(usage_row["POSTCODE"], str) else ""
        district = str(districts[position])
        setting_la, county, region = authority_of_district(district)
        if district in own and own_name:
            setting_la = own_name
        kind = _kind(category, places, provider)
        registered = int(usage_row["first"]) - int(rng.integers(90, 4000))
        if kind.provider_type == "Supported accommodation":
            # Ofsted registered supported accommodation from 28 April 2023.
            opened = (dt.date(2023, 4, 28) - _EPOCH).days
            registered = max(opened, int(usage_row["first"]) - int(rng.integers(30, 400)))
            registered = min(registered, int(usage_row["first"]))
        last = int(usage_row["last"])
        closed: int | None = None
        if last < as_at_day - 180 and rng.random() < _CLOSED_SHARE:
            closed = last + int(rng.integers(30, max(31, as_at_day - last)))
        sector = SECTOR_BY_PROVIDER.get(provider, "Private")
        owner = owners.owner(sector, setting_la if provider == "PR2" else "", postcode)
        name = _provider_name(words, kind, category, provider, own_name, postcode)
        listing = _Listing(
            urn=str(urn),
            kind=kind,
            sector=sector,
            name=name,
            registered=registered,
            closed=closed,
            places="/".join(sorted(places)),
            postcode=postcode,
            setting_la=setting_la,
            county=county,
            region=region,
            provider=provider,
            owner=owner,
        )
        if kind.provider_type == "Supported accommodation":
            sa_rows.extend(_sa_rows(rng, words, listing, addresses, own, own_name))
        else:
            rows.append(_provider_row(rng, words, listing, as_at_day))

    taken = set(by_urn.index)
    rows.extend(_extra_homes(rng, words, owners, addresses, history, taken, own_name))
    providers = pd.DataFrame(rows, columns=PROVIDER_HEADERS)
    sa_providers = pd.DataFrame(sa_rows, columns=SA_PROVIDER_HEADERS)
    return providers, sa_providers


class _Owners:
    """Who owns providers: the authority, another authority, or invented companies and
    charities (private owners often belong to a few larger groups)."""

    def __init__(
        self, rng: np.random.Generator, words: _Words, own_name: str, addresses: _Addresses
    ) -> None:
        self.rng = rng
        self.words = words
        self.own_name = own_name
        self.addresses = addresses
        self.councils: dict[str, dict[str, object]] = {}
        self.private: list[dict[str, object]] = []
        self.voluntary: list[dict[str, object]] = []
        self.groups = [f"{words.word()} Group Holdings Ltd" for _ in range(4)]
        self.next_id = 10_000 + int(rng.integers(0, 80_000))

    def owner(self, sector: str, other_authority: str, postcode: str) -> dict[str, object]:
        """An owner for a provider at `postcode`; `other_authority` names the council owning
        it when that is not the authority itself."""
        if sector == "Local Authority":
            council = f"{other_authority or self.own_name} Council"
            if council not in self.councils:
                office = postcode if other_authority else self.addresses.home()
                self.councils[council] = self._new("Local Authority", council, council, office)
            return self.councils[council]
        pool = self.private if sector == "Private" else self.voluntary
        # Most providers belong to an owner already running others.
        if pool and self.rng.random() < 0.65:
            return pool[int(self.rng.random() * len(pool))]
        if sector == "Private":
            name = f"{self.words.word()} {self.words.choice(_PRIVATE_OWNER_WORDS)}"
            top = self.groups[int(self.rng.random() * len(self.groups))]
            top = top if self.rng.random() < 0.6 else name
            owner = self._new("Private", name, top, self.addresses.near()[0])
        else:
            name = f"{self.words.word()} {self.words.choice(_VOLUNTARY_OWNER_WORDS)}"
            owner = self._new("Voluntary", name, name, self.addresses.near()[0])
        pool.append(owner)
        return owner

    def _new(self, owner_type: str, name: str, top: str, postcode: str) -> dict[str, object]:
        self.next_id += 1 + int(self.rng.integers(0, 50))
        return {
            "Owner type": owner_type,
            "Owner ID": self.next_id,
            "Owner name": name,
            "Owner address line 1": self.words.street(),
            "Owner postcode": postcode,
            "top_company": top,
        }


class _Addresses:
    """Real postcodes in and around the authority for addresses the episodes do not give:
    owners' offices and supported accommodation's other settings."""

    def __init__(self, rng: np.random.Generator, history: SyntheticHistory) -> None:
        self.rng = rng
        if history.districts:
            area = surroundings(list(history.districts))
            self.home_pool, self.near_pool = area.home, area.near
        else:
            known = history.providers[history.providers["POSTCODE"] != ""]
            located = postcodes.lookup(known["POSTCODE"].reset_index(drop=True))
            pool = located.assign(postcode=known["POSTCODE"].to_numpy())
            self.home_pool = self.near_pool = pool

    def home(self) -> str:
        return str(self.home_pool["postcode"].iat[int(self.rng.integers(len(self.home_pool)))])

    def near(self) -> tuple[str, str]:
        """A postcode and its ONS district."""
        row = int(self.rng.integers(len(self.near_pool)))
        return str(self.near_pool["postcode"].iat[row]), str(self.near_pool["district"].iat[row])


@dataclass(frozen=True)
class _Listing:
    """What a provider's row says, before it is laid out in a sheet's columns."""

    urn: str
    kind: _Kind
    sector: str
    name: str
    registered: int  # day numbers since 1970
    closed: int | None
    places: str  # the 903 PLACE codes it is used for, "/"-separated
    postcode: str
    setting_la: str
    county: str
    region: str
    provider: str  # PLACE_PROVIDER
    owner: dict[str, object]


def _provider_name(
    words: _Words, kind: _Kind, category: str, provider: str, own_name: str, postcode: str
) -> str:
    area = f" ({postcode.split(' ')[0]})" if postcode else ""
    if category == "la":
        return f"{own_name} Fostering Service{area}"
    if category == "kin":
        return f"{own_name} Family and Friends Care{area}"
    if category == "sb_foster":
        return f"{own_name} Short Breaks Fostering{area}"
    if kind.provider_type == "Local authority adoption agency":
        return f"{own_name} Adoption Service{area}"
    if kind.provider_type == "Voluntary adoption agency":
        return f"{words.word()} Adoption"
    if kind.provider_type == "Independent fostering agency":
        return f"{words.word()} {words.choice(_IFA_WORDS)}"
    if kind.provider_type == "Secure children's home":
        return f"{words.word()} Secure Children's Home"
    if kind.provider_type == "Residential special school":
        return f"{words.word()} School"
    if kind.provider_type == "Residential family centre":
        return f"{words.word()} Family Centre"
    if kind.provider_type == "Supported accommodation":
        return f"{words.word()} {words.choice(_SA_WORDS)}"
    return f"{words.word()} {words.choice(_HOME_WORDS)}"


def _date(day: int | None) -> dt.date | None:
    return None if day is None else _EPOCH + dt.timedelta(days=int(day))


def _grade(rng: np.random.Generator, closed: bool) -> str:
    shares = (0.05, 0.45, 0.30, 0.20) if closed else _GRADE_SHARES
    return GRADES[int(rng.choice(len(GRADES), p=shares))]


def _near_grade(rng: np.random.Generator, grade: str) -> str:
    """A sub-judgement: mostly the overall grade, sometimes one step either side."""
    step = int(rng.choice(3, p=[0.15, 0.7, 0.15])) - 1
    return GRADES[min(max(GRADES.index(grade) + step, 0), len(GRADES) - 1)]


def _provider_row(
    rng: np.random.Generator, words: _Words, listing: _Listing, as_at_day: int
) -> dict[str, object]:
    kind = listing.kind
    closed = listing.closed
    registered = listing.registered
    until = as_at_day if closed is None else closed
    homes = kind.provider_type in ("Children's home", "Secure children's home")
    inspected: int | None = None
    grade = ""
    if kind.inspected and until - registered > 180:
        # Homes are inspected every year, agencies and schools every three.
        back = int(rng.integers(20, 380)) if homes else int(rng.integers(30, 1100))
        inspected = max(until - back, registered + 120)
        grade = _grade(rng, closed is not None)
    if kind.places is None:
        places = None
    else:
        places = int(rng.integers(kind.places[0], kind.places[1] + 1))
    if kind.provider_type == "Independent fostering agency" and rng.random() < 0.65:
        places = int(min(400, max(50, rng.lognormal(math.log(120), 0.5))))
    owner = listing.owner
    row: dict[str, object] = {
        "Local authority": listing.setting_la,
        "URN": listing.urn,
        "Provider type": kind.provider_type,
        "Provider subtype": kind.subtype,
        "Sector": listing.sector,
        "Provider name": listing.name,
        "Registration date": _date(registered),
        "Registration status": CLOSED if closed is not None else REGISTERED,
        "Deregistration date": _date(closed),
        "Placement code": listing.places,
        "Provider address line 1": words.street(),
        "Provider town": listing.setting_la,
        "Provider county": listing.county or None,
        "Provider postcode": listing.postcode,
        "Provider telephone number": words.phone(),
        "Provider email address": _email(listing.name),
        "Region": listing.region,
        "Placement provider code": listing.provider,
        "Date of last full inspection": _date(inspected),
        "Overall effectiveness": grade or None,
        "Number of registered places": places,
        **owner,
    }
    if grade:
        for heading in ("CYP safety", "Leadership and management", "CYP outcomes"):
            row[heading] = _near_grade(rng, grade)
    if homes:
        for heading, chance in _NEEDS:
            row[heading] = "Yes" if rng.random() < chance else "No"
        row["Multi building CH"] = "No"
    return row


def _email(name: str) -> str:
    slug = "".join(ch for ch in "".join(name.split(" ")[:2]).lower() if ch.isalnum())
    return f"{slug}@example.org"


def _sa_rows(
    rng: np.random.Generator,
    words: _Words,
    listing: _Listing,
    addresses: _Addresses,
    own: set[str],
    own_name: str,
) -> list[dict[str, object]]:
    """One row per setting: the one the authority's children live in first (its postcode is
    the provider's), and sometimes others nearby."""
    closed = listing.closed
    owner = listing.owner
    settings = 1 + int(rng.choice(3, p=[0.7, 0.2, 0.1]))
    labels = [label for label, _ in _SETTING_CATEGORIES]
    weights = np.array([weight for _, weight in _SETTING_CATEGORIES])
    rows = []
    for number in range(settings):
        postcode, setting_la, county = listing.postcode, listing.setting_la, listing.county
        if number:
            postcode, district = addresses.near()
            setting_la, county, _ = authority_of_district(district)
            if district in own and own_name:
                setting_la = own_name
        rows.append(
            {
                "Provider local authority": listing.setting_la,
                "Setting Local Authority": setting_la,
                "URN": listing.urn,
                "Provider type": "Supported accommodation",
                "Sector": listing.sector,
                "Provider name": listing.name,
                "Registration date": _date(listing.registered),
                "Registration status": CLOSED if closed is not None else SA_ACTIVE,
                "Closed date": _date(closed),
                "Placement code": "K3",
                "Setting status": CLOSED if closed is not None else SA_ACTIVE,
                "Setting status date": _date(listing.registered),
                "Setting category": labels[int(rng.choice(len(labels), p=weights))],
                "Capacity": int(rng.integers(2, 13)),
                "Setting address line 1": words.street(),
                "Setting address town": setting_la,
                "Setting address county": county or None,
                "Setting address postcode": postcode,
                "Provider telephone number": words.phone(),
                "Provider email address": _email(listing.name),
                **{key: value for key, value in owner.items() if key != "top_company"},
            }
        )
    return rows


def _extra_homes(
    rng: np.random.Generator,
    words: _Words,
    owners: _Owners,
    addresses: _Addresses,
    history: SyntheticHistory,
    taken: set[str],
    own_name: str,
) -> list[dict[str, object]]:
    """Children's homes near the authority that it has never used: local capacity."""
    if not history.districts:
        return []
    as_at_day = (history.as_at - _EPOCH).days
    episodes = history.episodes
    homes_used = episodes.loc[episodes["PLACE"] == "K2", "URN"].nunique()
    count = max(4, round(_EXTRA_HOMES_PER_HOME_USED * homes_used))
    near = addresses.near_pool
    picks = rng.integers(0, len(near), size=count)
    own = set(history.districts)
    numbers = rng.choice(900_000, size=count + len(taken), replace=False) + 100_000
    free = [f"SC{number:06d}" for number in numbers if f"SC{number:06d}" not in taken][:count]
    rows = []
    for index, urn in enumerate(free):
        postcode = str(near["postcode"].iat[int(picks[index])])
        district = str(near["district"].iat[int(picks[index])])
        setting_la, county, region = authority_of_district(district)
        if district in own and own_name:
            setting_la = own_name
        draw = rng.random()
        sector = "Private" if draw < 0.8 else "Voluntary" if draw < 0.95 else "Local Authority"
        if sector == "Local Authority" and district in own:
            sector = "Private"  # the authority's own homes are all in use
        provider = {"Private": "PR4", "Voluntary": "PR5", "Local Authority": "PR1"}[sector]
        registered = as_at_day - int(rng.integers(60, 6000))
        closed = None
        if rng.random() < 0.06:
            closed = as_at_day - int(rng.integers(0, min(1000, as_at_day - registered)))
        kind = _kind("home_ind", {"K2"}, provider)
        listing = _Listing(
            urn=urn,
            kind=kind,
            sector=sector,
            name=_provider_name(words, kind, "home_ind", provider, own_name, postcode),
            registered=registered,
            closed=closed,
            places="K2",
            postcode=postcode,
            setting_la=setting_la,
            county=county,
            region=region,
            provider=provider,
            # A council's own home nearby is another council's: not ours, or we would use it.
            owner=owners.owner(sector, setting_la if sector == "Local Authority" else "", postcode),
        )
        rows.append(_provider_row(rng, words, listing, as_at_day))
    return rows
