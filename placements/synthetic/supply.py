"""The supply side of a synthetic history: foster carer households, weekly placement costs and
an Ofsted provider workbook, consistent with the synthetic children's episodes.

Nothing here is real but the postcodes and the names of local authorities and regions. Every
choice is drawn from one `numpy.random.Generator` seeded from a child of the history's seed
sequence, never from the history's own stream: asking for the supply side changes no byte of
the 903 extracts, and the same history always gets the same supply side.

The placements it is drawn on come from the episodes (`placement_numbers`); the carer
households are drawn by carers.py, the costs by costs.py and the provider list by ofsted.py.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from placements.ssda903 import codes
from placements.synthetic._common import _FOSTER, _OPEN, _YEAR, _days
from placements.synthetic.carers import _carers
from placements.synthetic.costs import _costs
from placements.synthetic.history import SyntheticHistory
from placements.synthetic.ofsted import _provider_sheets

# The supply side's own stream: a child of the history's seed sequence (module docstring).
_SUPPLY_STREAM = 5
_WITH_CARERS = frozenset({"A3", "A5"})  # placed for adoption with the current foster carers
# A placement ending like this ended with the carers adopting the child or taking an SGO.
_KEPT_BY_CARERS = frozenset({"E11", "E12", "E45", "E47", "E48"})


def placement_numbers(episodes: pd.DataFrame) -> pd.Series:
    """The placement each episode belongs to (docs/periods-and-placements.md#placements), numbered from 0 in row order.

    `episodes` sorted by CHILD and DECOM. A placement starts with RNE S, P or B; a temporary
    placement (T0-T4) and the episode returning from it continue the placement before them.
    """
    temporary = episodes["PLACE"].isin(codes.TEMPORARY_PLACEMENTS)
    same_child = episodes["CHILD"].eq(episodes["CHILD"].shift())
    after_temporary = temporary.shift(fill_value=False) & same_child
    new = episodes["RNE"].isin(["S", "P", "B"]) & ~temporary & ~after_temporary
    return new.cumsum() - 1


def _placements(history: SyntheticHistory) -> tuple[pd.Series, pd.DataFrame]:
    """Placement number per episode, and one row per placement with what supply needs."""
    episodes = history.episodes
    number = placement_numbers(episodes)
    decom = _days(episodes["DECOM"])
    dec = episodes["DEC"].to_numpy().astype("datetime64[D]")
    end = np.where(np.isnat(dec), _OPEN, dec.astype(np.int64))
    frame = pd.DataFrame(
        {
            "number": number.to_numpy(),
            "start": decom,
            "end": end,
            "with_carers": episodes["PLACE"].isin(_WITH_CARERS).to_numpy(),
        }
    )
    grouped = frame.groupby("number", sort=True)
    first = episodes.groupby(number.to_numpy(), sort=True).head(1).reset_index(drop=True)
    last = episodes.groupby(number.to_numpy(), sort=True).tail(1).reset_index(drop=True)
    children = history.children.set_index("CHILD")
    dob = _days(first["CHILD"].map(children["DOB"]))
    placements = pd.DataFrame(
        {
            "CHILD": first["CHILD"].to_numpy(),
            "PLACE": first["PLACE"].to_numpy(),
            "PLACE_PROVIDER": first["PLACE_PROVIDER"].to_numpy(),
            "URN": first["URN"].to_numpy(),
            "LS": first["LS"].to_numpy(),
            "start": grouped["start"].min().to_numpy(),
            "end": grouped["end"].max().to_numpy(),
            "age": (grouped["start"].min().to_numpy() - dob) / _YEAR,
            "girl": first["CHILD"].map(children["SEX"]).eq(2).to_numpy(),
            "kept_by_carers": grouped["with_carers"].any().to_numpy()
            | last["REC"].isin(_KEPT_BY_CARERS).to_numpy(),
        }
    )
    return number, placements


@dataclass(frozen=True)
class SyntheticSupply:
    """The supply side of one synthetic history (module docstring).

    `carers`: the carers extract, CARER_COLUMNS as text. `episode_carers` and `episode_costs`:
    the CARER_ID ("" when none) and weekly cost (NaN when not recorded) of each row of
    `history.episodes`, on its index. `providers` / `sa_providers`: the rows of the provider
    workbook's two sheets, under Ofsted's headers (dates as `datetime.date`, blanks None).
    """

    history: SyntheticHistory
    carers: pd.DataFrame
    episode_carers: pd.Series
    episode_costs: pd.Series
    providers: pd.DataFrame
    sa_providers: pd.DataFrame


def generate_supply(history: SyntheticHistory, *, la_name: str | None = None) -> SyntheticSupply:
    """Foster carers, costs and providers for `history`; deterministic for the same history.

    `la_name` is the authority's name as the provider list shows it for settings in its own
    districts (default: the real name of its first district's authority).
    """
    seeds = np.random.SeedSequence(history.seed, spawn_key=(_SUPPLY_STREAM,))
    rng = np.random.default_rng(seeds)
    number, placements = _placements(history)
    carers, carer_of_placement = _carers(rng, history, placements)
    cost_of_placement = _costs(rng, placements)

    episodes = history.episodes
    foster_episode = episodes["PLACE"].isin(_FOSTER).to_numpy()
    episode_carers = pd.Series(
        np.where(foster_episode, carer_of_placement[number.to_numpy()], ""),
        index=episodes.index,
        dtype=object,
    )
    episode_costs = pd.Series(cost_of_placement[number.to_numpy()], index=episodes.index)
    providers, sa_providers = _provider_sheets(rng, history, la_name)
    return SyntheticSupply(
        history=history,
        carers=carers,
        episode_carers=episode_carers,
        episode_costs=episode_costs,
        providers=providers,
        sa_providers=sa_providers,
    )
