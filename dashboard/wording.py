"""How uploads are described in words: dates, windows and outcomes, in plain English."""

from __future__ import annotations

from datetime import date, datetime

from django.contrib.humanize.templatetags.humanize import intcomma
from django.utils import timezone

from placements.models import LocalAuthority, Upload
from sufficiency.declaration import Indicator


def thousands(value: int) -> str:
    """1234567 -> "1,234,567". Django's intcomma says the same, through its localisation
    machinery, at many times the cost; pages format hundreds of numbers."""
    return f"{value:,}"


def long_date(value: date) -> str:
    """31 March 2025."""
    return f"{value.day} {value:%B %Y}"


def long_datetime(value: datetime) -> str:
    """23 November 2026 14:05, in the site's time zone."""
    local = timezone.localtime(value)
    return f"{long_date(local)} {local:%H:%M}"


def counted(count: int, noun: str, plural: str | None = None) -> str:
    """ "1 error", "1,234 errors"."""
    word = noun if count == 1 else (plural or noun + "s")
    return f"{intcomma(count)} {word}"


def window_text(upload: Upload) -> str:
    """What the upload covers: a 903 extract's window, the other kinds' as-at date."""
    if upload.kind != Upload.Kind.SSDA903:
        return f"as at {long_date(upload.as_at)}"
    if upload.window_start is None:
        return f"full history to {long_date(upload.as_at)}"
    return f"{long_date(upload.window_start)} to {long_date(upload.as_at)}"


# What a rejected upload of each kind left as it was.
UNCHANGED = {
    Upload.Kind.SSDA903: "the stored history is as it was",
    Upload.Kind.CARERS: "the stored carer households are as they were",
    Upload.Kind.COSTS: "the stored placement costs are as they were",
}


def loaded_text(upload: Upload) -> str:
    """What an upload holds, in a few words: "1,234 children, 2,345 episodes", "42 households".

    An upload's rows are its kind's: episodes, carer households or placement costs.
    """
    if upload.kind == Upload.Kind.CARERS:
        return counted(upload.rows_count, "household")
    if upload.kind == Upload.Kind.COSTS:
        return counted(upload.rows_count, "cost")
    return (
        f"{counted(upload.children_count, 'child', 'children')}, "
        f"{counted(upload.rows_count, 'episode')}"
    )


def _loaded_sentence(upload: Upload) -> str:
    warnings = (
        "no warnings" if upload.warnings_count == 0 else counted(upload.warnings_count, "warning")
    )
    if upload.kind == Upload.Kind.CARERS:
        return (
            f"Loaded {counted(upload.rows_count, 'carer household')} "
            f"({intcomma(upload.deregistered_count)} deregistered; "
            f"{intcomma(upload.rows_added)} new, {intcomma(upload.rows_updated)} changed, "
            f"{intcomma(upload.rows_removed)} no longer listed) with {warnings}."
        )
    if upload.kind == Upload.Kind.COSTS:
        return (
            f"Loaded {counted(upload.rows_count, 'placement cost')} for "
            f"{counted(upload.children_count, 'child', 'children')} "
            f"({intcomma(upload.rows_added)} new, {intcomma(upload.rows_updated)} "
            f"changed) with {warnings}."
        )
    return (
        f"Loaded {counted(upload.children_count, 'child', 'children')} and "
        f"{counted(upload.rows_count, 'episode')} "
        f"({intcomma(upload.rows_added)} added, {intcomma(upload.rows_updated)} "
        f"updated, {intcomma(upload.rows_removed)} removed) with {warnings}."
    )


def result_text(upload: Upload) -> str:
    """The outcome of a finished upload in one sentence ("" while it is still running)."""
    status = upload.status
    if status == Upload.Status.LOADED:
        return _loaded_sentence(upload)
    if status == Upload.Status.REJECTED:
        unchanged = UNCHANGED.get(upload.kind, UNCHANGED[Upload.Kind.SSDA903])
        return (
            f"Rejected: {counted(upload.errors_count, 'error')}. Nothing was changed; {unchanged}."
        )
    if status == Upload.Status.DUPLICATE:
        original = upload.duplicate_of
        if original is None:
            return "These files were already uploaded; nothing was loaded again."
        return (
            f"These files were already uploaded on {long_date(timezone.localtime(original.created_at))} "
            f"(upload #{original.pk}); nothing was loaded again."
        )
    if status == Upload.Status.FAILED:
        return upload.failure or "Processing failed. Nothing was changed."
    if status == Upload.Status.AWAITING:
        return (
            f"Checked: {counted(upload.children_count, 'child', 'children')} and "
            f"{counted(upload.rows_count, 'episode')} with "
            f"{counted(upload.warnings_count, 'warning')}. Nothing is loaded until data staff "
            "load it, below."
        )
    if status == Upload.Status.CANCELLED:
        return "Cancelled: nothing of this upload was loaded; the stored history is as it was."
    if status == Upload.Status.REVERTED:
        loaded = _loaded_sentence(upload)  # "Loaded 2 children and ..."
        return f"Undone: the history is back as it was before it. It had l{loaded[1:]}"
    return ""


def indicator_value(definition: Indicator, value: float | None) -> str:
    """As councils write them: "10.8%", "1,234", "79 per 10,000"; "Not available" when blank."""
    if value is None or value != value:
        return "Not available"
    if definition.unit == "percent":
        return f"{value:.1f}%"
    if definition.unit == "rate":
        return f"{thousands(round(value))} per 10,000"
    if definition.unit == "money":
        return f"£{thousands(round(value))}"
    return thousands(round(value))


def published_value(definition: Indicator, value: float | None, marker: str = "") -> str:
    """A published DfE figure as published: whole percentages stay whole; markers explained."""
    if value is None or value != value:
        return PUBLISHED_MARKERS.get(marker, "Not published")
    if definition.unit == "percent":
        return f"{value:.0f}%" if float(value).is_integer() else f"{value:.1f}%"
    if definition.unit == "rate":
        return f"{thousands(round(value))} per 10,000"
    return thousands(round(value))


# The DfE's symbols where a number is not published (its "Symbols used" notes).
PUBLISHED_MARKERS = {
    "c": "Suppressed by the DfE (small number)",
    "z": "Not applicable",
    "x": "Not available",
    "k": "Fewer than 0.5",
    "-": "Not published",
    "": "Not published",
}


def change(definition: Indicator, current: float | None, before: float | None) -> str:
    """ "up 0.4 points", "down 12", "no change"; "" when either side is missing."""
    if current is None or before is None or current != current or before != before:
        return ""
    if definition.unit == "percent":
        difference = round(current, 1) - round(before, 1)
        amount = f"{abs(difference):.1f} percentage points"
        if abs(round(difference, 1)) == 1:
            amount = "1.0 percentage point"
    else:
        difference = round(current) - round(before)
        amount = thousands(abs(round(difference)))
        if definition.unit == "money":
            amount = f"£{amount}"
    if round(difference, 1) == 0:
        return "no change"
    return f"{'up' if difference > 0 else 'down'} {amount}"


def direction_words(definition: Indicator) -> str:
    return {
        "lower": "Lower is better",
        "higher": "Higher is better",
        "info": "For information: neither higher nor lower is better",
    }[definition.polarity]


def data_status(la: LocalAuthority, latest: Upload | None) -> str:
    """Which extract every figure on a page rests on: its as-at date, and when and by whom it
    was loaded."""
    if latest is None:
        return f"{la.name}: no 903 extract has been loaded yet."
    by = ""
    if latest.uploaded_by is not None:
        by = f" by {latest.uploaded_by.get_full_name() or latest.uploaded_by.get_username()}"
    loaded = latest.finished_at or latest.created_at
    return (
        f"{la.name}: data as at {long_date(latest.as_at)}, loaded "
        f"{long_datetime(timezone.localtime(loaded))}{by}."
    )


def stale_figures(failed_at: datetime, figures_from: datetime | None) -> str:
    """The warning on every page of an authority whose figures could not be brought up to date."""
    shown = (
        f"the figures shown are those worked out on {long_datetime(figures_from)}"
        if figures_from is not None
        else "no figures could be worked out"
    )
    return (
        f"These figures are not up to date. Working them out again from the latest history "
        f"failed on {long_datetime(failed_at)}, so {shown}, before the latest changes to the "
        "history. Data staff can see why on the upload's page."
    )
