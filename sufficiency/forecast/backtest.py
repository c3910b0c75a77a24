"""The forecast's track record (docs/forecast.md#track-record): a rolling-origin backtest over
the authority's own history. From each past month end with a reference period behind it and
outcomes after it, the model is estimated on the months before it alone, forecasts, and is
compared with what was then recorded, beside the forecast that nothing changes.

Pure numpy and pandas (STYLE.md 1).
"""

from __future__ import annotations

from typing import cast

import numpy as np
import pandas as pd

from sufficiency.care_history import CareHistory, MonthRange
from sufficiency.forecast.measures import (
    MEASURES,
    MIN_REFERENCE_MONTHS,
    REFERENCE_MONTHS,
    measure_paths,
)
from sufficiency.forecast.model import estimate, simulate
from sufficiency.forecast.states import Timeline, timeline

HORIZONS = (3, 6, 12, 24)
BACKTEST_YEARS = 5  # origins: every month end of the last five years that has outcomes after it
BACKTEST_FUTURES = 200
BACKTEST_COLUMNS = [
    "measure", "horizon_months", "origins", "mae", "mape", "bias", "skill_vs_no_change",
    "coverage_80", "coverage_95",
]  # fmt: skip
# Each origin's forecast at each horizon, beside what happened: for the chart of past
# forecasts against the outcome.
PAST_FORECAST_COLUMNS = [
    "origin", "period_end", "measure", "horizon_months", "mean", "lower_80", "upper_80",
    "lower_95", "upper_95", "actual", "no_change",
]  # fmt: skip


def recorded(line: Timeline) -> dict[str, np.ndarray]:
    """Each measure as recorded at every month end of the timeline (starters: of the month;
    NaN at the first month end, whose month is not in the timeline)."""
    starts = np.concatenate([[np.nan], line.starts.astype(float)])
    paths = measure_paths(line.stock[None, ...], starts[None, :])
    return {key: values[0] for key, values in paths.items()}


def past_forecasts(
    history: CareHistory,
    *,
    months: MonthRange,
    reference_months: int = REFERENCE_MONTHS,
    years: int = BACKTEST_YEARS,
    futures: int = BACKTEST_FUTURES,
    seed: int = 0,
) -> pd.DataFrame:
    """PAST_FORECAST_COLUMNS: from every origin among `months` (the month ends the history is
    complete for) with MIN_REFERENCE_MONTHS behind it and the shortest horizon after it, within
    the last `years`, each horizon that has an outcome."""
    line = timeline(history, months)
    actual = recorded(line)
    last = months.count - 1
    first_origin = max(MIN_REFERENCE_MONTHS, last - 12 * years)
    rng = np.random.default_rng(seed)
    ends = pd.DatetimeIndex(months.period_ends())
    rows: list[pd.DataFrame] = []
    for origin in range(first_origin, last - min(HORIZONS) + 1):
        reference = MonthRange(
            first=months.first + max(0, origin - reference_months),
            count=min(origin, reference_months) + 1,
        )
        observed = line.observed(reference)
        horizon = min(max(HORIZONS), last - origin)
        simulated = simulate(
            estimate(observed), observed.stock[-1], months=horizon, futures=futures, rng=rng
        )
        paths = measure_paths(simulated.stock, simulated.starts)
        wanted = [h for h in HORIZONS if h <= horizon]
        for measure in MEASURES:
            values = paths[measure][:, wanted]
            with np.errstate(all="ignore"):
                mean = np.nanmean(values, axis=0)
                low80, high80, low95, high95 = np.nanquantile(
                    values, (0.10, 0.90, 0.025, 0.975), axis=0
                )
            outcome = actual[measure][[origin + h for h in wanted]]
            # "No change": the month's own figure carried forward (for starters, the last
            # month's starts).
            rows.append(
                pd.DataFrame(
                    {
                        "origin": ends[origin],
                        "period_end": ends[[origin + h for h in wanted]],
                        "measure": measure,
                        "horizon_months": wanted,
                        "mean": mean,
                        "lower_80": low80,
                        "upper_80": high80,
                        "lower_95": low95,
                        "upper_95": high95,
                        "actual": outcome,
                        "no_change": actual[measure][origin],
                    }
                )
            )
    if not rows:
        return pd.DataFrame(columns=PAST_FORECAST_COLUMNS)
    return pd.concat(rows, ignore_index=True)[PAST_FORECAST_COLUMNS]


def track_record(past: pd.DataFrame) -> pd.DataFrame:
    """BACKTEST_COLUMNS per measure and horizon, from `past_forecasts`: mean absolute error
    (in the measure's own unit), mean absolute percentage error, bias (forecast minus outcome,
    on average), skill against no change (the forecast's error over no change's: below 1 is
    better) and how often each interval held the outcome."""
    known = past.dropna(subset=["actual", "mean"])
    rows = []
    for (measure, horizon), group in known.groupby(["measure", "horizon_months"], sort=False):
        horizon = cast(int, horizon)
        error = group["mean"] - group["actual"]
        naive = (group["no_change"] - group["actual"]).abs()
        positive = group["actual"] > 0
        mae = float(error.abs().mean())
        naive_mae = float(naive.mean())
        rows.append(
            {
                "measure": measure,
                "horizon_months": int(horizon),
                "origins": len(group),
                "mae": mae,
                "mape": float((error.abs()[positive] / group["actual"][positive]).mean() * 100)
                if positive.any()
                else np.nan,
                "bias": float(error.mean()),
                "skill_vs_no_change": mae / naive_mae if naive_mae > 0 else np.nan,
                "coverage_80": float(
                    (
                        (group["lower_80"] <= group["actual"])
                        & (group["actual"] <= group["upper_80"])
                    ).mean()
                ),
                "coverage_95": float(
                    (
                        (group["lower_95"] <= group["actual"])
                        & (group["actual"] <= group["upper_95"])
                    ).mean()
                ),
            }
        )
    frame = pd.DataFrame(rows, columns=BACKTEST_COLUMNS)
    order = {key: index for index, key in enumerate(MEASURES)}
    return frame.sort_values(
        ["measure", "horizon_months"],
        key=lambda column: column.map(order) if column.name == "measure" else column,
    ).reset_index(drop=True)
