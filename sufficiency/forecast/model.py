"""The demand forecast's model: monthly stock and flow over age by placement group
(docs/forecast.md#the-model), its rates estimated from `Observed` counts, and simulated futures
that carry both chance and the uncertainty in those rates.

Pure numpy (STYLE.md 1). Each simulated future first draws its own rates from their estimated
uncertainty (Beta, Dirichlet and Gamma posteriors, each shrunk towards the rate of the whole
group so that a state seen for a few child-months borrows strength from the rest), then steps
month by month: some leave care, the rest stay or move group, some have a birthday (at 18 they
leave), and new children arrive. Every step is one numpy call over all futures at once.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sufficiency.forecast.states import AGES, BAND_OF_AGE, BANDS, GROUPS, Observed

# How many child-months of the group's own rate each band's estimate is shrunk towards.
PRIOR_MONTHS = 24.0
# A birthday comes about once in 12 months; the estimate is shrunk towards that.
BIRTHDAY_PRIOR_MONTHS = 24.0
# Arrivals: a Gamma posterior per age and group, with this prior shape spread over the cells
# in proportion to the arrivals of all ages.
ARRIVALS_PRIOR = 0.5
# Months after which a month's arrivals count half as much in the estimate as the latest's.
ARRIVALS_HALF_LIFE = 12.0


@dataclass(frozen=True)
class Rates:
    """Estimated rates and their uncertainty, as posterior parameters.

    `leave`: Beta (a, b) of leaving care in a month, per band and group: shape (2, bands,
    groups). `move`: Dirichlet concentrations of the group a month later, for those who stay:
    (bands, groups, groups). `birthday`: the chance of a birthday in a month, per age (fixed).
    `arrive`: Gamma (shape, rate) of arrivals a month per age and group: (2, ages, groups).
    `starts`: Gamma (shape, rate) of periods of care begun a month.
    """

    leave: np.ndarray
    move: np.ndarray
    birthday: np.ndarray
    arrive: np.ndarray
    starts: np.ndarray

    def means(self) -> PointRates:
        """Every rate at its posterior mean."""
        a, b = self.leave
        shape, rate = self.arrive
        return PointRates(
            leave=a / (a + b),
            move=self.move / self.move.sum(axis=2, keepdims=True),
            birthday=self.birthday,
            arrive=shape / rate,
            starts=float(self.starts[0] / self.starts[1]),
        )


@dataclass(frozen=True)
class PointRates:
    """One value of each rate: `leave` (bands, groups), `move` (bands, groups, groups) rows
    summing to 1, `birthday` (ages), `arrive` (ages, groups) a month, `starts` a month."""

    leave: np.ndarray
    move: np.ndarray
    birthday: np.ndarray
    arrive: np.ndarray
    starts: float


def expected_stock(
    rates: PointRates, start: np.ndarray, *, months: int, scenario: Scenario | None = None
) -> np.ndarray:
    """The expected stock (months + 1, ages, groups) under `rates`: the simulation's steps on
    expectations, which are linear (for tests, and for what a scenario changes on average)."""
    path = np.zeros((months + 1, *start.shape))
    path[0] = start
    leave, moves, arrive = (scenario or Scenario()).adjust(rates.leave, rates.move, rates.arrive)
    leave = leave[BAND_OF_AGE]
    move = moves[BAND_OF_AGE]
    for month in range(1, months + 1):
        staying = path[month - 1] * (1 - leave)
        placed = np.einsum("ag,agh->ah", staying, move)
        older = placed * rates.birthday[:, None]
        now = placed - older
        now[1:] += older[:-1]
        path[month] = now + arrive
    return path


def estimate(observed: Observed) -> Rates:
    """The posterior of every rate from the counts observed."""
    groups, bands = len(GROUPS), len(BANDS)
    steps = observed.transitions
    exposure = observed.stock[:steps].sum(axis=0)  # (ages, groups) child-months with an outcome

    def by_band(values: np.ndarray) -> np.ndarray:
        out = np.zeros((bands, *values.shape[1:]), dtype=float)
        np.add.at(out, BAND_OF_AGE, values)
        return out

    band_exposure = by_band(exposure)
    band_left = by_band(observed.left)
    # The group's own rate over all ages: the prior each band is shrunk towards.
    group_rate = (band_left.sum(axis=0) + 0.5) / (band_exposure.sum(axis=0) + 1.0)
    leave_a = band_left + PRIOR_MONTHS * group_rate
    leave_b = (band_exposure - band_left) + PRIOR_MONTHS * (1 - group_rate)

    band_moved = by_band(observed.moved.astype(float))  # (bands, groups, groups)
    pooled = band_moved.sum(axis=0) + np.eye(groups)  # every group may stay put
    pooled /= pooled.sum(axis=1, keepdims=True)
    move = band_moved + PRIOR_MONTHS * pooled[None, :, :]

    # Of those who did not leave: the simulation's birthdays come after its leavers.
    stayed = exposure.sum(axis=1) - observed.left.sum(axis=1)
    birthday = (observed.older + BIRTHDAY_PRIOR_MONTHS / 12) / (stayed + BIRTHDAY_PRIOR_MONTHS)

    # Arrivals are weighted towards the latest months (ARRIVALS_HALF_LIFE): the number entering
    # care moves with local circumstances more than the chances of leaving or moving do, and a
    # level reached lately is the better guide. The weights are the months' worth the Gamma
    # posteriors rest on, so that the uncertainty stays honest.
    weights = 0.5 ** ((steps - 1 - np.arange(steps)) / ARRIVALS_HALF_LIFE)
    months_worth = float(weights.sum()) if steps else 1.0
    arrived = (
        np.tensordot(weights, observed.arrived.astype(float), axes=1)
        if steps
        else (np.zeros((AGES, groups)))
    )
    share = (arrived + 1e-9) / (arrived.sum() + 1e-9 * arrived.size)
    arrive = np.stack([arrived + ARRIVALS_PRIOR * share, np.full(arrived.shape, months_worth)])
    begun = float(weights @ observed.starts) if steps else 0.0
    starts = np.array([begun + 0.5, months_worth])
    return Rates(
        leave=np.stack([leave_a, leave_b]),
        move=move,
        birthday=np.clip(birthday, 0.0, 1.0),
        arrive=arrive,
        starts=starts,
    )


@dataclass(frozen=True)
class Scenario:
    """What if (docs/forecast.md#scenarios): each change is relative to the estimated rates.

    `entries`: +0.1 is 10% more children entering care (`entries_by_band`, one per band,
    instead when given); `leaving`: +0.1 is leaving care 10% faster; `agency_to_in_house`: the
    share of new agency fostering placements (arrivals and moves into it) made with the
    authority's own carers instead; `extra_households_a_year`: more in-house households
    approved a year (the supply side's).
    """

    name: str = "base"
    entries: float = 0.0
    entries_by_band: tuple[float, ...] | None = None
    leaving: float = 0.0
    agency_to_in_house: float = 0.0
    extra_households_a_year: float = 0.0

    def adjust(
        self, leave: np.ndarray, move: np.ndarray, arrive: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The rates under this scenario: leave (..., bands, groups), move (..., bands, groups,
        groups) and arrive (..., ages, groups), with or without a leading axis of futures."""
        by_band = np.asarray(
            self.entries_by_band
            if self.entries_by_band is not None
            else [self.entries] * len(BANDS),
            dtype=float,
        )
        arrive = arrive * (1 + by_band[BAND_OF_AGE])[:, None]
        leave = np.clip(leave * (1 + self.leaving), 0.0, 1.0)
        share = self.agency_to_in_house
        if share:
            agency, in_house = GROUPS.index("agency_fostering"), GROUPS.index("in_house_fostering")
            arrive = arrive.copy()
            arrive[..., in_house] += share * arrive[..., agency]
            arrive[..., agency] *= 1 - share
            move = move.copy()
            others = [g for g in range(len(GROUPS)) if g != agency]
            shifted = share * move[..., others, agency]
            move[..., others, in_house] += shifted
            move[..., others, agency] -= shifted
        return leave, move, arrive


BASE = Scenario()


@dataclass(frozen=True)
class Futures:
    """Simulated futures: `stock[sim, month, age, group]` from the start (month 0) to the
    horizon, and `starts[sim, month]` (month 0 is the start's own, not simulated: NaN)."""

    stock: np.ndarray
    starts: np.ndarray


def simulate(
    rates: Rates,
    start: np.ndarray,
    *,
    months: int,
    futures: int,
    rng: np.random.Generator,
    uncertain_rates: bool = True,
    scenario: Scenario = BASE,
) -> Futures:
    """`futures` simulated futures of `months` months from the stock `start` (ages, groups).

    With `uncertain_rates` each future draws its own rates from the posterior; without, every
    future uses the posterior means (chance alone).
    """
    groups = len(GROUPS)
    leave, move, arrive, starts = _draw(rates, futures, rng, uncertain_rates)
    leave, move, arrive = scenario.adjust(leave, move, arrive)
    band = BAND_OF_AGE
    stock = np.zeros((futures, months + 1, AGES, groups), dtype=np.int64)
    stock[:, 0] = start
    now = np.broadcast_to(start, (futures, AGES, groups)).astype(np.int64)
    leave_by_age = leave[:, band, :]  # (futures, ages, groups)
    move_by_age = move[:, band, :, :]  # (futures, ages, groups, groups)
    # Most children stay in their group from one month to the next: who moves is one binomial,
    # and only the few cells with movers need the multinomial of where they go.
    own = np.eye(groups, dtype=bool)
    moves = np.clip(1 - move_by_age[..., own], 0.0, 1.0)  # (futures, ages, groups)
    where_to = np.where(own, 0.0, move_by_age)
    where_to /= np.maximum(where_to.sum(axis=3, keepdims=True), 1e-300)
    birthday = np.broadcast_to(rates.birthday[None, :, None], (futures, AGES, groups))
    for month in range(1, months + 1):
        staying = now - rng.binomial(now, leave_by_age)
        movers = rng.binomial(staying, moves)
        placed = staying - movers
        cells = np.nonzero(movers)
        if cells[0].size:
            destinations = rng.multinomial(movers[cells], where_to[cells])
            np.add.at(placed, (cells[0], cells[1]), destinations)
        older = rng.binomial(placed, birthday)
        now = placed - older
        now[:, 1:, :] += older[:, :-1, :]  # at 17 a birthday is the 18th: the child leaves care
        now += rng.poisson(arrive)
        stock[:, month] = now
    begun = np.full((futures, months + 1), np.nan)
    begun[:, 1:] = rng.poisson(starts[:, None], size=(futures, months))
    return Futures(stock=stock, starts=begun)


def _draw(
    rates: Rates, futures: int, rng: np.random.Generator, uncertain: bool
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Rates for each future: leave (futures, bands, groups), move (futures, bands, groups,
    groups), arrive (futures, ages, groups) and starts (futures,)."""
    a, b = rates.leave
    shape, rate = rates.arrive
    if not uncertain:
        point = rates.means()
        return (
            np.broadcast_to(point.leave, (futures, *point.leave.shape)),
            np.broadcast_to(point.move, (futures, *point.move.shape)),
            np.broadcast_to(point.arrive, (futures, *point.arrive.shape)),
            np.full(futures, point.starts),
        )
    leave = rng.beta(a, b, size=(futures, *a.shape))
    gammas = rng.gamma(rates.move, size=(futures, *rates.move.shape))
    move = gammas / gammas.sum(axis=3, keepdims=True)
    arrive = rng.gamma(shape, size=(futures, *shape.shape)) / rate
    starts = rng.gamma(rates.starts[0], size=futures) / rates.starts[1]
    return leave, move, arrive, starts
