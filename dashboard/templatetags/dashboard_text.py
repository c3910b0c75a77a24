from __future__ import annotations

from datetime import date, datetime

from django import template

from dashboard import wording
from placements.models import Upload

register = template.Library()


@register.filter
def long_date(value: date | datetime | None) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return wording.long_datetime(value)
    return wording.long_date(value)


@register.filter
def upload_window(upload: Upload) -> str:
    return wording.window_text(upload)


@register.filter
def upload_result(upload: Upload) -> str:
    return wording.result_text(upload)
