"""The stored records read back as DataFrames: episodes, children, carer households, costs.

Each reader returns the columns and types that the extracts' validation gives, so that what
is stored and what an upload brings can be stitched and compared as frames.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from django.db import connection
from django.db.models import FloatField
from django.db.models.functions import Cast

from placements import carers, costs
from placements.models import CarerHousehold, Child, Episode, PlacementCost
from placements.ssda903.validate import (
    CHILD_FIELDS,
    EPISODE_FIELDS,
    empty_children,
    empty_episodes,
)

_CHILD_DATES = ["dob", "mc_dob", "uasc_ceased"]

_DECIMAL_EPISODE_COLUMNS = {"pl_distance", "distance", "weekly_cost"}


def episodes_frame(*, la_id: int, columns: list[str]) -> pd.DataFrame:
    """An authority's stored episodes: the CHILD id and the given Episode columns, typed.

    Dates come back as datetime64, distances as float (NaN when unknown), outside_la as
    1.0 / 0.0 / NaN. Read with one plain query: the ORM costs several times more per row.
    """
    episode, child = Episode._meta.db_table, Child._meta.db_table
    # Decimal columns come back as floats from the database itself: turning Decimal objects
    # into floats in Python costs more than reading them.
    selected = ", ".join(
        f"CAST(e.{name} AS DOUBLE PRECISION)" if name in _DECIMAL_EPISODE_COLUMNS else f"e.{name}"
        for name in columns
    )
    sql = (
        f"SELECT c.child_id, {selected} FROM {episode} e "  # noqa: S608 - names are ours
        f"JOIN {child} c ON c.id = e.child_id WHERE e.la_id = %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [la_id])
        rows = cursor.fetchall()
    frame = pd.DataFrame.from_records(rows, columns=["child_id", *columns])
    for name in set(columns) & {"decom", "dec"}:
        frame[name] = pd.to_datetime(frame[name]).astype("datetime64[ns]")
    for name in set(columns) & {"pl_distance", "distance", "weekly_cost"}:
        frame[name] = pd.to_numeric(frame[name], errors="coerce").astype(float)
    if "outside_la" in columns:
        frame["outside_la"] = frame["outside_la"].map({True: 1.0, False: 0.0}).astype(float)
    return frame


def stored_episodes_frame(*, la_id: int) -> pd.DataFrame:
    """Every stored episode of an authority, with its database id, in stitching form."""
    columns = [name for name in EPISODE_FIELDS if name != "child_id"]
    frame = episodes_frame(la_id=la_id, columns=["id", *columns])
    if frame.empty:
        return empty_episodes().assign(id=pd.Series(dtype=np.int64))
    return frame.sort_values(["child_id", "decom"]).reset_index(drop=True)


def stored_children_frame(*, la_id: int) -> pd.DataFrame:
    """Every stored child of an authority, in stitching form."""
    rows = Child.objects.filter(la_id=la_id).values_list(*CHILD_FIELDS)
    frame = pd.DataFrame.from_records(list(rows), columns=CHILD_FIELDS)
    if frame.empty:
        return empty_children()
    for name in _CHILD_DATES:
        frame[name] = pd.to_datetime(frame[name]).astype("datetime64[ns]")
    frame["uasc"] = frame["uasc"].astype(bool)
    return frame


def stored_households_frame(*, la_id: int) -> pd.DataFrame:
    """The authority's stored carer households, typed as `carers.validate_carers` gives them."""
    rows = CarerHousehold.objects.filter(la_id=la_id).values_list(*carers.FIELDS)
    frame = pd.DataFrame.from_records(list(rows), columns=carers.FIELDS)
    if frame.empty:
        return carers.empty_households()
    for name in ("approval_date", "deregistration_date"):
        frame[name] = pd.to_datetime(frame[name]).astype("datetime64[ns]")
    for name in ("approved_places", "age_from", "age_to"):
        frame[name] = frame[name].astype("Int64")
    return frame


def stored_costs_frame(*, la_id: int) -> pd.DataFrame:
    """The authority's stored placement costs: child_id, decom (datetime64), weekly_cost."""
    rows = (
        PlacementCost.objects.filter(la_id=la_id)
        .annotate(cost=Cast("weekly_cost", FloatField()))
        .values_list("child_id", "decom", "cost")
    )
    frame = pd.DataFrame.from_records(list(rows), columns=costs.FIELDS)
    if frame.empty:
        return costs.empty_costs()
    frame["decom"] = pd.to_datetime(frame["decom"]).astype("datetime64[ns]")
    frame["weekly_cost"] = pd.to_numeric(frame["weekly_cost"]).astype(float)
    return frame
