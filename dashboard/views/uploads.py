"""Uploads of extracts (SSDA903, foster carers, placement costs): the form, the history, the
progress and result of each one.

Short function views: a form parses input, one call does the work, plain context.
"""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from dashboard import access
from dashboard.exports import csv_download
from dashboard.forms import (
    WINDOW_ONLY_FOR_903,
    ConfirmUploadForm,
    UndoUploadForm,
    UploadFilterForm,
    UploadForm,
)
from dashboard.pages.uploads import (
    WARNING_ROWS_SHOWN,
    authorities_with_totals,
    problem_values,
    upload_history,
    upload_page,
)
from dashboard.tables import (
    CARER_ID_HEADING,
    PROBLEMS_PER_PAGE,
    ProblemTable,
    configure,
    problems_csv_header,
)
from placements.history import NothingToUndo, latest_loaded_upload, revert_latest_upload
from placements.models import LocalAuthority, Upload


@require_GET
@access.require(access.can_view_uploads)
def uploads(request: HttpRequest) -> HttpResponse:
    authorities = authorities_with_totals(request.user)
    form = UploadFilterForm(request.GET, authorities=authorities)
    if not form.is_valid():
        raise Http404("No such local authority.")
    return render(
        request,
        "dashboard/uploads.html",
        {
            "form": form,
            "show_filter": len(authorities) > 1,
            "sections": upload_history(form.selected(authorities)),
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
            over_total=getattr(request, "upload_over_total", False),
        )
        if form.is_valid():
            upload = _submit(request, form)
            if upload is not None:
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


def _submit(request: HttpRequest, form: UploadForm) -> Upload | None:
    """The upload submitted, or None with the service's refusal added to the form (the form
    checks the same first; this is for a refusal it could not foresee, such as midnight)."""
    # Imported on use: the services bring in pandas and the 903 readers, which only this path
    # needs, and the rest of the pages keep working if the ingestion code fails to import.
    from placements.uploads import (
        IncomingFile,
        UploadOverLimit,
        UploadRefused,
        default_window_start,
        submit_upload,
    )

    data = form.cleaned_data
    if data["full_history"]:
        window_start = None
    else:
        window_start = data["window_start"] or default_window_start(data["as_at"])
    try:
        return submit_upload(
            la=data["la"],
            user=request.user,
            as_at=data["as_at"],
            window_start=window_start,
            # Streamed from the uploaded temporary files: never held whole in memory.
            files=[IncomingFile(name=f.name, stream=f) for f in data["files"]],
            kind=data["kind"],
            # A 903 upload waits, checked, for data staff to confirm its preview.
            confirm_first=True,
        )
    except UploadOverLimit as refusal:
        form.add_error("files", str(refusal))
        return None
    except UploadRefused as refusal:
        form.add_error("as_at", str(refusal))
        return None


@require_GET
@access.require(access.can_view_uploads)
def upload_detail(request: HttpRequest, upload_id: int) -> HttpResponse:
    upload = access.upload_for(request.user, upload_id)
    return _detail(request, upload)


def _detail(
    request: HttpRequest,
    upload: Upload,
    confirm_form: ConfirmUploadForm | None = None,
    note: str = "",
) -> HttpResponse:
    page = upload_page(upload)
    table = None
    if page.errors is not None:
        table = ProblemTable(page.errors, kind=upload.kind)
        configure(request, table, per_page=PROBLEMS_PER_PAGE)
    return render(
        request,
        "dashboard/upload_detail.html",
        {
            "upload": upload,
            "files": page.files,
            "ignored_note": page.ignored_note,
            "rejected_note": page.rejected_note,
            "errors": table,
            "warnings": page.warnings,
            "child_heading": CARER_ID_HEADING if upload.kind == Upload.Kind.CARERS else "CHILD",
            "rows_shown": WARNING_ROWS_SHOWN,
            "computation": page.computation,
            "can_upload": access.can_upload(request.user),
            "can_undo": _can_undo(request, upload),
            "preview": page.preview,
            "can_confirm": page.preview is not None and access.can_upload(request.user),
            "confirm_form": confirm_form
            or ConfirmUploadForm(
                initial={"history_token": page.preview.history_token if page.preview else ""}
            ),
            "confirm_note": note,
        },
    )


def _awaiting(request: HttpRequest, upload_id: int) -> Upload:
    upload = access.upload_for(request.user, upload_id)
    if upload.status != Upload.Status.AWAITING:
        raise Http404("Only an upload awaiting confirmation can be loaded or cancelled.")
    return upload


@require_POST
@access.require(access.can_upload)
def upload_confirm(request: HttpRequest, upload_id: int) -> HttpResponse:
    from sufficiency.preview import (
        ChecksNotConfirmed,
        PreviewOutdated,
        ReasonRequired,
        confirm_upload,
    )

    upload = _awaiting(request, upload_id)
    form = ConfirmUploadForm(request.POST)
    if not form.is_valid():
        return _detail(request, upload, form)
    try:
        confirm_upload(
            upload=upload,
            user=request.user,
            history_token=form.cleaned_data["history_token"],
            reason=form.cleaned_data["reason"],
            checked=form.cleaned_data["checked"],
        )
    except ChecksNotConfirmed as refusal:
        form.add_error("checked", str(refusal))
        return _detail(request, upload, form)
    except ReasonRequired as refusal:
        form.add_error("reason", str(refusal))
        return _detail(request, upload, form)
    except PreviewOutdated as outdated:
        upload.refresh_from_db()
        return _detail(request, upload, note=str(outdated))
    return redirect("dashboard-upload-detail", upload_id=upload.pk)


@require_POST
@access.require(access.can_upload)
def upload_cancel(request: HttpRequest, upload_id: int) -> HttpResponse:
    from placements.uploads import cancel_upload

    upload = _awaiting(request, upload_id)
    cancel_upload(upload_id=upload.pk, user=request.user)
    return redirect("dashboard-upload-detail", upload_id=upload.pk)


def _can_undo(request: HttpRequest, upload: Upload) -> bool:
    """Data staff may undo the 903 upload that changed the history last."""
    return (
        access.can_upload(request.user)
        and upload.kind == Upload.Kind.SSDA903
        and upload.status == Upload.Status.LOADED
        and latest_loaded_upload(la=upload.la) == upload
    )


@require_http_methods(["GET", "POST"])
@access.require(access.can_upload)
def upload_undo(request: HttpRequest, upload_id: int) -> HttpResponse:
    upload = access.upload_for(request.user, upload_id)
    if not _can_undo(request, upload):
        raise Http404("Only the latest loaded 903 upload can be undone.")
    form = UndoUploadForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            revert_latest_upload(
                la=upload.la, user=request.user, reason=form.cleaned_data["reason"]
            )
        except NothingToUndo:
            raise Http404("Only the latest loaded 903 upload can be undone.") from None
        return redirect("dashboard-upload-detail", upload_id=upload.pk)
    return render(request, "dashboard/upload_undo.html", {"upload": upload, "form": form})


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
    return csv_download(
        filename=f"upload-{upload.pk}-problems.csv",
        header=problems_csv_header(upload.kind),
        rows=problem_values(upload),
        no_store=False,
    )


urlpatterns = [
    path("uploads/", uploads, name="dashboard-uploads"),
    path("uploads/new/", upload_new, name="dashboard-upload-new"),
    path("uploads/<int:upload_id>/", upload_detail, name="dashboard-upload-detail"),
    path("uploads/<int:upload_id>/status.json", upload_status, name="dashboard-upload-status"),
    path("uploads/<int:upload_id>/undo/", upload_undo, name="dashboard-upload-undo"),
    path("uploads/<int:upload_id>/confirm/", upload_confirm, name="dashboard-upload-confirm"),
    path("uploads/<int:upload_id>/cancel/", upload_cancel, name="dashboard-upload-cancel"),
    path(
        "uploads/<int:upload_id>/problems.csv",
        upload_problems_csv,
        name="dashboard-upload-problems-csv",
    ),
]
