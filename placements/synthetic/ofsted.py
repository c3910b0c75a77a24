"""The Ofsted provider list of a synthetic history: the rows of its two sheets.

It is the 2025 combined list (sheets "Providers" and "SA Providers", Ofsted's headers)
with every URN the episodes use, typed, named and placed as its placements are, plus some
children's homes near the authority that it does not use.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from placements import postcodes
from placements.ssda903 import codes
from placements.synthetic._common import _EPOCH, _OPEN, _days
from placements.synthetic.authorities import authority_of_district
from placements.synthetic.history import SyntheticHistory
from placements.synthetic.places import surroundings

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
