"""How uploads are described in words: dates, windows and outcomes, in plain English."""

from __future__ import annotations

from datetime import date, datetime

from django.contrib.humanize.templatetags.humanize import intcomma
from django.utils import timezone

from placements.models import Upload


def long_date(value: date) -> str:
    """31 March 2025."""
    return f"{value.day} {value:%B %Y}"


def long_datetime(value: datetime) -> str:
    """23 November 2026 14:05, in the site's time zone."""
    local = timezone.localtime(value)
    return f"{long_date(local)} {local:%H:%M}"


def counted(count: int, noun: str, plural: str | None = None) -> str:
    """ "1 error", "1,234 errors"."""
    word = noun if count == 1 else (plural or noun + "s")
    return f"{intcomma(count)} {word}"


def window_text(upload: Upload) -> str:
    if upload.window_start is None:
        return f"full history to {long_date(upload.as_at)}"
    return f"{long_date(upload.window_start)} to {long_date(upload.as_at)}"


def result_text(upload: Upload) -> str:
    """The outcome of a finished upload in one sentence ("" while it is still running)."""
    status = upload.status
    if status == Upload.Status.LOADED:
        warnings = (
            "no warnings"
            if upload.warnings_count == 0
            else counted(upload.warnings_count, "warning")
        )
        return (
            f"Loaded {counted(upload.children_count, 'child', 'children')} and "
            f"{counted(upload.episodes_count, 'episode')} "
            f"({intcomma(upload.episodes_added)} added, {intcomma(upload.episodes_updated)} "
            f"updated, {intcomma(upload.episodes_removed)} removed) with {warnings}."
        )
    if status == Upload.Status.REJECTED:
        return (
            f"Rejected: {counted(upload.errors_count, 'error')}. "
            "Nothing was changed; the stored history is as it was."
        )
    if status == Upload.Status.DUPLICATE:
        original = upload.duplicate_of
        if original is None:
            return "These files were already uploaded; nothing was loaded again."
        return (
            f"These files were already uploaded on {long_date(timezone.localtime(original.created_at))} "
            f"(upload #{original.pk}); nothing was loaded again."
        )
    if status == Upload.Status.FAILED:
        return upload.failure or "Processing failed. Nothing was changed."
    return ""
