"""Set-up shared by the benchmarks: Django on the benchmark database, created if need be.

Uploads queue their follow-up work (the indicators' recompute) on Redis as in production,
on a database of its own that is emptied afterwards, so that a load is timed without it.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
BENCH_REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/13")
os.environ["REDIS_URL"] = BENCH_REDIS_URL

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

LA_CODE = "990"
DATA = PROJECT / "bench" / "data" / "large"
AS_AT = "2026-10-31"
RUNS = 5


def ensure_database() -> None:
    name = connection.settings_dict["NAME"]
    if connection.vendor != "postgresql":
        sys.exit("make bench needs Postgres: set DATABASE_URL")
    import psycopg2

    params = {
        key: value
        for key, value in connection.get_connection_params().items()
        if key not in {"database", "dbname"}
    }
    admin = psycopg2.connect(dbname="postgres", **params)
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if cursor.fetchone() is None:
            cursor.execute(f'CREATE DATABASE "{name}"')
    admin.close()
    call_command("migrate", verbosity=0)


def purge_queue() -> None:
    import redis

    redis.Redis.from_url(BENCH_REDIS_URL).flushdb()


ensure_database()
