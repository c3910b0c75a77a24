"""What the synthetic modules share: day numbers since 1970, the length of a year, weighted
tables to draw codes from, and the foster placement codes the supply side sorts by."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

_EPOCH = dt.date(1970, 1, 1)
_YEAR = 365.25
_OPEN = 10**9  # the end day of a placement still open at the as-at date
_FOSTER = frozenset(f"U{i}" for i in range(1, 7))
_KINSHIP = frozenset({"U1", "U2", "U3"})


def _day(value: dt.date) -> int:
    return (value - _EPOCH).days


def _days(values: pd.Series) -> np.ndarray:
    return values.to_numpy().astype("datetime64[D]").astype(np.int64)


def _cumulative(table: dict[str, float]) -> tuple[list[float], list[str]]:
    keys = list(table)
    weights = np.array([table[k] for k in keys], dtype=float)
    return list(np.cumsum(weights / weights.sum())), keys
