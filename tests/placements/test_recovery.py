"""Nothing stays stuck: uploads and computations left by a lost message or a dead worker are sent
again or closed by the sweeper (`manage.py sweep`), and an upload that keeps killing its worker
is failed with a plain message. Here the sweeper's rules, with tasks in-process; the real worker
killed mid-upload and mid-recompute is in test_worker_killed.py."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import psycopg2
import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from placements import locks
from placements.models import Episode, LocalAuthority, Upload
from placements.ssda903.readers import RawFile
from placements.uploads import process_upload, submit_upload
from sufficiency.models import Computation
from sufficiency.recovery import MSG_COMPUTATION_LOST
from tests.extracts import two_children_files


@pytest.fixture
def la(db: None) -> LocalAuthority:
    return LocalAuthority.objects.create(code="996", name="Sweepton", districts=["E09000028"])


def queued(la: LocalAuthority, *, minutes_ago: float = 0, **fields: object) -> Upload:
    files = two_children_files()
    upload = submit_upload(
        la=la,
        user=None,
        as_at=dt.date(2024, 6, 30),
        window_start=None,
        files=[RawFile(name, content) for name, content in files],
        enqueue=False,
    )
    then = timezone.now() - dt.timedelta(minutes=minutes_ago)
    Upload.objects.filter(pk=upload.pk).update(created_at=then, **fields)
    return upload


def sweep() -> dict[str, int]:
    out = StringIO()
    call_command("sweep", stdout=out)
    return {k: int(v) for k, v in (line.split(": ") for line in out.getvalue().splitlines())}


def test_the_same_files_queued_twice_at_once_load_once(la):
    first, second = queued(la), queued(la)
    assert second.status == Upload.Status.QUEUED
    assert process_upload(upload_id=first.pk).status == Upload.Status.LOADED
    again = process_upload(upload_id=second.pk)
    assert again.status == Upload.Status.DUPLICATE
    assert again.duplicate_of == first
    assert Episode.objects.filter(la=la).count() == 2


def test_an_upload_that_has_started_as_often_as_allowed_fails_with_a_plain_message(la, settings):
    settings.UPLOAD_MAX_ATTEMPTS = 3
    upload = queued(la, attempts=3, status=Upload.Status.PROCESSING)
    failed = process_upload(upload_id=upload.pk)
    assert failed.status == Upload.Status.FAILED
    assert failed.failure.startswith("Processing was stopped 3 times before it could finish")
    assert "Nothing was changed" in failed.failure
    assert not Episode.objects.filter(la=la).exists()


def test_a_queued_upload_whose_message_was_lost_is_sent_again_and_loads(la, settings):
    settings.SWEEP_AFTER_SECONDS = 120
    upload = queued(la, minutes_ago=3)
    assert sweep()["uploads_sent_again"] == 1
    upload.refresh_from_db()
    assert upload.status == Upload.Status.LOADED
    assert Episode.objects.filter(la=la).count() == 2


@pytest.mark.parametrize(
    ("created", "sent"),
    [(1, None), (30, 0.5)],
    ids=["queued a moment ago", "sent again a moment ago"],
)
def test_an_upload_waits_its_turn_until_it_has_waited_long_enough(la, settings, created, sent):
    settings.SWEEP_AFTER_SECONDS = 120
    fields = {} if sent is None else {"sent_at": timezone.now() - dt.timedelta(minutes=sent)}
    upload = queued(la, minutes_ago=created, **fields)
    assert sweep()["uploads_sent_again"] == 0
    upload.refresh_from_db()
    assert upload.status == Upload.Status.QUEUED


def abandoned(la: LocalAuthority, *, attempts: int) -> Upload:
    # "Processing" since long before the task's hard time limit: its process is gone.
    return queued(
        la,
        minutes_ago=60,
        status=Upload.Status.PROCESSING,
        stage=Upload.Stage.STITCHING,
        attempts=attempts,
        started_at=timezone.now() - dt.timedelta(hours=1),
    )


def test_an_upload_left_processing_by_a_dead_worker_is_processed_again(la, settings):
    settings.UPLOAD_MAX_ATTEMPTS = 3
    upload = abandoned(la, attempts=1)
    assert sweep()["uploads_sent_again"] == 1
    upload.refresh_from_db()
    assert upload.status == Upload.Status.LOADED
    assert upload.attempts == 2


def test_an_upload_that_killed_its_worker_every_time_is_failed_by_the_sweeper(la, settings):
    settings.UPLOAD_MAX_ATTEMPTS = 3
    upload = abandoned(la, attempts=3)
    assert sweep() == {
        "uploads_sent_again": 0,
        "uploads_failed": 1,
        "computations_closed": 0,
        "recomputes_sent": 0,
    }
    upload.refresh_from_db()
    assert upload.status == Upload.Status.FAILED
    assert "stopped 3 times" in upload.failure


def test_a_computation_left_running_is_closed_and_the_figures_worked_out_again(la):
    loaded = queued(la)
    process_upload(upload_id=loaded.pk)
    Computation.objects.all().delete()
    lost = Computation.objects.create(la=la, trigger="upload", definitions_version="x")
    Computation.objects.filter(pk=lost.pk).update(started_at=timezone.now() - dt.timedelta(hours=1))
    counts = sweep()
    assert counts["computations_closed"] == 1
    assert counts["recomputes_sent"] == 1
    lost.refresh_from_db()
    assert lost.status == Computation.Status.FAILED
    assert lost.error == MSG_COMPUTATION_LOST
    latest = Computation.objects.filter(la=la).order_by("-started_at", "-pk").first()
    assert latest.status == Computation.Status.DONE


def test_an_authority_whose_recompute_was_never_queued_is_recomputed(la, settings):
    settings.SWEEP_AFTER_SECONDS = 120
    loaded = queued(la)
    process_upload(upload_id=loaded.pk)
    Computation.objects.all().delete()
    Upload.objects.filter(pk=loaded.pk).update(finished_at=timezone.now() - dt.timedelta(minutes=5))
    assert sweep()["recomputes_sent"] == 1
    assert Computation.objects.get(la=la).status == Computation.Status.DONE
    assert sweep()["recomputes_sent"] == 0


# --- With Postgres the sweeper asks the locks, and does not wait for the time limit -----------


def other_session() -> psycopg2.extensions.connection:
    db = connection.settings_dict
    return psycopg2.connect(
        dbname=db["NAME"], user=db["USER"], password=db["PASSWORD"] or "",
        host=db["HOST"] or "127.0.0.1", port=db["PORT"] or 5432,
    )  # fmt: skip


@pytest.mark.postgres
def test_a_processing_upload_whose_worker_lives_is_left_alone_and_one_whose_worker_died_is_not(
    la, settings
):
    settings.UPLOAD_MAX_ATTEMPTS = 3
    living, dead = (
        queued(la, status=Upload.Status.PROCESSING, attempts=1, started_at=timezone.now())
        for _ in range(2)
    )
    worker = other_session()
    try:
        with worker.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s, %s)", [locks.UPLOAD, living.pk])
        assert locks.is_held(locks.UPLOAD, living.pk)
        assert not locks.is_held(locks.UPLOAD, dead.pk)
        assert sweep()["uploads_sent_again"] == 1
        living.refresh_from_db()
        dead.refresh_from_db()
        assert living.status == Upload.Status.PROCESSING
        assert dead.status == Upload.Status.LOADED
        # The worker dies: its connection closes and its lock goes with it.
    finally:
        worker.close()
    assert not locks.is_held(locks.UPLOAD, living.pk)
    assert sweep()["uploads_sent_again"] == 1
    living.refresh_from_db()
    # The same files were loaded meanwhile by the other upload.
    assert living.status == Upload.Status.DUPLICATE


@pytest.mark.postgres
def test_a_running_computation_whose_worker_lives_is_left_alone(la):
    running = Computation.objects.create(la=la, trigger="upload", definitions_version="x")
    worker = other_session()
    try:
        with worker.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s, %s)", [locks.AUTHORITY, la.pk])
        assert sweep()["computations_closed"] == 0
        running.refresh_from_db()
        assert running.status == Computation.Status.RUNNING
    finally:
        worker.close()
    assert sweep()["computations_closed"] == 1
    running.refresh_from_db()
    assert running.status == Computation.Status.FAILED
