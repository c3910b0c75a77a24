"""End to end through a real Celery worker and Redis: an upload queued on commit is processed
by a separate worker process and the history appears in Postgres."""

import datetime as dt

import pytest

from placements.models import Episode, LocalAuthority, Upload
from placements.ssda903.readers import RawFile
from placements.uploads import submit_upload
from tests.extracts import two_children_files
from tests.workers import wait_for, worker_and_broker

pytestmark = pytest.mark.postgres


def test_upload_is_processed_by_a_real_worker_through_redis(transactional_db):
    la = LocalAuthority.objects.create(code="997", name="Workerton", districts=["E09000028"])
    files = two_children_files()
    with worker_and_broker():
        upload = submit_upload(
            la=la,
            user=None,
            as_at=dt.date(2024, 6, 30),
            window_start=None,
            files=[RawFile(name, content) for name, content in files],
        )
        assert upload.status == Upload.Status.QUEUED
        wait_for(lambda: Upload.objects.get(pk=upload.pk).is_finished, what="upload finished")
    upload.refresh_from_db()
    assert upload.status == Upload.Status.LOADED, upload.failure
    assert Episode.objects.filter(la=la).count() == 2
    assert upload.progress == 100
