"""Loading benchmark (issue 2). Prints one `name: value` line per figure.

Loads a large synthetic authority (about 2,300 children in care, 10 years, ~70,000 episodes)
through the same code path as a web upload (submit, then the processing the Celery task runs)
against Postgres, and compares it with the floor for the same work: pandas reading the same
files plus Postgres COPY of the same rows into a scratch table.
"""

from __future__ import annotations

import io
import statistics
import sys
import time
from pathlib import Path

import pandas as pd
from django.core.management import call_command

from bench.common import AS_AT, DATA, LA_CODE, RUNS, connection, purge_queue
from placements.models import Child, Episode, LocalAuthority, Upload
from placements.ssda903.readers import RawFile
from placements.uploads import import_extract


def ensure_data() -> LocalAuthority:
    # Birmingham's district: the largest authority in England.
    la, _ = LocalAuthority.objects.update_or_create(
        code=LA_CODE, defaults={"name": "Benchmark Metropolitan", "districts": ["E08000025"]}
    )
    if not (DATA / "full_history" / "episodes.csv").exists():
        started = time.perf_counter()
        call_command(
            "generate_903", "--la", LA_CODE, "--children-in-care", "2300", "--years", "10",
            "--seed", "7", "--as-at", AS_AT, "--out", str(DATA), stdout=io.StringIO(),
        )  # fmt: skip
        print(f"generate_seconds: {time.perf_counter() - started:.2f}")
    return la


def clear(la: LocalAuthority) -> None:
    Episode.objects.filter(la=la).delete()
    Child.objects.filter(la=la).delete()
    Upload.objects.filter(la=la).delete()
    # Each run starts from the same clean tables, not from the previous run's dead rows.
    with connection.cursor() as cursor:
        for model in (Episode, Child, Upload):
            cursor.execute(f"VACUUM ANALYZE {model._meta.db_table}")


def load(la: LocalAuthority, files: list[RawFile]) -> float:
    clear(la)
    started = time.perf_counter()
    upload = import_extract(
        la=la, user=None, as_at=pd.Timestamp(AS_AT).date(), window_start=None, files=files
    )
    seconds = time.perf_counter() - started
    if upload.status != Upload.Status.LOADED:
        sys.exit(f"benchmark upload was {upload.status}: {upload.failure}")
    return seconds


def floor(paths: list[Path]) -> float:
    started = time.perf_counter()
    frames = [pd.read_csv(p, dtype=str, keep_default_na=False) for p in paths]
    with connection.cursor() as cursor:
        for number, frame in enumerate(frames):
            table = f"bench_scratch_{number}"
            columns = ", ".join(f'"{c}" text' for c in frame.columns)
            # A plain (logged) table, as the real one is; a TEMP table would skip the WAL.
            cursor.execute(f"CREATE TABLE {table} ({columns})")
            buffer = io.StringIO()
            frame.to_csv(buffer, index=False, header=False)
            buffer.seek(0)
            cursor.copy_expert(f"COPY {table} FROM STDIN WITH (FORMAT csv)", buffer)
            cursor.execute(f"DROP TABLE {table}")
    return time.perf_counter() - started


def main() -> None:
    la = ensure_data()
    paths = sorted((DATA / "full_history").glob("*.csv"))
    files = [RawFile(p.name, p.read_bytes()) for p in paths]
    episodes = sum(1 for _ in (DATA / "full_history" / "episodes.csv").open()) - 1
    print(f"episodes: {episodes}")
    cold = load(la, files)
    # Interleaved, so that both figures see the same machine: medians of RUNS each.
    loads, floors = [], []
    for _ in range(RUNS):
        loads.append(load(la, files))
        floors.append(floor(paths))
    load_seconds, floor_seconds = statistics.median(loads), statistics.median(floors)
    print(f"load_seconds_first_run: {cold:.2f}")
    print(f"load_seconds: {load_seconds:.2f}")
    print(f"floor_seconds: {floor_seconds:.2f}")
    print(f"load_vs_floor: {load_seconds / floor_seconds:.2f}")


if __name__ == "__main__":
    try:
        main()
    finally:
        purge_queue()
