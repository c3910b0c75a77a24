"""The periods of care of the synthetic history: who starts to be looked after, at what age,
by which route out of care and for how long (vectorised over all starters); `_Period` is one
of them as the episode builder (episodes.py) takes it."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from placements.synthetic._common import _YEAR

_LATEST_ENTRY_AGE = 17 * 365 + 300

# Routes out of care, which decide how long a period lasts and how it ends.
ADOPTION, SGO, HOME, OTHER, AGE_18, UASC_EARLY = range(6)

# Entry age bands (years) of children starting to be looked after, and per band the chance
# of each route (adoption, SGO, home, other, stays to 18).
_AGE_BANDS = [(0.0, 1.0), (1.0, 5.0), (5.0, 10.0), (10.0, 16.0), (16.0, 17.8)]
_AGE_BAND_SHARE = [0.20, 0.14, 0.15, 0.36, 0.15]
_ROUTE_BY_BAND = np.array(
    [
        [0.28, 0.20, 0.30, 0.07, 0.15],
        [0.14, 0.24, 0.36, 0.08, 0.18],
        [0.02, 0.16, 0.44, 0.08, 0.30],
        [0.00, 0.05, 0.52, 0.11, 0.32],
        [0.00, 0.00, 0.40, 0.10, 0.50],
    ]
)
_REENTRY_CHANCE = 0.14

# Short periods of care (history.py's docstring, "Turnover"): police protection, remand, a few
# days or weeks accommodated under section 20 before going home. They are a share of the
# non-UASC starters on top of the route mix above, so they add children and episodes but hardly
# any stock. Teenagers are over-represented; durations are under a week or one to eight weeks.
_BRIEF_SHARE = 0.50
_BRIEF_AGE_BAND_SHARE = [0.14, 0.12, 0.14, 0.42, 0.18]
_BRIEF_UNDER_A_WEEK = 0.45
_BRIEF_LONGEST = 56


@dataclass(frozen=True)
class _Period:
    child: int
    start: int
    end: int
    route: int
    uasc: bool
    unstable: bool
    dob: int
    home_post: str
    home_e: float
    home_n: float
    reenters: bool
    brief: bool = False  # a short period of care (police protection, remand, section 20)


def _entry_ages(
    rng: np.random.Generator, size: int, shares: list[float] = _AGE_BAND_SHARE
) -> np.ndarray:
    band = rng.choice(len(_AGE_BANDS), size=size, p=shares)
    low = np.array([b[0] for b in _AGE_BANDS])[band]
    high = np.array([b[1] for b in _AGE_BANDS])[band]
    ages = (low + rng.random(size) * (high - low)) * _YEAR
    # A third of babies come into care in their first week (often from hospital).
    newborn = (band == 0) & (rng.random(size) < 0.35)
    ages[newborn] = rng.integers(0, 8, size=int(newborn.sum()))
    return np.minimum(ages.astype(np.int64), _LATEST_ENTRY_AGE)


def _uasc_entry_ages(rng: np.random.Generator, size: int) -> np.ndarray:
    years = rng.choice([14, 15, 16, 17], size=size, p=[0.08, 0.22, 0.38, 0.32])
    ages = ((years + rng.random(size)) * _YEAR).astype(np.int64)
    return np.minimum(ages, _LATEST_ENTRY_AGE)


def _routes(rng: np.random.Generator, ages: np.ndarray, uasc: np.ndarray) -> np.ndarray:
    upper = np.array([b[1] for b in _AGE_BANDS]) * _YEAR
    band = np.minimum(np.searchsorted(upper, ages, side="right"), len(_AGE_BANDS) - 1)
    cumulative = _ROUTE_BY_BAND.cumsum(axis=1)[band]
    routes = (rng.random(len(ages))[:, None] > cumulative).sum(axis=1)
    draw = rng.random(len(ages))
    uasc_routes = np.where(draw < 0.12, UASC_EARLY, np.where(draw < 0.17, OTHER, AGE_18))
    return np.where(uasc, uasc_routes, routes)


def _durations(rng: np.random.Generator, routes: np.ndarray) -> np.ndarray:
    """Days in care by route; AGE_18 lasts until the 18th birthday (capped later)."""
    size = len(routes)
    adoption = np.maximum(rng.lognormal(math.log(680), 0.35, size), 240)
    sgo = np.maximum(rng.lognormal(math.log(560), 0.45, size), 120)
    short = rng.random(size) < 0.38
    home = np.where(short, rng.exponential(30, size) + 1, rng.lognormal(math.log(300), 0.9, size))
    other = rng.lognormal(math.log(150), 1.1, size) + 1
    early = rng.exponential(40, size) + 3
    table = np.stack([adoption, sgo, home, other, np.full(size, 1e9), early])
    return np.ceil(table[routes, np.arange(size)]).astype(np.int64)


def _brief_durations(rng: np.random.Generator, size: int) -> np.ndarray:
    """Days in care of a short period: under a week, or one to eight weeks."""
    week = rng.integers(1, 8, size=size)
    weeks = np.minimum(8 + rng.exponential(14, size), _BRIEF_LONGEST).astype(np.int64)
    return np.where(rng.random(size) < _BRIEF_UNDER_A_WEEK, week, weeks)


def _first_periods(
    rng: np.random.Generator, uasc: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Entry age, route, days in care and whether it is a short period, per starter.

    UASC are never short periods; every other starter is one with chance `_BRIEF_SHARE`,
    and then returns home (route HOME) after `_brief_durations` days.
    """
    size = len(uasc)
    brief = ~uasc & (rng.random(size) < _BRIEF_SHARE)
    local = np.where(brief, _entry_ages(rng, size, _BRIEF_AGE_BAND_SHARE), _entry_ages(rng, size))
    ages = np.where(uasc, _uasc_entry_ages(rng, size), local)
    routes = np.where(brief, HOME, _routes(rng, ages, uasc))
    lengths = np.where(brief, _brief_durations(rng, size), _durations(rng, routes))
    return ages, routes, lengths, brief


def _care_days(rng: np.random.Generator, size: int, uasc: bool) -> float:
    """Mean days in care per child starting, re-entries included: W in Little's law N = λW.

    Drawn exactly as `generate_history` draws periods, short periods and re-entries
    included, so that the short periods lower W and raise the starters per day just enough
    to keep the number looked after at `children_in_care`.
    """
    flags = np.full(size, uasc)
    ages, routes, lengths, _ = _first_periods(rng, flags)
    first = np.minimum(lengths, 18 * _YEAR - ages)
    total = first.astype(float)
    if not uasc:
        again = np.isin(routes, [HOME, OTHER]) & (rng.random(size) < _REENTRY_CHANCE)
        age_again = ages + first + 21 + rng.exponential(330, size)
        again &= age_again < _LATEST_ENTRY_AGE
        routes_again = _routes(rng, age_again, flags)
        second = np.minimum(_durations(rng, routes_again), 18 * _YEAR - age_again)
        total += np.where(again, second, 0)
    return float(total.mean())
