"""Every indicator, as declared in `sufficiency/measures/`: read them here.

Pages, exports, the committee report, the suppression and docs/indicators.md take an
indicator's words, unit, polarity, rule and disclosure from `BY_KEY` / `INDICATORS`; none of
them keeps its own copy. Importing this module imports every declaration and checks them all
together (`Registry.check`), so a declaration that names a cell no breakdown has, or a
breakdown without one total, fails at import.

Change `DEFINITIONS_VERSION` whenever a change to a declaration or to the engine could change a
number already computed: it is stored with every value, so old and new figures are never mixed
unawares. Adding an indicator changes no existing number and needs no new version.
"""

from __future__ import annotations

from dataclasses import replace

from sufficiency.declaration import Breakdown, Cell, Family, Indicator, Promise
from sufficiency.measures import REGISTRY, care, supply

DEFINITIONS_VERSION = "2026.1"

# The modules whose declarations these are, imported for their registrations.
MEASURE_MODULES = (care, supply)

REGISTRY.check()

INDICATORS: tuple[Indicator, ...] = tuple(REGISTRY.indicators)
BY_KEY: dict[str, Indicator] = {indicator.key: indicator for indicator in INDICATORS}
BREAKDOWNS: dict[str, Breakdown] = dict(REGISTRY.breakdowns)


def family(name: Family) -> tuple[Indicator, ...]:
    """The indicators whose rules read the inputs of `name`, in declaration order."""
    return tuple(indicator for indicator in INDICATORS if indicator.family == name)


SSDA903_INDICATORS = family("ssda903")
SUPPLY_INDICATORS = family("supply")


def cells(breakdown: str) -> list[tuple[str, str, Cell]]:
    """The cells of `breakdown` in order: (key in a month's figures, indicator, cell)."""
    return REGISTRY.cells(breakdown)


def total_key(breakdown: str) -> str:
    """The indicator whose numerator is `breakdown`'s total."""
    return next(i.key for i in INDICATORS if i.disclosure.total_of == breakdown)


PROMISES: tuple[Promise, ...] = tuple(
    sorted(
        (replace(i.promise, indicator=i.key) for i in INDICATORS if i.promise is not None),
        key=lambda promise: promise.position,
    )
)
