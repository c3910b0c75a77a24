"""Synthetic data for a fictional authority: demos, benchmarks and tests.

Nothing here is a real child's record, carer or provider: only the postcodes and the names
of local authorities and regions are real.

- history.py: the 903 history (`generate_history`), with periods.py (who starts to be looked
  after, by which route out of care and for how long), places.py (real postcodes around the
  authority and the providers at them) and episodes.py (each period of care as episode rows).
- supply.py: the supply side of a history (`generate_supply`), from its own random stream:
  carers.py (foster carer households), costs.py (weekly placement costs) and ofsted.py (the
  Ofsted provider list; authorities.py says which authority and region a postcode is in).
- extracts.py: both as the files a council would send (`write_extracts`, `write_supply`).

The names below are the ones callers use; everything else is imported from its module.
"""

from placements.synthetic.costs import (
    COST_RANGES,
    HIGH_COST_HOMES,
    collection_year_starts,
    cost_group,
    price_index,
)
from placements.synthetic.extracts import (
    CARERS_FILE,
    COSTS_FILE,
    EPISODE_SUPPLY_COLUMNS,
    FULL_HISTORY_FOLDER,
    HEADER_COLUMNS,
    PROVIDERS_FILE,
    UASC_COLUMNS,
    WrittenExtract,
    WrittenSupplyFile,
    episode_columns,
    full_history_extract,
    write_extracts,
    write_supply,
    year_extract,
)
from placements.synthetic.history import (
    EPISODE_COLUMNS,
    CollectionYear,
    SyntheticHistory,
    collection_years,
    generate_history,
)
from placements.synthetic.supply import SyntheticSupply, generate_supply, placement_numbers

__all__ = [
    "CARERS_FILE",
    "COSTS_FILE",
    "COST_RANGES",
    "EPISODE_COLUMNS",
    "EPISODE_SUPPLY_COLUMNS",
    "FULL_HISTORY_FOLDER",
    "HEADER_COLUMNS",
    "HIGH_COST_HOMES",
    "PROVIDERS_FILE",
    "UASC_COLUMNS",
    "CollectionYear",
    "SyntheticHistory",
    "SyntheticSupply",
    "WrittenExtract",
    "WrittenSupplyFile",
    "collection_year_starts",
    "collection_years",
    "cost_group",
    "episode_columns",
    "full_history_extract",
    "generate_history",
    "generate_supply",
    "placement_numbers",
    "price_index",
    "write_extracts",
    "write_supply",
    "year_extract",
]
