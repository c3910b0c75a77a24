"""A worker killed at any point of an upload or a recompute leaves nothing stuck.

A real Celery worker and Redis; the worker is held at a chosen point by a lock this test takes
in a database session of its own (a row of the authority while an upload stitches, the values
table while a recompute writes), killed there with SIGKILL, and the lock let go. Killing the
whole worker leaves its message unacknowledged until Redis's visibility timeout: the sweeper
(`manage.py sweep`, every minute) finds the upload or computation without a living process and
sends it again. Killing only the pool's child process (what the out-of-memory killer does)
puts the message back at once (task_reject_on_worker_lost)."""

from __future__ import annotations

import datetime as dt
import os
import signal
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg2
import pytest
from django.db import connection

from placements import locks
from placements.models import Episode, LocalAuthority, Upload
from placements.ssda903.readers import RawFile
from placements.uploads import submit_upload
from sufficiency.models import Computation
from sufficiency.recovery import MSG_COMPUTATION_LOST, sweep
from tests.extracts import two_children_files
from tests.workers import (
    start_worker,
    stop,
    tasks_sent_to_empty_queue,
    wait_for,
    worker_and_broker,
)

pytestmark = pytest.mark.postgres


@pytest.fixture
def la(transactional_db: None) -> LocalAuthority:
    return LocalAuthority.objects.create(code="995", name="Killton", districts=["E09000028"])


def submit(la: LocalAuthority) -> Upload:
    files = two_children_files()
    return submit_upload(
        la=la,
        user=None,
        as_at=dt.date(2024, 6, 30),
        window_start=None,
        files=[RawFile(name, content) for name, content in files],
    )


@contextmanager
def held(statement: str, *params: object) -> Iterator[None]:
    """Run `statement` in a transaction of another session, held until the block ends."""
    db = connection.settings_dict
    other = psycopg2.connect(
        dbname=db["NAME"], user=db["USER"], password=db["PASSWORD"] or "",
        host=db["HOST"] or "127.0.0.1", port=db["PORT"] or 5432,
    )  # fmt: skip
    try:
        with other.cursor() as cursor:
            cursor.execute(statement, params)
        yield
    finally:
        other.rollback()
        other.close()


# What stitching an upload waits for: the authority's row (FOR UPDATE). NO KEY: the upload's own
# insert, which refers to the row, does not.
AUTHORITY_ROW = "SELECT 1 FROM placements_localauthority WHERE id = %s FOR NO KEY UPDATE"


def status(upload: Upload) -> tuple[str, str]:
    upload.refresh_from_db()
    return upload.status, upload.stage


def children_of(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(p) for p in (task / "children").read_text().split()]
    return found


def test_a_worker_killed_while_an_upload_stitches_leaves_it_loaded_by_the_sweeper(la):
    with worker_and_broker() as worker:
        with held(AUTHORITY_ROW, la.pk):
            upload = submit(la)
            wait_for(lambda: status(upload) == ("processing", "stitching"), what="stitching")
            assert locks.is_held(locks.UPLOAD, upload.pk)
            os.kill(worker.pid, signal.SIGKILL)
            worker.wait()
        # The dead worker's database session ends, and its lock with it.
        wait_for(lambda: not locks.is_held(locks.UPLOAD, upload.pk), seconds=20, what="unlock")
        assert status(upload) == ("processing", "stitching")
        assert not Episode.objects.filter(la=la).exists()

        replacement = start_worker()
        try:
            assert sweep().uploads.sent_again == 1
            wait_for(lambda: Upload.objects.get(pk=upload.pk).is_finished, what="loaded")
        finally:
            stop(replacement)
    upload.refresh_from_db()
    assert upload.status == Upload.Status.LOADED, upload.failure
    assert upload.attempts == 2
    assert Episode.objects.filter(la=la).count() == 2


def test_a_pool_process_killed_mid_upload_is_replaced_and_the_upload_loads(la):
    with tasks_sent_to_empty_queue():
        worker = start_worker(pool="prefork")
        try:
            with held(AUTHORITY_ROW, la.pk):
                upload = submit(la)
                wait_for(lambda: status(upload) == ("processing", "stitching"), what="stitching")
                (child_pid,) = children_of(worker.pid)
                os.kill(child_pid, signal.SIGKILL)
                # The message goes back on the queue and a new pool process takes it; it waits
                # for the killed one's database session to end, which can take a moment.
                wait_for(lambda: len(children_of(worker.pid)) == 1, seconds=20, what="new child")
            # Without the sweeper.
            wait_for(lambda: Upload.objects.get(pk=upload.pk).is_finished, what="loaded")
        finally:
            stop(worker)
    upload.refresh_from_db()
    assert upload.status == Upload.Status.LOADED, upload.failure
    assert upload.attempts == 2


def test_a_worker_killed_mid_recompute_leaves_no_computation_running(la):
    with worker_and_broker() as worker:
        with held("LOCK TABLE sufficiency_indicatorvalue IN ACCESS EXCLUSIVE MODE"):
            upload = submit(la)
            wait_for(lambda: Computation.objects.filter(la=la).exists(), what="recompute")
            lost = Computation.objects.get(la=la)
            assert lost.status == Computation.Status.RUNNING
            os.kill(worker.pid, signal.SIGKILL)
            worker.wait()
        wait_for(lambda: not locks.is_held(locks.AUTHORITY, la.pk), seconds=20, what="unlock")
        assert Upload.objects.get(pk=upload.pk).status == Upload.Status.LOADED

        replacement = start_worker()
        try:
            swept = sweep()
            assert (swept.computations_closed, swept.recomputes_sent) == (1, 1)
            lost.refresh_from_db()
            assert lost.status == Computation.Status.FAILED
            assert lost.error == MSG_COMPUTATION_LOST
            wait_for(
                lambda: Computation.objects.filter(la=la, status="done").exists(),
                what="recomputed",
            )
        finally:
            stop(replacement)
    assert not Computation.objects.filter(la=la, status=Computation.Status.RUNNING).exists()
