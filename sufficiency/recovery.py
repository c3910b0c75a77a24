"""The sweeper: work left stuck by a lost message or a dead worker is sent again or closed.

Run every minute by Celery beat (`sweep_task`) and by hand as `manage.py sweep`. Uploads are
placements.recovery's half. Here: a computation marked "running" whose process is gone (no
live session holds its authority's lock, placements.locks; or, where that cannot be asked, it
began longer ago than the hard time limit) is closed as failed with a plain message, so the
pages stop saying "being worked out" and say the figures are not up to date; and an authority
whose history changed after its latest computation began (the recompute was never queued, or
was lost with its worker) is sent a recompute. A computation lost over and over (a history that
kills its worker) is not sent again more than MAX_LOST_PER_DAY times a day.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Max, OuterRef, Subquery
from django.utils import timezone
from django.utils.module_loading import import_string

from placements import locks
from placements.models import LocalAuthority, Upload
from placements.recovery import UploadSweep, dead_after, sweep_uploads
from sufficiency.models import Computation

logger = logging.getLogger(__name__)

MSG_COMPUTATION_LOST = (
    "The computation stopped before it finished: the process working it out was stopped (out "
    "of memory, or the server was restarted). The figures shown are from the last computation "
    "that finished."
)
MAX_LOST_PER_DAY = 3


@dataclass
class Sweep:
    uploads: UploadSweep
    computations_closed: int = 0
    recomputes_sent: int = 0

    def __str__(self) -> str:
        return (
            f"uploads_sent_again: {self.uploads.sent_again}\n"
            f"uploads_failed: {self.uploads.failed}\n"
            f"computations_closed: {self.computations_closed}\n"
            f"recomputes_sent: {self.recomputes_sent}"
        )


def sweep(*, now: dt.datetime | None = None) -> Sweep:
    now = now or timezone.now()
    result = Sweep(uploads=sweep_uploads(now=now))
    held = locks.held_keys(locks.AUTHORITY)
    closed = _close_lost_computations(now=now, held=held)
    result.computations_closed = len(closed)
    for la_id in sorted(closed | _behind_their_history(now=now, held=held)):
        if _lost_today(la_id, now) > MAX_LOST_PER_DAY:
            logger.error("authority %s: computation lost too often today; not sent again", la_id)
            continue
        if _send_recompute(la_id):
            result.recomputes_sent += 1
    return result


def _close_lost_computations(*, now: dt.datetime, held: set[int] | None) -> set[int]:
    closed: set[int] = set()
    for run in Computation.objects.filter(status=Computation.Status.RUNNING).order_by("pk"):
        alive = run.la_id in held if held is not None else now - run.started_at < dead_after()
        if alive:
            continue
        with locks.holding(locks.AUTHORITY, run.la_id, wait=False) as ours:
            if not ours:
                continue
            updated = Computation.objects.filter(
                pk=run.pk, status=Computation.Status.RUNNING
            ).update(
                status=Computation.Status.FAILED,
                final=True,
                finished_at=now,
                error=MSG_COMPUTATION_LOST,
            )
        if updated:
            logger.warning("computation %s for authority %s lost its worker", run.pk, run.la_id)
            closed.add(run.la_id)
    return closed


def _behind_their_history(*, now: dt.datetime, held: set[int] | None) -> set[int]:
    """Authorities whose history last changed (an upload loaded or undone) more than
    SWEEP_AFTER_SECONDS ago, after their latest computation began, with none running."""
    waited = now - dt.timedelta(seconds=settings.SWEEP_AFTER_SECONDS)
    latest_run = (
        Computation.objects.filter(la=OuterRef("pk")).order_by("-started_at").values("started_at")
    )
    loaded = Upload.objects.filter(la=OuterRef("pk"), status=Upload.Status.LOADED)
    undone = Upload.objects.filter(la=OuterRef("pk"), status=Upload.Status.REVERTED)
    rows = LocalAuthority.objects.annotate(
        last_run=Subquery(latest_run[:1]),
        last_loaded=Subquery(loaded.values("la").annotate(at=Max("finished_at")).values("at")[:1]),
        last_undone=Subquery(undone.values("la").annotate(at=Max("reverted_at")).values("at")[:1]),
    ).values_list("pk", "last_run", "last_loaded", "last_undone")
    behind: set[int] = set()
    for la_id, last_run, last_loaded, last_undone in rows:
        changes = [at for at in (last_loaded, last_undone) if at is not None]
        if not changes:
            continue
        changed = max(changes)
        if changed > waited or (last_run is not None and last_run >= changed):
            continue
        if held is not None and la_id in held:
            continue
        behind.add(la_id)
    return behind


def _lost_today(la_id: int, now: dt.datetime) -> int:
    return Computation.objects.filter(
        la_id=la_id, error=MSG_COMPUTATION_LOST, started_at__gte=now - dt.timedelta(days=1)
    ).count()


def _send_recompute(la_id: int) -> bool:
    name = getattr(settings, "AFTER_UPLOAD_LOADED_TASK", "")
    if not name:
        return False
    try:
        import_string(name).delay(la_id, None)
    except Exception as exc:
        logger.warning("recompute of authority %s not queued (%s)", la_id, type(exc).__name__)
        return False
    return True
