"""Celery tasks: thin, take ids, call one service, own the retries."""

from celery import shared_task

from placements.models import LocalAuthority, Upload
from sufficiency.forecast.measures import TooLittleHistory
from sufficiency.forecasting import compute_forecast
from sufficiency.models import Computation
from sufficiency.preview import upload_preview
from sufficiency.recovery import sweep
from sufficiency.services import recompute_indicators

MAX_RETRIES = 3


class IndicatorComputationError(Exception):
    """Stands in for the real exception in Celery's logs, whose text could quote row contents."""


@shared_task(bind=True, max_retries=MAX_RETRIES, default_retry_delay=30)
def recompute_indicators_task(
    self, la_id: int, upload_id: int | None = None, trigger: str = Computation.Trigger.UPLOAD
) -> int:
    """Recompute one authority (also: `manage.py compute_indicators --la CODE`)."""
    attempt = self.request.retries + 1
    failure = ""
    try:
        run = recompute_indicators(
            la_id=la_id,
            upload_id=upload_id,
            trigger=trigger,
            attempt=attempt,
            final=attempt > MAX_RETRIES,
        )
    except Exception as exc:
        failure = type(exc).__name__
    if failure:
        # The failed attempt is recorded; after the last one the failure stands and is shown.
        # Celery logs the exception it is given (and any it was raised from), so it gets the
        # kind of error only, raised outside the handler so the original is not chained.
        raise self.retry(exc=IndicatorComputationError(failure), countdown=30 * attempt)
    return run.pk


@shared_task
def recompute_all_task() -> int:
    """The monthly recompute: one task per authority, so one failure stops no other."""
    ids = list(LocalAuthority.objects.values_list("pk", flat=True))
    for la_id in ids:
        recompute_indicators_task.delay(la_id, trigger=Computation.Trigger.SCHEDULE)
    return len(ids)


@shared_task
def preview_upload_task(upload_id: int) -> str:
    """Work out and keep the preview of an upload awaiting confirmation (also: `manage.py
    preview_upload ID`). The upload's page works it out itself if this has not run."""
    upload = Upload.objects.select_related("la").get(pk=upload_id)
    if upload.status != Upload.Status.AWAITING:
        return upload.status
    return upload_preview(upload).history_token


@shared_task
def compute_forecast_task(la_id: int) -> str:
    """Recompute one authority's forecast and track record (also: `manage.py compute_forecast
    --la CODE`); after each recompute of its indicators, and monthly. A history too short to
    forecast is an outcome, not a failure: the forecast page says so."""
    try:
        run = compute_forecast(la_id=la_id)
    except TooLittleHistory:
        return "too little history"
    return f"forecast {run.pk}"


@shared_task
def sweep_task() -> str:
    """Every minute (Celery beat): send again or close what a lost message or a dead worker
    left stuck (also: `manage.py sweep`)."""
    return str(sweep())
