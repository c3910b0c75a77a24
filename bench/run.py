"""Benchmarks (not tests): `make bench`. Prints one `name: value` line per figure."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import common, indicators, ingest  # noqa: E402

if __name__ == "__main__":
    try:
        ingest.main()
        indicators.main()
    finally:
        common.purge_queue()
