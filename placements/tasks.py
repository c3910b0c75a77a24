"""Celery tasks: thin wrappers that take ids, call one service and own the retries."""

from celery import shared_task
from django.db import InterfaceError, OperationalError

from placements.uploads import process_upload


@shared_task(
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=5,
    retry_kwargs={"max_retries": 5},
)
def process_upload_task(upload_id: int) -> str:
    """Process one queued upload (also: `manage.py process_upload ID`)."""
    return process_upload(upload_id=upload_id).status
