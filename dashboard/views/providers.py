"""The providers page: the Ofsted-registered providers an authority places children with, and
the registered children's homes within 20 miles of it.

For officers, data staff and admins: the counts are small numbers about children (a provider
often has one or two of ours), so committee members do not see this page. No child is named
here; officers who need the children use the indicator pages' lists, which are logged.
"""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.views.decorators.http import require_GET

from dashboard import access, wording
from dashboard.exports import csv_download
from dashboard.pages.providers import WITHIN_MILES, providers_page
from dashboard.provider_forms import ProviderFilterForm
from dashboard.tables import PROVIDERS_PER_PAGE, CapacityTable, ProviderTable, configure


@require_GET
@access.require(access.can_view_children)
def providers(request: HttpRequest) -> HttpResponse:
    la, authorities = access.authority_for(request.user, request.GET.get("la"))
    if la is None:
        raise Http404("No local authority.")
    page = providers_page(la=la)
    context: dict[str, object] = {
        "la": la,
        "authorities": authorities,
        "as_at": page.as_at,
        "centre": page.centre,
        "within_miles": WITHIN_MILES,
        "lists": page.lists,
    }
    if page.as_at is not None:
        form = ProviderFilterForm(
            request.GET,
            types=page.types,
            grades=page.grades,
            la_name=la.name,
            within_miles=WITHIN_MILES,
        )
        shown = page.shown(form.filters())
        table = ProviderTable(shown)
        table.caption = f"Providers we use: children placed on {wording.long_date(page.as_at)}"
        if request.GET.get("_export") == "csv":
            configure(request, table, per_page=None)
            return csv_download(
                filename=f"providers-{la.code}-{page.as_at:%Y-%m-%d}.csv",
                header=table.csv_header(),
                rows=table.csv_rows(),
                no_store=True,
            )
        configure(request, table, per_page=PROVIDERS_PER_PAGE)
        export = request.GET.copy()
        export.pop("page", None)
        export["la"] = str(la.pk)  # the download is of this authority, whatever the default
        export["_export"] = "csv"
        context.update(
            {
                "form": form,
                "table": table,
                "used_count": len(page.used),
                "shown_count": len(shown),
                "used_now": page.used_now,
                "children_now": page.children_now,
                "unlinked": page.unlinked,
                "export_query": export.urlencode(),
                "window_start": page.window_start,
            }
        )
    if page.homes is not None:
        homes_table = CapacityTable(page.homes, prefix="homes-")
        configure(request, homes_table, per_page=PROVIDERS_PER_PAGE)
        context.update(
            {
                "homes_table": homes_table,
                "homes_count": len(page.homes),
                "home_places": page.home_places,
                "homes_without_places": page.homes_without_places,
            }
        )
    return render(request, "dashboard/providers.html", context)


urlpatterns = [
    path("providers/", providers, name="dashboard-providers"),
]
