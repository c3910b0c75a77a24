"""Who is working on an upload or an authority right now: Postgres advisory locks.

A lock is held by a database session, so it goes with the process that holds it: a worker
killed by the out-of-memory killer or a restart releases it as its connection closes. That
makes the lock the sweeper's test of life (placements.recovery): work marked "processing" or
"running" whose lock nobody holds has lost its process. On SQLite (the embedded quick start,
one process, tasks in-process) there is nothing to lock against and nobody to ask, so locks are
always taken and `is_held` answers None: the sweeper falls back on the task time limit.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from django.db import DatabaseError, connection

logger = logging.getLogger(__name__)

# The first of the two keys of Postgres's two-key advisory locks: what kind of thing is locked.
UPLOAD = 1
AUTHORITY = 2


def _postgres() -> bool:
    return connection.vendor == "postgresql"


@contextmanager
def holding(kind: int, key: int, *, wait: bool) -> Iterator[bool]:
    """Hold the lock on (`kind`, `key`) for the block; yields whether it is ours. With `wait`
    the block waits for another holder to finish (and always gets it); without, it is told at
    once that somebody else has it."""
    if not _postgres():
        yield True
        return
    with connection.cursor() as cursor:
        if wait:
            cursor.execute("SELECT pg_advisory_lock(%s, %s)", [kind, key])
            ours = True
        else:
            cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", [kind, key])
            ours = bool(cursor.fetchone()[0])
    try:
        yield ours
    finally:
        if ours:
            try:
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [kind, key])
            except DatabaseError:
                # A broken connection has released it already; an aborted transaction's
                # session still holds it until the connection is closed, so close it.
                logger.warning("advisory lock %s/%s: closing the connection to release it", kind,
                               key)  # fmt: skip
                connection.close()


def is_held(kind: int, key: int) -> bool | None:
    """Whether a live session of this database holds the lock (None: no way to tell)."""
    if not _postgres():
        return None
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted"
            " AND classid = %s AND objid = %s AND objsubid = 2"
            " AND database = (SELECT oid FROM pg_database WHERE datname = current_database()))",
            [kind, key],
        )
        return bool(cursor.fetchone()[0])


def held_keys(kind: int) -> set[int] | None:
    """Every key of `kind` some live session holds (None: no way to tell)."""
    if not _postgres():
        return None
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT objid FROM pg_locks WHERE locktype = 'advisory' AND granted"
            " AND classid = %s AND objsubid = 2"
            " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
            [kind],
        )
        return {int(row[0]) for row in cursor.fetchall()}
