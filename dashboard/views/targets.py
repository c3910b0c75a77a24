"""Targets per indicator, and the monthly commentary: officers and admins set them here.

/targets/ is the one entry point: for the chosen authority, every indicator with the target in
force today and the history of its targets, a form to add one, and the commentary of a chosen
month. Changing and deleting a target have their own pages; every write is a POST.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from dashboard import access, wording
from dashboard.pages.targets import (
    CommentarySection,
    commentary_section,
    saved_words,
    target_words,
    targets_page,
)
from dashboard.target_forms import (
    COMMENTARY_WARNING,
    CommentaryMonthForm,
    TargetForm,
    value_text,
)
from placements.models import LocalAuthority
from sufficiency import registry
from sufficiency.commentary import save_commentary
from sufficiency.models import IndicatorValue, Target

# --- Pages -------------------------------------------------------------------------------------


@require_GET
@access.require(access.can_edit_targets)
def targets(request: HttpRequest) -> HttpResponse:
    authorities = list(LocalAuthority.objects.for_user(request.user))
    la = _authority(authorities, request.GET.get("la"))
    return _render_page(request, authorities, la)


@require_POST
@access.require(access.can_edit_targets)
def target_add(request: HttpRequest) -> HttpResponse:
    authorities = list(LocalAuthority.objects.for_user(request.user))
    la = _authority(authorities, request.POST.get("la"))
    if la is None:
        raise Http404("No local authority.")
    form = TargetForm(request.POST, la=la)
    if form.is_valid() and (target := form.save_for(request.user)) is not None:
        messages.success(request, f"Target added: {target_words(target)}.")
        return redirect(_targets_url(la, fragment=f"history-{target.indicator}"))
    return _render_page(request, authorities, la, target_form=form)


@require_http_methods(["GET", "POST"])
@access.require(access.can_edit_targets)
def target_edit(request: HttpRequest, target_id: int) -> HttpResponse:
    target = _target_for(request.user, target_id)
    # Worded before the form checks the input: checking writes it onto the instance.
    current = (
        f"{value_text(registry.BY_KEY.get(target.indicator), target.value)} "
        f"from {wording.long_date(target.start_date)}"
    )
    data = request.POST if request.method == "POST" else None
    form = TargetForm(data, instance=target, la=target.la)
    if form.is_valid() and form.save_for(request.user) is not None:
        messages.success(request, f"Target changed: {target_words(target)}.")
        return redirect(_targets_url(target.la, fragment=f"history-{target.indicator}"))
    return render(
        request,
        "dashboard/target_edit.html",
        {"form": form, "target": target, "current": current, "definition": form.definition},
    )


@require_http_methods(["GET", "POST"])
@access.require(access.can_edit_targets)
def target_delete(request: HttpRequest, target_id: int) -> HttpResponse:
    target = _target_for(request.user, target_id)
    words = target_words(target)
    if request.method == "POST":
        target.delete()
        messages.success(request, f"Target deleted: {words}.")
        return redirect(_targets_url(target.la, fragment="target-history"))
    return render(request, "dashboard/target_delete.html", {"target": target, "words": words})


@require_POST
@access.require(access.can_edit_targets)
def commentary_save(request: HttpRequest) -> HttpResponse:
    authorities = list(LocalAuthority.objects.for_user(request.user))
    la = _authority(authorities, request.POST.get("la"))
    if la is None:
        raise Http404("No local authority.")
    months = IndicatorValue.objects.period_ends(la)
    chosen = CommentaryMonthForm(request.POST, months=months)
    # Never fall back to another month on a write: the words belong to the month they were
    # written for. Only a tampered or outdated form gets here.
    if not chosen.is_valid():
        raise Http404("No indicator values for that month.")
    section = commentary_section(la, months, request.POST, data=request.POST)
    if section.form is None or section.period is None:
        raise Http404("No indicator values for that month.")
    if section.form.is_valid():
        changes = save_commentary(
            la=la, period_end=section.period, author=request.user, texts=section.form.changes()
        )
        messages.success(request, saved_words(section.period, changes))
        return redirect(
            _targets_url(
                la,
                period=section.period.isoformat(),
                indicator=section.indicator.key if section.indicator else "",
                fragment="commentary",
            )
        )
    return _render_page(request, authorities, la, commentary=section)


def _render_page(
    request: HttpRequest,
    authorities: Sequence[LocalAuthority],
    la: LocalAuthority | None,
    *,
    target_form: TargetForm | None = None,
    commentary: CommentarySection | None = None,
) -> HttpResponse:
    context: dict[str, Any] = {"la": la, "authorities": authorities, "today": timezone.localdate()}
    if la is not None:
        page = targets_page(
            la=la, today=context["today"], params=request.GET, commentary=commentary
        )
        errors = [
            form
            for form in (target_form, page.commentary.form)
            if form is not None and form.is_bound and form.errors
        ]
        context.update(
            rows=page.rows,
            has_targets=page.has_targets,
            target_form=target_form if target_form is not None else TargetForm(la=la),
            commentary=page.commentary,
            commentary_warning=COMMENTARY_WARNING,
            error_form=errors[0] if errors else None,
        )
    return render(request, "dashboard/targets.html", context)


# --- Small helpers -----------------------------------------------------------------------------


def _authority(authorities: Sequence[LocalAuthority], raw: str | None) -> LocalAuthority | None:
    """The authority asked for (404 when it is not one of the user's), else the first."""
    if not raw:
        return authorities[0] if authorities else None
    for la in authorities:
        if str(la.pk) == raw.strip():
            return la
    raise Http404("No such local authority.")


def _target_for(user: access.User, target_id: int) -> Target:
    """The target if it belongs to one of the user's authorities; 404 otherwise."""
    return get_object_or_404(
        Target.objects.filter(la__in=LocalAuthority.objects.for_user(user)).select_related(
            "la", "set_by"
        ),
        pk=target_id,
    )


def _targets_url(la: LocalAuthority, *, fragment: str = "", **params: str) -> str:
    query = urlencode({"la": la.pk, **{k: v for k, v in params.items() if v}})
    return f"{reverse('dashboard-targets')}?{query}" + (f"#{fragment}" if fragment else "")


urlpatterns = [
    path("targets/", targets, name="dashboard-targets"),
    path("targets/add/", target_add, name="dashboard-target-add"),
    path("targets/<int:target_id>/edit/", target_edit, name="dashboard-target-edit"),
    path("targets/<int:target_id>/delete/", target_delete, name="dashboard-target-delete"),
    path("targets/commentary/", commentary_save, name="dashboard-commentary-save"),
]
