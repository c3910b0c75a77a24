"""A real Celery worker, in its own process, on a Redis database of the tests' own, sharing the
test's Postgres database (so the tests that use it are marked postgres and use transactional_db,
whose rows the worker can see)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import redis
from django.db import connection

import placements.tasks
import sufficiency.tasks
from config.celery import app as celery_app

# This process sends both apps' tasks; their modules register them with the app as imported.
TASK_MODULES = (placements.tasks, sufficiency.tasks)

# A Redis database of its own, so the worker only ever sees these tests' tasks.
REDIS_URL = os.environ.get("TEST_REDIS_URL") or "redis://127.0.0.1:6379/14"
PROJECT = Path(__file__).resolve().parents[1]


def database_url() -> str:
    db = connection.settings_dict
    return (
        f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST'] or '127.0.0.1'}:"
        f"{db['PORT'] or 5432}/{db['NAME']}"
    )


def _drop_connections() -> None:
    # Eager runs in earlier tests leave a connection and producer pool for the in-memory broker;
    # both are rebuilt from the current configuration on next use.
    celery_app.close()
    celery_app.amqp._producer_pool = None


@contextmanager
def tasks_sent_to(broker_url: str) -> Iterator[None]:
    """Tasks sent from this process go to `broker_url`, not run in-process."""
    keys = ("broker_url", "result_backend", "task_always_eager")
    saved = {key: celery_app.conf[key] for key in keys}
    _drop_connections()
    celery_app.set_current()
    celery_app.conf.update(broker_url=broker_url, result_backend=None, task_always_eager=False)
    try:
        yield
    finally:
        _drop_connections()
        celery_app.conf.update(saved)


def start_worker(*, pool: str = "solo") -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "REDIS_URL": REDIS_URL,
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            f"--pool={pool}",
            "--concurrency=1",
            "--loglevel=warning",
            "--without-heartbeat",
            "--without-gossip",
            "--without-mingle",
        ],  # fmt: skip
        cwd=PROJECT,
        env=env,
    )


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextmanager
def tasks_sent_to_empty_queue() -> Iterator[None]:
    """The tests' Redis database emptied (no message left by an earlier test's killed worker),
    and this process sending tasks to it."""
    redis.Redis.from_url(REDIS_URL).flushdb()
    with tasks_sent_to(REDIS_URL):
        yield


@contextmanager
def worker_and_broker() -> Iterator[subprocess.Popen[bytes]]:
    """An empty queue, a worker on it, and this process sending tasks to it."""
    with tasks_sent_to_empty_queue():
        process = start_worker()
        try:
            yield process
        finally:
            stop(process)


def wait_for(condition: Callable[[], bool], *, seconds: float = 90, what: str = "") -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError(f"not within {seconds} s: {what}")
