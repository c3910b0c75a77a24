"""Where each child in care is at each month end, as the forecast's states: single year of age
(0 to 17) by placement group (docs/forecast.md#states), read from the same `CareHistory` as the
indicators, so that the forecast's first month is the stored figures exactly.

Pure numpy (STYLE.md 1). `observe` turns a history into the counts the model is estimated from:
the stock at each month end, and between consecutive month ends who stayed (in which group, a
year older or not), who left, who turned 18 and who arrived.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sufficiency.care_history import (
    ADOPTION_PLACEMENTS,
    CHILDRENS_HOMES,
    INDEPENDENT_PROVIDERS,
    KINSHIP_FOSTERING,
    LA_OWN_PROVIDER,
    OTHER_FOSTERING,
    SUPPORTED_16PLUS,
    WITH_PARENTS,
    CareHistory,
    MonthRange,
    isin,
)

# The placement groups, in order. The keys are the indicators' where one exists, so that a
# group's forecast starts at that indicator's stored value; together they are every child in
# care (cla_count).
GROUPS: tuple[str, ...] = (
    "in_house_fostering",
    "agency_fostering",
    "other_fostering",
    "kinship_fostering",
    "residential_count",
    "other_residential",
    "supported_16plus",
    "placed_with_parents",
    "placed_for_adoption",
    "other_placements",
)
GROUP_NAMES: dict[str, str] = {
    "in_house_fostering": "In-house fostering",
    "agency_fostering": "Agency fostering",
    "other_fostering": "Fostering by other public bodies",
    "kinship_fostering": "Kinship fostering",
    "residential_count": "Children's homes",
    "other_residential": "Other residential settings",
    "supported_16plus": "Supported accommodation (16 and over)",
    "placed_with_parents": "Placed with parents",
    "placed_for_adoption": "Placed for adoption",
    "other_placements": "Other placements",
}
FOSTERING_GROUPS = (
    "in_house_fostering",
    "agency_fostering",
    "other_fostering",
    "kinship_fostering",
)
OTHER_RESIDENTIAL = {"R1", "P3", "S1", "R2", "R3", "R5"}
AGES = 18  # single years of age 0 to 17; at 18 a child leaves care
# The DfE's age bands (lower age, first age beyond): rates are estimated per band.
BANDS: tuple[tuple[int, int], ...] = ((0, 1), (1, 5), (5, 10), (10, 16), (16, 18))
BAND_OF_AGE = np.array(
    [next(i for i, (low, high) in enumerate(BANDS) if low <= age < high) for age in range(AGES)]
)
NOT_IN_CARE = -1


def group_codes(history: CareHistory) -> np.ndarray:
    """The group (a position in GROUPS) of each row's counted placement."""
    place, provider = history.place, history.provider
    fostering = isin(place, OTHER_FOSTERING)
    in_house = fostering & isin(provider, LA_OWN_PROVIDER)
    agency = fostering & isin(provider, INDEPENDENT_PROVIDERS)
    choices = [
        in_house,
        agency,
        fostering & ~in_house & ~agency,
        isin(place, KINSHIP_FOSTERING),
        isin(place, CHILDRENS_HOMES),
        isin(place, OTHER_RESIDENTIAL),
        isin(place, SUPPORTED_16PLUS),
        isin(place, WITH_PARENTS),
        isin(place, ADOPTION_PLACEMENTS),
    ]
    return np.select(choices, list(range(len(choices))), default=len(GROUPS) - 1)


def ages_at(dob: np.ndarray, day: np.datetime64) -> np.ndarray:
    """Age in whole years on `day` of each date of birth (datetime64[D]); a 29 February
    birthday falls on 1 March in other years."""
    birth = dob.astype("datetime64[D]")
    on = np.asarray(day).astype("datetime64[D]")
    born_year = birth.astype("datetime64[Y]").astype(np.int64)
    born_month = birth.astype("datetime64[M]").astype(np.int64) % 12
    born_day = (birth - birth.astype("datetime64[M]")).astype(np.int64)
    year = int(on.astype("datetime64[Y]").astype(np.int64))
    month = int(on.astype("datetime64[M]").astype(np.int64) % 12)
    day_of_month = int((on - on.astype("datetime64[M]")).astype(np.int64))
    before_birthday = (born_month > month) | ((born_month == month) & (born_day > day_of_month))
    return year - born_year - before_birthday.astype(np.int64)


def state_matrix(history: CareHistory, months: MonthRange) -> np.ndarray:
    """(children, months) of each child's state at each month end: age * len(GROUPS) + group,
    or NOT_IN_CARE. A child older than 17 (a record past its 18th birthday) counts as 17."""
    states = np.full((len(history.child_ids), months.count), NOT_IN_CARE, dtype=np.int64)
    groups = group_codes(history)
    ends = months.period_ends().astype("datetime64[D]")
    for k in range(months.count):
        month = months.first + k
        rows = np.flatnonzero((history.open_from <= month) & (month < history.open_until))
        children = history.child[rows]
        age = np.clip(ages_at(history.dob[children], ends[k]), 0, AGES - 1)
        states[children, k] = age * len(GROUPS) + groups[rows]
    return states


@dataclass(frozen=True)
class Observed:
    """What the model is estimated from, over the month ends of `months`.

    `stock[k, a, g]`: children of age a in group g at month end k. Between month end k and
    k + 1, of the children at k in (a, g): `left[a, g]` left care (other than at 18),
    `turned_18[g]` (age 17 only) reached 18, `moved[a, g, h]` were in group h at k + 1 (h == g:
    stayed put), `older[a]` were a year older at k + 1 (any group); `arrived[k, a, g]` were in
    (a, g) at k + 1 but not in care at k (k < count - 1). `starts[k]`: periods of care begun in
    the month of month end k + 1 (the `starters` indicator).
    """

    months: MonthRange
    stock: np.ndarray
    left: np.ndarray
    turned_18: np.ndarray
    moved: np.ndarray
    older: np.ndarray
    arrived: np.ndarray
    starts: np.ndarray

    @property
    def transitions(self) -> int:
        """Month-to-month steps observed."""
        return max(self.months.count - 1, 0)


@dataclass(frozen=True)
class Timeline:
    """The counts of `Observed`, kept month by month over `months`, so that any stretch of
    them (a backtest's many reference periods) is a sum of slices, not a new pass over the
    history. Arrays over steps have one entry per step k -> k + 1."""

    months: MonthRange
    stock: np.ndarray  # (months, ages, groups)
    left: np.ndarray  # (steps, ages, groups)
    turned_18: np.ndarray  # (steps, groups)
    moved: np.ndarray  # (steps, ages, groups, groups)
    older: np.ndarray  # (steps, ages)
    arrived: np.ndarray  # (steps, ages, groups)
    starts: np.ndarray  # (steps,)

    def observed(self, months: MonthRange) -> Observed:
        """The counts over `months`, which must lie within the timeline's."""
        first = months.first - self.months.first
        if first < 0 or first + months.count > self.months.count:
            raise ValueError("The months asked for are outside the timeline.")
        steps = slice(first, first + max(months.count - 1, 0))
        return Observed(
            months=months,
            stock=self.stock[first : first + months.count],
            left=self.left[steps].sum(axis=0),
            turned_18=self.turned_18[steps].sum(axis=0),
            moved=self.moved[steps].sum(axis=0),
            older=self.older[steps].sum(axis=0),
            arrived=self.arrived[steps],
            starts=self.starts[steps],
        )


def timeline(history: CareHistory, months: MonthRange) -> Timeline:
    """Every month's counts over `months`."""
    groups = len(GROUPS)
    states = state_matrix(history, months)
    steps = max(months.count - 1, 0)
    stock = np.zeros((months.count, AGES, groups), dtype=np.int64)
    for k in range(months.count):
        here = states[:, k]
        np.add.at(stock[k].reshape(-1), here[here != NOT_IN_CARE], 1)

    left = np.zeros((steps, AGES, groups), dtype=np.int64)
    turned_18 = np.zeros((steps, groups), dtype=np.int64)
    moved = np.zeros((steps, AGES, groups, groups), dtype=np.int64)
    older = np.zeros((steps, AGES), dtype=np.int64)
    arrived = np.zeros((steps, AGES, groups), dtype=np.int64)
    ends = months.period_ends().astype("datetime64[D]")
    for k in range(steps):
        before, after = states[:, k], states[:, k + 1]
        was = before != NOT_IN_CARE
        now = after != NOT_IN_CARE
        age, group = before // groups, before % groups
        stayed = was & now
        gone = was & ~now
        adult = gone & (ages_at(history.dob, ends[k + 1]) >= AGES)
        np.add.at(left[k], (age[gone & ~adult], group[gone & ~adult]), 1)
        np.add.at(turned_18[k], group[adult], 1)
        np.add.at(moved[k], (age[stayed], group[stayed], after[stayed] % groups), 1)
        grew = stayed & (after // groups > age)
        np.add.at(older[k], age[grew], 1)
        older[k, AGES - 1] += int(adult.sum())
        new = ~was & now
        np.add.at(arrived[k], (after[new] // groups, after[new] % groups), 1)

    start_month = np.asarray(history.open_from)[history.starts_care]
    first = months.first + 1
    within = (start_month >= first) & (start_month < months.first + months.count)
    starts = np.bincount(start_month[within] - first, minlength=steps)[:steps]
    return Timeline(
        months=months,
        stock=stock,
        left=left,
        turned_18=turned_18,
        moved=moved,
        older=older,
        arrived=arrived,
        starts=starts,
    )


def observe(history: CareHistory, months: MonthRange) -> Observed:
    """The counts of `Observed` for `months` (two month ends at least for any flow)."""
    return timeline(history, months).observed(months)
