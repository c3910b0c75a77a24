"""Computing an authority's demand forecast and its track record from its stored history, and
keeping them (one write use-case), and reading the latest back (docs/forecast.md)."""

from __future__ import annotations

import logging
import time

import numpy as np
import pandas as pd
from django.db import transaction

from placements.models import LocalAuthority
from sufficiency.care_history import CareHistory, MonthRange, build_care_history, month_range
from sufficiency.forecast.backtest import past_forecasts, track_record
from sufficiency.forecast.measures import (
    FUTURES,
    HORIZON_MONTHS,
    MIN_REFERENCE_MONTHS,
    MODEL_VERSION,
    MSG_TOO_LITTLE_HISTORY,
    REFERENCE_MONTHS,
    TooLittleHistory,
    forecast,
    reference_period,
)
from sufficiency.models import BacktestValue, ForecastRun, ForecastValue, PastForecastValue
from sufficiency.services import read_inputs

logger = logging.getLogger(__name__)

BASE_SCENARIO = "base"
MSG_NO_FORECAST = "{la} has no forecast yet: run manage.py compute_forecast --la {code}."
_INTERVALS = ["mean", "lower_80", "upper_80", "lower_95", "upper_95"]


def history_months(*, la_id: int) -> tuple[MonthRange, CareHistory]:
    """The month ends the authority's history is complete for, up to its latest as-at date,
    and its care history; TooLittleHistory when there is less than a year of them."""
    inputs = read_inputs(la_id=la_id)
    if inputs.end is None or inputs.complete_from is None:
        raise TooLittleHistory(MSG_TOO_LITTLE_HISTORY.format(needed=MIN_REFERENCE_MONTHS, have=0))
    months = month_range(pd.Timestamp(inputs.complete_from), pd.Timestamp(inputs.end), None)
    if months.count - 1 < MIN_REFERENCE_MONTHS:
        raise TooLittleHistory(
            MSG_TOO_LITTLE_HISTORY.format(
                needed=MIN_REFERENCE_MONTHS, have=max(months.count - 1, 0)
            )
        )
    return months, build_care_history(inputs.episodes, inputs.children)


def compute_forecast(
    *,
    la_id: int,
    reference_months: int = REFERENCE_MONTHS,
    futures: int = FUTURES,
    seed: int = 0,
) -> ForecastRun:
    """Forecast the authority from its latest month end, replay its track record, and keep
    both in place of the last run. TooLittleHistory (nothing kept) when the history is short."""
    began = time.perf_counter()
    months, history = history_months(la_id=la_id)
    start = months.first + months.count - 1
    reference = reference_period(start, months=reference_months, history_from=months.first)
    result = forecast(history, reference=reference, futures=futures, seed=seed)
    past = past_forecasts(history, months=months, reference_months=reference_months, seed=seed)
    record = track_record(past)
    with transaction.atomic():
        ForecastRun.objects.filter(la_id=la_id).delete()
        run = ForecastRun.objects.create(
            la_id=la_id,
            model_version=MODEL_VERSION,
            start=result.start.date(),
            reference_from=pd.Timestamp(reference.period_ends()[0]).date(),
            horizon_months=HORIZON_MONTHS,
            futures=futures,
            parameters={"reference_months": reference_months, "seed": seed},
            seconds=0.0,
        )
        ForecastValue.objects.bulk_create(
            ForecastValue(run=run, period_end=row.period_end.date(), measure=row.measure,
                          **{key: _number(getattr(row, key)) for key in _INTERVALS})
            for row in result.frame.itertuples(index=False)
        )  # fmt: skip
        BacktestValue.objects.bulk_create(
            BacktestValue(run=run, **{key: _number(value) if isinstance(value, float) else value
                                      for key, value in row._asdict().items()})
            for row in record.itertuples(index=False)
        )  # fmt: skip
        PastForecastValue.objects.bulk_create(
            (
                PastForecastValue(
                    run=run,
                    origin=row.origin.date(),
                    period_end=row.period_end.date(),
                    measure=row.measure,
                    horizon_months=int(row.horizon_months),
                    **{
                        key: _number(getattr(row, key))
                        for key in (*_INTERVALS, "actual", "no_change")
                    },
                )
                for row in past.itertuples(index=False)
            ),
            batch_size=2000,
        )
        run.seconds = time.perf_counter() - began
        run.save(update_fields=["seconds"])
    logger.info("forecast for authority %s computed in %.1f s", la_id, run.seconds)
    return run


def _number(value: object) -> float | None:
    number = float(value)  # type: ignore[arg-type]
    return None if np.isnan(number) else number


def latest_run(la: LocalAuthority) -> ForecastRun | None:
    return ForecastRun.objects.filter(la=la).order_by("-computed_at").first()


def latest_or_new_run(la: LocalAuthority) -> ForecastRun:
    """The authority's latest forecast, computed now if it has none (TooLittleHistory when its
    history is too short)."""
    return latest_run(la) or compute_forecast(la_id=la.pk)


def forecast_frame(run: ForecastRun) -> pd.DataFrame:
    """The run's values: period_end, measure and the intervals, in measure then date order."""
    rows = run.values.order_by("measure", "period_end").values_list(
        "period_end", "measure", *_INTERVALS
    )
    return pd.DataFrame.from_records(list(rows), columns=["period_end", "measure", *_INTERVALS])
