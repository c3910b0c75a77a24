from __future__ import annotations

from datetime import date, datetime

from django import template

from dashboard import wording
from placements.models import LocalAuthority, Upload
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


@register.simple_tag
def data_status(la: object) -> str:
    """ "Demo Borough: data as at 31 October 2026, loaded 2 December 2026 at 06:01 by Sam
    Tester." for the authority a page shows; "" on pages about no one authority."""
    if not isinstance(la, LocalAuthority):
        return ""
    latest = (
        Upload.objects.filter(la=la, kind=Upload.Kind.SSDA903, status=Upload.Status.LOADED)
        .select_related("uploaded_by")
        .order_by("-applied_seq")
        .first()
    )
    return wording.data_status(la, latest)
