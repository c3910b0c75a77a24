"""Forecast benchmarks (issue 12). Prints one `name: value` line per figure.

For the large synthetic authority (2,300 in care, ten years; loaded by the ingest benchmark):
the base forecast with its intervals, 36 months ahead (`forecast_seconds`, target under 2 s),
and the whole backtest, every month origin of the last five years with horizons to 24 months
(`backtest_seconds`, target under 30 s), each the median of RUNS, pure computation on the
history already read.
"""

from __future__ import annotations

import statistics
import time

import pandas as pd

from bench.common import RUNS
from bench.indicators import large_authority
from sufficiency.care_history import CareHistory, build_care_history, month_range
from sufficiency.forecast.backtest import past_forecasts
from sufficiency.forecast.measures import forecast, reference_period
from sufficiency.services import read_inputs


def main() -> None:
    la = large_authority()
    inputs = read_inputs(la_id=la.pk)
    history = build_care_history(inputs.episodes, inputs.children)
    months = month_range(pd.Timestamp(inputs.complete_from), pd.Timestamp(inputs.end), None)
    start = months.first + months.count - 1
    reference = reference_period(start, history_from=months.first)
    forecasts, backtests = [], []
    for run in range(RUNS):
        began = time.perf_counter()
        forecast(history, reference=reference, seed=run)
        forecasts.append(time.perf_counter() - began)
        began = time.perf_counter()
        past = past_forecasts(history, months=months, seed=run)
        backtests.append(time.perf_counter() - began)
    print(f"forecast_children_at_start: {int(reference_children(history, start))}")
    print(f"forecast_seconds: {statistics.median(forecasts):.3f}")
    print(f"backtest_origins: {past['origin'].nunique()}")
    print(f"backtest_seconds: {statistics.median(backtests):.3f}")


def reference_children(history: CareHistory, month: int) -> int:
    """Children in care at the forecast's start (that the benchmark is the size it says)."""
    return int(((history.open_from <= month) & (month < history.open_until)).sum())


if __name__ == "__main__":
    main()
