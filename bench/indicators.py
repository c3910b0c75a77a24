"""Indicator benchmarks (issue 3). Prints one `name: value` line per figure.

For the large synthetic authority (loaded by the ingest benchmark): reading its episodes from
Postgres into a DataFrame, computing every indicator for every month, and the whole recompute
(read, compute, write). Then the whole country: 153 synthetic authorities of realistic sizes
(about 82,000 children in care, about 2 million episodes), recomputed through Celery with one
worker process and with two, on this machine.
"""

from __future__ import annotations

import datetime as dt
import os
import statistics
import subprocess
import sys
import time

import numpy as np
import pandas as pd

from bench import ingest
from bench.common import BENCH_REDIS_URL, DATA, PROJECT, RUNS, connection, purge_queue
from placements import postcodes
from placements.models import Child, Episode, LocalAuthority, Population, Upload
from placements.ssda903.readers import RawFile
from placements.synthetic import generate_history, write_extracts
from placements.uploads import import_extract
from sufficiency.indicators import compute_indicators
from sufficiency.models import Computation
from sufficiency.services import read_inputs, recompute_indicators
from sufficiency.tasks import recompute_indicators_task

NATIONAL_AUTHORITIES = 153
NATIONAL_IN_CARE = 82_000
NATIONAL_CODE_BASE = 600  # synthetic DfE codes 600-752, away from the large one
NATIONAL_DATA = PROJECT / "bench" / "data" / "national"
AS_AT = dt.date(2026, 10, 31)


def large_authority() -> LocalAuthority:
    """The large synthetic authority, loaded once into this benchmark's database."""
    la = ingest.ensure_data()
    Population.objects.get_or_create(la=la, year=2025, defaults={"count": 290_000})
    if not Upload.objects.filter(la=la, status=Upload.Status.LOADED).exists():
        full = DATA / "full_history"
        import_extract(
            la=la,
            user=None,
            as_at=AS_AT,
            window_start=None,
            files=[RawFile(p.name, p.read_bytes()) for p in sorted(full.glob("*.csv"))],
        )
        purge_queue()
    return la


def single_authority() -> None:
    la = large_authority()
    reads, computes, recomputes = [], [], []
    for _ in range(RUNS):
        started = time.perf_counter()
        inputs = read_inputs(la_id=la.pk)
        reads.append(time.perf_counter() - started)
        started = time.perf_counter()
        compute_indicators(
            episodes=inputs.episodes,
            children=inputs.children,
            population=inputs.population,
            end=pd.Timestamp(inputs.end),
        )
        computes.append(time.perf_counter() - started)
        started = time.perf_counter()
        recompute_indicators(la_id=la.pk, trigger=Computation.Trigger.COMMAND)
        recomputes.append(time.perf_counter() - started)
    read, compute, recompute = (statistics.median(x) for x in (reads, computes, recomputes))
    print(f"episodes_read: {len(inputs.episodes)}")
    print(f"compute_seconds: {compute:.3f}")
    print(f"read_seconds: {read:.3f}")
    print(f"recompute_seconds: {recompute:.3f}")
    print(f"recompute_vs_read: {recompute / read:.2f}")


def national_sizes() -> list[int]:
    """Children in care per authority: skewed like England's (median ~460, largest ~2,300)."""
    rng = np.random.default_rng(153)
    sizes = np.exp(rng.normal(np.log(460), 0.55, NATIONAL_AUTHORITIES))
    sizes = np.clip(sizes * NATIONAL_IN_CARE / sizes.sum(), 60, 2300)
    return [int(s) for s in np.round(sizes)]


def national_districts() -> list[str]:
    """One real English district per authority, so that postcodes and distances are real."""
    english = [d for d in postcodes.all_districts() if d.startswith(("E06", "E07", "E08", "E09"))]
    step = max(len(english) // NATIONAL_AUTHORITIES, 1)
    return english[::step][:NATIONAL_AUTHORITIES]


def ensure_national() -> list[LocalAuthority]:
    codes = [str(NATIONAL_CODE_BASE + n) for n in range(NATIONAL_AUTHORITIES)]
    loaded = set(
        Upload.objects.filter(la__code__in=codes, status=Upload.Status.LOADED).values_list(
            "la__code", flat=True
        )
    )
    if len(loaded) < NATIONAL_AUTHORITIES:
        started = time.perf_counter()
        for code, size, district in zip(codes, national_sizes(), national_districts(), strict=True):
            la, _ = LocalAuthority.objects.update_or_create(
                code=code, defaults={"name": f"Synthetic {code}", "districts": [district]}
            )
            Population.objects.get_or_create(la=la, year=2025, defaults={"count": size * 150})
            if code in loaded:
                continue
            history = generate_history(
                districts=[district], children_in_care=size, years=10, seed=int(code), as_at=AS_AT
            )
            folder = NATIONAL_DATA / code
            write_extracts(history, folder)
            full = folder / "full_history"
            upload = import_extract(
                la=la,
                user=None,
                as_at=AS_AT,
                window_start=None,
                files=[RawFile(p.name, p.read_bytes()) for p in sorted(full.glob("*.csv"))],
            )
            if upload.status != Upload.Status.LOADED:
                sys.exit(f"national authority {code} did not load: {upload.status}")
        purge_queue()
        print(f"national_setup_seconds: {time.perf_counter() - started:.1f}")
    authorities = list(LocalAuthority.objects.filter(code__in=codes))
    print(f"national_children: {Child.objects.filter(la__in=authorities).count()}")
    print(f"national_episodes: {Episode.objects.filter(la__in=authorities).count()}")
    return authorities


def national_through_celery(authorities: list[LocalAuthority], concurrency: int) -> float:
    purge_queue()
    env = {**os.environ, "REDIS_URL": BENCH_REDIS_URL}
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--pool=prefork",
            f"--concurrency={concurrency}",
            "--loglevel=warning",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ],  # fmt: skip
        cwd=PROJECT,
        env=env,
    )
    try:
        time.sleep(5)  # let the worker start before the clock does
        before = _last_computation_id()
        started = time.perf_counter()
        for la in authorities:
            recompute_indicators_task.delay(la.pk, trigger=Computation.Trigger.SCHEDULE)
        while True:
            finished = Computation.objects.filter(
                pk__gt=before, status__in=[Computation.Status.DONE, Computation.Status.FAILED]
            ).count()
            if finished >= len(authorities):
                break
            if time.perf_counter() - started > 900:
                sys.exit("the national recompute did not finish in 15 minutes")
            time.sleep(0.2)
        seconds = time.perf_counter() - started
        failed = Computation.objects.filter(pk__gt=before, status=Computation.Status.FAILED)
        if failed.exists():
            sys.exit(f"{failed.count()} national computations failed")
        return seconds
    finally:
        worker.terminate()
        worker.wait(timeout=60)
        purge_queue()


def _last_computation_id() -> int:
    last = Computation.objects.order_by("-pk").values_list("pk", flat=True).first()
    return last or 0


def main() -> None:
    single_authority()
    authorities = ensure_national()
    for concurrency, name in ((1, "1_worker"), (2, "2_workers")):
        seconds = national_through_celery(authorities, concurrency)
        print(f"national_seconds_{name}: {seconds:.1f}")
        print(f"national_la_per_second_{name}: {len(authorities) / seconds:.2f}")
    connection.close()


if __name__ == "__main__":
    try:
        main()
    finally:
        purge_queue()
