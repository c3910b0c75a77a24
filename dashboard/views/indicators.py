"""An indicator's page: its trend against target, neighbours and England, every month's value,
the definition in plain English, and the month's commentary."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import path
from django.views.decorators.http import require_GET
from django_tables2.export import TableExport

from dashboard import access, page_cache
from dashboard.forms import parse_period, period_options
from dashboard.pages.children import lists_children
from dashboard.pages.indicator import IndicatorPage, indicator_page
from dashboard.tables import MONTHS_PER_PAGE, MonthTable, configure
from placements.models import LocalAuthority
from sufficiency.registry import BY_KEY

EXPORT_FORMATS = {"csv": "CSV", "xlsx": "Excel"}


def _page(
    request: HttpRequest, la: LocalAuthority, key: str, *, per_page: int | None
) -> tuple[IndicatorPage, MonthTable]:
    page = indicator_page(
        la=la,
        indicator=key,
        period_end=parse_period(request.GET.get("period")),
        suppress=access.sees_suppressed(request.user),
    )
    table = MonthTable(page.months, hide_counts=access.sees_suppressed(request.user))
    configure(request, table, per_page=per_page)
    return page, table


@require_GET
@access.require(access.can_view_indicators)
def indicator(request: HttpRequest, key: str) -> HttpResponse:
    definition = BY_KEY.get(key)
    if definition is None:
        raise Http404("No such indicator.")
    la, authorities = access.authority_for(request.user, request.GET.get("la"))
    if la is None:
        raise Http404("No local authority.")
    export = request.GET.get("_export")
    if export in EXPORT_FORMATS:
        # The export has every month, whatever page the table is on.
        _, table = _page(request, la, key, per_page=None)
        return TableExport(export, table).response(filename=f"{la.code}-{key}.{export}")

    def content() -> str:
        page, table = _page(request, la, key, per_page=MONTHS_PER_PAGE)
        context = {
            "la": la,
            "authorities": authorities,
            "definition": definition,
            "detail": page.detail,
            "summary": page.summary,
            "card": page.card,
            "chart": page.chart,
            "table": table,
            "published": page.published,
            "history_note": page.history_note,
            "periods": page.periods,
            "period_options": period_options(page.periods, page.period_end),
            "period_end": page.period_end,
            "suppressed": access.sees_suppressed(request.user),
            "export_formats": EXPORT_FORMATS,
            "can_view_children": access.can_view_children(request.user) and lists_children(key),
            "can_edit_targets": access.can_edit_targets(request.user),
        }
        return render_to_string("dashboard/_indicator_content.html", context, request)

    cache_key = page_cache.page_key(
        request, page=f"indicator:{key}", la=la, authorities=authorities
    )
    return render(
        request,
        "dashboard/indicator.html",
        {
            "la": la,
            "definition": definition,
            "content": page_cache.cached_content(cache_key, content),
        },
    )


urlpatterns = [
    path("indicators/<slug:key>/", indicator, name="dashboard-indicator"),
]
