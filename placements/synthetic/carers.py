"""The foster carer households of a synthetic history: the carers extract (README, "Foster
carers extract") and the household each foster placement is with.

In the synthetic 903 a foster placement's PL_POST stands for where its carers live, so a
household's POSTCODE_SECTOR is that of the first placement it took, and it takes only children
placed nearby (`_pool_area`: the same agency URN, the same postcode district for kinship and
short breaks, the same postcode area for in-house carers, since the 903 has far fewer foster
postcodes than households). Placements are taken in the order they start; each goes to a nearby
household that is approved on its DECOM, still taking children and has a free place (the one
the child was with before, else one already looking after a child), else to a household
approved for it a little earlier. So every household is approved before its first child arrives
and deregisters only after its last child leaves, in-house households end up approved for the
most children they ever had at once, and the spare places (households waiting for a first
child, places left when a child moves on, short-break carers between stays) leave the in-house
service about 70 to 80% full (mainstream carers a little fuller), with about one mainstream
household per two in-house foster placements (U4-U6 with PR1). Kinship carers are approved per
child (a few take two or three, as siblings would be), so they are nearly as many as mainstream
ones.

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
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from placements.ssda903 import codes
from placements.synthetic._common import _EPOCH, _FOSTER, _KINSHIP, _OPEN, _YEAR
from placements.synthetic.history import SyntheticHistory

CARER_COLUMNS = [
    "CARER_ID", "CARER_TYPE", "PROVISION", "AGENCY_URN", "APPROVAL_DATE", "DEREGISTRATION_DATE",
    "DEREGISTRATION_REASON", "APPROVED_PLACES", "AGE_FROM", "AGE_TO", "POSTCODE_SECTOR",
]  # fmt: skip


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
    """Which households may take a placement at `urn` (module docstring).

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
