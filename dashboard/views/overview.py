"""The overview: one card per "We Will" promise for the chosen authority and month end."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import path
from django.views.decorators.http import require_GET

from dashboard import access, page_cache
from dashboard.forms import parse_period, period_options
from dashboard.pages.overview import overview_page


@require_GET
@access.require(access.can_view_indicators)
def index(request: HttpRequest) -> HttpResponse:
    la, authorities = access.authority_for(request.user, request.GET.get("la"))
    context: dict[str, object] = {"la": la, "authorities": authorities}
    if la is None:
        context["content"] = render_to_string("dashboard/_overview_content.html", context, request)
        return render(request, "dashboard/index.html", context)

    def content() -> str:
        suppress = access.sees_suppressed(request.user)
        page = overview_page(
            la=la, period_end=parse_period(request.GET.get("period")), suppress=suppress
        )
        context.update(
            {
                "data": page.data,
                "suppressed": suppress,
                "promises": page.promises,
                "others": page.others,
                "period_options": period_options(page.data.periods, page.data.period_end),
                "can_view_uploads": access.can_view_uploads(request.user),
            }
        )
        return render_to_string("dashboard/_overview_content.html", context, request)

    key = page_cache.page_key(request, page="overview", la=la, authorities=authorities)
    return render(
        request,
        "dashboard/index.html",
        {"la": la, "content": page_cache.cached_content(key, content)},
    )


urlpatterns = [
    path("", index, name="dashboard-index"),
]
