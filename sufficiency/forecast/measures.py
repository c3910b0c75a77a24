"""The forecast as measures: children looked after, each placement group, starters and the
agency share of fostering, month by month from the forecast's start, with 80% and 95%
intervals (docs/forecast.md).

Pure numpy and pandas (STYLE.md 1): a `CareHistory` in, a frame out.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from sufficiency.care_history import CareHistory, MonthRange
from sufficiency.forecast.model import BASE, Futures, Rates, Scenario, estimate, simulate
from sufficiency.forecast.states import FOSTERING_GROUPS, GROUPS, Observed, observe

MODEL_VERSION = "2026.1"
REFERENCE_MONTHS = 36  # the default reference period: the 36 months before the start
MIN_REFERENCE_MONTHS = 12  # less than a year of history: no forecast
HORIZON_MONTHS = 36
FUTURES = 1000
MEASURES: tuple[str, ...] = ("cla_count", *GROUPS, "starters", "ifa_share")
FORECAST_COLUMNS = ["period_end", "measure", "mean", "lower_80", "upper_80", "lower_95", "upper_95"]
# The quantiles of the 80% and 95% intervals.
QUANTILES = (0.10, 0.90, 0.025, 0.975)

MSG_TOO_LITTLE_HISTORY = (
    "There is too little history to forecast from: the forecast needs {needed} months of "
    "complete history before its start, and {have} are held."
)


class TooLittleHistory(ValueError):
    """The history is too short for a forecast (the message says how short)."""


@dataclass(frozen=True)
class Forecast:
    """A forecast: `frame` (FORECAST_COLUMNS, one row per measure and month end, the start's
    own first), the reference period it was estimated on, and the rates."""

    frame: pd.DataFrame
    reference: MonthRange  # the month ends of the reference period, the start the last
    rates: Rates

    @property
    def start(self) -> pd.Timestamp:
        return pd.Timestamp(self.reference.period_ends()[-1])


def reference_period(
    start: int, *, months: int = REFERENCE_MONTHS, history_from: int | None = None
) -> MonthRange:
    """The month ends from `months` before the month `start` up to it (its transitions are the
    `months` steps into it), cut at the first month end the history is complete for."""
    first = start - months
    if history_from is not None:
        first = max(first, history_from)
    have = start - first
    if have < MIN_REFERENCE_MONTHS:
        raise TooLittleHistory(
            MSG_TOO_LITTLE_HISTORY.format(needed=MIN_REFERENCE_MONTHS, have=max(have, 0))
        )
    return MonthRange(first=first, count=have + 1)


def forecast(
    history: CareHistory,
    *,
    reference: MonthRange,
    horizon: int = HORIZON_MONTHS,
    futures: int = FUTURES,
    seed: int = 0,
    scenario: Scenario = BASE,
) -> Forecast:
    """The forecast from the last month end of `reference`, estimated on its transitions."""
    return forecast_from(
        observe(history, reference), horizon=horizon, futures=futures, seed=seed,
        scenario=scenario,
    )  # fmt: skip


def forecast_from(
    observed: Observed,
    *,
    horizon: int = HORIZON_MONTHS,
    futures: int = FUTURES,
    seed: int = 0,
    scenario: Scenario = BASE,
) -> Forecast:
    """The forecast from the last month end of what was `observed`, under `scenario`. The
    same seed gives the base and a scenario the same chances, so their difference is the
    scenario's, not luck's."""
    rates = estimate(observed)
    rng = np.random.default_rng(seed)
    simulated = simulate(
        rates, observed.stock[-1], months=horizon, futures=futures, rng=rng, scenario=scenario
    )
    reference = observed.months
    frame = summarise(simulated, observed, start=reference.first + reference.count - 1)
    return Forecast(frame=frame, reference=reference, rates=rates)


def measure_paths(stock: np.ndarray, starts: np.ndarray) -> dict[str, np.ndarray]:
    """Each measure in each future, (futures, months), from the stock (futures, months, ages,
    groups) and the periods of care begun (futures, months)."""
    by_group = stock.sum(axis=2)  # (futures, months, groups)
    paths: dict[str, np.ndarray] = {"cla_count": by_group.sum(axis=2).astype(float)}
    for index, key in enumerate(GROUPS):
        paths[key] = by_group[:, :, index].astype(float)
    paths["starters"] = starts
    fostered = sum(paths[key] for key in FOSTERING_GROUPS)
    with np.errstate(invalid="ignore", divide="ignore"):
        paths["ifa_share"] = np.where(
            fostered > 0, 100.0 * paths["agency_fostering"] / fostered, np.nan
        )
    return paths


def summarise(futures: Futures, observed: Observed, *, start: int) -> pd.DataFrame:
    """FORECAST_COLUMNS for every measure: the start's own values (its intervals equal to
    them), then each month's mean and quantiles over the futures."""
    # The start month's starters are observed, not simulated.
    starts = futures.starts.copy()
    starts[:, 0] = float(observed.starts[-1]) if len(observed.starts) else np.nan
    paths = measure_paths(futures.stock, starts)
    months = MonthRange(first=start, count=futures.stock.shape[1])
    ends = pd.DatetimeIndex(months.period_ends())
    frames = []
    for measure in MEASURES:
        values = paths[measure]
        with np.errstate(all="ignore"):
            mean = np.nanmean(values, axis=0)
            low80, high80, low95, high95 = np.nanquantile(values, QUANTILES, axis=0)
        frames.append(
            pd.DataFrame(
                {
                    "period_end": ends,
                    "measure": measure,
                    "mean": mean,
                    "lower_80": low80,
                    "upper_80": high80,
                    "lower_95": low95,
                    "upper_95": high95,
                }
            )
        )
    return pd.concat(frames, ignore_index=True)[FORECAST_COLUMNS]
