from __future__ import annotations

from datetime import date, datetime

from django import template

from dashboard import wording
from placements.models import Upload
from sufficiency.declaration import Indicator

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


@register.simple_tag
def indicator_value(definition: Indicator, value: float | None) -> str:
    return wording.indicator_value(definition, value)


@register.simple_tag
def published_value(definition: Indicator, value: float | None, marker: str = "") -> str:
    return wording.published_value(definition, value, marker)


@register.simple_tag
def change(definition: Indicator, current: float | None, before: float | None) -> str:
    return wording.change(definition, current, before)


@register.filter
def direction(definition: Indicator) -> str:
    return wording.direction_words(definition)
