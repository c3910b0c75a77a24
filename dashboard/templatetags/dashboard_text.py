from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from django import template
from django.db.models import OuterRef

from dashboard import wording
from placements.models import LocalAuthority, Upload
from sufficiency.declaration import Indicator
from sufficiency.models import figures_state

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


@dataclass(frozen=True)
class DataStatus:
    line: str  # "Demo Borough: data as at ..., loaded ... by ..."
    stale: str  # the warning when the figures could not be brought up to date, else ""


@register.simple_tag
def data_status(la: object) -> DataStatus | None:
    """What the figures of the authority a page shows rest on, in one query: "Demo Borough:
    data as at 31 October 2026, loaded 2 December 2026 at 06:01 by Sam Tester.", and whether
    its latest computation failed. None on pages about no one authority."""
    if not isinstance(la, LocalAuthority):
        return None
    latest = (
        Upload.objects.filter(la=la, kind=Upload.Kind.SSDA903, status=Upload.Status.LOADED)
        .select_related("uploaded_by")
        .annotate(**figures_state(OuterRef("la")))
        .order_by("-applied_seq")
        .first()
    )
    stale = ""
    if latest is not None and latest.latest_run_failed_at is not None:
        stale = wording.stale_figures(latest.latest_run_failed_at, latest.figures_from)
    return DataStatus(wording.data_status(la, latest), stale)
