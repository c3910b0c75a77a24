"""Where the synthetic authority's children are placed: real postcodes in and around the
authority (`surroundings`), and the providers placed at them (`SyntheticHistory.providers`)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from placements import postcodes
from placements.ssda903 import codes

# `SyntheticHistory.providers`: URN (XXXXXXX when not registered), the `_CATEGORIES` key,
# PLACE_PROVIDER, the real postcode with its grid reference, and whether it is far from home.
PROVIDER_COLUMNS = ["URN", "CATEGORY", "PLACE_PROVIDER", "POSTCODE", "EASTING", "NORTHING", "FAR"]


@dataclass(frozen=True)
class _Category:
    per_child: float  # providers per child looked after
    minimum: int
    far_share: float  # chance a placement with this kind of provider is far from home
    providers: tuple[tuple[str, float], ...]
    urn: str  # "seven" digits, "sc" children's home, "x" not registered, "" none


_CATEGORIES: dict[str, _Category] = {
    "la": _Category(0.12, 4, 0.05, (("PR1", 1.0),), "seven"),
    "kin": _Category(0.30, 4, 0.18, (("PR1", 1.0),), "seven"),
    "ifa": _Category(0.10, 4, 0.40, (("PR4", 0.85), ("PR5", 0.15)), "seven"),
    "home_la": _Category(1 / 300, 1, 0.0, (("PR1", 1.0),), "sc"),
    "home_ind": _Category(1 / 25, 3, 0.58, (("PR4", 0.85), ("PR5", 0.15)), "sc"),
    "unregistered": _Category(1 / 150, 1, 0.4, (("PR4", 1.0),), "x"),
    "secure": _Category(1 / 600, 2, 0.85, (("PR2", 0.8), ("PR1", 0.2)), "sc"),
    "supported": _Category(1 / 25, 3, 0.27, (("PR4", 0.7), ("PR5", 0.1), ("PR1", 0.2)), "seven"),
    "res_other": _Category(1 / 150, 2, 0.6, (("PR4", 0.7), ("PR5", 0.3)), "sc"),
    "health": _Category(1 / 400, 1, 0.3, (("PR3", 1.0),), "x"),
    "yoi": _Category(1 / 800, 1, 0.8, (("PR3", 1.0),), "x"),
    "adopt": _Category(0.20, 4, 0.40, (("PR1", 0.55), ("PR5", 0.3), ("PR4", 0.15)), "seven"),
    "sb_foster": _Category(1 / 100, 2, 0.0, (("PR1", 1.0),), "seven"),
    "sb_home": _Category(1 / 400, 1, 0.0, (("PR1", 0.6), ("PR5", 0.4)), "sc"),
}


# How far from home a "local" placement may be: comfortably under 20 miles (32.2 km).
_LOCAL_METRES = 28_000
_OWN_CATEGORIES = ("la", "kin", "home_la", "sb_foster", "sb_home")
_OWN_MAY_BE_OUTSIDE = ("la", "kin", "adopt", "sb_foster")


@dataclass(frozen=True)
class Surroundings:
    """Real postcodes in the authority (`home`), around it (`near`, the authority included)
    and in a ring well over 20 miles away (`far`); columns as `postcodes.postcodes_near`."""

    home: pd.DataFrame
    near: pd.DataFrame
    far: pd.DataFrame


def surroundings(districts: list[str]) -> Surroundings:
    home = postcodes.postcodes_in_districts(districts)
    if home.empty:
        raise ValueError("None of the authority's districts has postcodes in the directory.")
    centre_e, centre_n = float(home["easting"].mean()), float(home["northing"].mean())
    spread = np.hypot(home["easting"] - centre_e, home["northing"] - centre_n)
    radius = float(np.quantile(spread, 0.9))
    near = postcodes.postcodes_near(centre_e, centre_n, max_metres=max(12_000, radius + 8_000))
    far_from = max(45_000.0, radius + 35_000)
    far = postcodes.postcodes_near(
        centre_e, centre_n, min_metres=far_from, max_metres=far_from + 110_000
    )
    if far.empty:
        far = near
    return Surroundings(home=home, near=near, far=far)


class _Places:
    """Real postcodes around the authority, and the providers placed at them."""

    def __init__(self, rng: np.random.Generator, districts: list[str], size: int) -> None:
        area = surroundings(districts)
        home, near, far = area.home, area.near, area.far
        self.home = home
        self._postcodes: list[str] = []
        self.easting: list[float] = []
        self.northing: list[float] = []

        # One row per provider: category, PLACE_PROVIDER, URN kind, location, far or not.
        providers: list[tuple[str, str, str, int, bool]] = []
        locations = {"home": home, "near": near, "far": far}
        for name, category in _CATEGORIES.items():
            count = max(category.minimum, round(category.per_child * size))
            far_count = round(count * min(0.9, category.far_share * 1.2))
            if category.far_share > 0:
                far_count = max(1, far_count)
            labels = [label for label, _ in category.providers]
            weights = [weight for _, weight in category.providers]
            chosen = rng.choice(len(labels), size=count, p=weights)
            for index in range(count):
                # The authority's own homes and supported lodgings are in the authority: the
                # DfE refuses own provision elsewhere but for foster carers and adopters (its
                # rule 1015).
                in_area = labels[chosen[index]] == "PR1" and name not in _OWN_MAY_BE_OUTSIDE
                remote = index < far_count and not in_area
                if in_area:
                    pool = "home"
                elif remote:
                    pool = "far"
                elif name in _OWN_CATEGORIES and rng.random() < 0.7:
                    # Councils' own carers and homes are mostly inside the authority.
                    pool = "home"
                else:
                    pool = "near"
                row = int(rng.integers(len(locations[pool])))
                providers.append((name, labels[chosen[index]], category.urn, row, remote))
                self._locate(locations[pool], row)

        total = len(providers)
        seven = rng.choice(9_000_000, size=total, replace=False) + 1_000_000
        sc = rng.choice(900_000, size=total, replace=False) + 100_000
        urn_by_kind = {
            "sc": [f"SC{number:06d}" for number in sc],
            "seven": [f"{number:07d}" for number in seven],
        }
        self.urn = [
            urn_by_kind[kind][i] if kind in urn_by_kind else codes.URN_NOT_REGISTERED
            for i, (_, _, kind, _, _) in enumerate(providers)
        ]
        self.place_provider = [provider for _, provider, _, _, _ in providers]
        self.category = [name for name, _, _, _, _ in providers]
        self.remote = [remote for _, _, _, _, remote in providers]
        self.postcode = list(self._postcodes)
        self.near_of: dict[str, list[int]] = {name: [] for name in _CATEGORIES}
        self.far_of: dict[str, list[int]] = {name: [] for name in _CATEGORIES}
        for index, (name, _, _, _, remote) in enumerate(providers):
            (self.far_of if remote else self.near_of)[name].append(index)
        for name in _CATEGORIES:
            self.near_of[name] = self.near_of[name] or self.far_of[name]
            self.far_of[name] = self.far_of[name] or self.near_of[name]

    def frame(self) -> pd.DataFrame:
        """`SyntheticHistory.providers`: every provider with its true postcode."""
        return pd.DataFrame(
            {
                "URN": self.urn,
                "CATEGORY": self.category,
                "PLACE_PROVIDER": self.place_provider,
                "POSTCODE": self._postcodes,
                "EASTING": self.easting,
                "NORTHING": self.northing,
                "FAR": self.remote,
            },
            columns=PROVIDER_COLUMNS,
        )

    def _locate(self, pool: pd.DataFrame, row: int) -> None:
        self._postcodes.append(str(pool["postcode"].iat[row]))
        self.easting.append(float(pool["easting"].iat[row]))
        self.northing.append(float(pool["northing"].iat[row]))
