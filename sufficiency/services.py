"""Recomputing an authority's indicators from its stored episodes, and reading them back:
the values, and the children behind a value."""

from __future__ import annotations

import datetime as dt
import logging
import time
from dataclasses import dataclass

import numpy as np
import pandas as pd
from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone

from placements import locks
from placements.bulk import copy_frame
from placements.models import Child, LocalAuthority, Population, Upload
from placements.stored import episodes_frame, stored_costs_frame, stored_households_frame
from sufficiency import coverage
from sufficiency.care_history import build_care_history
from sufficiency.indicators import (
    compute_indicators,
    compute_supply_indicators,
    numerator_children,
    supply_numerator_children,
)
from sufficiency.models import Computation, IndicatorValue
from sufficiency.registry import BY_KEY, DEFINITIONS_VERSION, INDICATORS

logger = logging.getLogger(__name__)

MSG_COMPUTATION_FAILED = "The computation stopped with an internal error ({kind})."
_EPISODE_COLUMNS = [
    "decom", "dec", "rne", "ls", "place", "place_provider", "rec", "pl_post", "distance",
    "outside_la", "carer_id", "weekly_cost",
]  # fmt: skip


@dataclass
class IndicatorInputs:
    """What the pure computation needs for one authority, read from the database."""

    episodes: pd.DataFrame
    children: pd.DataFrame
    population: dict[int, int]
    end: dt.date | None
    carers: pd.DataFrame
    costs: pd.DataFrame
    # The first day the stored 903 history is complete from (None: no 903 upload loaded).
    complete_from: dt.date | None = None


def read_inputs(*, la_id: int) -> IndicatorInputs:
    """The authority's stored episodes and children as frames, its population, its foster carer
    households and placement costs, and the as-at date of its latest loaded 903 upload (the
    last month end to compute)."""
    episodes = episodes_frame(la_id=la_id, columns=_EPISODE_COLUMNS)
    children = _children_frame(la_id=la_id)
    population = dict(Population.objects.filter(la_id=la_id).values_list("year", "count"))
    return IndicatorInputs(
        episodes=episodes,
        children=children,
        population=population,
        end=last_month_end(la_id=la_id),
        carers=stored_households_frame(la_id=la_id),
        costs=stored_costs_frame(la_id=la_id),
        complete_from=LocalAuthority.objects.get(pk=la_id).history_from(),
    )


def last_month_end(*, la_id: int) -> dt.date | None:
    """The as-at date of the authority's latest loaded 903 upload: the months are those the
    903 history covers, since a later carers or costs extract does not add month ends at which
    the episodes could not say where children were."""
    return Upload.objects.filter(
        la_id=la_id, status=Upload.Status.LOADED, kind=Upload.Kind.SSDA903
    ).aggregate(end=Max("as_at"))["end"]


def _children_frame(*, la_id: int) -> pd.DataFrame:
    children = pd.DataFrame.from_records(
        list(Child.objects.filter(la_id=la_id).values_list("child_id", "dob", "uasc")),
        columns=["child_id", "dob", "uasc"],
    )
    children["dob"] = pd.to_datetime(children["dob"]).astype("datetime64[ns]")
    return children


def indicator_values(inputs: IndicatorInputs) -> pd.DataFrame:
    """Every indicator, the 903 measures and the supply ones, at every month end from the first
    the history covers to `inputs.end`, from one care history (building it is most of the
    work, so it is built once). Month ends before the history is complete have no figures at
    all; later ones whose look-back reaches before it are marked (`with_coverage`)."""
    history = build_care_history(inputs.episodes, inputs.children)
    end = pd.Timestamp(inputs.end)
    start = pd.Timestamp(inputs.complete_from) if inputs.complete_from is not None else None
    measures = compute_indicators(
        episodes=inputs.episodes,
        children=inputs.children,
        population=inputs.population,
        start=start,
        end=end,
        history=history,
    )
    supply = compute_supply_indicators(
        episodes=inputs.episodes,
        children=inputs.children,
        carers=inputs.carers,
        costs=inputs.costs,
        start=start,
        end=end,
        history=history,
    )
    return with_coverage(pd.concat([measures, supply], ignore_index=True), inputs.complete_from)


def with_coverage(values: pd.DataFrame, complete_from: dt.date | None) -> pd.DataFrame:
    """The values with `enough_history`: False, with no value and 0 counted, at the month ends
    whose indicator looks back further than the history is complete (sufficiency.coverage)."""
    values = values.copy()
    look_back = values["indicator"].map({key: d.look_back_months for key, d in BY_KEY.items()})
    values["enough_history"] = coverage.enough_history_at(
        pd.to_datetime(values["period_end"]).to_numpy(), look_back.to_numpy(), complete_from
    )
    short = ~values["enough_history"]
    values.loc[short, "value"] = np.nan
    values.loc[short, ["numerator", "denominator"]] = 0
    return values


def children_in_numerator(
    *, la: LocalAuthority, indicator: str, period_end: dt.date
) -> pd.DataFrame:
    """The children counted in an indicator's numerator at the month end `period_end`.

    Read from the authority's stored episodes, children, carers and costs as they are now, so
    the list matches the stored value when that was computed from the same uploads. Columns as
    `sufficiency.indicators.numerator_children` (child_id, age, place, provider, urn,
    distance, outside_la, placement_start, period_start, event_date), sorted by child_id; for
    a supply indicator also carer_id and weekly_cost (`sufficiency.indicators.
    supply_numerator_children`: for an average cost or the monthly spend, the children whose
    costs are added up). Raises ValueError for an unknown indicator, a date that is not a month
    end, or a supply indicator about households or places (declared `lists_children=False`).
    """
    episodes = episodes_frame(la_id=la.pk, columns=[*_EPISODE_COLUMNS, "urn"])
    children = _children_frame(la_id=la.pk)
    declared = BY_KEY.get(indicator)
    if declared is not None and declared.family == "supply":
        return supply_numerator_children(
            episodes=episodes,
            children=children,
            carers=stored_households_frame(la_id=la.pk),
            costs=stored_costs_frame(la_id=la.pk),
            indicator=indicator,
            period_end=period_end,
        )
    return numerator_children(
        episodes=episodes, children=children, indicator=indicator, period_end=period_end
    )


def recompute_indicators(
    *,
    la_id: int,
    trigger: str,
    upload_id: int | None = None,
    attempt: int = 1,
    final: bool = True,
) -> Computation:
    """Compute every indicator at every month end and replace the current version's values.

    All-or-nothing: the values change in one transaction. A failure is recorded on the
    computation (without row contents) and raised again, so that the task can retry it. One
    recompute of an authority runs at a time: a second waits for the first to end (its lock is
    what tells the sweeper, sufficiency.recovery, that a "running" computation is alive).
    """
    with locks.holding(locks.AUTHORITY, la_id, wait=True):
        return _recompute(
            la_id=la_id, trigger=trigger, upload_id=upload_id, attempt=attempt, final=final
        )


def _recompute(
    *, la_id: int, trigger: str, upload_id: int | None, attempt: int, final: bool
) -> Computation:
    run = Computation.objects.create(
        la_id=la_id,
        upload_id=upload_id,
        trigger=trigger,
        attempt=attempt,
        final=final,
        definitions_version=DEFINITIONS_VERSION,
    )
    try:
        inputs = read_inputs(la_id=la_id)
        started = time.perf_counter()
        values = (
            indicator_values(inputs)
            if inputs.end is not None and not inputs.episodes.empty
            else pd.DataFrame(
                columns=[
                    "indicator",
                    "period_end",
                    "value",
                    "numerator",
                    "denominator",
                    "enough_history",
                ]
            )
        )
        seconds = time.perf_counter() - started
        with transaction.atomic():
            write_values(la_id=la_id, values=values)
            Computation.objects.filter(pk=run.pk).update(
                status=Computation.Status.DONE,
                finished_at=timezone.now(),
                months=values["period_end"].nunique(),
                values_written=len(values),
                compute_seconds=seconds,
            )
    except Exception as exc:
        logger.error("indicators for authority %s failed with %s", la_id, type(exc).__name__)
        Computation.objects.filter(pk=run.pk).update(
            status=Computation.Status.FAILED,
            finished_at=timezone.now(),
            error=MSG_COMPUTATION_FAILED.format(kind=type(exc).__name__),
        )
        raise
    run.refresh_from_db()
    return run


def write_values(*, la_id: int, values: pd.DataFrame) -> int:
    """Replace the authority's values of the current definitions version."""
    IndicatorValue.objects.filter(la_id=la_id, definitions_version=DEFINITIONS_VERSION).delete()
    rows = pd.DataFrame(
        {
            "la_id": la_id,
            "indicator": values["indicator"].astype(object),
            "period_end": pd.to_datetime(values["period_end"]).astype("datetime64[ns]"),
            "value": values["value"].astype(float),
            "numerator": values["numerator"].astype("int64"),
            "denominator": values["denominator"].astype("int64"),
            "enough_history": values["enough_history"].astype(bool),
            "definitions_version": DEFINITIONS_VERSION,
            "computed_at": timezone.now().isoformat(),
        }
    )
    if connection.vendor == "postgresql":
        copy_frame(IndicatorValue._meta.db_table, rows)
        return len(rows)
    IndicatorValue.objects.bulk_create(
        (
            IndicatorValue(
                la_id=la_id,
                indicator=row.indicator,
                period_end=row.period_end.date(),
                value=None if np.isnan(row.value) else float(row.value),
                numerator=int(row.numerator),
                denominator=int(row.denominator),
                enough_history=bool(row.enough_history),
                definitions_version=DEFINITIONS_VERSION,
                computed_at=timezone.now(),
            )
            for row in rows.itertuples(index=False)
        ),
        batch_size=1000,
    )
    return len(rows)


def values_frame(
    *, la: LocalAuthority, start: dt.date | None = None, end: dt.date | None = None
) -> pd.DataFrame:
    """The stored values of the current definitions version, in catalogue then date order."""
    rows = IndicatorValue.objects.filter(la=la, definitions_version=DEFINITIONS_VERSION)
    if start is not None:
        rows = rows.filter(period_end__gte=start)
    if end is not None:
        rows = rows.filter(period_end__lte=end)
    frame = pd.DataFrame.from_records(
        list(
            rows.values_list(
                "indicator", "period_end", "value", "numerator", "denominator", "enough_history"
            )
        ),
        columns=["indicator", "period_end", "value", "numerator", "denominator", "enough_history"],
    )
    order = {d.key: position for position, d in enumerate(INDICATORS)}
    frame["_order"] = frame["indicator"].map(order)
    return frame.sort_values(["_order", "period_end"]).drop(columns="_order")


def format_value(indicator: str, value: float | None) -> str:
    """As the export writes it: percentages to one decimal, money (pounds) to the penny, counts
    and rates whole."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    if BY_KEY[indicator].unit == "percent":
        return f"{value:.1f}"
    if BY_KEY[indicator].unit == "money":
        return f"{value:.2f}"
    return f"{round(value):d}"
