"""The sweeper's half for uploads: nothing stays queued or "processing" for good.

An upload is stuck in one of two ways. Queued, its message never reached a worker (the broker
was down when it was submitted, or the message went with a worker killed whole): it is sent
again once it has waited settings.SWEEP_AFTER_SECONDS since it was last sent. Processing, its
process is gone (killed, or out of memory): no live database session holds its lock
(placements.locks), or, where that cannot be asked, it started longer ago than the task's hard
time limit allows. It is put back in the queue and sent again, unless it has already started
settings.UPLOAD_MAX_ATTEMPTS times, when it is failed with a plain message. Either way a worker
that does get a second copy of the message finds the upload taken or finished and does nothing.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from placements import locks
from placements.models import Upload
from placements.uploads import give_up, send_upload

logger = logging.getLogger(__name__)


@dataclass
class UploadSweep:
    sent_again: int = 0
    failed: int = 0


def dead_after() -> dt.timedelta:
    """How long after starting a task's process must have ended, one way or another."""
    return dt.timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 60)


def sweep_uploads(*, now: dt.datetime | None = None) -> UploadSweep:
    now = now or timezone.now()
    result = UploadSweep()
    held = locks.held_keys(locks.UPLOAD)
    for upload in Upload.objects.filter(status=Upload.Status.PROCESSING).order_by("pk"):
        if held is not None:
            alive = upload.pk in held
        else:
            alive = upload.started_at is not None and now - upload.started_at < dead_after()
        if alive:
            continue
        outcome = _abandoned(upload)
        if outcome == "failed":
            result.failed += 1
        elif outcome == "queued" and send_upload(upload_id=upload.pk):
            result.sent_again += 1
    waited = now - dt.timedelta(seconds=settings.SWEEP_AFTER_SECONDS)
    waiting = Upload.objects.filter(status=Upload.Status.QUEUED).filter(
        Q(sent_at__lt=waited) | Q(sent_at__isnull=True, created_at__lt=waited)
    )
    for upload_id in waiting.order_by("pk").values_list("pk", flat=True):
        if held is not None and upload_id in held:
            continue
        if send_upload(upload_id=upload_id):
            result.sent_again += 1
    return result


def _abandoned(upload: Upload) -> str:
    """Put an upload whose process is gone back in the queue, or fail it after its last try;
    under its lock, so that a worker that has just taken it again is left alone."""
    with locks.holding(locks.UPLOAD, upload.pk, wait=False) as ours:
        if not ours:
            return "alive"
        upload.refresh_from_db()
        if upload.status != Upload.Status.PROCESSING:
            return "moved on"
        if upload.attempts >= settings.UPLOAD_MAX_ATTEMPTS:
            give_up(upload)
            return "failed"
        logger.warning("upload %s lost its worker; queued again", upload.pk)
        Upload.objects.filter(pk=upload.pk).update(
            status=Upload.Status.QUEUED, stage=Upload.Stage.QUEUED, progress=0
        )
        return "queued"
