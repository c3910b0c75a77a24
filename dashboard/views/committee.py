"""The corporate parenting committee's monthly report: as a printable page and as a PDF.

Committee members always see small numbers suppressed (sufficiency.suppression); other roles
see every number unless they preview the report as the committee sees it (?suppressed=1).
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.views.decorators.http import require_GET, require_POST

from dashboard import access
from dashboard.forms import parse_period, period_options
from dashboard.pages.committee import CommitteeReport, build_report, stale_figures_warning
from placements.models import LocalAuthority
from sufficiency import coverage, suppression
from sufficiency.models import IssuedReport
from sufficiency.revisions import issue_report, revisions_log

NO_AUTHORITY = "Your account is not linked to a local authority yet."


def _choose(request: HttpRequest) -> tuple[list[LocalAuthority], LocalAuthority | None, bool]:
    """The user's authorities, the one chosen (?la=, 404 if not theirs), and whether small
    numbers are suppressed (always for the committee; on ?suppressed=1 for anyone else)."""
    authorities = list(LocalAuthority.objects.for_user(request.user))
    raw = request.GET.get("la")
    if raw:
        la = next((option for option in authorities if str(option.pk) == raw), None)
        if la is None:
            raise Http404("No such local authority.")
    else:
        la = authorities[0] if authorities else None
    suppressed = access.sees_suppressed(request.user) or request.GET.get("suppressed") == "1"
    return authorities, la, suppressed


def _query(report: CommitteeReport, *, suppressed: bool) -> str:
    params = {"la": report.la.pk, "period": report.period_end.isoformat()}
    if suppressed:
        params["suppressed"] = "1"
    return urlencode(params)


@require_GET
@access.require(access.can_view_indicators)
def committee(request: HttpRequest) -> HttpResponse:
    authorities, la, suppressed = _choose(request)
    report = None
    if la is not None:
        report = build_report(
            la=la, period_end=parse_period(request.GET.get("period")), suppressed=suppressed
        )
    context: dict[str, object] = {
        "authorities": authorities,
        "la": la,
        "report": report,
        "suppressed": suppressed,
        "committee_member": access.sees_suppressed(request.user),
        "keep": [("suppressed", "1")] if suppressed else [],
        "suppression_rules": suppression.RULES_TEXT,
        "history_text": coverage.HISTORY_TEXT,
        "can_issue": access.can_edit_targets(request.user),
        "revisions": revisions_log(la=la)
        if la is not None and not access.sees_suppressed(request.user)
        else [],
    }
    if report is not None:
        base = reverse("dashboard-committee")
        context.update(
            period_end=report.period_end,
            periods=report.periods,
            period_options=period_options(report.periods, report.period_end),
            pdf_url=f"{reverse('dashboard-committee-pdf')}?{_query(report, suppressed=suppressed)}",
            preview_url=f"{base}?{_query(report, suppressed=True)}",
            full_url=f"{base}?{_query(report, suppressed=False)}",
        )
    return render(request, "dashboard/committee.html", context)


@require_GET
@access.require(access.can_view_indicators)
def committee_pdf(request: HttpRequest) -> HttpResponse:
    # Imported on use: reportlab is only needed here.
    from dashboard.committee_pdf import build_pdf

    _, la, suppressed = _choose(request)
    report = _report_or_404(la, request.GET.get("period"), suppressed=suppressed)
    if access.sees_suppressed(request.user):
        # A committee member has the report: from now on it is the one the committee read.
        _issue(report, request, IssuedReport.How.PDF)
    filename = f"committee-report-{la.code}-{report.period_end.isoformat()}.pdf"
    return HttpResponse(
        build_pdf(report, stale=stale_figures_warning(la)),
        content_type="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "private, no-store",
        },
    )


@require_POST
@access.require(access.can_edit_targets)
def committee_issue(request: HttpRequest) -> HttpResponse:
    """An officer marks the month's report as issued to the committee (as the committee sees
    it: small numbers suppressed)."""
    _, la, _ = _choose(request)
    report = _report_or_404(la, request.POST.get("period"), suppressed=True)
    _issue(report, request, IssuedReport.How.MARKED)
    return redirect(f"{reverse('dashboard-committee')}?{_query(report, suppressed=True)}")


def _report_or_404(
    la: LocalAuthority | None, period: str | None, *, suppressed: bool
) -> CommitteeReport:
    if la is None:
        raise Http404(NO_AUTHORITY)
    report = build_report(la=la, period_end=parse_period(period), suppressed=suppressed)
    if report is None:
        raise Http404("No figures for this authority yet.")
    return report


def _issue(report: CommitteeReport, request: HttpRequest, how: str) -> None:
    issue_report(
        la=report.la,
        period_end=report.period_end,
        user=request.user,
        how=how,
        figures=report.issued_figures(),
    )


urlpatterns = [
    path("committee/", committee, name="dashboard-committee"),
    path("committee/issue/", committee_issue, name="dashboard-committee-issue"),
    path("committee/pdf/", committee_pdf, name="dashboard-committee-pdf"),
]
