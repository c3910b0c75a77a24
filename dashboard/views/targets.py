"""Targets per indicator, and the monthly commentary: officers and admins set them here.

/targets/ is the one entry point: for the chosen authority, every indicator with the target in
force today and the history of its targets, a form to add one, and the commentary of a chosen
month. Changing and deleting a target have their own pages; every write is a POST.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from dashboard import access, wording
from dashboard.target_forms import (
    COMMENTARY_WARNING,
    CommentaryChanges,
    CommentaryForm,
    CommentaryMonthForm,
    TargetForm,
    margin_text,
    value_text,
)
from placements.models import LocalAuthority
from sufficiency import registry
from sufficiency.declaration import Indicator
from sufficiency.models import Commentary, IndicatorValue, Target
from sufficiency.reports import RAG_WORDS

POLARITY_WORDS = {
    "lower": "Lower is better",
    "higher": "Higher is better",
    "info": "For information",
}
MONTH_NOT_AVAILABLE = (
    "Commentary can only be written for a month with indicator values. "
    "Showing the latest month, {latest}, instead."
)


@dataclass(frozen=True)
class HistoryRow:
    target: Target
    value: str
    margin: str
    status: str  # "In force", "Starts later" or "Replaced"


@dataclass(frozen=True)
class IndicatorRow:
    definition: Indicator
    polarity: str
    in_force: HistoryRow | None
    upcoming: HistoryRow | None
    history: list[HistoryRow]


@dataclass
class CommentarySection:
    months: list[date]
    period: date | None = None
    indicator: Indicator | None = None
    chooser: CommentaryMonthForm | None = None
    notice: str = ""
    form: CommentaryForm | None = None
    existing: dict[str, Commentary] = field(default_factory=dict)


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
        messages.success(request, f"Target added: {_target_words(target)}.")
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
        messages.success(request, f"Target changed: {_target_words(target)}.")
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
    words = _target_words(target)
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
    section = _commentary_section(la, months, request.POST, data=request.POST)
    if section.form is None or section.period is None:
        raise Http404("No indicator values for that month.")
    if section.form.is_valid():
        changes = section.form.save(la=la, period_end=section.period, author=request.user)
        messages.success(request, _saved_words(section.period, changes))
        return redirect(
            _targets_url(
                la,
                period=section.period.isoformat(),
                indicator=section.indicator.key if section.indicator else "",
                fragment="commentary",
            )
        )
    return _render_page(request, authorities, la, commentary=section)


# --- Building the page -------------------------------------------------------------------------


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
        if commentary is None:
            commentary = _commentary_section(
                la, IndicatorValue.objects.period_ends(la), request.GET
            )
        errors = [
            form
            for form in (target_form, commentary.form)
            if form is not None and form.is_bound and form.errors
        ]
        rows = _indicator_rows(la, context["today"])
        context.update(
            rows=rows,
            has_targets=any(row.history for row in rows),
            target_form=target_form if target_form is not None else TargetForm(la=la),
            commentary=commentary,
            commentary_warning=COMMENTARY_WARNING,
            error_form=errors[0] if errors else None,
        )
    return render(request, "dashboard/targets.html", context)


def _indicator_rows(la: LocalAuthority, today: date) -> list[IndicatorRow]:
    in_force = {
        key: target.pk for key, target in Target.objects.filter(la=la).in_force(today).items()
    }
    by_indicator: dict[str, list[Target]] = defaultdict(list)
    for target in Target.objects.filter(la=la).select_related("set_by"):  # oldest start first
        by_indicator[target.indicator].append(target)
    rows = []
    for definition in registry.INDICATORS:
        history = []
        for target in by_indicator.get(definition.key, []):
            if target.pk == in_force.get(definition.key):
                status = "In force"
            elif target.start_date > today:
                status = "Starts later"
            else:
                status = "Replaced"
            history.append(
                HistoryRow(
                    target=target,
                    value=value_text(definition, target.value),
                    margin=margin_text(definition, target.amber_margin),
                    status=status,
                )
            )
        rows.append(
            IndicatorRow(
                definition=definition,
                polarity=POLARITY_WORDS[definition.polarity],
                in_force=next((row for row in history if row.status == "In force"), None),
                upcoming=next((row for row in history if row.status == "Starts later"), None),
                history=history,
            )
        )
    return rows


def _commentary_section(
    la: LocalAuthority,
    months: list[date],
    params: Mapping[str, Any],
    *,
    data: Mapping[str, Any] | None = None,
) -> CommentarySection:
    """The month (from `period`, else the latest), the indicator filter (`indicator`, else
    every one) and the commentary form for them; `data` binds the form to a POST."""
    section = CommentarySection(months=months)
    if not months:
        return section
    asked = CommentaryMonthForm(params, months=months)
    asked.is_valid()
    section.period = asked.cleaned_data.get("period") or months[0]
    if params.get("period") and "period" not in asked.cleaned_data:
        section.notice = MONTH_NOT_AVAILABLE.format(latest=wording.long_date(months[0]))
    section.indicator = registry.BY_KEY.get(asked.cleaned_data.get("indicator") or "")
    section.chooser = CommentaryMonthForm(
        months=months,
        initial={
            "period": section.period.isoformat(),
            "indicator": section.indicator.key if section.indicator else "",
        },
    )
    shown = [section.indicator] if section.indicator else list(registry.INDICATORS)
    section.existing = {
        c.indicator: c
        for c in Commentary.objects.filter(la=la, period_end=section.period).select_related(
            "author"
        )
    }
    values = dict(
        IndicatorValue.objects.current()
        .filter(la=la, period_end=section.period)
        .values_list("indicator", "value")
    )
    targets_then = Target.objects.filter(la=la).in_force(section.period)
    hints = {
        d.key: _commentary_hint(
            d, section.period, values, targets_then.get(d.key), section.existing.get(d.key)
        )
        for d in shown
    }
    section.form = CommentaryForm(data, indicators=shown, existing=section.existing, hints=hints)
    return section


def _commentary_hint(
    definition: Indicator,
    period: date,
    values: Mapping[str, float | None],
    target: Target | None,
    commentary: Commentary | None,
) -> str:
    """What the officer is commenting on: the value that month, and how it stands."""
    if definition.key in values:
        value = values[definition.key]
        words = [f"Value at {wording.long_date(period)}: {value_text(definition, value)}."]
    else:
        words = [f"No value at {wording.long_date(period)}."]
    if definition.polarity != "info":
        if target is None:
            words.append("No target set.")
        else:
            rag = target.rag(values.get(definition.key), definition.polarity)
            judged = f", {RAG_WORDS[rag].lower()}" if rag else ""
            words.append(
                f"Target {value_text(definition, target.value)} "
                f"{'or lower' if definition.polarity == 'lower' else 'or higher'}{judged}."
            )
    if commentary is not None:
        by = f" by {_person(commentary.author)}" if commentary.author else ""
        words.append(f"Last changed{by} on {wording.long_datetime(commentary.updated_at)}.")
    return " ".join(words)


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


def _target_words(target: Target) -> str:
    """ "Three or more placements in 12 months, 10.0% from 1 April 2025"."""
    definition = registry.BY_KEY.get(target.indicator)
    name = definition.name if definition else target.indicator
    return (
        f"{name}, {value_text(definition, target.value)} "
        f"from {wording.long_date(target.start_date)}"
    )


def _saved_words(period: date, changes: CommentaryChanges) -> str:
    month = wording.long_date(period)
    if not changes.total:
        return f"No commentary for {month} was changed."
    parts = [
        f"{count} {verb}"
        for count, verb in (
            (changes.added, "added"),
            (changes.changed, "changed"),
            (changes.removed, "removed"),
        )
        if count
    ]
    return f"Commentary for {month} saved: {', '.join(parts)}."


def _person(user: Any) -> str:
    return user.get_full_name() or user.get_username()


urlpatterns = [
    path("targets/", targets, name="dashboard-targets"),
    path("targets/add/", target_add, name="dashboard-target-add"),
    path("targets/<int:target_id>/edit/", target_edit, name="dashboard-target-edit"),
    path("targets/<int:target_id>/delete/", target_delete, name="dashboard-target-delete"),
    path("targets/commentary/", commentary_save, name="dashboard-commentary-save"),
]
