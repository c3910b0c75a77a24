"""The benchmarks page: import the DfE's published files, and see what is held.

Data staff and admins import each year's published figures (EES, LAIT) and the statistical
neighbour lists here. Each file is imported on its own, so one file in the wrong layout
holds up no other; the outcome of each is shown after the redirect.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.files.uploadedfile import UploadedFile
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.views.decorators.http import require_http_methods

from dashboard import access
from dashboard.benchmark_forms import BenchmarkImportForm
from dashboard.pages.benchmarks import RECENT_IMPORTS, benchmarks_page
from dashboard.wording import counted
from placements.models import ImportLog
from sufficiency.benchmark_import import import_benchmark_file
from sufficiency.benchmarks import KIND_NAMES
from sufficiency.models import StatisticalNeighbour
from sufficiency.reports import NEIGHBOUR_MODEL_FROM

IMPORTED = "Imported {rows} from {name} ({kind})."
REFUSED = "{message} Nothing was changed."


@require_http_methods(["GET", "POST"])
@access.require(access.can_import_benchmarks)
def benchmarks(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        form = BenchmarkImportForm(
            request.POST,
            request.FILES,
            oversize=getattr(request, "oversize_uploads", []),
            over_total=getattr(request, "upload_over_total", False),
        )
        if form.is_valid():
            _import_each(request, form.cleaned_data["files"])
            return redirect("dashboard-benchmarks")
    else:
        form = BenchmarkImportForm()
    page = benchmarks_page(user=request.user)
    return render(
        request,
        "dashboard/benchmarks.html",
        {
            "form": form,
            "held": page.held,
            "neighbour_sections": page.neighbour_sections,
            "imports": page.imports,
            "recent_imports": RECENT_IMPORTS,
            "new_model_from": NEIGHBOUR_MODEL_FROM.get(StatisticalNeighbour.Model.MODEL_2025, 2025),
        },
    )


def _import_each(request: HttpRequest, files: list[UploadedFile]) -> None:
    who = request.user.get_username()
    for upload in files:
        record = import_benchmark_file(name=upload.name, content=upload.read(), who=who)
        if record.status == ImportLog.Status.DONE:
            kind = KIND_NAMES.get(record.kind, record.kind)
            text = IMPORTED.format(rows=counted(record.rows, "row"), name=upload.name, kind=kind)
            messages.success(request, text)
        else:
            messages.error(request, REFUSED.format(message=record.message))


urlpatterns = [
    path("benchmarks/", benchmarks, name="dashboard-benchmarks"),
]
