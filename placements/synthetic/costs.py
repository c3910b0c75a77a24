"""The weekly placement costs of a synthetic history (README, "Placement costs extract").

One weekly cost per placement, the same on each of its episodes, drawn within the national-like
range of its group (`COST_RANGES`, at 2025-26 prices) and raised by `PRICE_RISE` a year for
placements that started in later collection years (lowered for earlier ones). Fostering
allowances rise with the child's age; a provider's placements cost about the provider's own
rate; a few children's homes charge `HIGH_COST_HOMES`. About `MISSING_COST_SHARE` of placements
have no cost, so coverage is visibly partial.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from placements.ssda903 import codes
from placements.synthetic._common import _FOSTER, _KINSHIP

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
    # A home for short breaks (V3/V4) is never one of the dear ones: its many short stays
    # would make most children's home placements dear.
    short_break = placements["LS"].isin(codes.SHORT_BREAK_LEGAL_STATUS).to_numpy()
    homes = sorted(set(urns[rated & (groups == "childrens_home") & ~short_break]))
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
