"""Uploads of extracts (SSDA903, foster carers, placement costs): the form, the history, the
progress and result of each one.

Short function views: a form parses input, one call does the work, plain context.
"""

from __future__ import annotations

from itertools import groupby

from django.db.models import Count, F, IntegerField, OuterRef, QuerySet, Subquery
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.views.decorators.http import require_GET, require_http_methods
from django_tables2 import RequestConfig

from dashboard import access, wording
from dashboard.forms import WINDOW_ONLY_FOR_903, UploadFilterForm, UploadForm
from dashboard.tables import PROBLEMS_PER_PAGE, ProblemTable, problems_in_order
from placements.csvsafe import write_rows
from placements.models import (
    CarerHousehold,
    Child,
    Episode,
    LocalAuthority,
    PlacementCost,
    Upload,
)

PROBLEMS_CSV_HEADER = ["severity", "file", "row", "child", "column", "value", "message"]
# A carers extract's problems name the household, in the place the others name the child.
CARER_ID_HEADING = "CARER_ID"
_PROBLEM_FIELDS = ("severity", "file", "row", "child_id", "column", "value", "message")


def _count_of(
    model: type[Child] | type[Episode] | type[CarerHousehold] | type[PlacementCost],
) -> Subquery:
    # Subqueries, not joined Counts: joining children and episodes multiplies the rows.
    counts = model.objects.filter(la=OuterRef("pk")).order_by().values("la")
    return Subquery(counts.annotate(n=Count("pk")).values("n"), output_field=IntegerField())


def authorities_with_totals(user: access.User) -> QuerySet[LocalAuthority]:
    def latest_loaded(kind: str) -> Subquery:
        loaded = Upload.objects.filter(
            la=OuterRef("pk"), kind=kind, status=Upload.Status.LOADED
        ).order_by(F("applied_seq").desc(nulls_last=True), "-created_at")
        return Subquery(loaded.values("as_at")[:1])

    return LocalAuthority.objects.for_user(user).annotate(
        children_stored=_count_of(Child),
        episodes_stored=_count_of(Episode),
        carers_stored=_count_of(CarerHousehold),
        costs_stored=_count_of(PlacementCost),
        latest_as_at=latest_loaded(Upload.Kind.SSDA903),
        carers_as_at=latest_loaded(Upload.Kind.CARERS),
    )


@require_GET
@access.require(access.can_view_uploads)
def uploads(request: HttpRequest) -> HttpResponse:
    authorities = authorities_with_totals(request.user)
    form = UploadFilterForm(request.GET, authorities=authorities)
    if not form.is_valid():
        raise Http404("No such local authority.")
    selected = form.selected(authorities)
    history = (
        Upload.objects.filter(la__in=selected)
        .select_related("la", "uploaded_by")
        .order_by("la__name", "la_id", "-created_at", "-id")
    )
    by_la = {la.pk: [] for la in selected}
    for la_id, rows in groupby(history, key=lambda upload: upload.la_id):
        by_la[la_id] = list(rows)
        for upload in by_la[la_id]:
            upload.contents = wording.loaded_text(upload)
    return render(
        request,
        "dashboard/uploads.html",
        {
            "form": form,
            "show_filter": len(authorities) > 1,
            "sections": [(la, by_la[la.pk]) for la in selected],
            "can_upload": access.can_upload(request.user),
        },
    )


@require_http_methods(["GET", "POST"])
@access.require(access.can_upload)
def upload_new(request: HttpRequest) -> HttpResponse:
    authorities = LocalAuthority.objects.for_user(request.user)
    if request.method == "POST":
        form = UploadForm(
            request.POST,
            request.FILES,
            authorities=authorities,
            oversize=getattr(request, "oversize_uploads", []),
        )
        if form.is_valid():
            upload = _submit(request, form)
            return redirect("dashboard-upload-detail", upload_id=upload.pk)
    else:
        form = UploadForm(authorities=authorities)
    return render(
        request,
        "dashboard/upload_new.html",
        {
            "form": form,
            "has_authority": authorities.exists(),
            "window_hint": WINDOW_ONLY_FOR_903,
        },
    )


def _submit(request: HttpRequest, form: UploadForm) -> Upload:
    # Imported on use: the services bring in pandas and the 903 readers, which only this path
    # needs, and the rest of the pages keep working if the ingestion code fails to import.
    from placements.ssda903.readers import RawFile
    from placements.uploads import default_window_start, submit_upload

    data = form.cleaned_data
    if data["full_history"]:
        window_start = None
    else:
        window_start = data["window_start"] or default_window_start(data["as_at"])
    return submit_upload(
        la=data["la"],
        user=request.user,
        as_at=data["as_at"],
        window_start=window_start,
        files=[RawFile(name=f.name, content=f.read()) for f in data["files"]],
        kind=data["kind"],
    )


@require_GET
@access.require(access.can_view_uploads)
def upload_detail(request: HttpRequest, upload_id: int) -> HttpResponse:
    upload = access.upload_for(request.user, upload_id)
    table = None
    # A duplicate was never checked: it has no problems of its own to list.
    if upload.is_finished and upload.status != Upload.Status.DUPLICATE:
        table = ProblemTable(problems_in_order(upload))
        if upload.kind == Upload.Kind.CARERS:
            # The table's columns are copied per instance, so this renames this one only.
            table.columns["child_id"].column.verbose_name = CARER_ID_HEADING
        RequestConfig(request, paginate={"per_page": PROBLEMS_PER_PAGE}).configure(table)
    return render(
        request,
        "dashboard/upload_detail.html",
        {
            "upload": upload,
            "files": upload.files.defer("compressed_content"),
            "problems": table,
            "computation": upload.computations.order_by("-started_at", "-id").first(),
            "can_upload": access.can_upload(request.user),
        },
    )


@require_GET
@access.require(access.can_view_uploads)
def upload_status(request: HttpRequest, upload_id: int) -> JsonResponse:
    upload = access.upload_for(request.user, upload_id)
    return JsonResponse(
        {
            "status": upload.status,
            "status_label": upload.get_status_display(),
            "stage": upload.stage,
            "stage_label": upload.get_stage_display(),
            "progress": upload.progress,
            "finished": upload.is_finished,
        },
        headers={"Cache-Control": "no-store"},
    )


@require_GET
@access.require(access.can_view_uploads)
def upload_problems_csv(request: HttpRequest, upload_id: int) -> HttpResponse:
    upload = access.upload_for(request.user, upload_id)
    response = HttpResponse(
        content_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="upload-{upload.pk}-problems.csv"'},
    )
    # A byte-order mark, so Excel reads the file as UTF-8 (names, the "…" of trimmed values).
    response.write("\ufeff")
    rows = problems_in_order(upload).values_list(*_PROBLEM_FIELDS)
    header = PROBLEMS_CSV_HEADER
    if upload.kind == Upload.Kind.CARERS:
        header = [CARER_ID_HEADING.lower() if h == "child" else h for h in header]
    write_rows(response, header, rows.iterator())
    return response


urlpatterns = [
    path("uploads/", uploads, name="dashboard-uploads"),
    path("uploads/new/", upload_new, name="dashboard-upload-new"),
    path("uploads/<int:upload_id>/", upload_detail, name="dashboard-upload-detail"),
    path("uploads/<int:upload_id>/status.json", upload_status, name="dashboard-upload-status"),
    path(
        "uploads/<int:upload_id>/problems.csv",
        upload_problems_csv,
        name="dashboard-upload-problems-csv",
    ),
]
