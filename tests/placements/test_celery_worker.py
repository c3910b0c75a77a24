"""End to end through a real Celery worker and Redis: an upload queued on commit is processed
by a separate worker process and the history appears in Postgres."""

import datetime as dt
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.db import connection

from config.celery import app as celery_app
from placements.models import Episode, LocalAuthority, Upload
from placements.ssda903.readers import RawFile
from placements.uploads import submit_upload
from tests.extracts import child, episode, extract_files

# A Redis database of its own, so the worker only ever sees this test's tasks.
REDIS_URL = os.environ.get("TEST_REDIS_URL") or "redis://127.0.0.1:6379/14"
PROJECT = Path(__file__).resolve().parents[2]


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


# The worker is another process, so it needs a database it can share with the test: Postgres.
pytestmark = pytest.mark.postgres


@pytest.fixture
def worker(transactional_db: None) -> Iterator[str]:
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "REDIS_URL": REDIS_URL,
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--pool=solo",
            "--concurrency=1",
            "--loglevel=warning",
            "--without-heartbeat",
            "--without-gossip",
            "--without-mingle",
        ],  # fmt: skip
        cwd=PROJECT,
        env=env,
    )
    saved = {key: celery_app.conf[key] for key in ("broker_url", "result_backend",
             "task_always_eager")}  # fmt: skip
    _drop_connections()
    celery_app.conf.update(broker_url=REDIS_URL, result_backend=REDIS_URL, task_always_eager=False)
    try:
        yield REDIS_URL
    finally:
        _drop_connections()
        celery_app.conf.update(saved)
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


def test_upload_is_processed_by_a_real_worker_through_redis(worker):
    la = LocalAuthority.objects.create(code="997", name="Workerton", districts=["E09000028"])
    files = extract_files(
        [child("A1"), child("B2", SEX="2")],
        [episode("A1", "01/04/2024"), episode("B2", "01/05/2024", PLACE="K2", URN="SC123456")],
    )
    upload = submit_upload(
        la=la,
        user=None,
        as_at=dt.date(2024, 6, 30),
        window_start=None,
        files=[RawFile(name, content) for name, content in files],
    )
    assert upload.status == Upload.Status.QUEUED

    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        upload.refresh_from_db()
        if upload.is_finished:
            break
        time.sleep(0.5)
    assert upload.status == Upload.Status.LOADED, upload.failure
    assert Episode.objects.filter(la=la).count() == 2
    assert upload.progress == 100
