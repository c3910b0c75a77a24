"""The overview: one card per promise for the chosen authority and month."""

from __future__ import annotations

from django.db.models import Count, F, IntegerField, OuterRef, QuerySet, Subquery
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.views.decorators.http import require_GET

from dashboard import access
from placements.models import Child, Episode, LocalAuthority, Upload


def _count_of(model: type[Child] | type[Episode]) -> Subquery:
    # Subqueries, not joined Counts: joining children and episodes multiplies the rows.
    counts = model.objects.filter(la=OuterRef("pk")).order_by().values("la")
    return Subquery(counts.annotate(n=Count("pk")).values("n"), output_field=IntegerField())


def authorities_with_totals(user: access.User) -> QuerySet[LocalAuthority]:
    latest_loaded = Upload.objects.filter(la=OuterRef("pk"), status=Upload.Status.LOADED).order_by(
        F("applied_seq").desc(nulls_last=True), "-created_at"
    )
    return LocalAuthority.objects.for_user(user).annotate(
        children_stored=_count_of(Child),
        episodes_stored=_count_of(Episode),
        latest_as_at=Subquery(latest_loaded.values("as_at")[:1]),
    )


@require_GET
def index(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "dashboard/index.html",
        {
            "authorities": authorities_with_totals(request.user),
            "can_view_uploads": access.can_view_uploads(request.user),
        },
    )


urlpatterns = [
    path("", index, name="dashboard-index"),
]
